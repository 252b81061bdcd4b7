//! The column mappings' page, and sending a CSV or XLSX list to import with one.

use app::components::{Choice, FilterOption};
use app::insertion::{MappingsPage, MappingsView};
use app::validation::FieldErrors;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use leptos::prelude::*;

use super::{InsertionDesk, officer_desk};
use crate::entity::insertion_list_mapping;
use crate::http::auth::CurrentStaff;
use crate::http::form::{FormFields, ListQuery, StreamedUpload, UploadRefusal};
use crate::http::ui::Ui;
use crate::http::{AppError, AppState};
use crate::insertion::import::{self, Received};
use crate::insertion::lists::{self, Field, Mapping};

/// The mapping a list names in a page: « Liste du PLIE (version 2, CAF) ».
pub(super) fn mapping_words(m: &insertion_list_mapping::Model) -> String {
    format!("{} (version {}, {})", m.name, m.version, m.fund)
}

/// The options of the list form: the latest version of each mapping.
pub(super) async fn mapping_options(
    desk: &InsertionDesk<'_>,
) -> Result<Vec<FilterOption>, AppError> {
    Ok(lists::current(desk.tenant())
        .await?
        .iter()
        .map(|m| FilterOption {
            value: m.id.to_string(),
            label: mapping_words(m),
            selected: false,
        })
        .collect())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MappingsParams {
    /// A version whose columns fill the form (to make the next one).
    modele: Option<String>,
    ok: Option<String>,
}

async fn render_mappings(
    desk: &InsertionDesk<'_>,
    ui: Ui,
    status: StatusCode,
    typed: &FormFields,
    errors: FieldErrors,
    notice: Option<String>,
) -> Result<Response, AppError> {
    let tenant = desk.ctx();
    let versions = lists::all(desk.tenant())
        .await?
        .iter()
        .map(|m| {
            let columns = Mapping::of(m).columns;
            vec![
                m.name.clone(),
                m.version.to_string(),
                m.fund.clone(),
                columns
                    .iter()
                    .map(|(f, h)| format!("{} : « {h} »", f.label()))
                    .collect::<Vec<_>>()
                    .join(" ; "),
                format!(
                    "le {} par {}",
                    crate::dates::date_time(m.created_at),
                    m.created_by_name
                ),
            ]
        })
        .collect();
    let fund = typed.get("fund");
    let view = MappingsView {
        back_href: tenant.href("/agents/insertion/imports"),
        action: tenant.href("/agents/insertion/correspondances"),
        versions,
        name: typed.get("name").to_owned(),
        funds: ["CAF", "MSA"]
            .into_iter()
            .map(|f| Choice {
                value: f.to_owned(),
                label: f.to_owned(),
                checked: fund == f,
            })
            .collect(),
        fields: Field::ALL
            .into_iter()
            .map(|f| {
                (
                    f.id(),
                    f.label(),
                    typed.get(f.id()).to_owned(),
                    f.required(),
                )
            })
            .collect(),
    };
    Ok(ui.with_staff(desk.staff()).render(status, move |ctx| {
        view! { <MappingsPage ctx mappings=view errors notice /> }
    }))
}

/// `GET /agents/insertion/correspondances` (officers); `?modele=ID` fills the form with a
/// version's columns.
pub async fn mappings_page(
    staff: CurrentStaff,
    ui: Ui,
    ListQuery(params): ListQuery<MappingsParams>,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let mut typed = Vec::new();
    if let Some(id) = params.modele.as_deref() {
        let id = crate::http::parse_id(id)?;
        let model = lists::find(desk.tenant(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let model = Mapping::of(&model);
        typed.push(("name".to_owned(), model.name));
        typed.push(("fund".to_owned(), model.fund));
        typed.extend(
            model
                .columns
                .into_iter()
                .map(|(f, h)| (f.id().to_owned(), h)),
        );
    }
    let notice = (params.ok.as_deref() == Some("enregistree"))
        .then(|| "La correspondance est enregistrée : elle lit les prochaines listes.".to_owned());
    let typed = FormFields::from(typed);
    render_mappings(
        &desk,
        ui,
        StatusCode::OK,
        &typed,
        FieldErrors::new(),
        notice,
    )
    .await
}

/// `POST /agents/insertion/correspondances`: a new mapping, or the next version of one.
pub async fn save_mapping(
    staff: CurrentStaff,
    ui: Ui,
    form: FormFields,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let mapping = Mapping::parse(form.get("name"), form.get("fund"), |field| {
        form.get(field.id()).to_owned()
    });
    match mapping {
        Ok(mapping) => {
            lists::save(&desk, &mapping).await?;
            let to = desk
                .ctx()
                .href("/agents/insertion/correspondances?ok=enregistree");
            Ok(Redirect::to(&to).into_response())
        }
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_mappings(&desk, ui, status, &form, errors, None).await
        }
    }
}

/// `POST /agents/insertion/imports/liste`: a CSV or XLSX list, read with the mapping chosen
/// (sent before the file); its preview is queued.
pub async fn upload_list(
    State(state): State<AppState>,
    staff: CurrentStaff,
    ui: Ui,
    mut upload: StreamedUpload,
) -> Result<Response, AppError> {
    let desk = officer_desk(&staff)?;
    let path = import::receiving_path(&state.platform, desk.tenant().slug());
    let saved = upload.save("liste", &path, import::MAX_BYTES).await;
    let mapping = match upload.field("mapping").trim().parse::<i64>() {
        Ok(id) => lists::find(desk.tenant(), id).await?,
        Err(_) => None,
    };
    let refused = |field: &str, message: String| FieldErrors::at(field, message);
    let errors = match (&saved, &mapping) {
        (_, None) => Some(refused(
            "mapping",
            "Choisissez la correspondance de colonnes avec laquelle lire la liste.".into(),
        )),
        (Err(refusal), _) => Some(refused(
            "liste",
            match refusal {
                UploadRefusal::Missing => "Choisissez la liste à envoyer (CSV ou XLSX).".to_owned(),
                UploadRefusal::Empty => "La liste envoyée est vide (0 octet) : vérifiez que vous avez choisi le bon fichier.".to_owned(),
                UploadRefusal::TooLarge => format!(
                    "La liste dépasse {} Mo : vérifiez que vous avez choisi le bon fichier.",
                    import::MAX_BYTES / (1024 * 1024)
                ),
                UploadRefusal::Broken => "La liste n'est pas arrivée en entier : la connexion a peut-être été coupée. Envoyez-la de nouveau.".to_owned(),
            },
        )),
        _ => None,
    };
    let (Ok(saved), Some(mapping), None) = (saved, mapping, errors.as_ref()) else {
        let _ = tokio::fs::remove_file(&path).await;
        let errors = errors.unwrap_or_default();
        return super::imports::render_imports(&desk, ui, StatusCode::UNPROCESSABLE_ENTITY, errors)
            .await;
    };
    let received = Received {
        path: path.clone(),
        name: saved.file_name,
        size: saved.size,
        hash: saved.sha256,
        mapping: Some(mapping.id),
    };
    let id = match import::create(&state.platform, &desk, received).await {
        Ok(id) => id,
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(AppError::Internal(format!("import not recorded: {e}")));
        }
    };
    super::imports::enqueue(&state, &staff, id).await;
    let page = desk.ctx().href(&format!("/agents/insertion/imports/{id}"));
    Ok(Redirect::to(&page).into_response())
}
