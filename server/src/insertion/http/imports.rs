//! Sending a benefit fund's file, its preview to confirm, and the progress of its passes.

use app::components::Tone;
use app::insertion::{FindingRow, ImportPage, ImportRow, ImportView, ImportsPage, ImportsView};
use app::validation::FieldErrors;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;
use serde::Deserialize;

use super::{InsertionDesk, officer_desk};
use crate::http::auth::CurrentStaff;
use crate::http::form::{StreamedUpload, UploadRefusal};
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};
use crate::insertion::import::{self, Import, ImportFile, ImportStatus, Received};
use app::islands::grouped;

/// Imports listed on the imports' page.
const LISTED: u64 = 20;

/// `GET /agents/insertion/imports`.
pub async fn imports_page(staff: CurrentStaff, ui: Ui) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    render_imports(&desk, ui, StatusCode::OK, FieldErrors::new()).await
}

pub(super) async fn render_imports(
    desk: &InsertionDesk<'_>,
    ui: Ui,
    status: StatusCode,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let tenant = desk.ctx();
    let imports = import::latest(desk.tenant(), LISTED)
        .await?
        .into_iter()
        .map(|i| ImportRow {
            href: tenant.href(&format!("/agents/insertion/imports/{}", i.id)),
            number: format!("n° {}", i.id),
            file: i.file_name.clone(),
            sent: format!(
                "{} par {}",
                crate::dates::date_time(i.created_at),
                i.requested_by_name
            ),
            status: i.status.label().to_owned(),
            tone: tone(i.status),
        })
        .collect();
    let view = ImportsView {
        upload_action: tenant.href("/agents/insertion/imports/televersement"),
        list_action: tenant.href("/agents/insertion/imports/liste/televersement"),
        mappings: super::lists::mapping_options(desk).await?,
        mappings_href: tenant.href("/agents/insertion/correspondances"),
        imports,
        list_href: tenant.href("/agents/insertion"),
    };
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <ImportsPage ctx imports=view errors /> }
    }))
}

fn tone(status: ImportStatus) -> Tone {
    match status {
        ImportStatus::Applied => Tone::Success,
        ImportStatus::Previewed => Tone::Warning,
        ImportStatus::Failed => Tone::Error,
        ImportStatus::Cancelled => Tone::Neutral,
        _ => Tone::Info,
    }
}

/// `POST /agents/insertion/imports/televersement`: the file, read as it arrives and kept
/// aside; its preview is queued.
pub async fn upload_file(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    mut upload: StreamedUpload,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let slug = desk.tenant().slug();
    let path = import::receiving_path(&state.platform, slug);
    let saved = match upload.save("fichier", &path, import::MAX_BYTES).await {
        Ok(saved) => saved,
        Err(refusal) => {
            let message = match refusal {
                UploadRefusal::Missing => {
                    "Choisissez le fichier XML envoyé par la CAF ou la MSA.".to_owned()
                }
                UploadRefusal::Empty => {
                    "Le fichier envoyé est vide (0 octet) : vérifiez que vous avez choisi le bon fichier, ou demandez-le de nouveau à la caisse.".to_owned()
                }
                UploadRefusal::TooLarge => format!(
                    "Le fichier dépasse {} Mo : un fichier mensuel de la caisse n'est pas si gros ; vérifiez que vous avez choisi le bon fichier.",
                    import::MAX_BYTES / (1024 * 1024)
                ),
                UploadRefusal::Broken => {
                    "Le fichier n'est pas arrivé en entier : la connexion a peut-être été coupée. Envoyez-le de nouveau.".to_owned()
                }
            };
            return render_imports(
                &desk,
                ui,
                StatusCode::UNPROCESSABLE_ENTITY,
                FieldErrors::at("fichier", message),
            )
            .await;
        }
    };
    let received = Received {
        path: path.clone(),
        name: saved.file_name,
        size: saved.size,
        hash: saved.sha256,
        mapping: None,
    };
    let id = match import::create(&state.platform, &desk, received).await {
        Ok(id) => id,
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(AppError::Internal(format!("import not recorded: {e}")));
        }
    };
    enqueue(&state, &staff, id).await;
    let page = desk.ctx().href(&format!("/agents/insertion/imports/{id}"));
    Ok(Redirect::to(&page).into_response())
}

/// A lost enqueue is not fatal: the import's page enqueues it again (`needs_new_job`).
pub(super) async fn enqueue(state: &AppState, staff: &CurrentStaff, id: i64) {
    let job = ImportFile {
        tenant: staff.tenant.tenant.slug().to_string(),
        import_id: id,
    };
    if let Err(e) = crate::jobs::enqueue(&state.platform, job).await {
        tracing::warn!(import = id, error = %e, "import job not enqueued; its page will retry");
    }
}

/// The import the path names, in this department, its job enqueued again if it seems lost.
async fn followed(
    state: &AppState,
    desk: &InsertionDesk<'_>,
    id: &str,
) -> Result<Import, AppError> {
    let id = crate::http::parse_id(id)?;
    let import = import::find(desk.tenant(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if import.needs_new_job(chrono::Utc::now()) {
        enqueue(state, desk.staff(), import.id).await;
    }
    Ok(import)
}

#[derive(Debug, Default, Deserialize)]
pub struct ImportParams {
    #[serde(default)]
    ok: Option<String>,
}

/// `GET /agents/insertion/imports/{id}`.
pub async fn import_page(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
    Query(params): Query<ImportParams>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let import = followed(&state, &desk, &id).await?;
    let notice = match params.ok.as_deref() {
        Some("confirme") => Some(
            "L'import est confirmé : il s'écrit maintenant. Vous pouvez suivre son avancement ici."
                .to_owned(),
        ),
        _ => None,
    };
    render_import(&desk, ui, StatusCode::OK, import, notice, None).await
}

async fn render_import(
    desk: &InsertionDesk<'_>,
    ui: Ui,
    status: StatusCode,
    import: Import,
    notice: Option<String>,
    refusal: Option<String>,
) -> Result<Response, AppError> {
    let same_file = match import.status {
        ImportStatus::Previewed | ImportStatus::Queued | ImportStatus::Previewing => {
            import::same_file_applied(desk.tenant(), &import)
                .await?
                .map(|earlier| {
                    format!(
                        "Ce fichier a déjà été importé (import n° {}, le {}) : l'importer de nouveau ne changera rien.",
                        earlier.id,
                        earlier
                            .finished_at
                            .map(crate::dates::date_time)
                            .unwrap_or_default()
                    )
                })
        }
        _ => None,
    };
    let mapping = match import.mapping_id {
        Some(id) => crate::insertion::lists::find(desk.tenant(), id).await?,
        None => None,
    };
    let mut view = import_view(desk, &import, same_file);
    if let Some(mapping) = mapping {
        view.facts.insert(
            1,
            (
                "Lue avec la correspondance".to_owned(),
                super::lists::mapping_words(&mapping),
            ),
        );
    }
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <ImportPage ctx import=view notice refusal /> }
    }))
}

fn import_view(desk: &InsertionDesk<'_>, import: &Import, same_file: Option<String>) -> ImportView {
    let tenant = desk.ctx();
    let page = tenant.href(&format!("/agents/insertion/imports/{}", import.id));
    let mut facts = vec![
        ("Fichier".to_owned(), import.file_name.clone()),
        (
            "Taille".to_owned(),
            format!("{} octets", grouped(import.file_size)),
        ),
        (
            "Envoyé".to_owned(),
            format!(
                "le {} par {}",
                crate::dates::date_time(import.created_at),
                import.requested_by_name
            ),
        ),
    ];
    if let Some(on) = import.created_on {
        facts.push((
            "Fichier créé par la caisse le".to_owned(),
            crate::dates::on(on),
        ));
    }
    if let Some(on) = import.reference_on {
        facts.push(("Mois décrit".to_owned(), on.format("%m/%Y").to_string()));
    }
    if let Some(frequency) = &import.frequency {
        facts.push((
            "Nature".to_owned(),
            match frequency.as_str() {
                "M" => "Fichier mensuel complet (les absents sortent du RSA)",
                "L" => "Liste (les personnes absentes de la liste ne sortent pas)",
                _ => "Fichier infra-mensuel (les absents ne sortent pas)",
            }
            .to_owned(),
        ));
    }
    let progress = import.status.running().then(|| {
        let (done, total) = import.progress();
        let unit = match import.status {
            ImportStatus::Confirmed | ImportStatus::Applying => "dossiers écrits",
            _ => "dossiers lus",
        };
        (format!("{page}/etat"), done, total, unit.to_owned())
    });
    let (counts, findings, findings_more) = match &import.preview {
        Some(p) => preview_lines(p),
        None => (Vec::new(), Vec::new(), None),
    };
    let outcome = import
        .outcome
        .as_ref()
        .filter(|_| import.status == ImportStatus::Applied)
        .map(|w| {
            vec![
                ("Personnes créées".to_owned(), grouped(w.created)),
                ("Personnes mises à jour".to_owned(), grouped(w.updated)),
                ("Personnes inchangées".to_owned(), grouped(w.unchanged)),
                (
                    "Changements de situation du droit".to_owned(),
                    grouped(w.state_changes),
                ),
                ("Retours dans le RSA".to_owned(), grouped(w.returned)),
                ("Sorties du RSA".to_owned(), grouped(w.exits)),
            ]
        })
        .unwrap_or_default();
    let previewed = import.status == ImportStatus::Previewed;
    ImportView {
        number: u64::try_from(import.id).unwrap_or_default(),
        status: import.status.label().to_owned(),
        tone: tone(import.status),
        facts,
        progress,
        refresh_href: page.clone(),
        counts,
        findings,
        findings_more,
        outcome,
        error: import.error.clone(),
        same_file,
        confirm_action: previewed.then(|| format!("{page}/confirmer")),
        cancel_action: previewed.then(|| format!("{page}/abandonner")),
        back_href: tenant.href("/agents/insertion/imports"),
    }
}

type PreviewLines = (Vec<(String, String)>, Vec<FindingRow>, Option<String>);

fn preview_lines(p: &import::Preview) -> PreviewLines {
    let counts = vec![
        ("Dossiers lus".to_owned(), grouped(p.households)),
        ("Personnes à créer".to_owned(), grouped(p.to_create)),
        ("Personnes à mettre à jour".to_owned(), grouped(p.to_update)),
        ("Personnes inchangées".to_owned(), grouped(p.unchanged)),
        (
            "Dossiers en conflit (non importés)".to_owned(),
            grouped(p.conflicts),
        ),
        (
            "Dossiers refusés (non importés)".to_owned(),
            grouped(p.refused),
        ),
        (
            "Personnes qui sortiraient du RSA".to_owned(),
            grouped(p.exits),
        ),
    ];
    let findings = p
        .findings
        .iter()
        .map(|f| FindingRow {
            line: f.line.to_string(),
            kind: if f.conflict { "Conflit" } else { "Refusé" }.to_owned(),
            message: crate::audit::sentence(&f.message),
        })
        .collect();
    let listed = p.findings.len() as u64;
    let all = p.conflicts + p.refused;
    let more = (all > listed).then(|| {
        format!(
            "Les {} premiers sont listés ; {} autres ne le sont pas : faites corriger le fichier par la caisse.",
            grouped(listed),
            grouped(all - listed)
        )
    });
    (counts, findings, more)
}

/// `GET /agents/insertion/imports/{id}/etat`: the progress as JSON, for the page's island.
pub async fn import_state(
    State(state): State<AppState>,
    staff: CurrentStaff,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let import = followed(&state, &desk, &id).await?;
    let (done, total) = import.progress();
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({
            "status": import.status.label(),
            "written": done,
            "total": total,
            "finished": !import.status.running(),
        })),
    )
        .into_response())
}

/// `POST /agents/insertion/imports/{id}/confirmer`.
pub async fn confirm(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let import = followed(&state, &desk, &id).await?;
    match import::confirm(&desk, import.id).await? {
        Ok(()) => {
            enqueue(&state, &staff, import.id).await;
            let page = desk.ctx().href(&format!(
                "/agents/insertion/imports/{}?ok=confirme",
                import.id
            ));
            Ok(Redirect::to(&page).into_response())
        }
        Err(refusal) => {
            if refusal == import::ConfirmError::Stale {
                enqueue(&state, &staff, import.id).await;
            }
            let import = followed(&state, &desk, &id).await?;
            let refusal = crate::audit::sentence(&refusal.to_string());
            render_import(&desk, ui, StatusCode::CONFLICT, import, None, Some(refusal)).await
        }
    }
}

/// `POST /agents/insertion/imports/{id}/abandonner`.
pub async fn cancel(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let import = followed(&state, &desk, &id).await?;
    if import::cancel(&state.platform, &desk, import.id).await? {
        let page = desk.ctx().href("/agents/insertion/imports");
        return Ok(Redirect::to(&page).into_response());
    }
    let refusal = format!(
        "Cet import ne peut plus être abandonné (il est : {}).",
        import.status.label()
    );
    render_import(&desk, ui, StatusCode::CONFLICT, import, None, Some(refusal)).await
}
