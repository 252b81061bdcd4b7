//! National data under consent ("tell us once"). A citizen agrees, per source and per aid, that
//! the department reads a fact from a national administration instead of asking them for a
//! certificate ([`consent`]); each read is a durable pull carried out by a job under that
//! consent ([`pull`]); what comes back is kept as a fact with its provenance, pre-fills the
//! aid's form, and is shown with where it came from to staff and to the citizen.

pub mod access;
pub mod consent;
pub mod http;
pub mod jobs;
pub mod pull;
pub mod retention;

use serde::{Deserialize, Serialize};

use crate::ids::{AidId, CitizenId, RequestId};
use serde_json::{Value, json};

pub use crate::api_particulier::client::Source;

/// A fact a question of an aid's form can ask for: it is pre-filled from a received fact, or
/// (for a certificate to upload) the fetch of its source replaces the certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKey {
    FamilyQuotient,
    Children,
    RsaBeneficiary,
    AahBeneficiary,
    CssBeneficiary,
    Student,
    JobSeeker,
}

impl FactKey {
    pub const ALL: [FactKey; 7] = [
        FactKey::FamilyQuotient,
        FactKey::Children,
        FactKey::RsaBeneficiary,
        FactKey::AahBeneficiary,
        FactKey::CssBeneficiary,
        FactKey::Student,
        FactKey::JobSeeker,
    ];

    pub fn id(self) -> &'static str {
        match self {
            FactKey::FamilyQuotient => "family_quotient",
            FactKey::Children => "children",
            FactKey::RsaBeneficiary => "rsa_beneficiary",
            FactKey::AahBeneficiary => "aah_beneficiary",
            FactKey::CssBeneficiary => "css_beneficiary",
            FactKey::Student => "student",
            FactKey::JobSeeker => "job_seeker",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.id() == id)
    }

    /// As the administrator picks it.
    pub fn label(self) -> &'static str {
        match self {
            FactKey::FamilyQuotient => "Quotient familial (CAF ou MSA)",
            FactKey::Children => "Nombre d'enfants à charge (CAF ou MSA)",
            FactKey::RsaBeneficiary => "Bénéficiaire du RSA (CAF ou MSA)",
            FactKey::AahBeneficiary => "Bénéficiaire de l'AAH (CAF ou MSA)",
            FactKey::CssBeneficiary => "Bénéficiaire de la complémentaire santé solidaire",
            FactKey::Student => "Inscrit dans l'enseignement supérieur",
            FactKey::JobSeeker => "Inscrit à France Travail",
        }
    }

    pub fn source(self) -> Source {
        match self {
            FactKey::FamilyQuotient | FactKey::Children => Source::FamilyQuotient,
            FactKey::RsaBeneficiary => Source::Rsa,
            FactKey::AahBeneficiary => Source::Aah,
            FactKey::CssBeneficiary => Source::Css,
            FactKey::Student => Source::StudentStatus,
            FactKey::JobSeeker => Source::FranceTravail,
        }
    }
}

/// Keeps what the department needs of an answer's `data`, nothing more (the family's address
/// and children's names stay at the CAF).
pub fn normalize(source: Source, data: &Value) -> Value {
    match source {
        Source::FamilyQuotient => {
            let qf = &data["quotient_familial"];
            json!({
                "fournisseur": qf["fournisseur"],
                "quotient_familial": qf["valeur"],
                "annee": qf["annee"],
                "mois": qf["mois"],
                "enfants": data["enfants"].as_array().map_or(0, Vec::len),
                "allocataires": data["allocataires"].as_array().map_or(0, Vec::len),
            })
        }
        Source::Rsa | Source::Aah => json!({
            "beneficiaire": data["est_beneficiaire"],
            "date_debut_droit": data["date_debut_droit"],
        }),
        Source::Css => json!({
            "statut": data["status"],
            "date_debut_droit": data["date_debut_droit"],
            "date_fin_droit": data["date_fin_droit"],
        }),
        Source::StudentStatus => {
            let admission = &data["admissions"][0];
            json!({
                "inscrit": admission["est_inscrit"].as_bool().unwrap_or(false),
                "etablissement": admission["etablissement_etudes"]["nom"],
                "date_fin": admission["date_fin"],
            })
        }
        Source::FranceTravail => json!({
            "inscrit": data["inscrit"].as_bool().unwrap_or(false),
            "categorie": data["categorie_inscription"]["libelle"],
            "date_debut_inscription": data["date_debut_inscription"],
        }),
    }
}

/// A fact as people read it: (what, value) lines.
pub fn summary(source: Source, data: &Value) -> Vec<(String, String)> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_owned(),
        other => other.to_string(),
    };
    let yes_no = |v: &Value| match v.as_bool() {
        Some(true) => "oui".to_owned(),
        Some(false) => "non".to_owned(),
        None => "—".to_owned(),
    };
    let date = |v: &Value| {
        v.as_str()
            .and_then(|s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .map_or_else(|| "—".to_owned(), |d| d.format("%d/%m/%Y").to_string())
    };
    let line = |what: &str, value: String| (what.to_owned(), value);
    match source {
        Source::FamilyQuotient => vec![
            line(
                "Quotient familial",
                format!(
                    "{} € ({}, {:02}/{})",
                    text(&data["quotient_familial"]),
                    text(&data["fournisseur"]),
                    data["mois"].as_u64().unwrap_or(0),
                    text(&data["annee"])
                ),
            ),
            line("Enfants à charge", text(&data["enfants"])),
        ],
        Source::Rsa | Source::Aah => vec![
            line(
                if source == Source::Rsa {
                    "Bénéficiaire du RSA"
                } else {
                    "Bénéficiaire de l'AAH"
                },
                yes_no(&data["beneficiaire"]),
            ),
            line("Droit ouvert depuis", date(&data["date_debut_droit"])),
        ],
        Source::Css => vec![
            line(
                "Complémentaire santé solidaire",
                match data["statut"].as_str() {
                    Some("css_sans_participation") => "oui, sans participation".to_owned(),
                    Some("css_participation_forfaitaire") => {
                        "oui, avec participation forfaitaire".to_owned()
                    }
                    Some(_) => "non".to_owned(),
                    None => "—".to_owned(),
                },
            ),
            line("Jusqu'au", date(&data["date_fin_droit"])),
        ],
        Source::StudentStatus => vec![
            line(
                "Inscrit dans l'enseignement supérieur",
                yes_no(&data["inscrit"]),
            ),
            line("Établissement", text(&data["etablissement"])),
        ],
        Source::FranceTravail => vec![
            line("Inscrit à France Travail", yes_no(&data["inscrit"])),
            line("Catégorie", text(&data["categorie"])),
            line("Depuis", date(&data["date_debut_inscription"])),
        ],
    }
}

/// Where one consented source stands for a request.
#[derive(Clone, Debug)]
pub enum SourceStatus {
    /// Asked for, not answered yet.
    Pending,
    Received(pull::Fact),
    /// Ended without data (not found, failed, refused), with the reason.
    Ended(pull::PullState, String),
}

/// What national data can do for one request's form right now: for each source the citizen
/// has a live consent for (for this aid), the latest pull made for the request.
#[derive(Clone, Debug, Default)]
pub struct RequestData {
    pub sources: Vec<(Source, SourceStatus)>,
    /// The national API seems down (see [`pull::service_seems_down`]): pending data is not
    /// counted on.
    pub service_down: bool,
}

impl RequestData {
    pub async fn load(
        tenant: &tenants::Tenant,
        CitizenId(citizen_id): CitizenId,
        AidId(aid_id): AidId,
        RequestId(request_id): RequestId,
    ) -> Result<Self, sea_orm::DbErr> {
        let now = chrono::Utc::now();
        let live: Vec<consent::Consent> = consent::list_for_citizen(tenant, citizen_id)
            .await?
            .into_iter()
            .filter(|c| c.purpose == consent::Purpose::Aid(aid_id) && c.is_live(now))
            .collect();
        if live.is_empty() {
            return Ok(Self::default());
        }
        let service_down = pull::service_seems_down(tenant).await?;
        let pulls = pull::for_request(tenant, request_id).await?;
        let sources = live
            .iter()
            .map(|consent| {
                // Newest first: the latest pull for this source says where it stands.
                let status = match pulls.iter().find(|(p, _)| p.source == consent.source) {
                    None => SourceStatus::Pending,
                    Some((p, Some(fact))) if p.state == pull::PullState::Received => {
                        SourceStatus::Received(fact.clone())
                    }
                    Some((p, _)) if p.state == pull::PullState::Pending => SourceStatus::Pending,
                    Some((p, _)) => SourceStatus::Ended(p.state, p.outcome.clone()),
                };
                (consent.source, status)
            })
            .collect();
        Ok(Self {
            sources,
            service_down,
        })
    }

    /// Where `source` stands for this request (`None`: no live consent).
    pub fn status(&self, source: Source) -> Option<&SourceStatus> {
        self.sources
            .iter()
            .find(|(s, _)| *s == source)
            .map(|(_, status)| status)
    }

    /// Whether the source has a live consent for this request.
    pub fn consented(&self, source: Source) -> bool {
        self.status(source).is_some()
    }
}

/// National data is a service the modules use, not a module: its pages (the citizen's « Mes
/// données ») and tables are every department's.
pub static PART: crate::modules::Part = crate::modules::Part {
    module: None,
    routes: |routes| {
        use axum::routing::{get, post};
        routes
            .route("/mon-espace/donnees", get(http::my_data))
            .route(
                "/mon-espace/donnees/accords/{id}/retirer",
                post(http::withdraw),
            )
    },
    staff_nav: |_, _| Vec::new(),
    admin_nav: crate::modules::no_nav,
    citizen_nav: crate::modules::no_nav,
    workers: jobs::workers,
    schedules: jobs::schedules,
    housekeeping: crate::modules::no_housekeeping,
    files: None,
    follow_ups: None,
    access: access::sections,
    home: None,
    tables: || {
        use crate::entity::{consent, data_pull, national_call, national_fact};
        use crate::modules::Table;
        use crate::modules::section;
        vec![
            Table::of::<consent::Entity>(Some(section::CONSENTS)),
            Table::of::<data_pull::Entity>(Some(section::CALLS)),
            Table::of::<national_fact::Entity>(Some(section::FACTS)),
            Table::of::<national_call::Entity>(Some(section::CALLS)).kept_after_erasure(),
        ]
    },
    indicators: None,
    retention: Some(&retention::RETENTION),
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_quotient_keeps_the_figures_not_the_family() {
        let data = json!({
            "allocataires": [{"nom_naissance": "DIALLO", "prenoms": "Fatou"}],
            "enfants": [{"prenoms": "A"}, {"prenoms": "B"}],
            "adresse": {"numero_libelle_voie": "12 RUE DES ARENES"},
            "quotient_familial": {"fournisseur": "CNAF", "valeur": 612, "annee": 2026, "mois": 10},
        });
        let kept = normalize(Source::FamilyQuotient, &data);
        assert_eq!(kept["quotient_familial"], 612);
        assert_eq!(kept["enfants"], 2);
        assert!(!kept.to_string().contains("ARENES"));
        assert!(!kept.to_string().contains("Fatou"));
        assert_eq!(
            summary(Source::FamilyQuotient, &kept)[0].1,
            "612 € (CNAF, 10/2026)"
        );
    }

    #[test]
    fn ids_round_trip() {
        for fact in FactKey::ALL {
            assert_eq!(FactKey::parse(fact.id()), Some(fact));
        }
        for source in Source::ALL {
            assert_eq!(Source::parse(source.id()), Some(source));
        }
    }
}
