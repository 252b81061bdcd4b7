//! The people the department follows for the RSA, as the benefit funds' files name them: who
//! a household's applicant (`DEM`) and partner (`CJT`) are in the store, how each block of a
//! new file changes them, and the timeline of their right.
//!
//! Matching, inside the department only: the NIR (13 characters, its key checked when given),
//! then the fund's own key (fund, allocataire number, role). The applicant and the partner of
//! one household are never one person; someone found by the fund's key with another NIR is a
//! conflict for an officer to settle, never an update. A person new to the module joins the
//! department's one citizen record when exactly one record has their names and birth date
//! (someone who already filed an aid request keeps their record).

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use sha2::Digest as _;
use tenants::Tenant;

use super::flux::{Household, Person, RightState, Role};
use super::nir::Nir;
use crate::entity::{citizen, insertion_person, insertion_right_event};

stored_enum! {
    /// A step of a person's right, as the files tell it.
    pub enum EventKind {
        /// First named by a file.
        Entry = "entry",
        /// The right's state changed.
        Change = "change",
        /// A full monthly file no longer named them.
        Exit = "exit",
        /// Named again after an exit.
        Return = "return",
    }
}

impl EventKind {
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Entry => "Entrée dans le RSA",
            EventKind::Change => "Changement de situation du droit",
            EventKind::Exit => "Sortie (absent du fichier mensuel)",
            EventKind::Return => "Retour dans le RSA",
        }
    }
}

/// A fingerprint of a household's block as the module reads it (not its line): a block
/// unchanged since the last file is not written again.
pub fn fingerprint(household: &Household) -> String {
    let mut hash = sha2::Sha256::new();
    let mut field = |text: &str| {
        hash.update(text.as_bytes());
        hash.update([0x1f]);
    };
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    field(&household.fund);
    field(&household.matricule);
    field(&household.department);
    field(&date(household.applied_on));
    field(household.state.code());
    field(household.suspension_reason.as_deref().unwrap_or(""));
    match &household.closure {
        Some((reason, on)) => {
            field(reason);
            field(&date(*on));
        }
        None => field(""),
    }
    field(if household.homeless { "1" } else { "0" });
    field(household.postcode.as_deref().unwrap_or(""));
    field(household.commune.as_deref().unwrap_or(""));
    for person in &household.people {
        field(person.role.code());
        field(person.nir.as_deref().unwrap_or(""));
        field(&person.family_name);
        field(&person.birth_name);
        field(&person.given_name);
        field(&date(person.birth_date));
        field(&person.sex);
        field(person.france_travail_id.as_deref().unwrap_or(""));
        field(match person.rights_and_duties {
            Some(true) => "1",
            Some(false) => "0",
            None => "",
        });
        // Only when given (lists): the funds' files' fingerprints stay what they were.
        if let Some(id) = &person.internal_id {
            field("internal");
            field(id);
        }
    }
    hex::encode(hash.finalize())
}

/// A NIR's 13 characters, held without an allocation (a department's index holds 150,000).
type NirKey = [u8; 13];

fn nir_key(nir: &str) -> Option<NirKey> {
    nir.as_bytes().try_into().ok()
}

fn nir_text(key: &NirKey) -> String {
    String::from_utf8_lossy(key).into_owned()
}

/// A fingerprint as bytes (the store keeps it in hex).
type Fingerprint = [u8; 32];

fn fingerprint_bytes(hex_text: &str) -> Fingerprint {
    let mut bytes = [0u8; 32];
    // A malformed one matches no block: the block is written again, which is harmless.
    let _ = hex::decode_to_slice(hex_text, &mut bytes);
    bytes
}

/// What the store holds of a known person, for matching: kept small, as a department's index
/// holds every person it follows.
#[derive(Clone, Debug)]
struct Known {
    id: i64,
    citizen_id: i64,
    nir: Option<NirKey>,
    household_hash: Fingerprint,
    right_state: RightState,
    left_on: Option<NaiveDate>,
    given_name: String,
    family_name: String,
}

/// The department's known people, indexed for matching a whole file: a few dozen bytes a
/// person, so a department of 150,000 is matched in memory.
#[derive(Default)]
pub struct Index {
    known: Vec<Known>,
    by_nir: HashMap<NirKey, usize>,
    by_key: HashMap<(String, String, &'static str), usize>,
    /// The department's own identifiers, from its lists.
    by_internal: HashMap<String, usize>,
    /// Citizens' records by folded names and birth date (not merged away).
    records: HashMap<(String, String, String), Vec<i64>>,
    /// Citizens already followed (a record joins one person only).
    followed: std::collections::HashSet<i64>,
}

/// Names compared without case, accents or extra spaces; the first given name only.
fn folded(name: &str) -> String {
    deunicode::deunicode(name)
        .to_uppercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn first_given(name: &str) -> String {
    folded(name)
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_owned()
}

const LOAD_BATCH: u64 = 5_000;

impl Index {
    /// Reads the department's people and citizens' records, in batches.
    pub async fn load(tenant: &Tenant) -> Result<Self, DbErr> {
        let mut index = Index::default();
        let mut after = 0;
        loop {
            let txn = tenant.db().begin().await?;
            let rows = insertion_person::Entity::find()
                .filter(insertion_person::Column::Id.gt(after))
                .order_by_asc(insertion_person::Column::Id)
                .limit(LOAD_BATCH)
                .all(&txn)
                .await?;
            txn.commit().await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for row in rows {
                index.insert_row(&row);
            }
        }
        let mut after = 0;
        loop {
            let txn = tenant.db().begin().await?;
            let rows: Vec<(i64, String, String, String)> = citizen::Entity::find()
                .select_only()
                .columns([
                    citizen::Column::Id,
                    citizen::Column::FamilyName,
                    citizen::Column::GivenName,
                    citizen::Column::Birthdate,
                ])
                .filter(citizen::Column::Id.gt(after))
                .filter(citizen::Column::MergedInto.is_null())
                // A record already followed joins no one else: not held.
                .filter(
                    citizen::Column::Id.not_in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(insertion_person::Column::CitizenId)
                            .from(insertion_person::Entity)
                            .to_owned(),
                    ),
                )
                .order_by_asc(citizen::Column::Id)
                .limit(LOAD_BATCH)
                .into_tuple()
                .all(&txn)
                .await?;
            txn.commit().await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for (id, family, given, birthdate) in rows {
                index
                    .records
                    .entry((folded(&family), first_given(&given), birthdate))
                    .or_default()
                    .push(id);
            }
        }
        Ok(index)
    }

    /// Adds a row; returns its place.
    fn insert_row(&mut self, row: &insertion_person::Model) -> usize {
        let at = self.known.len();
        self.known.push(Known {
            id: row.id,
            citizen_id: row.citizen_id,
            nir: row.nir.as_deref().and_then(nir_key),
            household_hash: fingerprint_bytes(&row.household_hash),
            right_state: row.right_state,
            left_on: row.left_on,
            given_name: row.given_name.clone(),
            family_name: row.family_name.clone(),
        });
        if let Some(nir) = row.nir.as_deref().and_then(nir_key) {
            self.by_nir.insert(nir, at);
        }
        if let Some(id) = &row.internal_id {
            self.by_internal.insert(id.clone(), at);
        }
        let role = if row.role == Role::Partner.code() {
            Role::Partner.code()
        } else {
            Role::Applicant.code()
        };
        self.by_key
            .insert((row.fund.clone(), row.matricule.clone(), role), at);
        self.followed.insert(row.citizen_id);
        at
    }

    /// The ids of the people no longer named (not seen in a full file), with their state.
    fn absent(&self, seen: &Seen) -> Vec<(i64, i64, RightState)> {
        self.known
            .iter()
            .enumerate()
            .filter(|(at, k)| k.left_on.is_none() && !seen.people.contains(at))
            .map(|(_, k)| (k.id, k.citizen_id, k.right_state))
            .collect()
    }
}

/// What a pass over one file has met so far: NIRs and people, with the line of their block.
#[derive(Default)]
pub struct Seen {
    nirs: HashMap<NirKey, u64>,
    /// The fund's keys (fund, matricule, role) met, with their line.
    keys: HashMap<(String, String, &'static str), u64>,
    people: std::collections::HashSet<usize>,
    matched_at: HashMap<usize, u64>,
}

impl Seen {
    /// The applicant and partner the fund knows under (`fund`, `matricule`) are in the file,
    /// though their block was refused: not exits.
    pub fn named_in_refused_block(&mut self, index: &Index, fund: &str, matricule: &str) {
        for role in [Role::Applicant.code(), Role::Partner.code()] {
            let key = (fund.to_owned(), matricule.to_owned(), role);
            if let Some(at) = index.by_key.get(&key) {
                self.people.insert(*at);
            }
        }
    }
}

/// What to do with one person of a block.
#[derive(Debug)]
pub enum Step<'h> {
    Create(&'h Person, Option<Nir>),
    Update {
        at: usize,
        person: &'h Person,
        nir: Option<Nir>,
    },
    Unchanged,
}

/// What to do with one household's block.
#[derive(Debug)]
pub enum Plan<'h> {
    /// Its people, one step each (applicant and partner only: the module follows them).
    Steps(Vec<Step<'h>>),
    /// Not written: a person in it could be someone else; the reason, in French.
    Conflict(String),
    /// Not written: the block is wrong (a NIR with a bad key…); the reason, in French.
    Refused(String),
}

fn who(person: &Person) -> String {
    format!(
        "{} {} ({})",
        person.given_name,
        person.family_name,
        match person.role {
            Role::Applicant => "demandeur",
            Role::Partner => "conjoint",
            _ => "membre du foyer",
        }
    )
}

/// One applicant or partner of `household`: their NIR checked, and who they are in the store
/// (by NIR, then by the department's own identifier, then by the fund's key); a refusal or a
/// conflict ends the block's plan.
fn find_person<'h>(
    index: &Index,
    seen: &mut Seen,
    household: &Household,
    person: &'h Person,
) -> Result<(Option<Nir>, Option<usize>), Plan<'h>> {
    let nir = person
        .nir
        .as_deref()
        .map(Nir::parse)
        .transpose()
        .map_err(|e| Plan::Refused(format!("{} : {e}", who(person))))?;
    if let Some(at) = nir
        .as_ref()
        .and_then(|n| nir_key(n.as_str()))
        .and_then(|n| index.by_nir.get(&n).copied())
    {
        return Ok((nir, Some(at)));
    }
    let key = (
        household.fund.clone(),
        household.matricule.clone(),
        person.role.code(),
    );
    let internal = person
        .internal_id
        .as_ref()
        .and_then(|id| index.by_internal.get(id).copied());
    let Some(at) = internal.or_else(|| index.by_key.get(&key).copied()) else {
        return Ok((nir, None));
    };
    let known = &index.known[at];
    if let (Some(theirs), Some(given)) = (&known.nir, &nir)
        && theirs.as_slice() != given.as_str().as_bytes()
    {
        seen.people.insert(at);
        return Err(Plan::Conflict(format!(
            "{} : le dossier {} {} est celui de {} {}, connu avec le NIR {} ; le fichier donne le NIR {} — vérifiez auprès de la caisse avant tout rapprochement",
            who(person),
            household.fund,
            household.matricule,
            known.given_name,
            known.family_name,
            nir_text(theirs),
            given.as_str()
        )));
    }
    Ok((nir, Some(at)))
}

/// Decides what `household` does to the store, and notes what it met in `seen`.
pub fn plan<'h>(index: &Index, seen: &mut Seen, household: &'h Household, hash: &str) -> Plan<'h> {
    let line = household.line;
    let mut matched: Vec<(&'h Person, Option<Nir>, Option<usize>)> = Vec::new();
    for person in household.people.iter().filter(|p| p.role.is_beneficiary()) {
        match find_person(index, seen, household, person) {
            Ok((nir, found)) => matched.push((person, nir, found)),
            Err(plan) => {
                // Not written, but in the file: not an exit.
                seen.people
                    .extend(matched.iter().filter_map(|(_, _, found)| *found));
                return plan;
            }
        }
    }
    // Whatever happens to the block, the people it names are in the file (no false exit).
    for (_, _, found) in &matched {
        if let Some(at) = found {
            seen.people.insert(*at);
        }
    }
    if let [(first, a, x), (second, b, y)] = matched.as_slice() {
        let same_nir = a.is_some() && a == b;
        if same_nir || (x.is_some() && x == y) {
            return Plan::Conflict(format!(
                "{} et {} seraient une seule personne (même NIR ou même dossier connu) : le demandeur et son conjoint restent deux personnes — vérifiez le fichier auprès de la caisse",
                who(first),
                who(second)
            ));
        }
    }
    for (person, nir, found) in &matched {
        if let Some(nir) = nir
            && let Some(earlier) = nir_key(nir.as_str()).and_then(|k| seen.nirs.get(&k))
            && *earlier != line
        {
            return Plan::Conflict(format!(
                "{} : le NIR {} figure déjà ligne {earlier} de ce fichier — un doublon de la caisse, à lui signaler",
                who(person),
                nir.as_str()
            ));
        }
        let key = (
            household.fund.clone(),
            household.matricule.clone(),
            person.role.code(),
        );
        if let Some(earlier) = seen.keys.get(&key)
            && *earlier != line
        {
            return Plan::Conflict(format!(
                "{} : le dossier {} {} figure déjà ligne {earlier} de ce fichier — un doublon de la caisse, à lui signaler",
                who(person),
                household.fund,
                household.matricule
            ));
        }
        if let Some(at) = found
            && let Some(earlier) = seen.matched_at.get(at)
            && *earlier != line
        {
            return Plan::Conflict(format!(
                "{} : cette personne figure déjà ligne {earlier} de ce fichier — un doublon de la caisse, à lui signaler",
                who(person)
            ));
        }
    }
    let mut steps = Vec::new();
    for (person, nir, found) in matched {
        if let Some(nir) = nir.as_ref().and_then(|n| nir_key(n.as_str())) {
            seen.nirs.insert(nir, line);
        }
        seen.keys.insert(
            (
                household.fund.clone(),
                household.matricule.clone(),
                person.role.code(),
            ),
            line,
        );
        steps.push(match found {
            Some(at) => {
                seen.matched_at.insert(at, line);
                let known = &index.known[at];
                if known.household_hash == fingerprint_bytes(hash) && known.left_on.is_none() {
                    Step::Unchanged
                } else {
                    Step::Update { at, person, nir }
                }
            }
            None => Step::Create(person, nir),
        });
    }
    Plan::Steps(steps)
}

/// The file's facts a write needs.
#[derive(Clone, Copy, Debug)]
pub struct FileFacts {
    pub import_id: i64,
    /// When the department received the information (the file's creation date).
    pub received_on: NaiveDate,
}

/// What writing blocks did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Written {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub returned: u64,
    pub state_changes: u64,
    pub exits: u64,
    /// Citizens whose file was written, for the journal (not kept).
    #[serde(skip)]
    pub citizens: Vec<(i64, &'static str)>,
}

/// A pass writing one file: what the store holds, what the file named so far, and what was
/// written.
pub struct Writing {
    pub index: Index,
    pub seen: Seen,
    pub facts: FileFacts,
    pub written: Written,
}

impl Writing {
    /// Decides what `household` does (see [`plan`]).
    pub fn plan<'h>(&mut self, household: &'h Household, hash: &str) -> Plan<'h> {
        plan(&self.index, &mut self.seen, household, hash)
    }

    /// Writes one block's steps in `txn`, and keeps the index in step with the store.
    pub async fn write(
        &mut self,
        txn: &DatabaseTransaction,
        household: &Household,
        hash: &str,
        steps: Vec<Step<'_>>,
    ) -> Result<(), DbErr> {
        let Writing {
            index,
            seen,
            facts,
            written,
        } = self;
        let facts = *facts;
        let now = Utc::now();
        for step in steps {
            match step {
                Step::Unchanged => written.unchanged += 1,
                Step::Create(person, nir) => {
                    let citizen_id = match index.record_of(person) {
                        Some(id) => id,
                        None => new_record(txn, person).await?,
                    };
                    let row = person_row(household, person, nir.as_ref(), hash)
                        .into_active(citizen_id, facts, now)
                        .insert(txn)
                        .await?;
                    let reason = reason_of(household);
                    event(txn, &row, facts, EventKind::Entry, None, reason).await?;
                    // Named by this file: not an exit at its end.
                    seen.people.insert(index.insert_row(&row));
                    written.created += 1;
                    written.citizens.push((citizen_id, "entry"));
                }
                Step::Update { at, person, nir } => {
                    let known = index.known[at].clone();
                    let fields = person_row(household, person, nir.as_ref(), hash);
                    let mut row = insertion_person::ActiveModel {
                        id: Set(known.id),
                        ..Default::default()
                    };
                    fields.apply(&mut row, known.nir.as_ref().map(nir_text));
                    row.left_on = Set(None);
                    row.last_import_id = Set(facts.import_id);
                    row.updated_at = Set(now);
                    let row = row.update(txn).await?;
                    let reason = reason_of(household);
                    if known.left_on.is_some() {
                        event(txn, &row, facts, EventKind::Return, None, reason).await?;
                        written.returned += 1;
                    } else if known.right_state != household.state {
                        let previous = Some(known.right_state);
                        event(txn, &row, facts, EventKind::Change, previous, reason).await?;
                        written.state_changes += 1;
                    }
                    let entry = &mut index.known[at];
                    entry.household_hash = fingerprint_bytes(hash);
                    entry.right_state = household.state;
                    entry.left_on = None;
                    entry.nir = row.nir.as_deref().and_then(nir_key);
                    if let Some(id) = &row.internal_id {
                        index.by_internal.insert(id.clone(), at);
                    }
                    written.updated += 1;
                    written.citizens.push((known.citizen_id, "update"));
                }
            }
        }
        Ok(())
    }

    /// The people a full monthly file no longer names leave the RSA as of its month.
    pub async fn write_exits(
        &mut self,
        txn: &DatabaseTransaction,
        left_on: NaiveDate,
    ) -> Result<(), DbErr> {
        let Writing {
            index,
            seen,
            facts,
            written,
        } = self;
        let absent = index.absent(seen);
        for chunk in absent.chunks(500) {
            let ids: Vec<i64> = chunk.iter().map(|(id, _, _)| *id).collect();
            insertion_person::Entity::update_many()
                .col_expr(
                    insertion_person::Column::LeftOn,
                    sea_orm::sea_query::Expr::value(left_on),
                )
                .col_expr(
                    insertion_person::Column::UpdatedAt,
                    sea_orm::sea_query::Expr::value(Utc::now()),
                )
                .filter(insertion_person::Column::Id.is_in(ids))
                .exec(txn)
                .await?;
            let rows =
                chunk.iter().map(
                    |(id, citizen_id, state)| insertion_right_event::ActiveModel {
                        person_id: Set(*id),
                        citizen_id: Set(*citizen_id),
                        import_id: Set(facts.import_id),
                        happened_on: Set(left_on),
                        kind: Set(EventKind::Exit),
                        right_state: Set(*state),
                        previous_state: Set(None),
                        reason: Set(None),
                        created_at: Set(Utc::now()),
                        ..Default::default()
                    },
                );
            insertion_right_event::Entity::insert_many(rows)
                .exec(txn)
                .await?;
            written.exits += chunk.len() as u64;
            written
                .citizens
                .extend(chunk.iter().map(|(_, citizen, _)| (*citizen, "exit")));
        }
        Ok(())
    }
}

/// How many people a full file would see leave.
pub fn exits_count(index: &Index, seen: &Seen) -> u64 {
    index.absent(seen).len() as u64
}

impl Index {
    /// The citizen's record this new person joins: the only one with their names and birth
    /// date, not yet followed.
    fn record_of(&self, person: &Person) -> Option<i64> {
        let birth = person.birth_date?.to_string();
        let key = (
            folded(&person.family_name),
            first_given(&person.given_name),
            birth,
        );
        match self.records.get(&key).map(Vec::as_slice) {
            Some([only]) if !self.followed.contains(only) => Some(*only),
            _ => None,
        }
    }
}

/// A record for someone the department had never met: what the file says of them.
async fn new_record(txn: &DatabaseTransaction, person: &Person) -> Result<i64, DbErr> {
    let row = citizen::ActiveModel {
        fc_sub: Set(None),
        given_name: Set(person.given_name.clone()),
        family_name: Set(person.family_name.clone()),
        preferred_username: Set(String::new()),
        birthdate: Set(person.birth_date.map(|d| d.to_string()).unwrap_or_default()),
        gender: Set(match person.sex.as_str() {
            "1" => "male",
            "2" => "female",
            _ => "",
        }
        .to_owned()),
        birthplace: Set(String::new()),
        birthcountry: Set(String::new()),
        email: Set(String::new()),
        login_email: Set(None),
        password_hash: Set(None),
        email_confirmed_at: Set(None),
        created_at: Set(Utc::now()),
        last_sign_in_at: Set(None),
        merged_into: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(row.id)
}

/// A person's fields as a block gives them.
struct PersonFields {
    nir: Option<String>,
    fund: String,
    matricule: String,
    role: &'static str,
    family_name: String,
    given_name: String,
    birth_date: Option<NaiveDate>,
    sex: String,
    right_state: RightState,
    rights_and_duties: bool,
    homeless: bool,
    postcode: Option<String>,
    commune: Option<String>,
    france_travail_id: Option<String>,
    internal_id: Option<String>,
    household_hash: String,
    household: &'static str,
}

fn person_row(
    household: &Household,
    person: &Person,
    nir: Option<&Nir>,
    hash: &str,
) -> PersonFields {
    PersonFields {
        nir: nir.map(|n| n.as_str().to_owned()),
        fund: household.fund.clone(),
        matricule: household.matricule.clone(),
        role: person.role.code(),
        family_name: person.family_name.clone(),
        given_name: person.given_name.clone(),
        birth_date: person.birth_date,
        sex: person.sex.clone(),
        right_state: household.state,
        // The file says nothing: the law subjects every beneficiary of an open right.
        rights_and_duties: person.rights_and_duties.unwrap_or(true),
        homeless: household.homeless,
        postcode: household.postcode.clone(),
        commune: household.commune.clone(),
        france_travail_id: person.france_travail_id.clone(),
        internal_id: person.internal_id.clone(),
        household_hash: hash.to_owned(),
        household: household.kind(),
    }
}

impl PersonFields {
    fn into_active(
        self,
        citizen_id: i64,
        facts: FileFacts,
        now: chrono::DateTime<Utc>,
    ) -> insertion_person::ActiveModel {
        let mut row = insertion_person::ActiveModel {
            citizen_id: Set(citizen_id),
            internal_id: Set(None),
            entered_on: Set(facts.received_on),
            left_on: Set(None),
            last_import_id: Set(facts.import_id),
            orientation_days: Set(None),
            referent_id: Set(None),
            oriented_on: Set(None),
            contract_in_time: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        self.apply(&mut row, None);
        row
    }

    /// Sets the fields on `row`; a NIR the store knows is kept when the file gives none.
    fn apply(self, row: &mut insertion_person::ActiveModel, known_nir: Option<String>) {
        row.nir = Set(self.nir.or(known_nir));
        row.fund = Set(self.fund);
        row.matricule = Set(self.matricule);
        row.role = Set(self.role.to_owned());
        row.family_name = Set(self.family_name);
        row.given_name = Set(self.given_name);
        row.birth_date = Set(self.birth_date);
        row.sex = Set(self.sex);
        row.right_state = Set(self.right_state);
        row.rights_and_duties = Set(self.rights_and_duties);
        row.homeless = Set(self.homeless);
        row.postcode = Set(self.postcode);
        row.commune = Set(self.commune);
        row.france_travail_id = Set(self.france_travail_id);
        row.household_hash = Set(self.household_hash);
        row.household = Set(Some(self.household.to_owned()));
        // A fund's file gives none: it never erases the one a list gave.
        if let Some(id) = self.internal_id {
            row.internal_id = Set(Some(id));
        }
    }
}

/// The file's reason for the household's state: a closure's, a suspension's, or none.
fn reason_of(household: &Household) -> Option<String> {
    match household.state {
        RightState::Closed | RightState::ClosedEarlier => {
            household.closure.as_ref().map(|(reason, _)| reason.clone())
        }
        RightState::PaymentSuspended | RightState::RightSuspended => {
            household.suspension_reason.clone()
        }
        _ => None,
    }
}

async fn event(
    txn: &DatabaseTransaction,
    person: &insertion_person::Model,
    facts: FileFacts,
    kind: EventKind,
    previous: Option<RightState>,
    reason: Option<String>,
) -> Result<(), DbErr> {
    insertion_right_event::ActiveModel {
        person_id: Set(person.id),
        citizen_id: Set(person.citizen_id),
        import_id: Set(facts.import_id),
        happened_on: Set(facts.received_on),
        kind: Set(kind),
        right_state: Set(person.right_state),
        previous_state: Set(previous),
        reason: Set(reason),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_without_case_accents_or_extra_spaces() {
        assert_eq!(folded("  Lefèvre-Hébert "), "LEFEVRE HEBERT");
        assert_eq!(first_given("Jérôme  Marie"), "JEROME");
        assert_eq!(first_given("AÏCHA"), "AICHA");
    }
}
