//! Deciding on a request: outcome, amount, reasons from a list plus free text, a PDF letter,
//! and the citizen told by mail (letter attached) — all or nothing.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set, sea_query::Expr,
};
use tenants::{Platform, Tenant};

use super::Desk;
use super::filing::{AidRequest, Status, record_event};
use super::queue::{ChangeError, is_open};
use crate::aid_requests::form::format_euros;
use crate::citizens::Citizen;
use crate::entity::{aid_request, decision};
use crate::letters::{self, DecisionLetter};
use crate::mail::{self, MailAttachment, OutgoingMail};
use app::validation::FieldErrors;

/// What the instructor decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Granted,
    PartiallyGranted,
    Refused,
}

impl Outcome {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "granted" => Some(Outcome::Granted),
            "partially_granted" => Some(Outcome::PartiallyGranted),
            "refused" => Some(Outcome::Refused),
            _ => None,
        }
    }

    pub fn id(self) -> &'static str {
        self.status().id()
    }

    pub fn status(self) -> Status {
        match self {
            Outcome::Granted => Status::Granted,
            Outcome::PartiallyGranted => Status::PartiallyGranted,
            Outcome::Refused => Status::Refused,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Granted => "accordée",
            Outcome::PartiallyGranted => "accordée en partie",
            Outcome::Refused => "refusée",
        }
    }
}

/// The reasons an instructor chooses from.
pub const REASONS: [&str; 8] = [
    "Les conditions d'attribution de l'aide sont remplies.",
    "La situation d'urgence est reconnue.",
    "Le montant est plafonné par le règlement de l'aide.",
    "Une partie des dépenses n'entre pas dans le champ de l'aide.",
    "Les ressources du foyer dépassent le plafond de l'aide.",
    "La situation n'entre pas dans le champ de l'aide.",
    "Le demandeur ne réside pas dans le département.",
    "Les pièces demandées n'ont pas été fournies malgré la relance.",
];

/// A decision as typed by the instructor (`reasons`: the checked boxes of a repeated field).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub outcome: String,
    pub amount: String,
    pub reasons: Vec<String>,
    pub comment: String,
}

/// A checked decision.
#[derive(Clone, Debug)]
pub struct ValidDecision {
    pub outcome: Outcome,
    pub amount_cents: Option<i64>,
    pub reasons: Vec<String>,
    pub comment: String,
}

impl DecisionForm {
    /// Every problem at once, in French, each at the field it is about (the ids the form
    /// gives them: `outcome-0`, `amount`, `reasons-0`, `comment`).
    pub fn validate(&self) -> Result<ValidDecision, FieldErrors> {
        let mut errors = FieldErrors::new();
        let outcome = Outcome::parse(&self.outcome);
        if outcome.is_none() {
            errors.add(
                "outcome-0",
                "Choisissez la décision : accordée, accordée en partie ou refusée.",
            );
        }
        let amount = if self.amount.trim().is_empty() {
            None
        } else {
            match crate::aid_requests::form::parse_cents(&self.amount) {
                Some(cents) if cents > 0 => Some(cents),
                _ => {
                    errors.add(
                        "amount",
                        "Le montant attend des euros, par exemple 450 ou 450,50.",
                    );
                    None
                }
            }
        };
        match outcome {
            Some(Outcome::Granted | Outcome::PartiallyGranted)
                if amount.is_none() && errors.is_empty() =>
            {
                errors.add("amount", "Indiquez le montant accordé.")
            }
            Some(Outcome::Refused) if amount.is_some() => errors.add(
                "amount",
                "Une aide refusée n'a pas de montant : videz le champ montant.",
            ),
            _ => {}
        }
        let reasons: Vec<String> = self
            .reasons
            .iter()
            .filter(|r| !r.is_empty())
            .cloned()
            .collect();
        if reasons.is_empty() {
            errors.add(
                "reasons-0",
                "Cochez au moins un motif : la décision doit être motivée.",
            );
        }
        if reasons.iter().any(|r| !REASONS.contains(&r.as_str())) {
            errors.add(
                "reasons-0",
                "Un motif coché n'est pas dans la liste : rechargez la page.",
            );
        }
        if self.comment.chars().count() > 2000 {
            errors.add(
                "comment",
                "Les précisions sont trop longues (2 000 caractères au plus) : raccourcissez-les.",
            );
        }
        match outcome {
            Some(outcome) if errors.is_empty() => Ok(ValidDecision {
                outcome,
                amount_cents: amount,
                reasons,
                comment: self.comment.trim().to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

/// A recorded decision.
#[derive(Clone, Debug)]
pub struct Decision {
    pub outcome: Status,
    pub amount_cents: Option<i64>,
    pub reasons: Vec<String>,
    pub comment: String,
    pub decided_at: chrono::DateTime<Utc>,
    pub letter_file: Option<String>,
    /// As the letter names them; decisions recorded before it was kept have none.
    pub signatory: Option<String>,
}

pub async fn find(tenant: &Tenant, request_id: i64) -> Result<Option<Decision>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = decision::Entity::find()
        .filter(decision::Column::RequestId.eq(request_id))
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(row.map(|d| Decision {
        outcome: Status::parse(&d.outcome).unwrap_or(Status::Refused),
        amount_cents: d.amount_cents,
        reasons: serde_json::from_str(&d.reasons).unwrap_or_default(),
        comment: d.comment,
        decided_at: d.decided_at,
        letter_file: d.letter_file,
        signatory: d.signatory,
    }))
}

/// Records the decision on request `id` if it is still open and at `expected_version`:
/// writes the letter, changes the status, notes the timeline, journals it in the desk holder's
/// name (in the decision's transaction: both are written or neither), and queues the mail
/// with the letter.
pub async fn decide(
    platform: &Platform,
    desk: &Desk<'_>,
    id: i64,
    expected_version: i32,
    input: &ValidDecision,
    space_url: &str,
) -> Result<(), ChangeError> {
    let tenant = desk.tenant();
    let request = super::queue::find_filed(desk, id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    if !is_open(request.status) {
        return Err(ChangeError::Conflict);
    }
    let aid = super::catalogue::find(tenant, request.aid_id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    let citizen = crate::citizens::find(tenant, request.citizen_id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    let (request, aid, citizen) = (&request, &aid, &citizen);
    let reference = request.reference.clone().unwrap_or_default();
    let now = Utc::now();
    let amount_text = input.amount_cents.map(format_euros);
    let outcome_sentence = match (input.outcome, &amount_text) {
        (Outcome::Refused, _) => format!(
            "Après examen, votre demande « {} » est refusée, pour les motifs ci-dessous.",
            aid.title
        ),
        (outcome, Some(amount)) => format!(
            "Après examen, votre demande « {} » est {}. Le montant attribué est de {amount}.",
            aid.title,
            outcome.label()
        ),
        (outcome, None) => format!(
            "Après examen, votre demande « {} » est {}.",
            aid.title,
            outcome.label()
        ),
    };
    let letter = DecisionLetter {
        department: letters::Letterhead::of(tenant).await?,
        reference: reference.clone(),
        date: now.format("%d/%m/%Y").to_string(),
        citizen_name: citizen.display_name(),
        aid_title: aid.title.clone(),
        outcome_sentence,
        reasons: input.reasons.clone(),
        comment: input.comment.clone(),
        appeal: letters::appeal_text(tenant.name()),
        address: crate::user_relations::details::of(tenant, citizen.id)
            .await?
            .map(|d| {
                d.postal_address
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        signatory: letters::signatory(&desk.account().display_name),
    };
    let signatory = letter.signatory.clone();
    let pdf = tokio::task::spawn_blocking(move || letters::decision_pdf(&letter))
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let file = format!("courriers/{reference}-decision.pdf");
    crate::files::write(platform, tenant.slug(), &file, pdf.clone())
        .await
        .map_err(|e| DbErr::Custom(format!("letter file: {e}")))?;

    let letter = RecordedLetter {
        file: &file,
        pdf: &pdf,
        signatory: &signatory,
    };
    let recorded = record(
        desk,
        request,
        expected_version,
        input,
        letter,
        citizen,
        &reference,
        space_url,
    )
    .await;
    if recorded.is_err() {
        // Nothing half-written: the letter goes with the decision that failed.
        let _ = crate::files::delete(platform, tenant.slug(), &file).await;
    }
    recorded
}

/// The letter written for a decision: its file, its bytes, who signs it.
struct RecordedLetter<'a> {
    file: &'a str,
    pdf: &'a [u8],
    signatory: &'a str,
}

#[expect(
    clippy::too_many_arguments,
    reason = "the pieces of one decision, gathered by `decide`"
)]
async fn record(
    desk: &Desk<'_>,
    request: &AidRequest,
    expected_version: i32,
    input: &ValidDecision,
    letter: RecordedLetter<'_>,
    citizen: &Citizen,
    reference: &str,
    space_url: &str,
) -> Result<(), ChangeError> {
    let now = Utc::now();
    let tenant = desk.tenant();
    let staff_id = desk.account().id;
    let txn = tenant.db().begin_write().await?;
    let updated = aid_request::Entity::update_many()
        .col_expr(aid_request::Column::Status, Expr::value(input.outcome.id()))
        .col_expr(
            aid_request::Column::Version,
            Expr::value(expected_version + 1),
        )
        .col_expr(
            aid_request::Column::PausedSince,
            Expr::value(Option::<chrono::NaiveDate>::None),
        )
        .col_expr(
            aid_request::Column::CitizenRepliedAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(aid_request::Column::UpdatedAt, Expr::value(now))
        .filter(aid_request::Column::Id.eq(request.id))
        .filter(aid_request::Column::Version.eq(expected_version))
        .filter(aid_request::Column::Status.is_in([Status::Submitted, Status::InfoRequested]))
        .exec(&txn)
        .await?
        .rows_affected;
    if updated != 1 {
        return Err(ChangeError::Conflict);
    }
    decision::ActiveModel {
        request_id: Set(request.id),
        outcome: Set(input.outcome.id().to_owned()),
        amount_cents: Set(input.amount_cents),
        reasons: Set(
            serde_json::to_string(&input.reasons).map_err(|e| DbErr::Custom(e.to_string()))?
        ),
        comment: Set(input.comment.clone()),
        decided_by: Set(Some(staff_id)),
        decided_at: Set(now),
        letter_file: Set(Some(letter.file.to_owned())),
        signatory: Set(Some(letter.signatory.to_owned())),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let summary = match input.amount_cents {
        Some(cents) => format!(
            "Décision : demande {} ({})",
            input.outcome.label(),
            format_euros(cents)
        ),
        None => format!("Décision : demande {}", input.outcome.label()),
    };
    record_event(
        &txn,
        request.id,
        "decided",
        &format!("staff:{staff_id}"),
        &summary,
    )
    .await?;
    let journal = desk.file_event(
        request.citizen_id,
        &format!(
            "décision sur une demande d'aide : {}",
            input.outcome.label()
        ),
        &format!("demande {reference} (usager {})", request.citizen_id),
        "instruction de votre demande",
    );
    crate::audit::append_in(&txn, &[journal]).await?;
    if !citizen.email.is_empty() {
        mail::queue(
            &txn,
            OutgoingMail {
                to: citizen.email.clone(),
                subject: format!("Décision sur votre demande {reference}"),
                text: format!(
                    "Bonjour {},\n\nLe département a pris une décision sur votre demande {reference} : elle est {}.\nLe courrier de décision, avec ses motifs et les voies de recours, est joint à ce message et disponible dans votre espace : {space_url}\n\n{}\n",
                    citizen.display_name(),
                    input.outcome.label(),
                    tenant.name()
                ),
                attachments: vec![MailAttachment::new(
                    &format!("decision-{reference}.pdf"),
                    "application/pdf",
                    letter.pdf,
                )],
            },
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grant_needs_an_amount_and_a_reason() {
        let form = DecisionForm {
            outcome: "granted".into(),
            amount: String::new(),
            reasons: vec![],
            comment: String::new(),
        };
        let errors = form.validate().unwrap_err();
        assert_eq!(errors.messages().len(), 2, "{errors:?}");
        assert!(errors.of("amount").is_some() && errors.of("reasons-0").is_some());
        let ok = DecisionForm {
            outcome: "granted".into(),
            amount: "450,50".into(),
            reasons: vec![REASONS[0].into()],
            comment: String::new(),
        }
        .validate()
        .unwrap();
        assert_eq!(ok.amount_cents, Some(45_050));
    }

    #[test]
    fn a_refusal_has_no_amount_and_forged_reasons_are_refused() {
        let errors = DecisionForm {
            outcome: "refused".into(),
            amount: "10".into(),
            reasons: vec!["Parce que.".into()],
            comment: String::new(),
        }
        .validate()
        .unwrap_err();
        assert_eq!(errors.messages().len(), 2, "{errors:?}");
        assert!(
            DecisionForm {
                outcome: "maybe".into(),
                ..Default::default()
            }
            .validate()
            .is_err()
        );
    }
}
