//! The right to erasure (RGPD, art. 17): a citizen asks for their data to be erased; the
//! department erases it where the law allows, and says why it cannot where it does not.
//!
//! A department acts under a public-interest mission and legal duties (the code de l'action
//! sociale et des familles), so what it must keep outlives the request (art. 17.3.b): a filed
//! request until its term, a follow-up while it lasts, a file under a legal hold (art. 17.3.e).
//! While any of these exists the request is refused, with each reason; once none does,
//! everything of the citizen is erased in one transaction, through each category's own
//! removal (so a thread goes with its messages, a document with its bytes), then every
//! declared table's rows of theirs, then their account. Kept, and said so: the journal of
//! who read their file (accountability, art. 5.2) and the trace of calls made in their name
//! (kept 36 months, `Table::kept_after_erasure`).

use sea_orm::{ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter};
use tenants::{Platform, Tenant};

use super::{Leftover, categories, holds};
use crate::audit::{self, AuditEvent};
use crate::citizens::Citizen;
use crate::entity::{citizen, merge_proposal};
use crate::modules::PARTS;

/// Something the department must keep, and why, as the citizen reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    pub what: String,
    pub why: &'static str,
}

const FILED: &str = "Le département doit conserver une demande déposée pour exercer sa mission \
                     de service public (RGPD, article 17.3.b) : elle sera effacée au terme de sa \
                     durée de conservation.";
const FOLLOWED: &str = "Ce suivi est une obligation légale du département (code de l'action \
                        sociale et des familles) : il ne peut pas être effacé tant qu'il dure \
                        (RGPD, article 17.3.b).";
const HELD: &str = "Un litige est en cours sur votre dossier : le département le conserve pour \
                    la défense de droits en justice (RGPD, article 17.3.e).";
const DRAFT: &str = "Ce brouillon ne peut pas être effacé en ligne : déposez-le, ou écrivez au \
                     département pour qu'il l'efface.";

/// What always stays after an erasure, as the citizen reads it.
pub const ALWAYS_KEPT: [&str; 3] = [
    "Le journal des consultations et modifications de votre dossier par les agents, y compris \
     cet effacement, le temps que le département conserve son journal : il prouve qui a eu \
     accès à vos données (RGPD, article 5.2).",
    "La trace des demandes faites en votre nom aux administrations, 36 mois après chacune, \
     comme l'exigent les conditions d'utilisation d'API Particulier.",
    "Les courriels que le département vous a déjà envoyés, le temps qu'ils restent dans sa \
     boîte d'envoi (30 jours par défaut).",
];

/// Why `citizen_id`'s data cannot be erased now; empty when it can.
pub async fn assess(tenant: &Tenant, citizen_id: i64) -> Result<Vec<Kept>, DbErr> {
    let mut kept = Vec::new();
    if holds::held_citizens(tenant).await?.contains(&citizen_id) {
        kept.push(Kept {
            what: "Votre dossier".into(),
            why: HELD,
        });
    }
    // Every part, subscribed or not: what is held is what counts.
    for part in PARTS {
        if let Some(files) = &part.files {
            // A part erases drafts only if it declares how (a category for them).
            let erases_drafts = files.drafts.is_some();
            for line in (files.of_citizen)(tenant, citizen_id).await? {
                match (line.draft, erases_drafts) {
                    (true, true) => {}
                    (true, false) => kept.push(Kept {
                        what: capitalised(&line.name_for_citizen()),
                        why: DRAFT,
                    }),
                    (false, _) => kept.push(Kept {
                        what: format!("{} ({})", capitalised(&line.name_for_citizen()), line.title),
                        why: FILED,
                    }),
                }
            }
        }
        if let Some(follow_ups) = part.follow_ups {
            for follow_up in follow_ups(tenant, citizen_id).await? {
                kept.push(Kept {
                    what: follow_up.title,
                    why: FOLLOWED,
                });
            }
        }
    }
    Ok(kept)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// What came of a request to erase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Erasure {
    /// Everything erasable is gone, the account with it.
    Done,
    /// Nothing was erased, for these reasons.
    Refused(Vec<Kept>),
}

/// Erases `citizen`'s data if the law allows it, all or nothing; journaled either way.
pub async fn erase(
    platform: &Platform,
    tenant: &Tenant,
    citizen: &Citizen,
) -> anyhow::Result<Erasure> {
    let kept = assess(tenant, citizen.id).await?;
    if !kept.is_empty() {
        let subject = kept
            .iter()
            .map(|k| k.what.as_str())
            .collect::<Vec<_>>()
            .join(" ; ");
        audit::record(
            tenant,
            event(citizen.id, "demande d'effacement refusée", subject),
        )
        .await?;
        return Ok(Erasure::Refused(kept));
    }
    let txn = tenant.db().begin_write().await?;
    // A hold placed since the assessment wins.
    if holds::held_in(&txn)
        .await?
        .binary_search(&citizen.id)
        .is_ok()
    {
        txn.rollback().await?;
        return Ok(Erasure::Refused(vec![Kept {
            what: "Votre dossier".into(),
            why: HELD,
        }]));
    }
    let mut leftovers: Vec<Leftover> = Vec::new();
    for category in categories() {
        let Some(of_citizen) = category.of_citizen else {
            continue;
        };
        let ids = of_citizen(&txn, citizen.id).await?;
        // The journal is never erased on request (no `of_citizen`): no cut to sign.
        leftovers.extend(super::remove_all(category, &txn, (platform, None), tenant, &ids).await?);
    }
    // Children before parents.
    for table in crate::modules::tables().iter().rev() {
        table.erase_citizen(&txn, citizen.id).await?;
    }
    merge_proposal::Entity::delete_many()
        .filter(
            Condition::any()
                .add(merge_proposal::Column::KeptId.eq(citizen.id))
                .add(merge_proposal::Column::AbsorbedId.eq(citizen.id)),
        )
        .exec(&txn)
        .await?;
    // Their records merged into this one are the same person.
    citizen::Entity::delete_many()
        .filter(
            Condition::any()
                .add(citizen::Column::Id.eq(citizen.id))
                .add(citizen::Column::MergedInto.eq(citizen.id)),
        )
        .exec(&txn)
        .await?;
    audit::append_in(
        &txn,
        &[event(
            citizen.id,
            "effacement des données à la demande de l'usager",
            format!("usager {}", citizen.id),
        )],
    )
    .await?;
    if !citizen.email.is_empty() {
        crate::mail::queue(&txn, confirmation(tenant, &citizen.email)).await?;
    }
    txn.commit().await?;
    super::delete_files(platform, tenant, leftovers).await;
    crate::mail::wake(platform, tenant).await;
    Ok(Erasure::Done)
}

/// The mail that confirms an erasure to the address the citizen gave: the last thing the
/// department sends them, queued in the erasure's transaction (no erasure without it, no mail
/// for an erasure that failed). It says what stays and how to reach the department's data
/// protection officer, since the account is gone.
fn confirmation(tenant: &Tenant, to: &str) -> crate::mail::OutgoingMail {
    let today = chrono::Utc::now().date_naive().format("%d/%m/%Y");
    let kept = ALWAYS_KEPT
        .iter()
        .map(|k| format!("- {k}"))
        .collect::<Vec<_>>()
        .join("\n");
    crate::mail::OutgoingMail {
        to: to.to_owned(),
        subject: "Vos données sont effacées".into(),
        text: format!(
            "Bonjour,\n\nÀ votre demande, vos données sont effacées du guichet de {name} \
             depuis le {today} : votre compte, vos démarches en brouillon, vos messages, vos \
             rendez-vous, vos documents et vos coordonnées.\n\nCe que la loi oblige à garder \
             reste conservé :\n{kept}\n\nSi vous n'avez pas fait cette demande, écrivez au \
             délégué à la protection des données du département.\n\n{name}\n",
            name = tenant.name(),
        ),
        attachments: vec![],
    }
}

fn event(citizen: i64, action: &str, subject: String) -> AuditEvent {
    AuditEvent {
        actor_id: None,
        actor_email: "l'usager".into(),
        actor_role: "citizen".into(),
        action: action.into(),
        subject,
        reason: "Droit à l'effacement (RGPD, article 17)".into(),
        citizen_id: Some(citizen),
        module: String::new(),
    }
}
