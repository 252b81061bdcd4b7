//! Tenant resolution: every request not for `/pkg` passes here once. A department is reached by
//! its own domain, by `<slug>.<base domain>`, or (for local use) by the path prefix `/<slug>/`,
//! which is stripped so that the department's router sees department-relative paths.

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tenants::{HostMatch, Tenant, TenantStatus, match_host, split_path_prefix};
use tower::ServiceExt;

use super::error::ErrorPage;
use super::security::CspNonce;
use super::{AppError, AppState, TenantCtx};
use crate::render::to_html;

#[derive(Clone)]
pub struct Routers {
    pub state: AppState,
    pub tenant: Router,
    pub platform: Router,
}

enum Resolved {
    Tenant {
        ctx: TenantCtx,
        path: Option<String>,
    },
    UnknownTenant,
    Platform,
}

async fn resolve(state: &AppState, host: &str, path: &str) -> Result<Resolved, AppError> {
    let platform = &state.platform;
    match match_host(host, &state.settings.base_domain) {
        HostMatch::Subdomain(slug) => {
            return Ok(match platform.tenant_by_slug(&slug).await? {
                Some(tenant) => Resolved::Tenant {
                    ctx: TenantCtx {
                        tenant,
                        base: String::new(),
                    },
                    path: None,
                },
                None => Resolved::UnknownTenant,
            });
        }
        HostMatch::Other(host) => {
            if host != state.settings.base_domain
                && let Some(tenant) = platform.tenant_by_domain(&host).await?
            {
                return Ok(Resolved::Tenant {
                    ctx: TenantCtx {
                        tenant,
                        base: String::new(),
                    },
                    path: None,
                });
            }
        }
    }
    if let Some((slug, rest)) = split_path_prefix(path) {
        return Ok(match platform.tenant_by_slug(&slug).await? {
            Some(tenant) => Resolved::Tenant {
                ctx: TenantCtx {
                    base: format!("/{slug}"),
                    tenant,
                },
                path: Some(rest),
            },
            None => Resolved::UnknownTenant,
        });
    }
    Ok(Resolved::Platform)
}

pub async fn dispatch(State(routers): State<Routers>, mut req: Request) -> Response {
    let nonce = CspNonce::new();
    req.extensions_mut().insert(nonce.clone());
    let response = route(&routers, req).await;
    let (ctx, response) = response;
    finish(&routers.state, ctx.as_ref(), &nonce, response)
}

/// The answer, from the department's router or the platform's, and the department if any.
async fn route(routers: &Routers, mut req: Request) -> (Option<TenantCtx>, Response) {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host())
        .unwrap_or_default()
        .to_owned();
    let resolved = match resolve(&routers.state, &host, req.uri().path()).await {
        Ok(resolved) => resolved,
        Err(e) => return (None, e.into_response()),
    };
    let response = match resolved {
        Resolved::Tenant { ctx, path } => {
            if ctx.tenant.status() == TenantStatus::Suspended {
                let response = suspended(&ctx.tenant);
                return (Some(ctx), response);
            }
            if let Some(path) = path {
                *req.uri_mut() = relative_uri(req.uri(), &path);
            }
            req.extensions_mut().insert(ctx.clone());
            let response = routers.tenant.clone().oneshot(req).await.into_response();
            return (Some(ctx), response);
        }
        Resolved::UnknownTenant => ErrorPage::response(
            StatusCode::NOT_FOUND,
            "Département introuvable",
            "Aucun département n'est ouvert à cette adresse sur Guichet. Vérifiez l'adresse que vous a donnée votre département.",
        ),
        Resolved::Platform => routers.platform.clone().oneshot(req).await.into_response(),
    };
    (None, response)
}

fn relative_uri(uri: &Uri, path: &str) -> Uri {
    let path_and_query = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    Uri::builder()
        .path_and_query(path_and_query)
        .build()
        .unwrap_or_else(|_| Uri::from_static("/"))
}

fn suspended(tenant: &Tenant) -> Response {
    ErrorPage::response(
        StatusCode::SERVICE_UNAVAILABLE,
        "Service suspendu",
        format!(
            "Le guichet en ligne de {} est momentanément suspendu. Vos données sont conservées ; contactez le département pour en savoir plus.",
            tenant.name()
        ),
    )
}

/// Renders error pages in the department's layout and adds the headers every page carries.
fn finish(
    state: &AppState,
    ctx: Option<&TenantCtx>,
    nonce: &CspNonce,
    response: Response,
) -> Response {
    let mut response = match response.extensions().get::<ErrorPage>().cloned() {
        Some(page) => {
            let (mut parts, _) = response.into_parts();
            let page_ctx = super::ui::page_context(state, ctx, None, String::new());
            let html = to_html(Some(nonce.as_str()), move || {
                leptos::prelude::view! {
                    <app::pages::status::StatusPage ctx=page_ctx title=page.title.to_owned() message=page.message />
                }
            });
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(html))
        }
        None => response,
    };
    super::security::add_headers(state, nonce, response.headers_mut());
    response
}
