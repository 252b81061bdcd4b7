//! The personalised compensation plan (PPC): once the team has proposed on every request, it
//! sends the plan to the person, who has 15 days to write remarks or ask to be heard by the
//! committee. The committee decides after the person answered or the 15 days ran out, never
//! before (`ready_for_decision`).

use chrono::{DateTime, Days, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use tenants::Tenant;

use super::evaluation::{self, Proposal};
use super::files::{File, Status};
use super::rights::Right;
use super::{Desk, EVALUATION_REASON, Refused};
use crate::entity::{disability_file, disability_request};
use crate::mail::{self, OutgoingMail};

/// The days the person has to answer the plan.
pub const ANSWER_DAYS: u64 = 15;

/// Where the plan stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    NotSent,
    /// Sent; the person may answer until that day.
    Awaiting(NaiveDate),
    /// The person answered, or let the days run out.
    Closed,
}

pub fn standing(file: &File, today: NaiveDate) -> Standing {
    match (file.row.plan_sent_at, file.row.plan_answer_by) {
        (None, _) | (_, None) => Standing::NotSent,
        (Some(_), Some(by)) if file.row.plan_answered_at.is_none() && today <= by => {
            Standing::Awaiting(by)
        }
        _ => Standing::Closed,
    }
}

/// Why the committee cannot decide yet on this file, if it cannot.
pub fn ready_for_decision(file: &File, today: NaiveDate) -> Result<(), Refused> {
    match standing(file, today) {
        Standing::NotSent => Err(Refused::Step(
            "L'équipe doit d'abord envoyer le plan de compensation à la personne : la commission décide après ses 15 jours de réponse.".into(),
        )),
        Standing::Awaiting(by) => Err(Refused::Step(format!(
            "La personne peut répondre au plan de compensation jusqu'au {} : la commission décide après, ou dès sa réponse.",
            crate::dates::on(by)
        ))),
        Standing::Closed => Ok(()),
    }
}

/// One line of the plan: a right and what the team proposes, with why.
#[derive(Clone, Debug)]
pub struct Line {
    pub right: String,
    pub proposal: String,
    pub reason: Option<String>,
}

pub fn lines(requests: &[disability_request::Model]) -> Vec<Line> {
    requests
        .iter()
        .map(|r| Line {
            right: Right::parse(&r.right_code)
                .map_or("Droit", Right::label)
                .into(),
            proposal: r
                .proposal
                .as_deref()
                .and_then(Proposal::parse)
                .map_or("", Proposal::label)
                .into(),
            reason: r.proposal_reason.clone(),
        })
        .collect()
}

/// Sends the plan: every request must carry the team's proposal. The person is mailed (`to`,
/// if they have an address) that the plan waits in their space.
pub async fn send(
    desk: &Desk<'_>,
    file: &File,
    now: DateTime<Utc>,
    (to, link): (Option<&str>, &str),
) -> Result<NaiveDate, Refused> {
    if !evaluation::evaluates(desk) {
        return Err(Refused::Step(
            "Le plan de compensation est envoyé par l'équipe pluridisciplinaire.".into(),
        ));
    }
    if file.status() != Status::Complete {
        return Err(Refused::Step(
            "Seul un dossier complet, en cours d'évaluation, reçoit un plan de compensation."
                .into(),
        ));
    }
    if file.row.plan_sent_at.is_some() {
        return Err(Refused::Step(
            "Le plan de compensation est déjà envoyé à la personne.".into(),
        ));
    }
    let txn = desk.tenant().db().begin_write().await?;
    let requests = disability_request::Entity::find()
        .filter(disability_request::Column::FileId.eq(file.id()))
        .all(&txn)
        .await?;
    let unproposed: Vec<&str> = requests
        .iter()
        .filter(|r| r.proposal.is_none())
        .map(|r| Right::parse(&r.right_code).map_or("droit", Right::short))
        .collect();
    if !unproposed.is_empty() {
        return Err(Refused::Step(format!(
            "Proposez d'abord une réponse pour chaque droit demandé ; il manque : {}.",
            unproposed.join(", ")
        )));
    }
    let answer_by = crate::dates::day_of(now) + Days::new(ANSWER_DAYS);
    let mut active = file.row.clone().into_active_model();
    active.plan_sent_at = Set(Some(now));
    active.plan_answer_by = Set(Some(answer_by));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let entry = desk.file_event(
        file.row.citizen_id,
        "plan personnalisé de compensation envoyé à la personne",
        &format!("dossier {}", file.reference()),
        EVALUATION_REASON,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    if let Some(to) = to {
        let plan: Vec<String> = lines(&requests)
            .into_iter()
            .map(|l| format!("- {} : {}", l.right, l.proposal))
            .collect();
        mail::queue(
            &txn,
            OutgoingMail {
                to: to.to_owned(),
                subject: "Votre plan personnalisé de compensation".into(),
                text: format!(
                    "Bonjour,\n\nL'équipe de la MDPH a étudié votre demande {} et propose à la commission :\n{}\n\nVous pouvez faire vos remarques, ou demander à être entendu par la commission, jusqu'au {} :\n\n  {link}\n\nSans réponse de votre part, la commission décidera après cette date.\n\n{}\n",
                    file.reference(),
                    plan.join("\n"),
                    crate::dates::on(answer_by),
                    desk.tenant().name(),
                ),
                attachments: Vec::new(),
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(answer_by)
}

/// The person's answer to the plan: remarks (may be empty when they only agree), and whether
/// they ask to be heard. Once, and within the 15 days.
pub async fn answer(
    tenant: &Tenant,
    file: &File,
    (remarks, hearing): (&str, bool),
    now: DateTime<Utc>,
) -> Result<(), Refused> {
    match standing(file, crate::dates::day_of(now)) {
        Standing::NotSent => {
            return Err(Refused::Step(
                "La MDPH ne vous a pas encore envoyé de plan de compensation pour cette demande."
                    .into(),
            ));
        }
        Standing::Closed if file.row.plan_answered_at.is_some() => {
            return Err(Refused::Step(
                "Votre réponse au plan est déjà envoyée à la MDPH.".into(),
            ));
        }
        Standing::Closed => {
            return Err(Refused::Step(format!(
                "Le délai de {ANSWER_DAYS} jours pour répondre au plan est passé : la commission va décider. Vous pourrez contester sa décision si vous n'êtes pas d'accord."
            )));
        }
        Standing::Awaiting(_) => {}
    }
    let remarks = remarks.trim();
    if remarks.chars().count() > evaluation::TEXT_MAX {
        return Err(Refused::Field(
            "remarques",
            format!(
                "Vos remarques tiennent en {} caractères au plus.",
                evaluation::TEXT_MAX
            ),
        ));
    }
    let txn = tenant.db().begin_write().await?;
    // Only an unanswered plan takes the answer: two clicks record one.
    let answered = disability_file::Entity::update_many()
        .col_expr(
            disability_file::Column::PlanRemarks,
            sea_orm::sea_query::Expr::value((!remarks.is_empty()).then(|| remarks.to_owned())),
        )
        .col_expr(
            disability_file::Column::PlanHearing,
            sea_orm::sea_query::Expr::value(hearing),
        )
        .col_expr(
            disability_file::Column::PlanAnsweredAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(disability_file::Column::Id.eq(file.id()))
        .filter(disability_file::Column::PlanAnsweredAt.is_null())
        .exec(&txn)
        .await?;
    if answered.rows_affected == 0 {
        return Err(Refused::Step(
            "Votre réponse au plan est déjà envoyée à la MDPH.".into(),
        ));
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(sent: Option<&str>, answered: bool) -> File {
        let at = |day: &str| {
            NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap()
                .and_utc()
        };
        let mut row = disability_file::Model {
            id: 1,
            citizen_id: 1,
            kind: "first".into(),
            previous_file_id: None,
            filed_by: "self".into(),
            filed_by_name: String::new(),
            answers: "{}".into(),
            form_version: String::new(),
            generic: false,
            status: "complete".into(),
            pole: None,
            sector: None,
            created_at: at("2027-01-01"),
            updated_at: at("2027-01-01"),
            filed_at: None,
            pieces_asked_at: None,
            pieces_deadline: None,
            pieces_message: None,
            citizen_explanation: None,
            complete_on: None,
            irrecevable_at: None,
            session_id: None,
            plan_sent_at: None,
            plan_answer_by: None,
            plan_remarks: None,
            plan_hearing: false,
            plan_answered_at: None,
            mandate_id: None,
        };
        if let Some(day) = sent {
            row.plan_sent_at = Some(at(day));
            row.plan_answer_by = Some(crate::dates::day_of(at(day)) + Days::new(ANSWER_DAYS));
        }
        if answered {
            row.plan_answered_at = row.plan_sent_at;
        }
        File::from_row(row)
    }

    #[test]
    fn the_committee_waits_for_the_answer_or_the_fifteen_days() {
        let day = |d: &str| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap();
        assert!(ready_for_decision(&file(None, false), day("2027-03-01")).is_err());
        let sent = file(Some("2027-03-01"), false);
        assert_eq!(
            standing(&sent, day("2027-03-16")),
            Standing::Awaiting(day("2027-03-16"))
        );
        let waiting = ready_for_decision(&sent, day("2027-03-16"));
        assert!(matches!(waiting, Err(Refused::Step(m)) if m.contains("16/03/2027")));
        assert!(ready_for_decision(&sent, day("2027-03-17")).is_ok());
        assert!(ready_for_decision(&file(Some("2027-03-01"), true), day("2027-03-02")).is_ok());
    }
}
