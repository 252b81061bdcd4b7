//! The open-data export: every consenting department's figures over whole calendar years, as
//! a CSV file with its description in Table Schema (the format schema.data.gouv.fr and
//! data.gouv.fr's validator read), so a reuser knows each column's meaning, type and codes.
//! Secrecy was applied when the figures were shared: a hidden one is written « s ».

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::json;

use super::indicators::{self, Indicator, Unit};
use super::nomenclatures;

pub const DATA_FILE: &str = "guichet-indicateurs-departements.csv";
pub const SCHEMA_FILE: &str = "guichet-indicateurs-departements.schema.json";

const COLUMNS: [&str; 8] = [
    "departement",
    "departement_nom",
    "taille",
    "annee",
    "indicateur",
    "indicateur_nom",
    "unite",
    "valeur",
];

/// Writes the CSV of `rows` (COG code, size band, year, indicator, figure) and its schema
/// into `dir`; returns both paths.
pub fn write(
    dir: &Path,
    rows: &[(String, String, i32, &'static Indicator, Option<f64>)],
) -> anyhow::Result<(PathBuf, PathBuf)> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("impossible de créer le dossier {}", dir.display()))?;
    let data = dir.join(DATA_FILE);
    let mut csv = csv::Writer::from_path(&data)
        .with_context(|| format!("impossible d'écrire {}", data.display()))?;
    csv.write_record(COLUMNS)?;
    for (department, size, year, indicator, value) in rows {
        let name = nomenclatures::departement(department).map_or("", |d| d.name);
        csv.write_record([
            department.as_str(),
            name,
            size.as_str(),
            &year.to_string(),
            indicator.id,
            indicator.name,
            unit_code(indicator.unit),
            &value.map_or_else(|| "s".to_owned(), |v| figure(v, indicator.unit)),
        ])?;
    }
    csv.flush()?;
    let schema = dir.join(SCHEMA_FILE);
    std::fs::write(&schema, serde_json::to_string_pretty(&table_schema())?)
        .with_context(|| format!("impossible d'écrire {}", schema.display()))?;
    Ok((data, schema))
}

fn unit_code(unit: Unit) -> &'static str {
    match unit {
        Unit::Count => "nombre",
        Unit::Days => "jours",
        Unit::Share => "pourcentage",
    }
}

/// A count whole, days to a tenth, a share in percent to a tenth.
fn figure(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Count => format!("{}", value.round() as i64),
        Unit::Days => format!("{}", (value * 10.0).round() / 10.0),
        Unit::Share => format!("{}", (value * 1000.0).round() / 10.0),
    }
}

fn codes(nomenclature: &str) -> Vec<&'static str> {
    nomenclatures::find(nomenclature)
        .map(|n| n.entries.iter().map(|(code, _)| *code).collect())
        .unwrap_or_default()
}

/// The Table Schema describing the CSV.
pub fn table_schema() -> serde_json::Value {
    let indicator_ids: Vec<&str> = indicators::declared().map(|(_, i)| i.id).collect();
    let definitions: Vec<String> = indicators::declared()
        .map(|(_, i)| format!("{} : {}", i.id, i.definition))
        .collect();
    json!({
        "$schema": "https://frictionlessdata.io/schemas/table-schema.json",
        "name": "guichet-indicateurs-departements",
        "title": "Indicateurs de l'action sociale des départements utilisant Guichet",
        "description": "Pour chaque département qui a choisi d'être comparé, chaque indicateur sur une année civile, calculé de la même façon pour tous sur des nomenclatures partagées. Secret statistique appliqué : « s » remplace un nombre de personnes sous le seuil de la plateforme (11 par défaut), et un délai ou une part calculés sur moins de personnes que ce seuil.",
        "version": "2026-1",
        "missingValues": ["s"],
        "primaryKey": ["departement", "annee", "indicateur"],
        "fields": [
            {
                "name": "departement",
                "title": "Code du département",
                "description": "Code officiel géographique de l'INSEE (COG 2026) : 01 à 95, 2A, 2B, 971 à 976.",
                "type": "string",
                "constraints": { "required": true, "enum": codes("departement") }
            },
            {
                "name": "departement_nom",
                "title": "Nom du département",
                "type": "string"
            },
            {
                "name": "taille",
                "title": "Taille du département",
                "description": "Tranche de population municipale : moins_250k, 250k_500k, 500k_1m, 1m_plus.",
                "type": "string",
                "constraints": { "required": true, "enum": codes("taille_departement") }
            },
            {
                "name": "annee",
                "title": "Année civile",
                "type": "year",
                "constraints": { "required": true }
            },
            {
                "name": "indicateur",
                "title": "Identifiant de l'indicateur",
                "description": definitions.join(" | "),
                "type": "string",
                "constraints": { "required": true, "enum": indicator_ids }
            },
            {
                "name": "indicateur_nom",
                "title": "Nom de l'indicateur",
                "type": "string"
            },
            {
                "name": "unite",
                "title": "Unité de la valeur",
                "description": "nombre (personnes ou demandes), jours, ou pourcentage (de 0 à 100).",
                "type": "string",
                "constraints": { "required": true, "enum": ["nombre", "jours", "pourcentage"] }
            },
            {
                "name": "valeur",
                "title": "Valeur",
                "description": "La valeur dans son unité, ou « s » quand le secret statistique la masque.",
                "type": "number"
            }
        ]
    })
}
