//! User relations (`user_relations`): one record per citizen in a department, and the history
//! of staff's contacts with them. Reads and changes are journaled through reception's desk
//! ([`Desk`]), and the citizen reads them in their access journal.

pub mod access;
pub mod alerts;
pub mod appointments;
pub mod details;
pub mod http;
pub mod indicators;
pub mod jobs;
pub mod mandates;
pub mod messages;
pub mod retention;
pub mod wider_access;

pub use crate::citizens::{ids_of_person, merged_into};
use app::validation::FieldErrors;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use tenants::Tenant;

use crate::audit::AuditEvent;
use crate::citizens::Citizen;
use crate::entity::{citizen, contact};

/// The module's word as a type: its handles are `Desk<'_>` here and
/// [`http::UserRelationsDesk`] in its pages.
pub enum UserRelations {}

impl crate::staff::ModuleWord for UserRelations {
    const MODULE: tenants::Module = tenants::Module::UserRelations;
}

/// Reception's handle on citizens' records: the functions that read or change one take it.
pub type Desk<'a> = crate::staff::Desk<'a, UserRelations>;

/// Why reception reads or changes a record, as the citizen reads it in their journal.
pub const RECEPTION: &str = "accueil et suivi de vos démarches";

/// How a contact took place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Visit,
    Call,
    Letter,
    Mail,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Visit,
        Channel::Call,
        Channel::Letter,
        Channel::Mail,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Channel::Visit => "visit",
            Channel::Call => "call",
            Channel::Letter => "letter",
            Channel::Mail => "mail",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Channel::Visit => "Visite à l'accueil",
            Channel::Call => "Appel téléphonique",
            Channel::Letter => "Courrier",
            Channel::Mail => "Courriel",
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.id() == id)
    }
}

/// A contact logged by staff.
#[derive(Clone, Debug)]
pub struct Contact {
    pub id: i64,
    pub day: NaiveDate,
    pub channel: Channel,
    pub subject: String,
    pub note: String,
    pub staff_id: i64,
    pub created_at: DateTime<Utc>,
}

/// A contact as typed in the form, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewContact {
    pub day: NaiveDate,
    pub channel: Channel,
    pub subject: String,
    pub note: String,
}

/// The longest subject and note kept.
pub const SUBJECT_MAX: usize = 200;
pub const NOTE_MAX: usize = 2000;

impl NewContact {
    /// Checks the form's fields; every problem comes back, in French, with how to fix it.
    pub fn parse(
        day: &str,
        channel: &str,
        subject: &str,
        note: &str,
        today: NaiveDate,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let day = match NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d") {
            Ok(day) if day > today => {
                errors.add(
                    "day",
                    "La date du contact est dans le futur : indiquez le jour où il a eu lieu."
                        .to_owned(),
                );
                None
            }
            Ok(day) => Some(day),
            Err(_) => {
                errors.add(
                    "day",
                    "La date du contact est manquante ou mal écrite : indiquez-la au format jj/mm/aaaa."
                        .to_owned(),
                );
                None
            }
        };
        let channel = Channel::parse(channel.trim());
        if channel.is_none() {
            errors.add(
                "channel",
                "Choisissez comment le contact a eu lieu : visite, appel, courrier ou courriel."
                    .to_owned(),
            );
        }
        let subject = app::validation::collapse_spaces(subject);
        if subject.is_empty() {
            errors.add("subject", "Indiquez l'objet du contact, en quelques mots.");
        } else if subject.chars().count() > SUBJECT_MAX {
            errors.add("subject", format!(
                "L'objet est trop long : {SUBJECT_MAX} caractères au plus ; mettez le détail dans la note."
            ));
        }
        let note = note.trim();
        if note.chars().count() > NOTE_MAX {
            errors.add(
                "note",
                format!("La note est trop longue : {NOTE_MAX} caractères au plus."),
            );
        }
        match (day, channel) {
            (Some(day), Some(channel)) if errors.is_empty() => Ok(Self {
                day,
                channel,
                subject,
                note: note.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

/// Adds a contact to the citizen's history, journaled with it.
pub async fn log_contact(
    desk: &Desk<'_>,
    person: &Citizen,
    contact: &NewContact,
) -> Result<i64, DbErr> {
    let (citizen_id, staff_id) = (person.id, desk.account().id);
    let txn = desk.tenant().db().begin_write().await?;
    let row = contact::ActiveModel {
        citizen_id: Set(citizen_id),
        day: Set(contact.day.format("%Y-%m-%d").to_string()),
        channel: Set(contact.channel.id().to_owned()),
        subject: Set(contact.subject.clone()),
        note: Set(contact.note.clone()),
        staff_id: Set(staff_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let journal = desk.file_event(
        citizen_id,
        &format!(
            "ajout d'un contact à l'historique ({})",
            contact.channel.label().to_lowercase()
        ),
        &person.audit_subject(),
        RECEPTION,
    );
    crate::audit::append_in(&txn, &[journal]).await?;
    txn.commit().await?;
    Ok(row.id)
}

/// The citizen's contact history, most recent first.
pub async fn contacts_of(tenant: &Tenant, citizen_id: i64) -> Result<Vec<Contact>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = contact::Entity::find()
        .filter(contact::Column::CitizenId.eq(citizen_id))
        .order_by_desc(contact::Column::Day)
        .order_by_desc(contact::Column::Id)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Contact {
                id: r.id,
                day: NaiveDate::parse_from_str(&r.day, "%Y-%m-%d").ok()?,
                channel: Channel::parse(&r.channel)?,
                subject: r.subject,
                note: r.note,
                staff_id: r.staff_id,
                created_at: r.created_at,
            })
        })
        .collect())
}

/// A record reception opens by hand, for someone who never signed in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRecord {
    pub given_name: String,
    pub family_name: String,
    pub birthdate: NaiveDate,
    pub email: String,
}

impl NewRecord {
    /// Checks the form; every problem in French with how to fix it.
    pub fn parse(
        given: &str,
        family: &str,
        birthdate: &str,
        email: &str,
        today: NaiveDate,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let given = given.split_whitespace().collect::<Vec<_>>().join(" ");
        let family = family.split_whitespace().collect::<Vec<_>>().join(" ");
        if given.is_empty() || given.chars().count() > 100 {
            errors.add(
                "given",
                "Indiquez le ou les prénoms (100 caractères au plus).",
            );
        }
        if family.is_empty() || family.chars().count() > 100 {
            errors.add(
                "family",
                "Indiquez le nom de naissance (100 caractères au plus).",
            );
        }
        let birthdate = match NaiveDate::parse_from_str(birthdate.trim(), "%Y-%m-%d") {
            Ok(date) if date <= today && today.years_since(date).is_some_and(|y| y <= 120) => {
                Some(date)
            }
            Ok(_) => {
                errors.add(
                    "birthdate",
                    "La date de naissance n'est pas plausible : vérifiez l'année.".to_owned(),
                );
                None
            }
            Err(_) => {
                errors.add("birthdate", "La date de naissance est manquante ou mal écrite : indiquez-la au format jj/mm/aaaa.".to_owned());
                None
            }
        };
        let email = match email.trim() {
            "" => String::new(),
            typed => match crate::staff::Email::parse(typed) {
                Ok(email) => email.as_str().to_owned(),
                Err(_) => {
                    errors.add("email", format!("L'adresse électronique « {typed} » n'est pas valide : elle doit ressembler à prenom.nom@exemple.fr, ou restez vide."));
                    String::new()
                }
            },
        };
        match birthdate {
            Some(birthdate) if errors.is_empty() => Ok(Self {
                given_name: given,
                family_name: family.to_uppercase(),
                birthdate,
                email,
            }),
            _ => Err(errors),
        }
    }
}

/// Records that may be the same person: same birth date, same birth name and same first
/// given name (whatever the case).
pub async fn possible_duplicates(
    tenant: &Tenant,
    record: &NewRecord,
) -> Result<Vec<Citizen>, DbErr> {
    let first = |names: &str| {
        names
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_lowercase()
    };
    let txn = tenant.db().begin().await?;
    let rows = citizen::Entity::find()
        .filter(citizen::Column::Birthdate.eq(record.birthdate.format("%Y-%m-%d").to_string()))
        .filter(citizen::Column::MergedInto.is_null())
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .filter(|c| {
            c.family_name.trim().to_lowercase() == record.family_name.to_lowercase()
                && first(&c.given_name) == first(&record.given_name)
        })
        .map(Citizen::from)
        .collect())
}

/// Why two records cannot be merged.
#[derive(Debug, PartialEq, Eq)]
pub enum MergeRefused {
    NotFound,
    /// The same record twice.
    Same,
    /// The absorbed record is someone's sign-in (FranceConnect or a local account): it must be
    /// the one kept.
    SignsIn,
    /// Already merged.
    AlreadyMerged,
    /// This staff member proposed it: another must approve.
    AwaitingAnother,
}

/// What a merge did.
#[derive(Debug, PartialEq, Eq)]
pub enum Merged {
    Done,
    /// The records may not be the same person: proposed, for another staff member to approve.
    Proposed,
}

impl MergeRefused {
    pub fn message(&self) -> &'static str {
        match self {
            MergeRefused::NotFound => "Ce dossier est introuvable.",
            MergeRefused::Same => "Un dossier ne peut pas être fusionné avec lui-même.",
            MergeRefused::SignsIn => {
                "L'autre dossier est celui d'une personne qui se connecte (FranceConnect ou compte) : ouvrez ce dossier-là et fusionnez-y celui-ci."
            }
            MergeRefused::AlreadyMerged => "Ce dossier a déjà été fusionné.",
            MergeRefused::AwaitingAnother => {
                "Vous avez proposé cette fusion : un autre agent de l'accueil doit la confirmer, depuis ce même dossier."
            }
        }
    }
}

/// Merges `absorbed` into `kept`, in one transaction: the rows of every declared table with a
/// citizen column move to `kept` (requests, documents, consents, pulls, facts, calls, contacts,
/// threads, appointments, household, mandates…; contact details too, unless `kept` has its
/// own: see `modules::OnMerge`); `absorbed` then points at `kept` and is offered no more. The journal is append-only: its entries about `absorbed` stay as written
/// and are read with `kept`'s ([`ids_of_person`]).
pub async fn merge(
    desk: &Desk<'_>,
    kept: i64,
    absorbed: i64,
) -> Result<Result<Merged, MergeRefused>, DbErr> {
    if kept == absorbed {
        return Ok(Err(MergeRefused::Same));
    }
    let txn = desk.tenant().db().begin_write().await?;
    let (Some(keep), Some(absorb)) = (
        citizen::Entity::find_by_id(kept).one(&txn).await?,
        citizen::Entity::find_by_id(absorbed).one(&txn).await?,
    ) else {
        txn.rollback().await?;
        return Ok(Err(MergeRefused::NotFound));
    };
    let refused = if keep.merged_into.is_some() || absorb.merged_into.is_some() {
        Some(MergeRefused::AlreadyMerged)
    } else if absorb.fc_sub.is_some() || absorb.login_email.is_some() {
        Some(MergeRefused::SignsIn)
    } else {
        None
    };
    if let Some(refused) = refused {
        txn.rollback().await?;
        return Ok(Err(refused));
    }
    if let Some(why) = second_look(&keep, &absorb) {
        match proposal::approve_or_propose(&txn, desk.account(), (kept, absorbed), &why).await? {
            proposal::Step::Approved => {}
            proposal::Step::Proposed => {
                let action = format!(
                    "proposition de fusion du dossier n° {absorbed} dans le dossier n° {kept}, à confirmer par un autre agent ({why})"
                );
                crate::audit::append_in(&txn, &merge_entries(desk, (kept, absorbed), &action))
                    .await?;
                txn.commit().await?;
                return Ok(Ok(Merged::Proposed));
            }
            proposal::Step::ProposedByThem => {
                txn.rollback().await?;
                return Ok(Err(MergeRefused::AwaitingAnother));
            }
        }
    }
    for table in crate::modules::tables() {
        table.move_citizen(&txn, absorbed, kept).await?;
    }
    citizen::Entity::update_many()
        .col_expr(citizen::Column::MergedInto, Expr::value(kept))
        .filter(citizen::Column::Id.eq(absorbed))
        .exec(&txn)
        .await?;
    let action =
        format!("fusion du dossier n° {absorbed} dans le dossier n° {kept} (même personne)");
    crate::audit::append_in(&txn, &merge_entries(desk, (kept, absorbed), &action)).await?;
    txn.commit().await?;
    Ok(Ok(Merged::Done))
}

/// A merge's entry in both records' journals.
fn merge_entries(desk: &Desk<'_>, (kept, absorbed): (i64, i64), action: &str) -> [AuditEvent; 2] {
    [kept, absorbed].map(|citizen| {
        desk.file_event(
            citizen,
            action,
            &format!("usagers {kept} et {absorbed}"),
            "un seul dossier par personne",
        )
    })
}

/// Why merging `absorb` into `keep` needs a second staff member's look, if it does: their
/// identities differ (a namesake born the same day is not the same person), or `keep` is a
/// local account whose holder no one verified (whoever opened it would gain what reception
/// recorded on the other).
fn second_look(keep: &citizen::Model, absorb: &citizen::Model) -> Option<String> {
    let same = |a: &str, b: &str| {
        a.split_whitespace()
            .map(str::to_lowercase)
            .eq(b.split_whitespace().map(str::to_lowercase))
    };
    let mut why = Vec::new();
    if !same(&keep.family_name, &absorb.family_name)
        || !same(&keep.given_name, &absorb.given_name)
        || keep.birthdate != absorb.birthdate
    {
        why.push(format!(
            "identités différentes : « {} {}, {} » et « {} {}, {} »",
            keep.family_name,
            keep.given_name,
            keep.birthdate,
            absorb.family_name,
            absorb.given_name,
            absorb.birthdate
        ));
    }
    if keep.login_email.is_some() && keep.fc_sub.is_none() {
        why.push(
            "le dossier gardé est un compte en ligne dont l'identité n'est pas vérifiée".into(),
        );
    }
    (!why.is_empty()).then(|| why.join(" ; "))
}

/// Merges that wait for a second staff member.
pub mod proposal {
    use chrono::Utc;
    use sea_orm::sea_query::Expr;
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, Set,
    };
    use tenants::Tenant;

    use crate::entity::merge_proposal;
    use crate::staff::StaffAccount;

    /// Where a merge needing a second look stands after this staff member's request.
    pub enum Step {
        /// Another staff member proposed it: this one approves, the merge goes ahead.
        Approved,
        /// Proposed now.
        Proposed,
        /// This staff member proposed it already.
        ProposedByThem,
    }

    pub(super) async fn approve_or_propose(
        txn: &DatabaseTransaction,
        staff: &StaffAccount,
        (kept, absorbed): (i64, i64),
        why: &str,
    ) -> Result<Step, DbErr> {
        let pending = merge_proposal::Entity::find()
            .filter(merge_proposal::Column::KeptId.eq(kept))
            .filter(merge_proposal::Column::AbsorbedId.eq(absorbed))
            .filter(merge_proposal::Column::ApprovedAt.is_null())
            .one(txn)
            .await?;
        match pending {
            Some(p) if p.proposed_by == staff.id => Ok(Step::ProposedByThem),
            Some(p) => {
                merge_proposal::Entity::update_many()
                    .col_expr(merge_proposal::Column::ApprovedBy, Expr::value(staff.id))
                    .col_expr(merge_proposal::Column::ApprovedAt, Expr::value(Utc::now()))
                    .filter(merge_proposal::Column::Id.eq(p.id))
                    .exec(txn)
                    .await?;
                Ok(Step::Approved)
            }
            None => {
                merge_proposal::ActiveModel {
                    kept_id: Set(kept),
                    absorbed_id: Set(absorbed),
                    proposed_by: Set(staff.id),
                    proposed_by_name: Set(staff.display_name.clone()),
                    why: Set(why.to_owned()),
                    created_at: Set(Utc::now()),
                    approved_by: Set(None),
                    approved_at: Set(None),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                Ok(Step::Proposed)
            }
        }
    }

    /// The merges into `kept` waiting for approval: (absorbed record, who proposed, why).
    pub async fn pending_into(
        tenant: &Tenant,
        kept: i64,
    ) -> Result<Vec<merge_proposal::Model>, DbErr> {
        let txn = tenant.db().begin().await?;
        let rows = merge_proposal::Entity::find()
            .filter(merge_proposal::Column::KeptId.eq(kept))
            .filter(merge_proposal::Column::ApprovedAt.is_null())
            .all(&txn)
            .await?;
        txn.commit().await?;
        Ok(rows)
    }
}

/// Opens the record, journaled with it.
pub async fn create_record(desk: &Desk<'_>, record: &NewRecord) -> Result<Citizen, DbErr> {
    let txn = desk.tenant().db().begin_write().await?;
    let row = citizen::ActiveModel {
        fc_sub: Set(None),
        given_name: Set(record.given_name.clone()),
        family_name: Set(record.family_name.clone()),
        preferred_username: Set(String::new()),
        birthdate: Set(record.birthdate.format("%Y-%m-%d").to_string()),
        gender: Set(String::new()),
        birthplace: Set(String::new()),
        birthcountry: Set(String::new()),
        email: Set(record.email.clone()),
        login_email: Set(None),
        password_hash: Set(None),
        email_confirmed_at: Set(None),
        created_at: Set(Utc::now()),
        last_sign_in_at: Set(None),
        merged_into: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let person = Citizen::from(row);
    let journal = desk.file_event(
        person.id,
        "ouverture de votre dossier à l'accueil",
        &person.audit_subject(),
        RECEPTION,
    );
    crate::audit::append_in(&txn, &[journal]).await?;
    txn.commit().await?;
    Ok(person)
}

/// The most results a search shows: a name more common than that needs a birth date.
pub const SEARCH_LIMIT: u64 = 50;

/// Citizens whose names contain every word of `query` (case-insensitive), by name.
pub async fn search(desk: &Desk<'_>, query: &str) -> Result<Vec<Citizen>, DbErr> {
    let tenant = desk.tenant();
    let words: Vec<String> = query
        .split_whitespace()
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty())
        .take(4)
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let mut condition = Condition::all();
    for word in &words {
        // LIKE's own wildcards typed by staff are taken literally.
        let pattern = format!(
            "%{}%",
            word.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let like = |column: citizen::Column| {
            Expr::expr(Func::lower(Expr::col(column)))
                .like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        condition = condition.add(
            Condition::any()
                .add(like(citizen::Column::GivenName))
                .add(like(citizen::Column::FamilyName))
                .add(like(citizen::Column::PreferredUsername)),
        );
    }
    let txn = tenant.db().begin().await?;
    let rows = citizen::Entity::find()
        .filter(condition)
        .filter(citizen::Column::MergedInto.is_null())
        .order_by_asc(citizen::Column::FamilyName)
        .order_by_asc(citizen::Column::GivenName)
        .limit(SEARCH_LIMIT)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows.into_iter().map(Citizen::from).collect())
}

/// The module's figures as its page lists them.
async fn figure_lines(tenant: &Tenant) -> Result<Vec<(String, String)>, DbErr> {
    let f = figures(tenant, chrono::Utc::now()).await?;
    Ok(vec![
        (
            "Usagers connus du département".to_owned(),
            f.citizens.to_string(),
        ),
        (
            "Contacts notés ces 30 derniers jours".to_owned(),
            f.contacts_last_30_days.to_string(),
        ),
        (
            "Échanges en attente d'une réponse du département".to_owned(),
            f.threads_awaiting_answer.to_string(),
        ),
        (
            "Rendez-vous à venir".to_owned(),
            f.appointments_to_come.to_string(),
        ),
        (
            "Rendez-vous manqués ces 30 derniers jours".to_owned(),
            f.appointments_missed_last_30_days.to_string(),
        ),
        (
            "Usagers à relancer".to_owned(),
            f.citizens_to_remind.to_string(),
        ),
    ])
}

pub static PART: crate::modules::Part = crate::modules::Part {
    module: Some(tenants::Module::UserRelations),
    routes: http::routes,
    staff_nav: http::staff_nav,
    admin_nav: crate::modules::no_nav,
    citizen_nav: crate::modules::no_nav,
    workers: jobs::workers,
    schedules: jobs::schedules,
    housekeeping: crate::modules::no_housekeeping,
    files: None,
    follow_ups: None,
    access: access::sections,
    home: Some(crate::modules::ModuleHome {
        summary: "Les dossiers des usagers, leurs messages et leurs rendez-vous sont tenus par l'accueil ; voici leurs chiffres, sans noms ni contenus.",
        figures: |desk| Box::pin(figure_lines(desk.tenant())),
    }),
    tables: || {
        use crate::entity::{
            appointment, appointment_slot, citizen_detail, contact, household_member, mandate,
            merge_proposal, message, message_thread, wider_access,
        };
        use crate::modules::Table;
        use crate::modules::section;
        vec![
            Table::of::<contact::Entity>(Some(section::CONTACTS)),
            Table::of::<message_thread::Entity>(Some(section::MESSAGES)),
            Table::of::<message::Entity>(None),
            Table::of::<appointment_slot::Entity>(None),
            Table::of::<appointment::Entity>(Some(section::APPOINTMENTS)),
            Table::of::<citizen_detail::Entity>(Some(section::IDENTITY)),
            Table::of::<household_member::Entity>(Some(section::IDENTITY)),
            Table::of::<mandate::Entity>(Some(section::MANDATES)),
            Table::of::<wider_access::Entity>(Some(section::WIDER_ACCESSES)),
            Table::of::<merge_proposal::Entity>(None),
        ]
    },
    indicators: Some(&indicators::INDICATORS),
    retention: Some(&retention::RETENTION),
};

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn a_record_by_hand_is_checked() {
        let ok = NewRecord::parse(" Jean  Pierre ", "martin", "1970-05-02", "", today()).unwrap();
        assert_eq!(ok.given_name, "Jean Pierre");
        assert_eq!(ok.family_name, "MARTIN");
        let errors =
            NewRecord::parse("", "", "2030-01-01", "pas-une-adresse", today()).unwrap_err();
        assert_eq!(errors.messages().len(), 4, "{errors:?}");
        assert!(errors.of("birthdate").unwrap().contains("plausible"));
        assert!(errors.of("email").unwrap().contains("pas-une-adresse"));
        assert!(errors.of("given").is_some() && errors.of("family").is_some());
        assert!(NewRecord::parse("A", "B", "1880-01-01", "", today()).is_err());
    }

    #[test]
    fn a_contact_is_checked_field_by_field() {
        let ok =
            NewContact::parse("2026-11-30", "call", " Question sur le RSA ", "", today()).unwrap();
        assert_eq!(ok.channel, Channel::Call);
        assert_eq!(ok.subject, "Question sur le RSA");
        let errors = NewContact::parse("2026-12-02", "pigeon", "  ", "", today()).unwrap_err();
        assert_eq!(errors.messages().len(), 3, "{errors:?}");
        assert!(errors.of("day").unwrap().contains("futur"));
        assert!(errors.of("channel").unwrap().contains("visite, appel"));
        assert!(errors.of("subject").unwrap().contains("objet"));
        assert_eq!(errors.of("note"), None);
        let long = "x".repeat(SUBJECT_MAX + 1);
        assert!(NewContact::parse("2026-11-30", "visit", &long, "", today()).is_err());
        assert!(NewContact::parse("30/11/2026", "visit", "Objet", "", today()).is_err());
    }
}

/// User relations in figures, for supervisors: counts, never names or contents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub citizens: u64,
    pub contacts_last_30_days: u64,
    pub threads_awaiting_answer: u64,
    pub appointments_to_come: u64,
    pub appointments_missed_last_30_days: u64,
    pub citizens_to_remind: u64,
}

/// Counts for the department's supervisors.
pub async fn figures(tenant: &Tenant, now: DateTime<Utc>) -> Result<Figures, DbErr> {
    use crate::entity::{appointment, appointment_slot, message_thread};
    use sea_orm::PaginatorTrait as _;
    let month_ago = now - chrono::Duration::days(30);
    let txn = tenant.db().begin().await?;
    let citizens = citizen::Entity::find().count(&txn).await?;
    let contacts_last_30_days = contact::Entity::find()
        .filter(contact::Column::CreatedAt.gte(month_ago))
        .count(&txn)
        .await?;
    let threads_awaiting_answer = message_thread::Entity::find()
        .filter(message_thread::Column::LastAuthor.eq("citizen"))
        .count(&txn)
        .await?;
    let upcoming: Vec<i64> = appointment_slot::Entity::find()
        .filter(appointment_slot::Column::StartsAt.gt(now))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let appointments_to_come = appointment::Entity::find()
        .filter(appointment::Column::HeldSlotId.is_in(upcoming))
        .filter(appointment::Column::State.eq(appointments::State::Booked))
        .count(&txn)
        .await?;
    let appointments_missed_last_30_days = appointment::Entity::find()
        .filter(appointment::Column::State.eq(appointments::State::Missed))
        .filter(appointment::Column::ChangedAt.gte(month_ago))
        .count(&txn)
        .await?;
    txn.commit().await?;
    let citizens_to_remind = alerts::silent_citizens(tenant, now).await?.len() as u64;
    Ok(Figures {
        citizens,
        contacts_last_30_days,
        threads_awaiting_answer,
        appointments_to_come,
        appointments_missed_last_30_days,
        citizens_to_remind,
    })
}
