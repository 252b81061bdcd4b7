//! The multidisciplinary team's evaluation of a complete file: observations per GEVA area,
//! the incapacity rate band with the RSDAE and « not likely to improve » flags, and a proposal
//! per request for the committee. The physicians write medical observations, sealed in the
//! medical compartment and read by physicians only, and conclusions written for the team.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    Set,
};

use super::files::{File, Status};
use super::medical::{MedicalDesk, Vault};
use super::{Desk, EVALUATION_REASON, Refused};
use crate::entity::{disability_evaluation, disability_observation, disability_request};
use crate::staff::Role;
use crate::staff::second_factor::SealKey;

/// The longest observation or reason kept.
pub const TEXT_MAX: usize = 4000;

/// Where an observation belongs: the GEVA's areas, and the physicians' two.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Activities,
    Family,
    Schooling,
    Work,
    Housing,
    Help,
    /// Medical content: sealed, physicians only.
    Medical,
    /// What the physicians conclude for the team: read by every evaluator.
    MedicalConclusion,
}

impl Area {
    pub const ALL: [Area; 8] = [
        Area::Activities,
        Area::Family,
        Area::Schooling,
        Area::Work,
        Area::Housing,
        Area::Help,
        Area::Medical,
        Area::MedicalConclusion,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Area::Activities => "activities",
            Area::Family => "family",
            Area::Schooling => "schooling",
            Area::Work => "work",
            Area::Housing => "housing",
            Area::Help => "help",
            Area::Medical => "medical",
            Area::MedicalConclusion => "medical_conclusion",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Area::ALL.into_iter().find(|a| a.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            Area::Activities => "Activités et capacités fonctionnelles",
            Area::Family => "Situation familiale, sociale et budgétaire",
            Area::Schooling => "Scolarité, études, formation",
            Area::Work => "Situation professionnelle",
            Area::Housing => "Habitat et cadre de vie",
            Area::Help => "Aides techniques et humaines",
            Area::Medical => "Observation médicale (réservée aux médecins)",
            Area::MedicalConclusion => "Conclusions médicales pour l'équipe",
        }
    }

    /// Written by the team's physicians only.
    pub fn physicians_only(self) -> bool {
        matches!(self, Area::Medical | Area::MedicalConclusion)
    }
}

/// The incapacity rate, by the guide-barème's bands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateBand {
    Under50,
    From50To79,
    From80,
}

impl RateBand {
    pub const ALL: [RateBand; 3] = [RateBand::Under50, RateBand::From50To79, RateBand::From80];

    pub fn id(self) -> &'static str {
        match self {
            RateBand::Under50 => "under_50",
            RateBand::From50To79 => "from_50_to_79",
            RateBand::From80 => "from_80",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        RateBand::ALL.into_iter().find(|b| b.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            RateBand::Under50 => "Moins de 50 %",
            RateBand::From50To79 => "De 50 à 79 %",
            RateBand::From80 => "80 % et plus",
        }
    }
}

/// The team's proposal on a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proposal {
    Grant,
    Partial,
    Refuse,
}

impl Proposal {
    pub const ALL: [Proposal; 3] = [Proposal::Grant, Proposal::Partial, Proposal::Refuse];

    pub fn id(self) -> &'static str {
        match self {
            Proposal::Grant => "grant",
            Proposal::Partial => "partial",
            Proposal::Refuse => "refuse",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Proposal::ALL.into_iter().find(|p| p.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            Proposal::Grant => "Accord",
            Proposal::Partial => "Accord partiel",
            Proposal::Refuse => "Refus",
        }
    }
}

/// Whether the staff member evaluates (evaluators and physicians).
pub fn evaluates(desk: &Desk<'_>) -> bool {
    let account = desk.account();
    account.has_role(Role::DisabilityEvaluator) || account.has_role(Role::DisabilityPhysician)
}

fn under_evaluation(desk: &Desk<'_>, file: &File) -> Result<(), Refused> {
    if !evaluates(desk) {
        return Err(Refused::Step(
            "L'évaluation revient à l'équipe pluridisciplinaire (évaluateurs et médecins).".into(),
        ));
    }
    if file.status() != Status::Complete {
        return Err(Refused::Step(
            "Seul un dossier complet, dont la recevabilité est prononcée, s'évalue.".into(),
        ));
    }
    Ok(())
}

fn read_text(field: &'static str, text: &str, what: &str) -> Result<String, Refused> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Refused::Field(
            field,
            format!("Écrivez {what} avant de l'enregistrer."),
        ));
    }
    if text.chars().count() > TEXT_MAX {
        return Err(Refused::Field(
            field,
            format!("Le texte tient en {TEXT_MAX} caractères au plus : découpez-le."),
        ));
    }
    Ok(text.to_owned())
}

/// What binds a sealed observation to its file.
fn context(file_id: i64) -> String {
    format!("observation:{file_id}")
}

/// Writes an observation; a medical one is sealed and journaled as the physician's.
pub async fn observe(
    desk: &Desk<'_>,
    seal: &SealKey,
    file: &File,
    (area, body): (&str, &str),
) -> Result<(), Refused> {
    under_evaluation(desk, file)?;
    let Some(area) = Area::parse(area) else {
        return Err(Refused::Field(
            "domaine",
            "Choisissez le domaine de l'observation dans la liste.".into(),
        ));
    };
    let medical_desk = MedicalDesk::open(desk);
    if area.physicians_only() && medical_desk.is_none() {
        return Err(Refused::Field(
            "domaine",
            "Les observations médicales et leurs conclusions sont écrites par les médecins de l'équipe.".into(),
        ));
    }
    let body = read_text("observation", body, "l'observation")?;
    let medical = area == Area::Medical;
    let stored = if medical {
        Vault::of(seal, desk.tenant())
            .await?
            .seal_text(&body, &context(file.id()))
    } else {
        body
    };
    let subject = format!("dossier {} — {}", file.reference(), area.label());
    let entry = match (&medical_desk, medical) {
        (Some(physician), true) => {
            physician.event(file.row.citizen_id, "observation médicale écrite", &subject)
        }
        _ => desk.file_event(
            file.row.citizen_id,
            "observation d'évaluation écrite",
            &subject,
            EVALUATION_REASON,
        ),
    };
    let txn = desk.tenant().db().begin_write().await?;
    disability_observation::ActiveModel {
        file_id: Set(file.id()),
        citizen_id: Set(file.row.citizen_id),
        area: Set(area.id().into()),
        body: Set(stored),
        medical: Set(medical),
        author_id: Set(desk.account().id),
        author_name: Set(desk.account().display_name.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(())
}

/// A file's observations, oldest first, medical ones still sealed.
pub async fn observations(
    desk: &Desk<'_>,
    file_id: i64,
) -> Result<Vec<disability_observation::Model>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let rows = disability_observation::Entity::find()
        .filter(disability_observation::Column::FileId.eq(file_id))
        .order_by_asc(disability_observation::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// The medical observations opened, by id, for a physician: one journal entry for the read.
pub async fn open_medical(
    desk: &MedicalDesk<'_, '_>,
    seal: &SealKey,
    file: &File,
    rows: &[disability_observation::Model],
) -> Result<Vec<(i64, String)>, DbErr> {
    let medical: Vec<_> = rows.iter().filter(|o| o.medical).collect();
    if medical.is_empty() {
        return Ok(Vec::new());
    }
    let tenant = desk.desk().tenant();
    let vault = Vault::of(seal, tenant).await?;
    let opened = medical
        .iter()
        .map(|o| {
            let text = vault
                .open_text(&o.body, &context(file.id()))
                .unwrap_or_else(|| "(observation illisible : la clé ne l'ouvre pas)".into());
            (o.id, text)
        })
        .collect();
    let txn = tenant.db().begin_write().await?;
    let entry = desk.event(
        file.row.citizen_id,
        "lecture des observations médicales",
        &format!("dossier {}", file.reference()),
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(opened)
}

/// The file's findings, if recorded.
pub async fn findings(
    desk: &Desk<'_>,
    file_id: i64,
) -> Result<Option<disability_evaluation::Model>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let row = disability_evaluation::Entity::find()
        .filter(disability_evaluation::Column::FileId.eq(file_id))
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// Records the rate band and its flags. « Not likely to improve » needs a band of 50 % or
/// more, and the RSDAE belongs to the 50–79 % band.
pub async fn save_findings(
    desk: &Desk<'_>,
    file: &File,
    (band, rsdae, lasting): (&str, bool, bool),
) -> Result<(), Refused> {
    under_evaluation(desk, file)?;
    let band = match band.trim() {
        "" => None,
        id => Some(RateBand::parse(id).ok_or_else(|| {
            Refused::Field(
                "taux",
                "Choisissez la tranche du taux d'incapacité dans la liste.".into(),
            )
        })?),
    };
    if rsdae && band != Some(RateBand::From50To79) {
        return Err(Refused::Field(
            "rsdae",
            "La restriction substantielle et durable pour l'accès à l'emploi (RSDAE) ne se retient qu'avec un taux de 50 à 79 %.".into(),
        ));
    }
    if lasting && !matches!(band, Some(RateBand::From50To79 | RateBand::From80)) {
        return Err(Refused::Field(
            "durable",
            "« Pas d'amélioration attendue » se retient avec un taux d'au moins 50 % : indiquez d'abord le taux.".into(),
        ));
    }
    let txn = desk.tenant().db().begin_write().await?;
    let existing = disability_evaluation::Entity::find()
        .filter(disability_evaluation::Column::FileId.eq(file.id()))
        .one(&txn)
        .await?;
    let now = Utc::now();
    let name = desk.account().display_name.clone();
    match existing {
        Some(row) => {
            let mut active = row.into_active_model();
            active.rate_band = Set(band.map(|b| b.id().to_owned()));
            active.rsdae = Set(rsdae);
            active.lasting = Set(lasting);
            active.updated_by_name = Set(name);
            active.updated_at = Set(now);
            active.update(&txn).await?;
        }
        None => {
            disability_evaluation::ActiveModel {
                file_id: Set(file.id()),
                citizen_id: Set(file.row.citizen_id),
                rate_band: Set(band.map(|b| b.id().to_owned())),
                rsdae: Set(rsdae),
                lasting: Set(lasting),
                updated_by_name: Set(name),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    let entry = desk.file_event(
        file.row.citizen_id,
        "taux d'incapacité et critères enregistrés",
        &format!("dossier {}", file.reference()),
        EVALUATION_REASON,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(())
}

/// The team's proposal on one request of the file; a refusal or a partial grant says why.
pub async fn propose(
    desk: &Desk<'_>,
    file: &File,
    request_id: i64,
    (proposal, reason): (&str, &str),
) -> Result<(), Refused> {
    under_evaluation(desk, file)?;
    let Some(proposal) = Proposal::parse(proposal) else {
        return Err(Refused::Field(
            "proposition",
            "Choisissez la proposition : accord, accord partiel ou refus.".into(),
        ));
    };
    let reason = match (proposal, reason.trim()) {
        (Proposal::Grant, "") => None,
        (_, "") => {
            return Err(Refused::Field(
                "motif",
                "Dites pourquoi l'équipe propose un refus ou un accord partiel : la commission et la personne le liront.".into(),
            ));
        }
        (_, text) => Some(read_text("motif", text, "le motif")?),
    };
    if file.row.plan_sent_at.is_some() {
        return Err(Refused::Step(
            "Le plan de compensation est déjà envoyé à la personne : la commission lira ses remarques à côté des propositions.".into(),
        ));
    }
    let txn = desk.tenant().db().begin_write().await?;
    let request = disability_request::Entity::find_by_id(request_id)
        .filter(disability_request::Column::FileId.eq(file.id()))
        .one(&txn)
        .await?
        .ok_or_else(|| Refused::Step("Cette demande n'appartient pas à ce dossier.".into()))?;
    let right = super::rights::Right::parse(&request.right_code).map_or("droit", |r| r.short());
    let mut active = request.into_active_model();
    active.proposal = Set(Some(proposal.id().into()));
    active.proposal_reason = Set(reason);
    active.update(&txn).await?;
    let entry = desk.file_event(
        file.row.citizen_id,
        "proposition de l'équipe d'évaluation",
        &format!(
            "dossier {} — {right} : {}",
            file.reference(),
            proposal.label()
        ),
        EVALUATION_REASON,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for area in Area::ALL {
            assert_eq!(Area::parse(area.id()), Some(area));
        }
        for band in RateBand::ALL {
            assert_eq!(RateBand::parse(band.id()), Some(band));
        }
        for proposal in Proposal::ALL {
            assert_eq!(Proposal::parse(proposal.id()), Some(proposal));
        }
        assert!(Area::Medical.physicians_only() && !Area::Family.physicians_only());
    }
}
