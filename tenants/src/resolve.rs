//! Pure parts of tenant resolution: what a host or a path names. The lookups themselves are
//! done by [`crate::Platform`].

use crate::Slug;

/// What the `Host` header of a request designates.
#[derive(Debug, PartialEq, Eq)]
pub enum HostMatch {
    /// `<slug>.<base domain>`.
    Subdomain(Slug),
    /// Any other host: maybe a department's own domain, or the platform itself.
    Other(String),
}

/// Classifies a `Host` header value (port and case ignored) against the base domain.
pub fn match_host(host: &str, base_domain: &str) -> HostMatch {
    let host = strip_port(host).trim_end_matches('.').to_ascii_lowercase();
    let base = base_domain.to_ascii_lowercase();
    if let Some(label) = host.strip_suffix(&base).and_then(|h| h.strip_suffix('.'))
        && !label.contains('.')
        && let Ok(slug) = Slug::parse(label)
    {
        return HostMatch::Subdomain(slug);
    }
    HostMatch::Other(host)
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // IPv6 literal: never a tenant host.
        return host;
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

/// Splits `/<slug>/rest` into the slug and the tenant-relative path (`/rest`, at least `/`).
/// Returns `None` when the first segment is not a well-formed slug.
pub fn split_path_prefix(path: &str) -> Option<(Slug, String)> {
    let rest = path.strip_prefix('/')?;
    let (first, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let slug = Slug::parse(first).ok()?;
    // Slug::parse trims: refuse segments that only parse once trimmed.
    if slug.as_str() != first {
        return None;
    }
    let tail = if tail.is_empty() { "/" } else { tail };
    Some((slug, tail.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomain_of_the_base_domain_names_a_tenant() {
        assert_eq!(
            match_host("Demo.localhost:3000", "localhost"),
            HostMatch::Subdomain(Slug::parse("demo").unwrap())
        );
        assert_eq!(
            match_host("cd-23.guichet.fr", "guichet.fr"),
            HostMatch::Subdomain(Slug::parse("cd-23").unwrap())
        );
    }

    #[test]
    fn other_hosts_are_left_for_domain_lookup() {
        assert_eq!(
            match_host("localhost:3000", "localhost"),
            HostMatch::Other("localhost".into())
        );
        assert_eq!(
            match_host("a.b.localhost", "localhost"),
            HostMatch::Other("a.b.localhost".into())
        );
        assert_eq!(
            match_host("aides.creuse.fr", "guichet.fr"),
            HostMatch::Other("aides.creuse.fr".into())
        );
        assert_eq!(
            match_host("[::1]:3000", "localhost"),
            HostMatch::Other("[::1]:3000".into())
        );
    }

    #[test]
    fn path_prefix_is_split() {
        let demo = Slug::parse("demo").unwrap();
        assert_eq!(
            split_path_prefix("/demo/connexion"),
            Some((demo.clone(), "/connexion".into()))
        );
        assert_eq!(
            split_path_prefix("/demo/"),
            Some((demo.clone(), "/".into()))
        );
        assert_eq!(split_path_prefix("/demo"), Some((demo, "/".into())));
        assert_eq!(split_path_prefix("/pkg/guichet.js"), None);
        assert_eq!(split_path_prefix("/"), None);
        assert_eq!(split_path_prefix("/Demo/x"), None);
    }
}
