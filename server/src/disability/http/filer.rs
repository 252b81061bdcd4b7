//! Who fills a draft in: the person from their space (`/mon-espace/mdph/…`), or reception for
//! a person present at the desk, under the mandate they gave for their request to the MDPH
//! (`user_relations::mandates`), through the same pages under
//! `/agents/mandats/{id}/mdph/{file}/…`. The draft's handlers take a [`Filer`]; which one a
//! request is comes from its route.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use tenants::Module;

use crate::audit::{self, AuditEvent};
use crate::citizens::Citizen;
use crate::disability::files::{File, FiledBy, MandateEntry, Status};
use crate::disability::space::{self, MANDATE_PATH};
use crate::http::auth::CurrentStaff;
use crate::http::citizen::CurrentCitizen;
use crate::http::ui::Ui;
use crate::http::{AppError, AppState, TenantCtx};
use crate::user_relations::mandates::{self, Mandate};

pub enum Filer {
    Citizen(CurrentCitizen),
    Reception {
        staff: CurrentStaff,
        mandate: Mandate,
        citizen: Citizen,
    },
}

impl FromRequestParts<AppState> for Filer {
    type Rejection = AppError;

    /// Reception's routes are under `/agents/mandats/{id}`, the mandate; the person's are in
    /// their space.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if !parts.uri.path().contains(&format!("{MANDATE_PATH}/")) {
            return Ok(Filer::Citizen(
                CurrentCitizen::from_request_parts(parts, state).await?,
            ));
        }
        let mandate = RawPathParams::from_request_parts(parts, state)
            .await
            .ok()
            .and_then(|params| {
                params
                    .iter()
                    .find(|(key, _)| *key == "id")
                    .map(|(_, value)| value.to_owned())
            })
            .ok_or(AppError::NotFound)?;
        let staff = CurrentStaff::from_request_parts(parts, state).await?;
        Filer::reception(staff, &mandate).await
    }
}

impl Filer {
    /// Reception under mandate `id`: the user-relations desk (else 403), and a mandate of this
    /// department for the MDPH's request, in a department that has the module (else 404).
    async fn reception(staff: CurrentStaff, mandate_id: &str) -> Result<Self, AppError> {
        let (_, mandate, citizen) =
            crate::user_relations::http::mandates::mandate_of(&staff, mandate_id).await?;
        if !mandate.covers_whole(Module::Disability)
            || !staff.tenant.tenant.has_module(Module::Disability)
        {
            return Err(AppError::NotFound);
        }
        Ok(Self::Reception {
            staff,
            mandate,
            citizen,
        })
    }

    pub fn tenant(&self) -> &TenantCtx {
        match self {
            Filer::Citizen(c) => &c.tenant,
            Filer::Reception { staff, .. } => &staff.tenant,
        }
    }

    pub fn citizen(&self) -> &Citizen {
        match self {
            Filer::Citizen(c) => &c.citizen,
            Filer::Reception { citizen, .. } => citizen,
        }
    }

    /// A page of draft `id`: `rest` is `/etape/2`, `/pieces`…
    pub fn href(&self, id: i64, rest: &str) -> String {
        match self {
            Filer::Citizen(c) => super::filing::href(c, id, rest),
            Filer::Reception { staff, mandate, .. } => staff
                .tenant
                .href(&format!("{MANDATE_PATH}/{}/mdph/{id}{rest}", mandate.id)),
        }
    }

    /// Where a draft saved for later leads: the person's list, or the mandate's page.
    pub fn saved_href(&self) -> String {
        match self {
            Filer::Citizen(c) => c.tenant.href(&format!("{}?ok=brouillon", space::PATH)),
            Filer::Reception { .. } => self.mandate_href("?ok=brouillon"),
        }
    }

    /// Where file `id`, once filed, is read: its page for the person (`query` added), the
    /// mandate's page for reception, which names it.
    pub fn filed_href(&self, id: i64, query: &str) -> String {
        match self {
            Filer::Citizen(c) => super::filing::href(c, id, query),
            Filer::Reception { .. } => self.mandate_href(&format!("?depot={id}")),
        }
    }

    fn mandate_href(&self, query: &str) -> String {
        match self {
            Filer::Citizen(_) => String::new(),
            Filer::Reception { staff, mandate, .. } => staff
                .tenant
                .href(&format!("{MANDATE_PATH}/{}{query}", mandate.id)),
        }
    }

    pub fn ui(&self, ui: Ui) -> Ui {
        match self {
            Filer::Citizen(c) => ui.with_citizen(c),
            Filer::Reception { staff, .. } => ui.with_staff(staff),
        }
    }

    /// The banner of reception's pages.
    pub fn on_behalf(&self) -> Option<String> {
        match self {
            Filer::Citizen(_) => None,
            Filer::Reception {
                mandate, citizen, ..
            } => Some(format!(
                "Dépôt assisté : vous remplissez la demande à la MDPH de {}, présente à l'accueil, sous son mandat n° {} (valable jusqu'au {}). Relisez chaque réponse avec elle. Les pièces médicales que vous envoyez vont directement aux médecins de l'équipe.",
                citizen.display_name(),
                mandate.id,
                mandate.until()
            )),
        }
    }

    /// Reception may work under a live mandate only (409 otherwise).
    pub fn check_live(&self) -> Result<(), AppError> {
        match self {
            Filer::Reception { mandate, .. } if !mandate.is_live(mandates::today()) => {
                Err(crate::user_relations::http::mandates::over(mandate))
            }
            _ => Ok(()),
        }
    }

    /// The refusal when the mandate ended while reception worked (the change was not made).
    pub fn over(&self) -> AppError {
        match self {
            Filer::Reception { mandate, .. } => {
                crate::user_relations::http::mandates::over(mandate)
            }
            Filer::Citizen(_) => AppError::NotFound,
        }
    }

    /// File `id`: the person's own; for reception, one prepared under this mandate, while it
    /// is live. 404 for anything else.
    pub async fn load(&self, id: &str) -> Result<File, AppError> {
        self.check_live()?;
        let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
        let file = crate::disability::files::find_for_citizen(
            &self.tenant().tenant,
            self.citizen().id,
            id,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        match self {
            Filer::Reception { mandate, .. } if file.row.mandate_id != Some(mandate.id) => {
                Err(AppError::NotFound)
            }
            _ => Ok(file),
        }
    }

    /// Who files, for the domain; under a mandate `entry` journals each change in its
    /// transaction (see [`Filer::entry`]).
    pub fn filed_by<'a>(&self, entry: MandateEntry<'a>) -> FiledBy<'a> {
        match self {
            Filer::Citizen(_) => FiledBy::Citizen,
            Filer::Reception { mandate, .. } => FiledBy::Mandate {
                id: mandate.id,
                journal: entry,
            },
        }
    }

    /// The name the file keeps of who prepared it.
    pub fn name(&self) -> String {
        match self {
            Filer::Citizen(c) => c.citizen.display_name(),
            Filer::Reception { staff, .. } => staff.account.display_name.clone(),
        }
    }

    /// Reception's journal entry for `action` on `file`, as the person reads it; none for
    /// the person's own use.
    pub fn entry(&self, action: &str, file: &File) -> Option<AuditEvent> {
        let Filer::Reception {
            staff,
            mandate,
            citizen,
        } = self
        else {
            return None;
        };
        let what = match file.status() {
            Status::Draft => format!("brouillon n° {}", file.id()),
            _ => file.reference(),
        };
        // The user-relations desk was opened by `Filer::reception`: the entry is in that
        // module, as reception's other uses of a mandate.
        Some(crate::staff::desk::event(
            &staff.account,
            action,
            &format!("{} — demande à la MDPH {what}", citizen.audit_subject()),
            &format!(
                "dépôt de votre demande à la MDPH, sous votre mandat n° {}",
                mandate.id
            ),
            Some((Module::UserRelations, citizen.id)),
        ))
    }

    /// Journals reception's read of the draft (its changes are journaled in their own
    /// transaction).
    pub async fn journal_read(&self, file: &File) -> Result<(), AppError> {
        if let Some(entry) =
            self.entry("consultation de la demande à la MDPH (dépôt assisté)", file)
        {
            audit::record(&self.tenant().tenant, entry).await?;
        }
        Ok(())
    }
}
