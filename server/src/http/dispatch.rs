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
                        look: Default::default(),
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
                        look: Default::default(),
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
                    look: Default::default(),
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
        Resolved::Tenant { mut ctx, path } => {
            match routers.state.looks.get(&ctx.tenant).await {
                Ok(look) => ctx.look = look,
                // Pages still work in Guichet's colours.
                Err(e) => tracing::error!(error = %e, "department look unreadable"),
            }
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
/// A page for a refusal the framework wrote itself (an unreadable query string or form, a
/// method the address does not take, a body too large): in English plain text or empty, it
/// would reach people as such. Answers in another format (JSON for programs) stay as they are.
fn refusal_in_french(response: &Response) -> Option<ErrorPage> {
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !plain || !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    let (title, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "Action impossible à cette adresse",
            "Cette adresse ne s'utilise pas de cette façon (par exemple, un formulaire envoyé à une page qui n'en reçoit pas). Revenez à la page précédente et utilisez ses boutons et liens.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "Envoi trop volumineux",
            "Ce que vous avez envoyé dépasse la taille acceptée. Allégez les fichiers joints (5 Mo au plus par document) et réessayez.",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
        | StatusCode::UNPROCESSABLE_ENTITY
        | StatusCode::BAD_REQUEST => (
            "Demande illisible",
            "L'adresse ou le formulaire reçu n'a pas la forme attendue (un paramètre en double ou d'une valeur inconnue, par exemple). Revenez à la page précédente et réessayez depuis ses liens et boutons.",
        ),
        StatusCode::NOT_FOUND => (
            "Page introuvable",
            "Cette page n'existe pas ou plus. Vérifiez l'adresse, ou repartez de l'accueil.",
        ),
        _ if status.is_server_error() => (
            "Le service rencontre un problème",
            "Réessayez dans quelques minutes. Si le problème persiste, contactez le département.",
        ),
        _ => (
            "Demande refusée",
            "Cette demande ne peut pas aboutir. Revenez à la page précédente et réessayez.",
        ),
    };
    Some(ErrorPage {
        title,
        message: message.to_owned(),
    })
}

fn finish(
    state: &AppState,
    ctx: Option<&TenantCtx>,
    nonce: &CspNonce,
    response: Response,
) -> Response {
    let page = response
        .extensions()
        .get::<ErrorPage>()
        .cloned()
        .or_else(|| refusal_in_french(&response));
    let mut response = match page {
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
