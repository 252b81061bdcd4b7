//! The CAF exchange for the AAH on the file's pages: the person agrees from their file, the
//! team reads the answer on its page (see `disability::caf`).

use app::disability::CafView;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::disability::caf::{self, Exchange};
use crate::disability::files::{self, File, Status};
use crate::disability::rights::Right;
use crate::entity::disability_request;
use crate::http::citizen::CurrentCitizen;
use crate::http::{AppError, AppState};

/// Who reads the section.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Reader {
    /// The person, who may agree here: the action.
    Person,
    Team,
}

/// The section of `file`'s page, when the file asks for the AAH (or every right); `agree` is
/// where the person gives their consent.
pub(super) async fn caf_view(
    tenant: &tenants::Tenant,
    file: &File,
    requests: &[disability_request::Model],
    (reader, agree): (Reader, String),
) -> Result<Option<CafView>, AppError> {
    let rights: Vec<Right> = requests
        .iter()
        .filter_map(|r| Right::parse(&r.right_code))
        .collect();
    if !caf::concerns(file, &rights) {
        return Ok(None);
    }
    let given = |c: &crate::national::consent::Consent| crate::dates::day(c.given_at);
    let (state, lines, agree_action) =
        match caf::exchange(tenant, file.row.citizen_id, chrono::Utc::now()).await? {
            Exchange::NoConsent if reader == Reader::Person => (
                "Rien n'est demandé à la CAF sans votre accord.".to_owned(),
                vec![],
                Some(agree),
            ),
            Exchange::NoConsent => (
                "La personne n'a pas donné son accord : rien n'est demandé à la CAF. Si elle perçoit déjà l'AAH, demandez-lui un justificatif.".to_owned(),
                vec![],
                None,
            ),
            Exchange::Pending(c) => (
                format!(
                    "Demandé à la CAF avec l'accord donné le {} : la réponse arrive en général en quelques minutes.",
                    given(&c)
                ),
                vec![],
                None,
            ),
            Exchange::Received {
                lines, provenance, ..
            } => (format!("Réponse de la CAF : {provenance}."), lines, None),
            Exchange::Ended(_, why) => (
                format!("La CAF n'a pas donné de réponse : {why}"),
                vec![],
                None,
            ),
        };
    Ok(Some(CafView {
        state,
        lines,
        agree_action,
    }))
}

/// `POST /mon-espace/mdph/{id}/caf`: the person agrees that the MDPH asks the CAF whether
/// they receive the AAH. Only for a filed file of theirs that asks for it (else 404).
pub async fn agree(
    State(state): State<AppState>,
    citizen: CurrentCitizen,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let file = super::filing::load(&citizen, &id).await?;
    let tenant = &citizen.tenant.tenant;
    let rights: Vec<Right> = files::requests(tenant, file.id())
        .await?
        .iter()
        .filter_map(|r| Right::parse(&r.right_code))
        .collect();
    if file.status() == Status::Draft || !caf::concerns(&file, &rights) {
        return Err(AppError::NotFound);
    }
    caf::agree(
        &state.platform,
        tenant,
        citizen.citizen.id,
        chrono::Utc::now(),
    )
    .await?;
    let back = super::filing::href(&citizen, file.id(), "?ok=caf");
    Ok(Redirect::to(&back).into_response())
}
