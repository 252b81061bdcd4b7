//! The site's static files under `/pkg`: the islands' loader, their WebAssembly and the
//! stylesheet. `scripts/build-site.sh` names them after their content and writes brotli and gzip
//! copies beside them; `assets.json`, at the site's root, gives the names. Since a name changes
//! whenever its content does, browsers may keep the files for a year without asking again.
//!
//! A site without `assets.json` (tests that serve no files, a hand-made site) is served under
//! the plain names with `no-cache`, so a browser never keeps a stale file.

use std::path::{Path, PathBuf};

use axum::http::{HeaderValue, Response, StatusCode, header};
use serde::Deserialize;
use tower::ServiceBuilder;
use tower::util::MapResponseLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The directory under the site's root, and the path the files are served at.
pub const PKG_DIR: &str = "pkg";
const MANIFEST: &str = "assets.json";
/// A year: what browsers and proxies take as « for ever ».
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The built site's file names.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteAssets {
    /// The loader's and the WebAssembly's name without extension (Leptos' « output name »).
    pub script: String,
    /// The stylesheet's file name.
    pub stylesheet: String,
    /// Named after their content: served as immutable.
    #[serde(skip)]
    pub hashed: bool,
}

impl SiteAssets {
    /// Reads the names the build wrote under `site_root`; plain names if it wrote none.
    pub fn read(site_root: &Path) -> anyhow::Result<Self> {
        let path = site_root.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::plain()),
            Err(e) => anyhow::bail!("lecture de {} impossible : {e}", path.display()),
        };
        let assets: Self = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{} est illisible ({e}) : reconstruisez le site avec scripts/build-site.sh",
                path.display()
            )
        })?;
        let is_file_name = |name: &str| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        };
        anyhow::ensure!(
            is_file_name(&assets.script) && is_file_name(&assets.stylesheet),
            "{} nomme des fichiers invalides : reconstruisez le site avec scripts/build-site.sh",
            path.display()
        );
        Ok(Self {
            hashed: true,
            ..assets
        })
    }

    fn plain() -> Self {
        Self {
            script: "guichet".to_owned(),
            stylesheet: "guichet.css".to_owned(),
            hashed: false,
        }
    }

    /// Where pages link the stylesheet.
    pub fn stylesheet_href(&self) -> String {
        format!("/{PKG_DIR}/{}", self.stylesheet)
    }

    /// Serves `site_root/pkg`, precompressed copies first when the browser accepts them.
    pub fn service(&self, site_root: &Path) -> axum::routing::Router {
        let cache = HeaderValue::from_static(if self.hashed { IMMUTABLE } else { "no-cache" });
        let files = ServeDir::new(pkg_dir(site_root))
            .precompressed_br()
            .precompressed_gzip();
        axum::Router::new().fallback_service(
            ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                // Only a file found may be kept: a 404 kept a year would outlive the deploy
                // that brings the file.
                .layer(MapResponseLayer::new(move |mut response: Response<_>| {
                    let found = response.status().is_success()
                        || response.status() == StatusCode::NOT_MODIFIED;
                    if found {
                        response
                            .headers_mut()
                            .insert(header::CACHE_CONTROL, cache.clone());
                    }
                    response
                }))
                .service(files),
        )
    }
}

fn pkg_dir(site_root: &Path) -> PathBuf {
    site_root.join(PKG_DIR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_without_names_is_served_under_the_plain_ones() {
        let dir = tempfile::tempdir().unwrap();
        let assets = SiteAssets::read(dir.path()).unwrap();
        assert_eq!(assets, SiteAssets::plain());
        assert_eq!(assets.stylesheet_href(), "/pkg/guichet.css");
    }

    #[test]
    fn names_that_could_leave_the_directory_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(MANIFEST),
            r#"{"script":"../guichet","stylesheet":"guichet.css"}"#,
        )
        .unwrap();
        let err = SiteAssets::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("reconstruisez le site"), "{err}");
    }
}
