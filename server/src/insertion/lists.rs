//! CSV and XLSX lists of beneficiaries, for departments that receive or keep files other than
//! the funds' monthly XML: a column mapping, saved per department and versioned, says which
//! column holds what; [`ListReader`] turns the list's rows into the households the import
//! previews and writes like a fund's file (each person's row; consecutive rows of one
//! allocataire number make one household).
//!
//! CSV is read as a stream (`csv`), in UTF-8 or, failing that, windows-1252 (what a French
//! spreadsheet saves), with `;`, `,` or a tab between columns; XLSX (`calamine`), its first
//! sheet, is read whole, hence its smaller limit.

use std::collections::BTreeMap;
use std::io::{BufReader, Read};
use std::path::Path;

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use tenants::Tenant;

use app::validation::FieldErrors;

use super::Desk;
use super::flux::{FluxError, Header, Household, Person, RightState, Role};
use crate::entity::insertion_list_mapping;

/// The largest XLSX taken (read whole): a list of 150,000 rows weighs about 15 Mo.
pub const XLSX_MAX_BYTES: u64 = 60 * 1024 * 1024;

/// What a list's column can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Matricule,
    FamilyName,
    GivenName,
    BirthDate,
    Nir,
    Role,
    Postcode,
    Commune,
    RightsAndDuties,
    InternalId,
}

impl Field {
    pub const ALL: [Field; 10] = [
        Field::Matricule,
        Field::FamilyName,
        Field::GivenName,
        Field::BirthDate,
        Field::Nir,
        Field::Role,
        Field::Postcode,
        Field::Commune,
        Field::RightsAndDuties,
        Field::InternalId,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Field::Matricule => "matricule",
            Field::FamilyName => "family_name",
            Field::GivenName => "given_name",
            Field::BirthDate => "birth_date",
            Field::Nir => "nir",
            Field::Role => "role",
            Field::Postcode => "postcode",
            Field::Commune => "commune",
            Field::RightsAndDuties => "rights_and_duties",
            Field::InternalId => "internal_id",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::Matricule => "Numéro d'allocataire",
            Field::FamilyName => "Nom",
            Field::GivenName => "Prénom",
            Field::BirthDate => "Date de naissance",
            Field::Nir => "NIR (numéro de sécurité sociale)",
            Field::Role => "Rôle (demandeur ou conjoint)",
            Field::Postcode => "Code postal",
            Field::Commune => "Commune",
            Field::RightsAndDuties => "Soumis aux droits et devoirs (oui ou non)",
            Field::InternalId => "Identifiant du département",
        }
    }

    /// Without these a row names nobody.
    pub fn required(self) -> bool {
        matches!(
            self,
            Field::Matricule | Field::FamilyName | Field::GivenName | Field::BirthDate
        )
    }
}

/// A mapping as the officer writes it: its name, the fund, and each field's column heading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    pub name: String,
    pub fund: String,
    pub columns: BTreeMap<Field, String>,
}

const HEADING_MAX: usize = 100;

impl Mapping {
    /// Checks the form: `column(field)` is what was typed for each field.
    pub fn parse(
        name: &str,
        fund: &str,
        column: impl Fn(Field) -> String,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 || !app::validation::one_line(name) {
            errors.add(
                "name",
                "Nommez la correspondance sur une ligne (80 caractères au plus), par exemple « Liste mensuelle du PLIE ».",
            );
        }
        if !matches!(fund, "CAF" | "MSA") {
            errors.add(
                "fund-0",
                "Choisissez la caisse qui verse le RSA aux personnes de la liste.",
            );
        }
        let mut columns = BTreeMap::new();
        for field in Field::ALL {
            let heading = column(field).trim().to_owned();
            if heading.is_empty() {
                if field.required() {
                    errors.add(
                        field.id(),
                        format!(
                            "Indiquez le titre de la colonne qui donne « {} », tel qu'il est écrit en haut de la liste.",
                            field.label()
                        ),
                    );
                }
                continue;
            }
            if heading.chars().count() > HEADING_MAX || !app::validation::one_line(&heading) {
                errors.add(
                    field.id(),
                    "Un titre de colonne tient sur une ligne, 100 caractères au plus.",
                );
                continue;
            }
            if columns.values().any(|h: &String| same_heading(h, &heading)) {
                errors.add(
                    field.id(),
                    format!("La colonne « {heading} » est déjà lue pour un autre champ."),
                );
                continue;
            }
            columns.insert(field, heading);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            name: name.to_owned(),
            fund: fund.to_owned(),
            columns,
        })
    }

    /// A saved version, read back.
    pub fn of(row: &insertion_list_mapping::Model) -> Self {
        Self {
            name: row.name.clone(),
            fund: row.fund.clone(),
            columns: serde_json::from_str(&row.columns).unwrap_or_default(),
        }
    }
}

/// Headings compare ignoring case and surrounding spaces (accents count).
fn same_heading(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Saves the mapping: a new one, or the next version of the one of that name. Journaled.
pub async fn save(
    desk: &Desk<'_>,
    mapping: &Mapping,
) -> Result<insertion_list_mapping::Model, DbErr> {
    let txn = desk.tenant().db().begin_write().await?;
    let last = insertion_list_mapping::Entity::find()
        .filter(insertion_list_mapping::Column::Name.eq(&mapping.name))
        .order_by_desc(insertion_list_mapping::Column::Version)
        .one(&txn)
        .await?;
    let row = insertion_list_mapping::ActiveModel {
        name: Set(mapping.name.clone()),
        version: Set(last.map_or(1, |l| l.version + 1)),
        fund: Set(mapping.fund.clone()),
        columns: Set(
            serde_json::to_string(&mapping.columns).map_err(|e| DbErr::Custom(e.to_string()))?
        ),
        created_by_name: Set(desk.account().display_name.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let entry = crate::staff::desk::event(
        desk.account(),
        "enregistrement d'une correspondance de colonnes pour les listes du RSA",
        &format!("« {} », version {}", row.name, row.version),
        "",
        None,
    );
    crate::audit::append_in(&txn, &[entry]).await?;
    txn.commit().await?;
    Ok(row)
}

/// Every version, the latest of each name first, names in order.
pub async fn all(tenant: &Tenant) -> Result<Vec<insertion_list_mapping::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let rows = insertion_list_mapping::Entity::find()
        .order_by_asc(insertion_list_mapping::Column::Name)
        .order_by_desc(insertion_list_mapping::Column::Version)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(rows)
}

/// The latest version of each mapping: those a new list is read with.
pub async fn current(tenant: &Tenant) -> Result<Vec<insertion_list_mapping::Model>, DbErr> {
    let mut latest = all(tenant).await?;
    latest.dedup_by(|later, first| later.name == first.name);
    Ok(latest)
}

pub async fn find(
    tenant: &Tenant,
    id: i64,
) -> Result<Option<insertion_list_mapping::Model>, DbErr> {
    let txn = tenant.db().begin().await?;
    let row = insertion_list_mapping::Entity::find_by_id(id)
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(row)
}

/// One row's cells, as text, and its line in the file.
type Row = (u64, Vec<String>);

fn file_error(message: String) -> FluxError {
    FluxError {
        line: 1,
        message,
        row: false,
        household: None,
    }
}

/// Reads a list's rows as households, with the mapping it was sent with.
pub struct ListReader {
    rows: Box<dyn Iterator<Item = Result<Row, FluxError>> + Send>,
    /// Where each field is, among the row's cells.
    at: BTreeMap<Field, usize>,
    fund: String,
    /// The next household's first row, read ahead.
    pending: Option<Row>,
    done: bool,
    /// Lists carry no header: a list never implies exits, as a fund's monthly file does.
    pub header: Header,
}

impl ListReader {
    /// Opens the list at `path` (an XLSX when it is a zip archive, a CSV otherwise) and finds
    /// the mapping's columns in its first row.
    pub fn open(path: &Path, mapping: &insertion_list_mapping::Model) -> Result<Self, FluxError> {
        let mapping = Mapping::of(mapping);
        let mut start = [0u8; 4];
        let mut file = std::fs::File::open(path).map_err(|e| {
            file_error(format!(
                "le fichier reçu est illisible ({e}) : envoyez-le de nouveau"
            ))
        })?;
        let read = file.read(&mut start).unwrap_or(0);
        let mut rows: Box<dyn Iterator<Item = Result<Row, FluxError>> + Send> =
            if read == 4 && start == *b"PK\x03\x04" {
                Box::new(xlsx_rows(path)?.into_iter().map(Ok))
            } else {
                Box::new(csv_rows(path)?)
            };
        let headings = match rows.next() {
            Some(Ok((_, headings))) => headings,
            Some(Err(e)) => return Err(e),
            None => {
                return Err(file_error(
                    "la liste est vide : elle n'a même pas de ligne de titres".into(),
                ));
            }
        };
        let mut at = BTreeMap::new();
        let mut missing = Vec::new();
        for (field, heading) in &mapping.columns {
            match headings.iter().position(|h| same_heading(h, heading)) {
                Some(i) => {
                    at.insert(*field, i);
                }
                None => missing.push(format!("« {heading} »")),
            }
        }
        if !missing.is_empty() {
            let found: Vec<String> = headings
                .iter()
                .filter(|h| !h.trim().is_empty())
                .take(30)
                .map(|h| format!("« {} »", h.trim()))
                .collect();
            return Err(file_error(format!(
                "la première ligne n'a pas la colonne {} que la correspondance « {} » lit ; elle a : {}. Choisissez une autre correspondance, ou corrigez celle-ci",
                missing.join(", "),
                mapping.name,
                if found.is_empty() {
                    "aucun titre".to_owned()
                } else {
                    found.join(", ")
                }
            )));
        }
        Ok(Self {
            rows,
            at,
            fund: mapping.fund,
            pending: None,
            done: false,
            header: Header {
                frequency: "L".to_owned(),
                created_on: None,
                reference_on: None,
            },
        })
    }

    fn cell<'r>(&self, row: &'r [String], field: Field) -> &'r str {
        self.at
            .get(&field)
            .and_then(|i| row.get(*i))
            .map_or("", |c| c.trim())
    }

    /// A row's person, or why the row names nobody.
    fn person(
        &self,
        (line, row): &Row,
    ) -> Result<(String, Person, Option<String>, Option<String>), FluxError> {
        let refused = |message: String, matricule: &str| FluxError {
            line: *line,
            message,
            row: true,
            household: (!matricule.is_empty()).then(|| (self.fund.clone(), matricule.to_owned())),
        };
        let matricule = self.cell(row, Field::Matricule).to_owned();
        if matricule.is_empty() {
            return Err(refused("le numéro d'allocataire manque".into(), ""));
        }
        // Written as the funds write names (capitals, no accents), so that a list and a
        // fund's file name a person alike, and the search finds them either way.
        let name = |field| deunicode::deunicode(self.cell(row, field)).to_uppercase();
        let (family_name, given_name) = (name(Field::FamilyName), name(Field::GivenName));
        if family_name.is_empty() || given_name.is_empty() {
            return Err(refused("le nom ou le prénom manque".into(), &matricule));
        }
        let typed = self.cell(row, Field::BirthDate);
        let Some(birth_date) = parse_date(typed) else {
            return Err(refused(
                format!(
                    "la date de naissance « {typed} » n'est pas une date (attendu : 12/05/1969 ou 1969-05-12)"
                ),
                &matricule,
            ));
        };
        let role = match self.cell(row, Field::Role).to_lowercase().as_str() {
            "" | "dem" | "demandeur" | "demandeuse" | "allocataire" => Role::Applicant,
            "cjt" | "conjoint" | "conjointe" | "partenaire" => Role::Partner,
            other => {
                return Err(refused(
                    format!(
                        "le rôle « {other} » est inconnu (attendu : DEM ou demandeur, CJT ou conjoint)"
                    ),
                    &matricule,
                ));
            }
        };
        let rights_and_duties = match self
            .cell(row, Field::RightsAndDuties)
            .to_lowercase()
            .as_str()
        {
            "" => None,
            "oui" | "o" | "1" | "vrai" | "x" => Some(true),
            "non" | "n" | "0" | "faux" => Some(false),
            other => {
                return Err(refused(
                    format!(
                        "« {other} » ne dit pas si la personne est soumise aux droits et devoirs (attendu : oui ou non)"
                    ),
                    &matricule,
                ));
            }
        };
        let nir = Some(self.cell(row, Field::Nir).replace(' ', "")).filter(|n| !n.is_empty());
        let optional = |field| Some(self.cell(row, field).to_owned()).filter(|c| !c.is_empty());
        let person = Person {
            role,
            nir,
            birth_name: family_name.clone(),
            family_name,
            given_name,
            birth_date: Some(birth_date),
            sex: String::new(),
            france_travail_id: None,
            rights_and_duties,
            internal_id: optional(Field::InternalId),
        };
        Ok((
            matricule,
            person,
            optional(Field::Postcode),
            optional(Field::Commune),
        ))
    }
}

impl Iterator for ListReader {
    type Item = Result<Household, FluxError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let first = match self.pending.take().map(Ok).or_else(|| self.rows.next()) {
            None => {
                self.done = true;
                return None;
            }
            Some(Err(e)) => {
                self.done = true;
                return Some(Err(e));
            }
            Some(Ok(row)) if row.1.iter().all(|c| c.trim().is_empty()) => return self.next(),
            Some(Ok(row)) => row,
        };
        let line = first.0;
        let (matricule, person, postcode, commune) = match self.person(&first) {
            Ok(found) => found,
            Err(e) => return Some(Err(e)),
        };
        let mut household = Household {
            line,
            fund: self.fund.clone(),
            matricule,
            department: String::new(),
            applied_on: None,
            state: RightState::Open,
            suspension_reason: None,
            closure: None,
            homeless: false,
            postcode,
            commune,
            people: vec![person],
        };
        // The household's next rows: those that follow with the same allocataire number.
        loop {
            match self.rows.next() {
                None => break,
                Some(Err(e)) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Some(Ok(row)) => {
                    if self.cell(&row.1, Field::Matricule) != household.matricule {
                        self.pending = Some(row);
                        break;
                    }
                    match self.person(&row) {
                        Ok((_, person, ..)) => household.people.push(person),
                        Err(e) => return Some(Err(e)),
                    }
                }
            }
        }
        Some(Ok(household))
    }
}

/// A date as a spreadsheet or a person writes it: 12/05/1969, 1969-05-12, or an Excel day
/// number.
fn parse_date(typed: &str) -> Option<NaiveDate> {
    let typed = typed.trim();
    for format in ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"] {
        if let Ok(day) = NaiveDate::parse_from_str(typed, format) {
            return Some(day);
        }
    }
    // An Excel day number (days since 1899-12-30), as calamine gives an unformatted date.
    let serial = typed
        .parse::<f64>()
        .ok()
        .filter(|n| (1.0..120_000.0).contains(n))?;
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(Duration::days(serial as i64))
}

/// The CSV's rows as they stream: decoded (UTF-8, else windows-1252), its separator guessed
/// from the first line.
fn csv_rows(
    path: &Path,
) -> Result<impl Iterator<Item = Result<Row, FluxError>> + Send + use<>, FluxError> {
    let open = || {
        std::fs::File::open(path).map_err(|e| {
            file_error(format!(
                "le fichier reçu est illisible ({e}) : envoyez-le de nouveau"
            ))
        })
    };
    let mut head = Vec::new();
    open()?
        .take(64 * 1024)
        .read_to_end(&mut head)
        .map_err(|e| file_error(format!("le fichier reçu est illisible ({e})")))?;
    if head.contains(&0) {
        return Err(file_error(
            "ce fichier n'est pas une liste CSV ni un classeur XLSX : enregistrez la liste au format CSV ou XLSX depuis votre tableur".into(),
        ));
    }
    // A cut in the middle of a character at the end of the sample is no proof of windows-1252.
    let utf8 = match std::str::from_utf8(&head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() == 64 * 1024,
    };
    let encoding = if utf8 {
        encoding_rs::UTF_8
    } else {
        encoding_rs::WINDOWS_1252
    };
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let separator = [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|s| first_line.iter().filter(|b| *b == s).count())
        .unwrap_or(b';');
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .build(BufReader::new(open()?));
    let reader = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded);
    Ok(reader.into_records().map(|record| match record {
        Ok(record) => Ok((
            // The record's number, not `line()`, which lags on CRLF files: a cell running over
            // two lines (rare in these lists) is the one case it is off.
            record.position().map_or(0, |p| p.record() + 1),
            record.iter().map(str::to_owned).collect(),
        )),
        Err(e) => Err(FluxError {
            line: e.position().map_or(0, |p| p.record() + 1),
            message: format!(
                "la liste CSV est mal formée ({e}) : enregistrez-la de nouveau depuis votre tableur"
            ),
            row: false,
            household: None,
        }),
    }))
}

/// The XLSX's first sheet, read whole: each row's cells as text.
fn xlsx_rows(path: &Path) -> Result<Vec<Row>, FluxError> {
    use calamine::{Data, Reader as _};
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > XLSX_MAX_BYTES {
        return Err(file_error(format!(
            "un classeur XLSX de plus de {} Mo ne se lit pas ici : enregistrez la liste au format CSV",
            XLSX_MAX_BYTES / (1024 * 1024)
        )));
    }
    let unreadable = |e: &dyn std::fmt::Display| {
        file_error(format!(
            "le classeur XLSX est illisible ({e}) : enregistrez-le de nouveau depuis votre tableur, ou au format CSV"
        ))
    };
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook(path).map_err(|e| unreadable(&e))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| file_error("le classeur n'a aucune feuille".into()))?
        .map_err(|e| unreadable(&e))?;
    let first_row = range.start().map_or(0, |(row, _)| row);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, cells)| {
            let line = u64::from(first_row) + i as u64 + 1;
            let text = cells
                .iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    // Numbers typed in a cell (an allocataire number, a NIR) have no decimals.
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    Data::Float(f) => f.to_string(),
                    Data::Int(n) => n.to_string(),
                    Data::Bool(b) => if *b { "oui" } else { "non" }.to_owned(),
                    Data::DateTime(d) => d.as_f64().to_string(),
                    Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_owned(),
                    Data::DurationIso(s) => s.clone(),
                    Data::Error(_) => String::new(),
                })
                .collect();
            (line, text)
        })
        .collect())
}

#[cfg(test)]
mod tests;
