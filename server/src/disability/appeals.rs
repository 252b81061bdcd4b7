//! The RAPO (recours administratif préalable obligatoire): the person contests the committee's
//! decision on one right, from their space, within 2 months of receiving its notification
//! (the day they opened it there, or the postal receipt staff record); the committee
//! re-examines and maintains or revises its decision. Two months without an answer mean the
//! appeal is rejected: the page says so, and that the court can then be seized.

use chrono::{DateTime, Months, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    Set,
};
use tenants::Tenant;

use super::decisions::{COMMITTEE_REASON, Outcome, RAPO_MONTHS, Typed};
use super::files::File;
use super::rights::Right;
use super::{Desk, Refused};
use crate::entity::{disability_appeal, disability_file, disability_request};
use crate::mail::{self, MailAttachment, OutgoingMail};
use crate::staff::Role;

/// The months the committee has to answer: past them, silence means refusal.
pub const ANSWER_MONTHS: u32 = 2;

/// The committee's answer to an appeal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Maintained,
    Revised,
}

impl Answer {
    pub fn id(self) -> &'static str {
        match self {
            Answer::Maintained => "maintained",
            Answer::Revised => "revised",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        [Answer::Maintained, Answer::Revised]
            .into_iter()
            .find(|a| a.id() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            Answer::Maintained => "Décision maintenue",
            Answer::Revised => "Décision modifiée",
        }
    }
}

/// Where an appeal stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// The committee answers by that day.
    Pending(NaiveDate),
    /// Nothing came by the day after the limit: rejected since then.
    ImplicitlyRejected(NaiveDate),
    Answered(Answer),
}

pub fn standing(appeal: &disability_appeal::Model, today: NaiveDate) -> Standing {
    match appeal.outcome.as_deref().and_then(Answer::parse) {
        Some(answer) => Standing::Answered(answer),
        None if today > appeal.answer_by => {
            Standing::ImplicitlyRejected(appeal.answer_by.succ_opt().unwrap_or(appeal.answer_by))
        }
        None => Standing::Pending(appeal.answer_by),
    }
}

impl Standing {
    /// As the person and the team read it.
    pub fn describe(self) -> String {
        match self {
            Standing::Pending(by) => format!(
                "Recours en cours d'examen : la commission répond au plus tard le {}.",
                crate::dates::on(by)
            ),
            Standing::ImplicitlyRejected(since) => format!(
                "Sans réponse de la commission dans les {ANSWER_MONTHS} mois, le recours est rejeté depuis le {} : vous pouvez saisir le tribunal dans les 2 mois.",
                crate::dates::on(since)
            ),
            Standing::Answered(answer) => format!("Recours examiné : {}.", answer.label()),
        }
    }
}

/// The last day to contest a decision received on `received_on`.
pub fn last_day(received_on: NaiveDate) -> NaiveDate {
    received_on + Months::new(RAPO_MONTHS)
}

/// Whether the person may still contest this decision today; why not, in French.
pub fn contestable(request: &disability_request::Model, today: NaiveDate) -> Result<(), String> {
    let decided = request
        .outcome
        .as_deref()
        .and_then(Outcome::parse)
        .is_some_and(Outcome::is_final);
    if !decided || request.notified_at.is_none() {
        return Err(
            "Cette demande n'a pas encore de décision notifiée : il n'y a rien à contester.".into(),
        );
    }
    // Without a known day of receipt the delay does not run against the person.
    match request.received_on {
        Some(received) if today > last_day(received) => Err(format!(
            "Le délai de {RAPO_MONTHS} mois pour contester cette décision, reçue le {}, a pris fin le {}. La MDPH peut encore réexaminer votre situation sur une nouvelle demande.",
            crate::dates::on(received),
            crate::dates::on(last_day(received))
        )),
        _ => Ok(()),
    }
}

/// The appeals of a file's requests.
pub async fn of_file(
    tenant: &Tenant,
    file_id: i64,
) -> Result<Vec<disability_appeal::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = disability_appeal::Entity::find()
        .filter(disability_appeal::Column::FileId.eq(file_id))
        .order_by_asc(disability_appeal::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// The person contests the decision on `request_id`, one of `file`'s (theirs), with their
/// reasons. The MDPH's acknowledgement is mailed (`to`).
pub async fn contest(
    tenant: &Tenant,
    file: &File,
    (request_id, reasons): (i64, &str),
    now: DateTime<Utc>,
    to: Option<&str>,
) -> Result<NaiveDate, Refused> {
    let reasons = reasons.trim();
    if reasons.is_empty() {
        return Err(Refused::Field(
            "motifs",
            "Expliquez pourquoi vous contestez la décision : la commission réexamine votre demande à partir de ce que vous écrivez.".into(),
        ));
    }
    if reasons.chars().count() > super::evaluation::TEXT_MAX {
        return Err(Refused::Field(
            "motifs",
            format!(
                "Votre recours tient en {} caractères au plus ; vous pourrez envoyer des pièces ensuite.",
                super::evaluation::TEXT_MAX
            ),
        ));
    }
    let today = crate::dates::day_of(now);
    let txn = tenant.db().begin_write().await?;
    let request = disability_request::Entity::find_by_id(request_id)
        .filter(disability_request::Column::FileId.eq(file.id()))
        .one(&txn)
        .await?
        .ok_or_else(|| Refused::Step("Cette demande n'appartient pas à ce dossier.".into()))?;
    contestable(&request, today).map_err(Refused::Step)?;
    let already = disability_appeal::Entity::find()
        .filter(disability_appeal::Column::RequestId.eq(request.id))
        .one(&txn)
        .await?;
    if already.is_some() {
        return Err(Refused::Step(
            "Vous avez déjà contesté cette décision : la commission l'examine.".into(),
        ));
    }
    let answer_by = today + Months::new(ANSWER_MONTHS);
    disability_appeal::ActiveModel {
        request_id: Set(request.id),
        file_id: Set(file.id()),
        citizen_id: Set(file.row.citizen_id),
        reasons: Set(reasons.to_owned()),
        filed_on: Set(today),
        filed_at: Set(now),
        answer_by: Set(answer_by),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let right = Right::parse(&request.right_code).map_or("droit", Right::label);
    if let Some(to) = to {
        mail::queue(
            &txn,
            OutgoingMail {
                to: to.to_owned(),
                subject: "Votre recours est enregistré par la MDPH".into(),
                text: format!(
                    "Bonjour,\n\nVotre recours administratif préalable (RAPO) contre la décision sur votre demande {} ({right}) est enregistré le {}.\n\nLa commission réexamine votre demande et vous répond au plus tard le {} ; sans réponse à cette date, votre recours est rejeté et vous pouvez saisir le tribunal dans les 2 mois qui suivent.\n\n{}\n",
                    file.reference(),
                    crate::dates::on(today),
                    crate::dates::on(answer_by),
                    tenant.name()
                ),
                attachments: Vec::new(),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(answer_by)
}

/// Staff record the day the person received a notification of `file` by post (the delay of
/// the RAPO runs from it); a day already known is kept.
pub async fn record_receipt(
    desk: &Desk<'_>,
    file: &File,
    (request, day): (&str, &str),
) -> Result<(), Refused> {
    let account = desk.account();
    if !(account.has_role(Role::DisabilityReception) || account.has_role(Role::DisabilityCommittee))
    {
        return Err(Refused::Step(
            "L'accueil ou le secrétariat de la commission enregistre les avis de réception.".into(),
        ));
    }
    let request_id = request.trim().parse::<i64>().map_err(|_| {
        Refused::Field(
            "demande",
            "Choisissez la notification dans la liste.".into(),
        )
    })?;
    let day = crate::dates::parse_day(day.trim()).ok_or_else(|| {
        Refused::Field(
            "recu_le",
            "Indiquez le jour de réception écrit sur l'avis, comme 15/01/2027.".into(),
        )
    })?;
    let txn = desk.tenant().db().begin_write().await?;
    let request = disability_request::Entity::find_by_id(request_id)
        .filter(disability_request::Column::FileId.eq(file.id()))
        .one(&txn)
        .await?
        .ok_or_else(|| {
            Refused::Field(
                "demande",
                "Choisissez la notification dans la liste.".into(),
            )
        })?;
    let Some(notified) = request.notified_at.map(crate::dates::day_of) else {
        return Err(Refused::Step(
            "Cette décision n'est pas encore notifiée.".into(),
        ));
    };
    if let Some(known) = request.received_on {
        return Err(Refused::Step(format!(
            "La réception de cette notification est déjà connue : le {}.",
            crate::dates::on(known)
        )));
    }
    if day < notified || day > crate::dates::today() {
        return Err(Refused::Field(
            "recu_le",
            format!(
                "Le jour de réception se situe entre l'envoi de la notification, le {}, et aujourd'hui.",
                crate::dates::on(notified)
            ),
        ));
    }
    let mut active = request.clone().into_active_model();
    active.received_on = Set(Some(day));
    active.received_how = Set(Some("staff".into()));
    active.update(&txn).await?;
    let right = Right::parse(&request.right_code).map_or("droit", Right::short);
    let entry = desk.file_event(
        file.row.citizen_id,
        "réception d'une notification enregistrée (avis postal)",
        &format!(
            "dossier {} — {right} : reçue le {}",
            file.reference(),
            crate::dates::on(day)
        ),
        COMMITTEE_REASON,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(())
}

/// An appeal with what it contests.
#[derive(Clone, Debug)]
pub struct Contested {
    pub appeal: disability_appeal::Model,
    pub request: disability_request::Model,
    pub file: File,
}

/// The appeals waiting for the committee, the most urgent first.
pub async fn waiting(desk: &Desk<'_>) -> Result<Vec<Contested>, DbErr> {
    let txn = desk.tenant().db().begin().await?;
    let appeals = disability_appeal::Entity::find()
        .filter(disability_appeal::Column::Outcome.is_null())
        .order_by_asc(disability_appeal::Column::AnswerBy)
        .order_by_asc(disability_appeal::Column::Id)
        .all(&txn)
        .await?;
    let mut contested = Vec::with_capacity(appeals.len());
    for appeal in appeals {
        let request = disability_request::Entity::find_by_id(appeal.request_id)
            .one(&txn)
            .await?;
        let file = disability_file::Entity::find_by_id(appeal.file_id)
            .one(&txn)
            .await?;
        if let (Some(request), Some(file)) = (request, file) {
            contested.push(Contested {
                appeal,
                request,
                file: File::from_row(file),
            });
        }
    }
    txn.commit().await?;
    Ok(contested)
}

/// The committee's answer as typed: maintained with reasons, or revised with a new decision.
#[derive(Clone, Debug, Default)]
pub struct AnswerTyped {
    pub answer: String,
    pub reason: String,
    pub decision: Typed,
}

/// The committee answers an appeal: the person is mailed the letter (`to`).
pub async fn answer(
    desk: &Desk<'_>,
    appeal_id: i64,
    typed: &AnswerTyped,
    now: DateTime<Utc>,
    to: Option<&str>,
) -> Result<(), Refused> {
    if !desk.account().has_role(Role::DisabilityCommittee) {
        return Err(Refused::Step(
            "Le réexamen revient au secrétariat de la commission (CDAPH).".into(),
        ));
    }
    let answer = Answer::parse(&typed.answer).ok_or_else(|| {
        Refused::Field(
            "reponse",
            "Choisissez : la commission maintient ou modifie sa décision.".into(),
        )
    })?;
    let reason = typed.reason.trim();
    if reason.is_empty() {
        return Err(Refused::Field(
            "motif_reexamen",
            "Motivez la réponse au recours : la personne la lira.".into(),
        ));
    }
    if reason.chars().count() > super::evaluation::TEXT_MAX {
        return Err(Refused::Field(
            "motif_reexamen",
            "Le motif tient en 4000 caractères au plus.".into(),
        ));
    }
    let letterhead = crate::letters::Letterhead::of(desk.tenant()).await?;
    let today = crate::dates::day_of(now);
    let txn = desk.tenant().db().begin_write().await?;
    let appeal = disability_appeal::Entity::find_by_id(appeal_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Refused::Step("Ce recours n'existe pas dans ce département.".into()))?;
    if appeal.outcome.is_some() {
        return Err(Refused::Step("Ce recours a déjà sa réponse.".into()));
    }
    let request = disability_request::Entity::find_by_id(appeal.request_id)
        .one(&txn)
        .await?
        .ok_or_else(|| Refused::Step("La demande contestée n'existe plus.".into()))?;
    let file = disability_file::Entity::find_by_id(appeal.file_id)
        .one(&txn)
        .await?
        .map(File::from_row)
        .ok_or_else(|| Refused::Step("Ce dossier n'existe pas.".into()))?;
    let request = match answer {
        Answer::Maintained => request,
        Answer::Revised => {
            super::decisions::revise(&txn, &file, request, &typed.decision, now).await?
        }
    };
    let mut active = appeal.clone().into_active_model();
    active.outcome = Set(Some(answer.id().into()));
    active.answer_reason = Set(Some(reason.to_owned()));
    active.answered_on = Set(Some(today));
    active.answered_by_name = Set(Some(desk.account().display_name.clone()));
    let appeal = active.update(&txn).await?;
    let right = Right::parse(&request.right_code);
    let entry = desk.file_event(
        file.row.citizen_id,
        "réponse de la commission à un recours (RAPO)",
        &format!(
            "dossier {} — {} : {}",
            file.reference(),
            right.map_or("droit", Right::short),
            answer.label()
        ),
        COMMITTEE_REASON,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    if let Some(to) = to {
        mail::queue(
            &txn,
            OutgoingMail {
                to: to.to_owned(),
                subject: "La commission a répondu à votre recours".into(),
                text: format!(
                    "Bonjour,\n\nLa commission a réexaminé votre demande {} ({}) : {}.\n\nLa réponse est jointe à ce message et se lit dans votre espace, rubrique « Mes demandes à la MDPH ».\n\n{}\n",
                    file.reference(),
                    right.map_or("droit", Right::label),
                    answer.label().to_lowercase(),
                    desk.tenant().name()
                ),
                attachments: vec![MailAttachment::new(
                    &format!("reponse-recours-{}-{}.pdf", file.reference(), request.right_code),
                    "application/pdf",
                    &letter(&letterhead, &file, (&request, &appeal), now),
                )],
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The committee's answer to an appeal, as a PDF letter with the court to seize next.
pub fn letter(
    letterhead: &crate::letters::Letterhead,
    file: &File,
    (request, appeal): (&disability_request::Model, &disability_appeal::Model),
    now: DateTime<Utc>,
) -> Vec<u8> {
    let right = Right::parse(&request.right_code);
    let answer = appeal.outcome.as_deref().and_then(Answer::parse);
    let mut text = vec![format!(
        "Vous avez contesté le {} la décision de la commission sur votre demande {} : {}. La commission a réexaminé votre demande.",
        crate::dates::on(appeal.filed_on),
        file.reference(),
        right.map_or("droit", Right::label),
    )];
    text.push(format!("Réponse : {}.", answer.map_or("", Answer::label)));
    if let Some(reason) = &appeal.answer_reason {
        text.push(format!("Motifs : {reason}"));
    }
    if answer == Some(Answer::Revised) {
        text.push(format!(
            "Nouvelle décision : {}{}.",
            request
                .outcome
                .as_deref()
                .and_then(Outcome::parse)
                .map_or("", Outcome::label),
            match (request.starts_on, request.ends_on, request.without_limit) {
                (Some(start), _, true) => format!(
                    ", à partir du {}, sans limitation de durée",
                    crate::dates::on(start)
                ),
                (Some(start), Some(end), false) => format!(
                    ", du {} au {}",
                    crate::dates::on(start),
                    crate::dates::on(end)
                ),
                _ => String::new(),
            }
        ));
    }
    text.push(format!(
        "Si vous contestez cette réponse, vous pouvez saisir {} dans les 2 mois qui suivent sa réception.",
        right
            .map_or(super::rights::Court::Judicial, Right::court)
            .label()
    ));
    crate::letters::notice_pdf(
        letterhead,
        &file.facts().name,
        &crate::dates::day(now),
        &format!(
            "Réponse à votre recours — {}",
            right.map_or("droit", Right::short)
        ),
        &text.join("\n"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_months_run_from_receipt_and_silence_rejects() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        assert_eq!(last_day(day("2027-01-31")), day("2027-03-31"));
        assert_eq!(last_day(day("2026-12-31")), day("2027-02-28"));
        let appeal = disability_appeal::Model {
            id: 1,
            request_id: 1,
            file_id: 1,
            citizen_id: 1,
            reasons: "Je conteste.".into(),
            filed_on: day("2027-01-10"),
            filed_at: Utc::now(),
            answer_by: day("2027-03-10"),
            outcome: None,
            answer_reason: None,
            answered_on: None,
            answered_by_name: None,
        };
        assert_eq!(
            standing(&appeal, day("2027-03-10")),
            Standing::Pending(day("2027-03-10"))
        );
        assert_eq!(
            standing(&appeal, day("2027-03-11")),
            Standing::ImplicitlyRejected(day("2027-03-11"))
        );
        let answered = disability_appeal::Model {
            outcome: Some("maintained".into()),
            ..appeal
        };
        assert_eq!(
            standing(&answered, day("2027-06-01")),
            Standing::Answered(Answer::Maintained)
        );
    }
}
