//! The committee (CDAPH): its sessions and their agenda of complete files, and its decision on
//! each request — granted, partly granted, refused or adjourned, with reasons, dates or « sans
//! limitation de durée » within the legal bounds (`bounds`), a complement level. Once every
//! request of a file is decided, the person is notified: one letter per right with its reasons
//! and the appeal route (the RAPO within 2 months of receipt, then the competent court), by
//! mail and in their space, where opening it records the day it was received.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, Set,
};

use super::bounds::{self, Findings};
use super::evaluation::RateBand;
use super::files::{File, Status};
use super::rights::Right;
use super::{Desk, Refused};
use crate::entity::{
    disability_evaluation, disability_file, disability_request, disability_session,
};
use crate::mail::{self, MailAttachment, OutgoingMail};
use crate::staff::Role;

/// Why the committee reads or changes a file, as the person reads it in their journal.
pub const COMMITTEE_REASON: &str = "décision de la commission des droits et de l'autonomie (CDAPH)";

/// The months after receipt within which the RAPO is made.
pub const RAPO_MONTHS: u32 = 2;

/// The committee's formation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Formation {
    Plenary,
    Restricted,
}

impl Formation {
    pub fn id(self) -> &'static str {
        match self {
            Formation::Plenary => "plenary",
            Formation::Restricted => "restricted",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        [Formation::Plenary, Formation::Restricted]
            .into_iter()
            .find(|f| f.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            Formation::Plenary => "Plénière",
            Formation::Restricted => "Restreinte (procédure simplifiée)",
        }
    }
}

/// The committee's decision on one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Granted,
    Partial,
    Refused,
    Adjourned,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Granted,
        Outcome::Partial,
        Outcome::Refused,
        Outcome::Adjourned,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Outcome::Granted => "granted",
            Outcome::Partial => "partial",
            Outcome::Refused => "refused",
            Outcome::Adjourned => "adjourned",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Outcome::ALL.into_iter().find(|o| o.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Granted => "Accordé",
            Outcome::Partial => "Accordé en partie",
            Outcome::Refused => "Refusé",
            Outcome::Adjourned => "Ajourné",
        }
    }

    /// A final decision, notified (an adjourned request comes back at a later session).
    pub fn is_final(self) -> bool {
        self != Outcome::Adjourned
    }
}

/// Whether the staff member sits for the committee.
fn committee(desk: &Desk<'_>) -> Result<(), Refused> {
    if desk.account().has_role(Role::DisabilityCommittee) {
        Ok(())
    } else {
        Err(Refused::Step(
            "Les décisions et les séances reviennent au secrétariat de la commission (CDAPH)."
                .into(),
        ))
    }
}

fn parse_day(field: &'static str, raw: &str, what: &str) -> Result<Option<NaiveDate>, Refused> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    crate::dates::parse_day(raw)
        .map(Some)
        .ok_or_else(|| Refused::Field(field, format!("{what} s'écrit comme 15/01/2027.")))
}

/// Opens a session of the committee.
pub async fn open_session(
    desk: &Desk<'_>,
    (held_on, formation): (&str, &str),
) -> Result<i64, Refused> {
    committee(desk)?;
    let held_on = parse_day("date", held_on, "La date de la séance")?
        .ok_or_else(|| Refused::Field("date", "Indiquez la date de la séance.".into()))?;
    let formation = Formation::parse(formation).ok_or_else(|| {
        Refused::Field(
            "formation",
            "Choisissez la formation : plénière ou restreinte.".into(),
        )
    })?;
    let txn = desk.tenant().db().begin_write().await?;
    let row = disability_session::ActiveModel {
        held_on: Set(held_on),
        formation: Set(formation.id().into()),
        created_by_name: Set(desk.account().display_name.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// The sessions, latest first.
pub async fn sessions(desk: &Desk<'_>) -> Result<Vec<disability_session::Model>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let rows = disability_session::Entity::find()
        .order_by_desc(disability_session::Column::HeldOn)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

pub async fn session(desk: &Desk<'_>, id: i64) -> Result<Option<disability_session::Model>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let row = disability_session::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    Ok(row)
}

/// The files on a session's agenda.
pub async fn agenda(desk: &Desk<'_>, session_id: i64) -> Result<Vec<File>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let rows = disability_file::Entity::find()
        .filter(disability_file::Column::SessionId.eq(session_id))
        .order_by_asc(disability_file::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(File::from_row).collect())
}

/// Puts a complete file on a session's agenda (moving it from another, if any).
pub async fn put_on_agenda(desk: &Desk<'_>, file: &File, session: &str) -> Result<(), Refused> {
    committee(desk)?;
    if file.status() != Status::Complete {
        return Err(Refused::Step(
            "Seul un dossier complet, en attente de décision, va en séance.".into(),
        ));
    }
    let chosen = session.trim().parse::<i64>().ok();
    let txn = desk.tenant().db().begin_write().await?;
    let Some(session) = (match chosen {
        Some(id) => disability_session::Entity::find_by_id(id).one(&txn).await?,
        None => None,
    }) else {
        return Err(Refused::Field(
            "seance",
            "Choisissez la séance dans la liste.".into(),
        ));
    };
    let mut active = file.row.clone().into_active_model();
    active.session_id = Set(Some(session.id));
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    let entry = desk.file_event(
        file.row.citizen_id,
        "dossier inscrit en séance de la commission",
        &format!(
            "dossier {} — séance du {}",
            file.reference(),
            crate::dates::on(session.held_on)
        ),
        COMMITTEE_REASON,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(())
}

/// A decision as typed on the session's page.
#[derive(Clone, Debug, Default)]
pub struct Typed {
    pub outcome: String,
    pub reason: String,
    pub starts_on: String,
    pub ends_on: String,
    pub without_limit: bool,
    pub level: String,
}

/// A decision read and checked.
struct Decision {
    outcome: Outcome,
    reason: Option<String>,
    period: Option<(NaiveDate, Option<NaiveDate>)>,
    level: Option<String>,
}

fn read(
    right: Right,
    typed: &Typed,
    findings: Findings,
    born_on: Option<NaiveDate>,
) -> Result<Decision, Refused> {
    let outcome = Outcome::parse(&typed.outcome).ok_or_else(|| {
        Refused::Field(
            "resultat",
            "Choisissez la décision : accordé, accordé en partie, refusé ou ajourné.".into(),
        )
    })?;
    let reason = typed.reason.trim();
    if reason.chars().count() > super::evaluation::TEXT_MAX {
        return Err(Refused::Field(
            "motif",
            "Le motif tient en 4000 caractères au plus.".into(),
        ));
    }
    if outcome != Outcome::Granted && reason.is_empty() {
        return Err(Refused::Field(
            "motif",
            "Motivez la décision : la personne lira ce motif dans sa notification.".into(),
        ));
    }
    let reason = (!reason.is_empty()).then(|| reason.to_owned());
    if !matches!(outcome, Outcome::Granted | Outcome::Partial) {
        return Ok(Decision {
            outcome,
            reason,
            period: None,
            level: None,
        });
    }
    let bounds = bounds::of(right, findings).map_err(|(f, m)| Refused::Field(f, m))?;
    let starts_on = parse_day("debut", &typed.starts_on, "La date de début")?
        .ok_or_else(|| Refused::Field("debut", "Indiquez la date de début du droit.".into()))?;
    let ends_on = match (
        typed.without_limit,
        parse_day("fin", &typed.ends_on, "La date de fin")?,
    ) {
        (true, Some(_)) => {
            return Err(Refused::Field(
                "fin",
                "Un droit sans limitation de durée n'a pas de date de fin : effacez-la ou décochez la case.".into(),
            ));
        }
        (true, None) if !bounds.without_limit => {
            return Err(Refused::Field(
                "sans_limite",
                format!(
                    "{} ne peut pas être accordée sans limitation de durée avec ces constats.",
                    right.short()
                ),
            ));
        }
        // The AEEH « without limit » runs until the eve of the twentieth birthday.
        (true, None) if right == Right::Aeeh => born_on.and_then(bounds::aeeh_end),
        (true, None) => None,
        (false, None) => {
            return Err(Refused::Field("fin", "Indiquez la date de fin, ou cochez « sans limitation de durée » là où la loi le permet.".into()));
        }
        (false, Some(end)) => Some(end),
    };
    let checked = bounds::Bounds {
        without_limit: bounds.without_limit && typed.without_limit,
        ..bounds
    };
    if !(typed.without_limit && right == Right::Aeeh) {
        bounds::check_period(right, checked, (starts_on, ends_on), born_on)
            .map_err(|(f, m)| Refused::Field(f, m))?;
    }
    let level = match typed.level.trim() {
        "" => None,
        level if right == Right::Aeeh => match level.parse::<u8>() {
            Ok(n @ 1..=6) => Some(format!("Complément de catégorie {n}")),
            _ => {
                return Err(Refused::Field(
                    "niveau",
                    "Le complément de l'AEEH est de catégorie 1 à 6 : écrivez un chiffre de 1 à 6."
                        .into(),
                ));
            }
        },
        level if right == Right::Pch => Some(level.chars().take(200).collect()),
        _ => {
            return Err(Refused::Field(
                "niveau",
                format!(
                    "{} n'a pas de complément : laissez ce champ vide.",
                    right.short()
                ),
            ));
        }
    };
    Ok(Decision {
        outcome,
        reason,
        period: Some((starts_on, ends_on)),
        level,
    })
}

impl Decision {
    fn apply(
        &self,
        mut active: disability_request::ActiveModel,
        typed: &Typed,
    ) -> disability_request::ActiveModel {
        active.outcome = Set(Some(self.outcome.id().into()));
        active.decision_reason = Set(self.reason.clone());
        active.starts_on = Set(self.period.map(|p| p.0));
        active.ends_on = Set(self.period.and_then(|p| p.1));
        active.without_limit = Set(self.period.is_some() && typed.without_limit);
        active.level = Set(self.level.clone());
        active
    }
}

/// The committee's new decision on a contested request, after its re-examination: read within
/// the same bounds, notified anew (the court's delay runs from its receipt).
pub(super) async fn revise(
    txn: &DatabaseTransaction,
    file: &File,
    request: disability_request::Model,
    typed: &Typed,
    now: DateTime<Utc>,
) -> Result<disability_request::Model, Refused> {
    let right =
        Right::parse(&request.right_code).ok_or_else(|| Refused::Step("Droit inconnu.".into()))?;
    let decision = read(
        right,
        typed,
        findings_in(txn, file.id()).await?,
        file.facts().born_on,
    )?;
    if !decision.outcome.is_final() {
        return Err(Refused::Field(
            "resultat",
            "Un recours se tranche : choisissez accordé, accordé en partie ou refusé.".into(),
        ));
    }
    let mut active = decision.apply(request.into_active_model(), typed);
    active.decided_on = Set(Some(crate::dates::day_of(now)));
    active.notified_at = Set(Some(now));
    active.received_on = Set(None);
    active.received_how = Set(None);
    // A revised right is a new one: its renewal is invited anew.
    active.renewal_invited_at = Set(None);
    Ok(active.update(txn).await?)
}

async fn findings_in(txn: &DatabaseTransaction, file_id: i64) -> Result<Findings, DbErr> {
    let row = disability_evaluation::Entity::find()
        .filter(disability_evaluation::Column::FileId.eq(file_id))
        .one(txn)
        .await?;
    Ok(row.map_or_else(Findings::default, |r| Findings {
        band: r.rate_band.as_deref().and_then(RateBand::parse),
        rsdae: r.rsdae,
        lasting: r.lasting,
    }))
}

/// Records the committee's decision on one request of a file on the agenda of a session that
/// has taken place. Once every request is decided, the file is decided and the person
/// notified (`to`: their address, if any). Returns whether the file is now decided.
pub async fn decide(
    desk: &Desk<'_>,
    request_id: i64,
    typed: &Typed,
    now: DateTime<Utc>,
    to: Option<&str>,
) -> Result<bool, Refused> {
    committee(desk)?;
    let letterhead = crate::letters::Letterhead::of(desk.tenant()).await?;
    let txn = desk.tenant().db().begin_write().await?;
    let request = disability_request::Entity::find_by_id(request_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Refused::Step("Cette demande n'existe pas dans ce département.".into()))?;
    let file = disability_file::Entity::find_by_id(request.file_id)
        .one(&txn)
        .await?
        .map(File::from_row)
        .ok_or_else(|| Refused::Step("Ce dossier n'existe pas.".into()))?;
    if file.status() != Status::Complete {
        return Err(Refused::Step("Ce dossier n'attend pas de décision.".into()));
    }
    let today = crate::dates::day_of(now);
    super::plan::ready_for_decision(&file, today)?;
    let session = match file.row.session_id {
        Some(id) => disability_session::Entity::find_by_id(id).one(&txn).await?,
        None => None,
    }
    .ok_or_else(|| {
        Refused::Step("Inscrivez d'abord le dossier à une séance de la commission.".into())
    })?;
    if session.held_on > today {
        return Err(Refused::Step(format!(
            "La séance du {} n'a pas encore eu lieu : la décision s'enregistre après elle.",
            crate::dates::on(session.held_on)
        )));
    }
    if request
        .outcome
        .as_deref()
        .and_then(Outcome::parse)
        .is_some_and(Outcome::is_final)
    {
        return Err(Refused::Step("Cette demande est déjà décidée.".into()));
    }
    let right =
        Right::parse(&request.right_code).ok_or_else(|| Refused::Step("Droit inconnu.".into()))?;
    let decision = read(
        right,
        typed,
        findings_in(&txn, file.id()).await?,
        file.facts().born_on,
    )?;
    let mut active = decision.apply(request.clone().into_active_model(), typed);
    active.decided_on = Set(Some(session.held_on));
    active.decided_by_name = Set(Some(desk.account().display_name.clone()));
    active.status = Set(if decision.outcome.is_final() {
        "decided"
    } else {
        "adjourned"
    }
    .into());
    active.update(&txn).await?;
    let entry = desk.file_event(
        file.row.citizen_id,
        "décision de la commission enregistrée",
        &format!(
            "dossier {} — {} : {}",
            file.reference(),
            right.short(),
            decision.outcome.label()
        ),
        COMMITTEE_REASON,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    let all = disability_request::Entity::find()
        .filter(disability_request::Column::FileId.eq(file.id()))
        .order_by_asc(disability_request::Column::Id)
        .all(&txn)
        .await?;
    let decided = all.iter().all(|r| {
        r.outcome
            .as_deref()
            .and_then(Outcome::parse)
            .is_some_and(Outcome::is_final)
    });
    if decided {
        notify(
            &txn,
            (&letterhead, desk.tenant().name()),
            &file,
            &all,
            (now, to),
        )
        .await?;
        let mut active = file.row.clone().into_active_model();
        active.status = Set(Status::Decided.id().into());
        active.updated_at = Set(now);
        active.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(decided)
}

/// Marks each request notified and mails the person every letter.
async fn notify(
    txn: &DatabaseTransaction,
    (letterhead, department): (&crate::letters::Letterhead, &str),
    file: &File,
    requests: &[disability_request::Model],
    (now, to): (DateTime<Utc>, Option<&str>),
) -> Result<(), DbErr> {
    disability_request::Entity::update_many()
        .col_expr(
            disability_request::Column::NotifiedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(disability_request::Column::FileId.eq(file.id()))
        .exec(txn)
        .await?;
    let Some(to) = to else { return Ok(()) };
    let attachments = requests
        .iter()
        .map(|r| {
            MailAttachment::new(
                &format!("notification-{}-{}.pdf", file.reference(), r.right_code),
                "application/pdf",
                &letter(letterhead, file, r, now),
            )
        })
        .collect();
    let lines: Vec<String> = requests
        .iter()
        .map(|r| {
            format!(
                "- {} : {}",
                Right::parse(&r.right_code).map_or("Droit", Right::label),
                r.outcome
                    .as_deref()
                    .and_then(Outcome::parse)
                    .map_or("", Outcome::label)
            )
        })
        .collect();
    mail::queue(
        txn,
        OutgoingMail {
            to: to.to_owned(),
            subject: "La commission a décidé sur votre demande à la MDPH".into(),
            text: format!(
                "Bonjour,\n\nLa commission des droits et de l'autonomie (CDAPH) a décidé sur votre demande {} :\n{}\n\nChaque notification est jointe à ce message et se lit dans votre espace, rubrique « Mes demandes à la MDPH ». Si vous contestez une décision, vous avez {RAPO_MONTHS} mois à partir de sa réception pour former un recours administratif préalable (RAPO), depuis votre espace.\n\n{department}\n",
                file.reference(),
                lines.join("\n"),
            ),
            attachments,
        },
    )
    .await
    .map(|_| ())
}

/// The notification of one decision, as a PDF letter: the decision, its reasons and dates,
/// and the appeal route.
pub fn letter(
    letterhead: &crate::letters::Letterhead,
    file: &File,
    request: &disability_request::Model,
    now: DateTime<Utc>,
) -> Vec<u8> {
    let right = Right::parse(&request.right_code);
    let outcome = request.outcome.as_deref().and_then(Outcome::parse);
    let mut text = vec![format!(
        "La commission des droits et de l'autonomie des personnes handicapées, réunie le {}, a examiné votre demande {} : {}.",
        request.decided_on.map(crate::dates::on).unwrap_or_default(),
        file.reference(),
        right.map_or("droit", Right::label),
    )];
    text.push(format!(
        "Décision : {}.",
        outcome.map_or("", Outcome::label)
    ));
    match (request.starts_on, request.ends_on, request.without_limit) {
        (Some(start), _, true) if right == Some(Right::Aeeh) => text.push(format!(
            "Ce droit est ouvert à partir du {} jusqu'aux 20 ans de l'enfant{}.",
            crate::dates::on(start),
            request
                .ends_on
                .map(|e| format!(", le {}", crate::dates::on(e)))
                .unwrap_or_default()
        )),
        (Some(start), _, true) => text.push(format!(
            "Ce droit est ouvert à partir du {}, sans limitation de durée.",
            crate::dates::on(start)
        )),
        (Some(start), Some(end), false) => text.push(format!(
            "Ce droit est ouvert du {} au {}.",
            crate::dates::on(start),
            crate::dates::on(end)
        )),
        _ => {}
    }
    if let Some(level) = &request.level {
        text.push(format!("{level}."));
    }
    if let Some(reason) = &request.decision_reason {
        text.push(format!("Motifs : {reason}"));
    }
    text.push(appeal(right));
    crate::letters::notice_pdf(
        letterhead,
        &file.facts().name,
        &crate::dates::day(now),
        &format!(
            "Notification de décision — {}",
            right.map_or("droit", Right::short)
        ),
        &text.join("\n"),
    )
}

/// The appeal route of a decision on `right`.
pub fn appeal(right: Option<Right>) -> String {
    let court = right
        .map_or(super::rights::Court::Judicial, Right::court)
        .label();
    format!(
        "Si vous contestez cette décision, vous devez d'abord former un recours administratif préalable obligatoire (RAPO) auprès de la maison départementale des personnes handicapées, dans les {RAPO_MONTHS} mois qui suivent sa réception : depuis votre espace, ou par courrier. La commission réexamine alors votre demande ; sans réponse dans les 2 mois, votre recours est rejeté. Vous pourrez ensuite saisir {court} dans les 2 mois qui suivent la réponse à votre recours."
    )
}

/// Records the day the person received a notification, once: the first opening in their space,
/// or the postal receipt recorded by staff.
pub async fn received(
    tenant: &tenants::Tenant,
    request: &disability_request::Model,
    (on, how): (NaiveDate, &str),
) -> Result<(), DbErr> {
    if request.received_on.is_some() || request.notified_at.is_none() {
        return Ok(());
    }
    let txn = tenant.db().begin_write().await?;
    disability_request::Entity::update_many()
        .col_expr(
            disability_request::Column::ReceivedOn,
            sea_orm::sea_query::Expr::value(on),
        )
        .col_expr(
            disability_request::Column::ReceivedHow,
            sea_orm::sea_query::Expr::value(how),
        )
        .filter(disability_request::Column::Id.eq(request.id))
        .filter(disability_request::Column::ReceivedOn.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(outcome: &str, start: &str, end: &str, without_limit: bool) -> Typed {
        Typed {
            outcome: outcome.into(),
            reason: String::new(),
            starts_on: start.into(),
            ends_on: end.into(),
            without_limit,
            level: String::new(),
        }
    }

    #[test]
    fn a_decision_is_read_within_the_bounds() {
        let at_60 = Findings {
            band: Some(RateBand::From50To79),
            rsdae: true,
            lasting: false,
        };
        let refused = read(
            Right::Aah,
            &typed("granted", "2027-01-01", "2033-01-01", false),
            at_60,
            None,
        );
        assert!(matches!(refused, Err(Refused::Field("fin", m)) if m.contains("5 ans au plus")));
        let backwards = read(
            Right::Aah,
            &typed("granted", "2027-01-01", "2026-01-01", false),
            at_60,
            None,
        );
        assert!(
            matches!(backwards, Err(Refused::Field("fin", m)) if m.contains("avant la date de début"))
        );
        let unlimited = read(
            Right::Aah,
            &typed("granted", "2027-01-01", "", true),
            at_60,
            None,
        );
        assert!(matches!(unlimited, Err(Refused::Field("sans_limite", _))));
        let unexplained = read(Right::Aah, &typed("refused", "", "", false), at_60, None);
        assert!(matches!(unexplained, Err(Refused::Field("motif", _))));
        assert!(
            read(
                Right::Aah,
                &typed("granted", "2027-01-01", "2028-12-31", false),
                at_60,
                None
            )
            .is_ok()
        );
        let child = Findings {
            band: Some(RateBand::From80),
            rsdae: false,
            lasting: true,
        };
        let born = NaiveDate::from_ymd_opt(2015, 5, 10);
        let aeeh = read(
            Right::Aeeh,
            &typed("granted", "2027-01-01", "", true),
            child,
            born,
        )
        .unwrap();
        assert_eq!(aeeh.period.unwrap().1, NaiveDate::from_ymd_opt(2035, 5, 9));
        let level = Typed {
            level: "7".into(),
            ..typed("granted", "2027-01-01", "2029-12-31", false)
        };
        assert!(matches!(
            read(Right::Aeeh, &level, child, born),
            Err(Refused::Field("niveau", _))
        ));
    }
}
