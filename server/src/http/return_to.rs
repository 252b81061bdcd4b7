//! Where a citizen goes once signed in: the page they asked for when sign-in was required
//! (`?retour=` on the sign-in page). The page carries it in its form and its FranceConnect
//! link (an anonymous view stores nothing); FranceConnect's start keeps it in the session it
//! opens anyway. Only a path inside the same department is kept, so the parameter can send
//! nobody elsewhere.

use axum::http::Method;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::{AppError, TenantCtx};

const RETURN_KEY: &str = "citizen_return_to";

/// The sign-in page's parameter naming the page to come back to.
pub const PARAM: &str = "retour";

/// The longest return path kept.
const LONGEST: usize = 1_000;

/// Where signing in leads when nothing else was asked for.
const DEFAULT: &str = "/mon-espace";

/// The citizens' sign-in page, asked to come back to the page of `parts` when it was read
/// (a GET: a form sent without a session cannot be sent again for the citizen).
pub fn login_href(tenant: &TenantCtx, parts: &Parts) -> String {
    let asked = parts.uri.path_and_query().map(|p| p.as_str());
    // Their space is where signing in leads anyway: no need to say it.
    let elsewhere = asked.filter(|p| parts.method == Method::GET && *p != DEFAULT);
    match carried(elsewhere) {
        Some((_, encoded)) => tenant.href(&format!("/connexion?{PARAM}={encoded}")),
        None => tenant.href("/connexion"),
    }
}

/// `raw`, as a path of the department (relative to its address) that may be gone back to;
/// `None` for anything that would leave it (`//elsewhere`, `https://…`, `/\elsewhere`), carries
/// control characters, is too long, or is a sign-in or sign-out page (it would loop).
pub fn safe(raw: &str) -> Option<String> {
    if raw.len() > LONGEST
        || !raw.starts_with('/')
        || raw.starts_with("//")
        || raw.contains('\\')
        || raw.chars().any(char::is_control)
    {
        return None;
    }
    let base = url::Url::parse("http://departement.invalid/").ok()?;
    let joined = base.join(raw).ok()?;
    if joined.host_str() != Some("departement.invalid") {
        return None;
    }
    let path = joined.path();
    let sign_in_or_out = ["/connexion", "/deconnexion", "/inscription"]
        .iter()
        .any(|page| path == *page || path.starts_with(&format!("{page}/")));
    if sign_in_or_out {
        return None;
    }
    Some(match joined.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    })
}

/// `raw` if [`safe`], with the same as a query value: the sign-in page carries it in its form
/// and its FranceConnect link, storing nothing before sign-in.
pub fn carried(raw: Option<&str>) -> Option<(String, String)> {
    let path = raw.and_then(safe)?;
    let encoded = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    Some((path, encoded))
}

/// Keeps `raw`, if [`safe`], in the session a sign-in through FranceConnect opens anyway.
pub async fn remember(session: &Session, raw: Option<&str>) -> Result<(), AppError> {
    if let Some(path) = raw.and_then(safe) {
        session.insert(RETURN_KEY, path).await?;
    }
    Ok(())
}

/// Where a password sign-in leads: the page its form carried, else the citizen's space.
pub fn target(tenant: &TenantCtx, raw: Option<&str>) -> String {
    tenant.href(raw.and_then(safe).as_deref().unwrap_or(DEFAULT))
}

/// Where to send the citizen who just signed in through FranceConnect or a confirmation: the
/// page kept (once), else their space.
pub async fn after_sign_in(session: &Session, tenant: &TenantCtx) -> Result<String, AppError> {
    let kept = session.remove::<String>(RETURN_KEY).await?;
    let path = kept.as_deref().and_then(safe);
    Ok(tenant.href(path.as_deref().unwrap_or(DEFAULT)))
}

#[cfg(test)]
mod tests {
    use super::safe;

    #[test]
    fn only_a_page_of_the_department_is_kept() {
        assert_eq!(
            safe("/aides/loyer/demander").as_deref(),
            Some("/aides/loyer/demander")
        );
        assert_eq!(
            safe("/mon-espace/messages?fil=3").as_deref(),
            Some("/mon-espace/messages?fil=3")
        );
        // Dot segments are resolved, and cannot climb out of the department's root.
        assert_eq!(safe("/aides/../mon-espace").as_deref(), Some("/mon-espace"));
        for elsewhere in [
            "https://attaquant.example/",
            "//attaquant.example/",
            "/\\attaquant.example/",
            "\\\\attaquant.example",
            "javascript:alert(1)",
            "attaquant.example",
            "/mon-espace\r\nSet-Cookie: x=1",
            "/connexion",
            "/connexion/franceconnect",
            "/deconnexion",
            "",
        ] {
            assert_eq!(safe(elsewhere), None, "{elsewhere:?}");
        }
        assert_eq!(safe(&format!("/{}", "a".repeat(2_000))), None);
    }
}
