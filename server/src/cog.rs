//! Names for INSEE codes of the « Code officiel géographique »: the birth commune and birth
//! country FranceConnect gives as codes are shown by their names. The tables ship with the
//! code (`server/reference/cog/`, with their sources and how to refresh them) and are read once.

use std::collections::HashMap;
use std::sync::LazyLock;

static COMMUNES: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| table(include_str!("../reference/cog/communes.tsv")));

static COUNTRIES: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| table(include_str!("../reference/cog/pays.tsv")));

fn table(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .filter_map(|line| line.split_once('\t'))
        .collect()
}

/// The commune's name, if the code is one.
pub fn commune(code: &str) -> Option<&'static str> {
    COMMUNES.get(code.trim()).copied()
}

/// The country's (or territory's) name, if the code is one.
pub fn country(code: &str) -> Option<&'static str> {
    COUNTRIES.get(code.trim()).copied()
}

/// « Nîmes (30189) », or the code alone when the table does not know it.
pub fn commune_with_code(code: &str) -> String {
    named(commune(code), code)
}

/// « Maroc (99350) », or the code alone when the table does not know it.
pub fn country_with_code(code: &str) -> String {
    named(country(code), code)
}

fn named(name: Option<&str>, code: &str) -> String {
    match name {
        Some(name) => format!("{name} ({code})"),
        None => format!("code INSEE {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_names() {
        assert_eq!(commune("30189"), Some("Nîmes"));
        assert_eq!(commune("75056"), Some("Paris"));
        assert_eq!(commune("75112"), Some("Paris 12e Arrondissement"));
        assert_eq!(country("99350"), Some("Maroc"));
        assert_eq!(country("99100"), Some("France"));
        assert_eq!(commune("00000"), None);
        assert_eq!(country_with_code("99999"), "code INSEE 99999");
        assert_eq!(commune_with_code("2A004"), "Ajaccio (2A004)");
    }
}
