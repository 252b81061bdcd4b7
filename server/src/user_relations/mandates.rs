//! Assisted filing: a citizen at reception gives the department a mandate to file aid
//! requests for them — one aid or all — or a module's request as a whole (their request to
//! the MDPH, `citizens::file::WholeRequest`), until a date. They are told by email (or by a letter
//! reception hands them) and can revoke it from their space at any time.
//!
//! Every use of a mandate (saving a step, filing) goes through [`hold`] inside the use's own
//! transaction: it checks the mandate is still live and locks its row, so a revocation either
//! lands before the use (which is then refused) or after it — never in between.

use app::validation::FieldErrors;
use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use tenants::{Module, Tenant};

use crate::citizens::Citizen;
use crate::citizens::file::{FileKind, Files, WholeRequest};
use crate::entity::mandate;
use crate::ids::{AidId, CitizenId};
use crate::mail::{self, OutgoingMail};

/// A mandate lasts a year at most: the citizen gives a new one if they still need help then.
pub const LONGEST_DAYS: u64 = 365;

/// Today in France: a mandate "until the 31st" holds the whole of the 31st, French time.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&Paris).date_naive()
}

/// How the citizen learnt of the mandate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    Email,
    /// They have no email address: reception hands (or posts) them the letter.
    Letter,
}

impl Notice {
    fn id(self) -> &'static str {
        match self {
            Notice::Email => "email",
            Notice::Letter => "letter",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "email" {
            Notice::Email
        } else {
            Notice::Letter
        }
    }
}

/// Who ended a mandate before its date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndedBy {
    /// Revoked from their space.
    Citizen,
    /// Ended at reception (the citizen asked there, or the help is over).
    Staff,
}

impl EndedBy {
    fn id(self) -> &'static str {
        match self {
            EndedBy::Citizen => "citizen",
            EndedBy::Staff => "staff",
        }
    }
}

/// Where a mandate stands on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Live,
    Expired,
    Ended(EndedBy, DateTime<Utc>),
}

impl State {
    /// As staff and the citizen read it.
    pub fn label(self) -> String {
        match self {
            State::Live => "En cours".to_owned(),
            State::Expired => "Arrivé à son terme".to_owned(),
            State::Ended(EndedBy::Citizen, at) => {
                format!("Révoqué par la personne le {}", crate::dates::day(at))
            }
            State::Ended(EndedBy::Staff, at) => {
                format!("Terminé à l'accueil le {}", crate::dates::day(at))
            }
        }
    }
}

/// What a mandate lets reception file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    EveryAid,
    /// One aid: (id, title).
    Aid(i64, String),
    /// A module's request as a whole, as the module declares it (the MDPH's).
    Whole(Module),
}

impl Scope {
    /// The module filed in.
    pub fn module(&self) -> Module {
        match self {
            Scope::Whole(module) => *module,
            Scope::EveryAid | Scope::Aid(..) => Module::AidRequests,
        }
    }

    fn aid_id(&self) -> Option<i64> {
        match self {
            Scope::Aid(id, _) => Some(*id),
            _ => None,
        }
    }
}

/// How module `module` files its request as a whole under a mandate, if it does.
pub fn whole_request(module: Module) -> Option<WholeRequest> {
    crate::modules::files_of(module)?.whole_request
}

#[derive(Clone, Debug)]
pub struct Mandate {
    pub id: i64,
    pub citizen_id: i64,
    pub staff_name: String,
    pub scope: Scope,
    pub valid_until: NaiveDate,
    pub notified_by: Notice,
    pub created_at: DateTime<Utc>,
    ended: Option<(EndedBy, DateTime<Utc>)>,
}

impl Mandate {
    pub fn state(&self, today: NaiveDate) -> State {
        match self.ended {
            Some((by, at)) => State::Ended(by, at),
            None if self.valid_until < today => State::Expired,
            None => State::Live,
        }
    }

    pub fn is_live(&self, today: NaiveDate) -> bool {
        self.state(today) == State::Live
    }

    /// Whether it covers a request for aid `aid_id`.
    pub fn covers(&self, aid_id: i64) -> bool {
        match &self.scope {
            Scope::EveryAid => true,
            Scope::Aid(id, _) => *id == aid_id,
            Scope::Whole(_) => false,
        }
    }

    /// Whether it covers module `module`'s request as a whole.
    pub fn covers_whole(&self, module: Module) -> bool {
        self.scope == Scope::Whole(module)
    }

    /// "toutes les demandes d'aide", "la demande « Aide au transport »", "la demande à la MDPH".
    pub fn scope(&self) -> String {
        match &self.scope {
            Scope::EveryAid => "toutes les demandes d'aide au département".to_owned(),
            Scope::Aid(_, title) => format!("la demande « {title} »"),
            Scope::Whole(module) => whole_request(*module)
                .map_or_else(|| module.label().to_lowercase(), |w| w.scope.to_owned()),
        }
    }

    pub fn recorded_on(&self) -> String {
        crate::dates::day(self.created_at)
    }

    pub fn until(&self) -> String {
        self.valid_until.format("%d/%m/%Y").to_string()
    }
}

/// What a mandate may be recorded for in a department: its open aids, and the modules
/// whose request is filed as a whole.
#[derive(Clone, Debug, Default)]
pub struct Offer {
    pub aids: Vec<FileKind>,
    pub wholes: Vec<(Module, WholeRequest)>,
}

impl Offer {
    /// The department's: its open aids (when it has aid requests) and its modules' requests.
    pub async fn of(tenant: &Tenant) -> Result<Self, DbErr> {
        let aids = match aid_requests().filter(|_| tenant.has_module(Module::AidRequests)) {
            Some(files) => (files.kinds)(tenant, true).await?,
            None => Vec::new(),
        };
        let wholes = tenant
            .modules()
            .iter()
            .filter_map(|m| whole_request(*m).map(|w| (*m, w)))
            .collect();
        Ok(Self { aids, wholes })
    }

    pub fn is_empty(&self) -> bool {
        self.aids.is_empty() && self.wholes.is_empty()
    }
}

/// What reception records: checked by [`NewMandate::parse`].
#[derive(Clone, Debug)]
pub struct NewMandate {
    pub scope: Scope,
    pub valid_until: NaiveDate,
}

impl NewMandate {
    /// Reads the form: `aid` is an aid's slug, `toutes`, or a module's request (`mdph`);
    /// `until` a date; both boxes (`checked`: present, identity) must be ticked. Every problem
    /// in French, with how to fix it.
    pub fn parse(
        aid: &str,
        until: &str,
        (present, identity_checked): (bool, bool),
        offer: &Offer,
        today: NaiveDate,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let whole = offer.wholes.iter().find(|(_, w)| w.slug == aid.trim());
        let aid = match aid.trim() {
            _ if whole.is_some() => whole.map(|(module, _)| Scope::Whole(*module)),
            "toutes" if !offer.aids.is_empty() => Some(Scope::EveryAid),
            "" => {
                errors.add(
                    "aide",
                    "Choisissez ce que couvre le mandat : une aide, ou toutes les demandes d'aide.",
                );
                None
            }
            slug => match offer.aids.iter().find(|a| a.slug == slug) {
                Some(found) => Some(Scope::Aid(found.id, found.title.clone())),
                None => {
                    errors.add("aide", "L'aide choisie n'est pas ouverte aux demandes : choisissez-en une dans la liste.");
                    None
                }
            },
        };
        let last = today + Days::new(LONGEST_DAYS);
        let valid_until = match NaiveDate::parse_from_str(until.trim(), "%Y-%m-%d") {
            Ok(date) if date < today => {
                errors.add("jusqu_au", "La date de fin du mandat est passée : choisissez aujourd'hui ou un jour à venir.");
                None
            }
            Ok(date) if date > last => {
                errors.add("jusqu_au", format!(
                    "Un mandat vaut un an au plus : choisissez une date de fin au plus tard le {}.",
                    last.format("%d/%m/%Y")
                ));
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                errors.add("jusqu_au", "La date de fin du mandat est manquante ou mal écrite : indiquez-la au format jj/mm/aaaa.");
                None
            }
        };
        if !present {
            errors.add("presente-0", "Un mandat se recueille auprès de la personne présente : cochez la case qui l'atteste, une fois son accord donné.");
        }
        if !identity_checked {
            errors.add("identite-0", "Vérifiez l'identité de la personne sur une pièce d'identité, puis cochez la case qui l'atteste.");
        }
        match (aid, valid_until) {
            (Some(scope), Some(valid_until)) if errors.is_empty() => {
                Ok(Self { scope, valid_until })
            }
            _ => Err(errors),
        }
    }
}

fn from_row(row: mandate::Model, aid_title: Option<String>) -> Mandate {
    let scope = match (Module::parse(&row.module), row.aid_id) {
        (Ok(Module::AidRequests), None) => Scope::EveryAid,
        (Ok(Module::AidRequests), Some(id)) => Scope::Aid(id, aid_title.unwrap_or_default()),
        (Ok(module), _) => Scope::Whole(module),
        // A module this version does not know covers nothing it can file.
        (Err(_), _) => Scope::Aid(0, String::new()),
    };
    let ended = row.ended_at.map(|at| {
        let by = if row.ended_by.as_deref() == Some("citizen") {
            EndedBy::Citizen
        } else {
            EndedBy::Staff
        };
        (by, at)
    });
    Mandate {
        id: row.id,
        citizen_id: row.citizen_id,
        staff_name: row.staff_name,
        scope,
        valid_until: row.valid_until,
        notified_by: Notice::parse(&row.notified_by),
        created_at: row.created_at,
        ended,
    }
}

/// The aid requests a mandate is for, read through their declaration (a mandate covers one
/// aid, by its id, or every one).
pub fn aid_requests() -> Option<&'static Files> {
    crate::modules::files_of(Module::AidRequests)
}

/// Each aid's title, by id, to say what a mandate covers.
async fn aid_titles(tenant: &Tenant) -> Result<std::collections::HashMap<i64, String>, DbErr> {
    let Some(files) = aid_requests() else {
        return Ok(Default::default());
    };
    Ok((files.kinds)(tenant, false)
        .await?
        .into_iter()
        .map(|k| (k.id, k.title))
        .collect())
}

fn titled(row: mandate::Model, titles: &std::collections::HashMap<i64, String>) -> Mandate {
    let title = row.aid_id.and_then(|id| titles.get(&id).cloned());
    from_row(row, title)
}

/// Why reception works under a mandate, as the citizen reads it in their journal.
pub const REASON: &str = "dépôt de demandes pour vous, à votre demande";

/// Records the mandate in the name of the desk's holder and, in the same transaction, its
/// journal entry and the email telling the citizen (when they have an address; otherwise
/// reception prints the letter, see `letters::mandate_pdf`).
pub async fn grant(
    desk: &super::Desk<'_>,
    citizen: &Citizen,
    new: &NewMandate,
    space_url: &str,
) -> Result<Mandate, DbErr> {
    let (tenant, staff) = (desk.tenant(), desk.account());
    let notice = if citizen.email.is_empty() {
        Notice::Letter
    } else {
        Notice::Email
    };
    let txn = tenant.db().begin_write().await?;
    let row = mandate::ActiveModel {
        citizen_id: Set(citizen.id),
        staff_id: Set(staff.id),
        staff_name: Set(staff.display_name.clone()),
        aid_id: Set(new.scope.aid_id()),
        module: Set(new.scope.module().id().to_owned()),
        valid_until: Set(new.valid_until),
        notified_by: Set(notice.id().to_owned()),
        created_at: Set(Utc::now()),
        last_used_at: Set(None),
        ended_at: Set(None),
        ended_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let granted = Mandate {
        scope: new.scope.clone(),
        ..from_row(row, None)
    };
    if notice == Notice::Email {
        mail::queue(
            &txn,
            OutgoingMail {
                to: citizen.email.clone(),
                subject: "Vous avez donné un mandat au département".to_owned(),
                text: notice_text(tenant.name(), &citizen.display_name(), &granted, space_url),
                attachments: vec![],
            },
        )
        .await?;
    }
    let journal = desk.file_event(
        citizen.id,
        "enregistrement d'un mandat de dépôt",
        &format!(
            "{} — mandat n° {} pour {}",
            citizen.audit_subject(),
            granted.id,
            granted.scope()
        ),
        REASON,
    );
    crate::audit::append_in(&txn, &[journal]).await?;
    txn.commit().await?;
    Ok(granted)
}

/// What the email (and the letter) tell the citizen.
pub fn notice_text(department: &str, name: &str, m: &Mandate, space_url: &str) -> String {
    format!(
        "Bonjour {name},\n\nLe {}, à l'accueil du département, vous avez donné mandat à ses agents pour déposer en votre nom {}. Ce mandat vaut jusqu'au {} inclus. Il a été enregistré par {}.\n\nLes demandes déposées pour vous restent les vôtres : vous les suivez dans votre espace, et vous recevez les mêmes courriels que si vous les aviez déposées vous-même.\n\nVous pouvez révoquer ce mandat à tout moment, sans avoir à vous justifier, depuis votre espace, rubrique « Mes mandats » : {space_url}\nVous pouvez aussi le demander à l'accueil. Si vous n'avez pas donné ce mandat, révoquez-le et prévenez-nous.\n\n{department}\n",
        m.recorded_on(),
        m.scope(),
        m.until(),
        m.staff_name,
    )
}

pub async fn find(tenant: &Tenant, id: i64) -> Result<Option<Mandate>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = mandate::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(titled(row, &aid_titles(tenant).await?)))
}

/// The mandates of these records (a person and the records merged into theirs), newest first.
pub async fn of_citizen(tenant: &Tenant, citizen_ids: &[i64]) -> Result<Vec<Mandate>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = mandate::Entity::find()
        .filter(mandate::Column::CitizenId.is_in(citizen_ids.iter().copied()))
        .order_by_desc(mandate::Column::CreatedAt)
        .order_by_desc(mandate::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    let titles = aid_titles(tenant).await?;
    Ok(rows.into_iter().map(|row| titled(row, &titles)).collect())
}

/// How ending a mandate went.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    Ended,
    /// Revoked, ended or expired before: nothing changes.
    AlreadyOver,
    NotFound,
}

/// Ends a live mandate now. `citizen_ids`: when the citizen revokes, their own records only
/// (anyone else's mandate is not found). `journal`: reception's entry, written if it ends.
pub async fn end(
    tenant: &Tenant,
    id: i64,
    by: EndedBy,
    citizen_ids: Option<&[i64]>,
    journal: Option<crate::audit::AuditEvent>,
) -> Result<Ending, DbErr> {
    let txn = tenant.db().begin_write().await?;
    let mut query = mandate::Entity::find_by_id(id);
    if let Some(ids) = citizen_ids {
        query = query.filter(mandate::Column::CitizenId.is_in(ids.iter().copied()));
    }
    if query.one(&txn).await?.is_none() {
        txn.rollback().await?;
        return Ok(Ending::NotFound);
    }
    // Mark it first: that waits for any use holding the row (see [`hold`]), so the time
    // stamped next comes after that use, and the history reads in the order things happened.
    let ended = mandate::Entity::update_many()
        .col_expr(mandate::Column::EndedBy, Expr::value(by.id()))
        .filter(mandate::Column::Id.eq(id))
        .filter(mandate::Column::EndedAt.is_null())
        .filter(mandate::Column::ValidUntil.gte(today()))
        .exec(&txn)
        .await?
        .rows_affected;
    if ended == 1 {
        mandate::Entity::update_many()
            .col_expr(mandate::Column::EndedAt, Expr::value(Utc::now()))
            .filter(mandate::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        crate::audit::append_in(&txn, journal.as_slice()).await?;
    }
    txn.commit().await?;
    Ok(if ended == 1 {
        Ending::Ended
    } else {
        Ending::AlreadyOver
    })
}

/// What a use of a mandate files.
#[derive(Clone, Copy, Debug)]
pub enum Use {
    Aid(AidId),
    /// A module's request as a whole.
    Whole(Module),
}

/// Inside a use's transaction: true if the mandate is live, is the citizen's and covers what
/// is filed — and then its row stays locked until the transaction ends (see the module's doc).
pub async fn hold(
    txn: &impl ConnectionTrait,
    mandate_id: i64,
    CitizenId(citizen_id): CitizenId,
    what: Use,
) -> Result<bool, DbErr> {
    let covers = match what {
        Use::Aid(AidId(aid_id)) => Condition::all()
            .add(mandate::Column::Module.eq(Module::AidRequests.id()))
            .add(
                Condition::any()
                    .add(mandate::Column::AidId.is_null())
                    .add(mandate::Column::AidId.eq(aid_id)),
            ),
        Use::Whole(module) => Condition::all().add(mandate::Column::Module.eq(module.id())),
    };
    let held = mandate::Entity::update_many()
        .col_expr(mandate::Column::LastUsedAt, Expr::value(Utc::now()))
        .filter(mandate::Column::Id.eq(mandate_id))
        .filter(mandate::Column::CitizenId.eq(citizen_id))
        .filter(mandate::Column::EndedAt.is_null())
        .filter(mandate::Column::ValidUntil.gte(today()))
        .filter(covers)
        .exec(txn)
        .await?
        .rows_affected;
    Ok(held == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aid(slug: &str) -> FileKind {
        FileKind {
            id: 7,
            slug: slug.to_owned(),
            title: "Aide au transport".to_owned(),
            open: true,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_mandate_needs_a_scope_a_date_within_a_year_and_both_boxes() {
        let today = day("2026-12-01");
        let offer = Offer {
            aids: vec![aid("transport")],
            wholes: vec![(
                Module::Disability,
                whole_request(Module::Disability).unwrap(),
            )],
        };
        let ok = NewMandate::parse("transport", "2027-03-01", (true, true), &offer, today).unwrap();
        assert_eq!(ok.scope, Scope::Aid(7, "Aide au transport".to_owned()));
        let all = NewMandate::parse("toutes", "2026-12-01", (true, true), &offer, today).unwrap();
        assert_eq!(all.scope, Scope::EveryAid);
        let mdph = NewMandate::parse("mdph", "2026-12-01", (true, true), &offer, today).unwrap();
        assert_eq!(mdph.scope, Scope::Whole(Module::Disability));
        // Without aid requests in the department, « toutes » names nothing to file.
        let only_mdph = Offer {
            aids: vec![],
            ..offer.clone()
        };
        let errors =
            NewMandate::parse("toutes", "2026-12-01", (true, true), &only_mdph, today).unwrap_err();
        assert!(errors.of("aide").is_some(), "{errors:?}");

        let errors = NewMandate::parse("", "", (false, false), &offer, today).unwrap_err();
        for field in ["aide", "jusqu_au", "presente-0", "identite-0"] {
            assert!(errors.of(field).is_some(), "{field}: {errors:?}");
        }
        let errors =
            NewMandate::parse("cantine", "2026-11-30", (true, true), &offer, today).unwrap_err();
        assert!(
            errors.of("aide").unwrap().contains("pas ouverte"),
            "{errors:?}"
        );
        assert!(
            errors.of("jusqu_au").unwrap().contains("est passée"),
            "{errors:?}"
        );
        let errors =
            NewMandate::parse("toutes", "2027-12-02", (true, true), &offer, today).unwrap_err();
        assert!(
            errors.of("jusqu_au").unwrap().contains("01/12/2027"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_mandate_is_live_until_the_end_of_its_last_day() {
        let mandate = Mandate {
            id: 1,
            citizen_id: 1,
            staff_name: "Agent".to_owned(),
            scope: Scope::Aid(7, "Aide au transport".to_owned()),
            valid_until: day("2026-12-31"),
            notified_by: Notice::Email,
            created_at: Utc::now(),
            ended: None,
        };
        assert!(mandate.is_live(day("2026-12-31")));
        assert_eq!(mandate.state(day("2027-01-01")), State::Expired);
        assert!(mandate.covers(7) && !mandate.covers(8));
        assert_eq!(mandate.scope(), "la demande « Aide au transport »");
    }
}
