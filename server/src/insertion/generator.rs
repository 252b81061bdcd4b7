//! Realistic test files of the CAF/MSA monthly flux (see `flux`): households of one or two
//! adults (one applicant, at most one partner) with their children, accented names written in
//! windows-1252, every right state, some without a fixed abode. The same seed gives the same
//! file, so tests and benchmarks compare like with like. Written household by household: a
//! file of 150,000 people never sits in memory.

use std::io::Write;

use chrono::{Datelike as _, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use super::flux::{Household, Person, RightState, Role};

const FAMILY_NAMES: [&str; 16] = [
    "MARTIN",
    "BERNARD",
    "DUBOIS",
    "THOMAS",
    "ROBERT",
    "RICHARD",
    "PETIT",
    "DURAND",
    "LEFÈVRE",
    "MOREAU",
    "GARÇON",
    "FRANÇOIS",
    "BENOÎT",
    "HÉBERT",
    "DIALLO",
    "NGUYEN",
];
const GIVEN_NAMES: [(&str, &str); 16] = [
    ("LUCAS", "1"),
    ("CAMILLE", "2"),
    ("HÉLÈNE", "2"),
    ("JÉRÔME", "1"),
    ("CÉLINE", "2"),
    ("FRANÇOIS", "1"),
    ("AÏCHA", "2"),
    ("NOÉ", "1"),
    ("ÉLODIE", "2"),
    ("MOHAMED", "1"),
    ("FATOU", "2"),
    ("KARIM", "1"),
    ("INÈS", "2"),
    ("THÉO", "1"),
    ("ZOÉ", "2"),
    ("ANTOINE", "1"),
];
const COMMUNES: [(&str, &str); 4] = [
    ("30000", "NÎMES"),
    ("30100", "ALÈS"),
    ("30200", "BAGNOLS-SUR-CÈZE"),
    ("30400", "VILLENEUVE-LÈS-AVIGNON"),
];

/// `count` households for department `department` (`030`), reproducibly from `seed`.
pub fn households(count: usize, department: &str, seed: u64) -> impl Iterator<Item = Household> {
    let mut rng = StdRng::seed_from_u64(seed);
    let department = department.to_owned();
    (0..count).map(move |i| household(&mut rng, i, &department))
}

fn household(rng: &mut StdRng, i: usize, department: &str) -> Household {
    let family = FAMILY_NAMES[rng.gen_range(0..FAMILY_NAMES.len())];
    let couple = rng.gen_bool(0.35);
    let children = if rng.gen_bool(0.5) {
        rng.gen_range(1..=3)
    } else {
        0
    };
    let mut people = vec![adult(rng, family, Role::Applicant, i)];
    if couple {
        people.push(adult(rng, family, Role::Partner, i));
    }
    for _ in 0..children {
        people.push(child(rng, family, i));
    }
    let state = match rng.gen_range(0..20) {
        0 => RightState::Applied,
        1 => RightState::Refused,
        2 => RightState::RightSuspended,
        3 | 4 => RightState::PaymentSuspended,
        5 => RightState::Closed,
        _ => RightState::Open,
    };
    let (postcode, commune) = COMMUNES[rng.gen_range(0..COMMUNES.len())];
    let homeless = rng.gen_bool(0.03);
    Household {
        line: 0,
        fund: if rng.gen_bool(0.9) { "CAF" } else { "MSA" }.to_owned(),
        // 7 significant characters, padded with zeros to 15 as the funds write it.
        matricule: format!("{:07}00000000", 1_000_000 + i),
        department: department.to_owned(),
        applied_on: Some(date(rng, 2019, 2026)),
        state,
        suspension_reason: (state == RightState::PaymentSuspended).then(|| "06".to_owned()),
        closure: (state == RightState::Closed)
            .then(|| ("ECH".to_owned(), Some(date(rng, 2026, 2026)))),
        homeless,
        postcode: (!homeless).then(|| postcode.to_owned()),
        commune: (!homeless).then(|| commune.to_owned()),
        people,
    }
}

fn adult(rng: &mut StdRng, family: &str, role: Role, i: usize) -> Person {
    let (given, sex) = GIVEN_NAMES[rng.gen_range(0..GIVEN_NAMES.len())];
    let birth = date(rng, 1960, 2003);
    Person {
        role,
        nir: rng
            .gen_bool(0.95)
            .then(|| nir(sex, birth, i, role == Role::Partner)),
        family_name: family.to_owned(),
        birth_name: family.to_owned(),
        given_name: given.to_owned(),
        birth_date: Some(birth),
        sex: sex.to_owned(),
        france_travail_id: rng
            .gen_bool(0.7)
            .then(|| format!("{:07}X", rng.gen_range(0..10_000_000))),
        rights_and_duties: Some(rng.gen_bool(0.85)),
        internal_id: None,
    }
}

fn child(rng: &mut StdRng, family: &str, i: usize) -> Person {
    let (given, sex) = GIVEN_NAMES[rng.gen_range(0..GIVEN_NAMES.len())];
    let birth = date(rng, 2008, 2025);
    Person {
        role: Role::Child,
        nir: Some(nir(sex, birth, i + 500_000, false)),
        family_name: family.to_owned(),
        birth_name: family.to_owned(),
        given_name: given.to_owned(),
        birth_date: Some(birth),
        sex: sex.to_owned(),
        france_travail_id: None,
        rights_and_duties: None,
        internal_id: None,
    }
}

fn date(rng: &mut StdRng, from: i32, to: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(
        rng.gen_range(from..=to),
        rng.gen_range(1..=12),
        rng.gen_range(1..=28),
    )
    .unwrap_or_default()
}

/// A 13-character NIR that agrees with the person's sex and birth date, unique per household
/// and role.
fn nir(sex: &str, birth: NaiveDate, i: usize, partner: bool) -> String {
    let order = (i * 2 + usize::from(partner)) % 1_000_000;
    format!(
        "{sex}{:02}{:02}30{:03}{:03}",
        birth.year() % 100,
        birth.month(),
        order / 1000 % 1000,
        order % 1000
    )
}

/// Writes a monthly flux holding `households`, as the funds send it (windows-1252).
pub fn write<W: Write>(
    mut out: W,
    created_on: NaiveDate,
    reference_on: NaiveDate,
    households: impl Iterator<Item = Household>,
) -> std::io::Result<u64> {
    let mut count = 0u64;
    put(
        &mut out,
        &format!(
            "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<Racine>\n  <IdentificationFlux><APPLIEME>CRI</APPLIEME><NUMVERSIONAPPLIEME>6200</NUMVERSIONAPPLIEME><TYPEFLUX>M</TYPEFLUX><NATFLUX>D</NATFLUX><DTCREAFLUX>{created_on}</DTCREAFLUX><HEUCREAFLUX>02:10:00.0000</HEUCREAFLUX><DTREF>{reference_on}</DTREF></IdentificationFlux>\n"
        ),
    )?;
    for household in households {
        put(&mut out, &household_xml(&household))?;
        count += 1;
    }
    put(
        &mut out,
        &format!(
            "  <TransmissionFlux><NBTOTDOSRSATRANSM>{count:08}</NBTOTDOSRSATRANSM><NBTOTDOSRSATRANSMANO>00000000</NBTOTDOSRSATRANSMANO></TransmissionFlux>\n</Racine>\n"
        ),
    )?;
    Ok(count)
}

/// `text` in windows-1252, which every character the generator writes has.
fn put<W: Write>(out: &mut W, text: &str) -> std::io::Result<()> {
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    out.write_all(&bytes)
}

fn household_xml(h: &Household) -> String {
    let mut xml = String::with_capacity(2048);
    xml.push_str(&format!(
        "  <InfosFoyerRSA>\n    <IdentificationRSA><Organisme><FONORG>{}</FONORG><NUMORG>301</NUMORG><MATRICULE>{}</MATRICULE></Organisme><Partenaire><TYPEPARTE>CG </TYPEPARTE><IDEPARTE>{}</IDEPARTE></Partenaire><DemandeRSA><DTDEMRSA>{}</DTDEMRSA><NUMDEMRSA>30000000000</NUMDEMRSA></DemandeRSA></IdentificationRSA>\n",
        h.fund,
        h.matricule,
        h.department,
        h.applied_on.map(|d| d.to_string()).unwrap_or_default()
    ));
    for p in &h.people {
        xml.push_str(&person_xml(p));
    }
    xml.push_str("    <DonneesAdministratives><SituationFamille><SITFAM>CEL</SITFAM><DDSITFAM>2015-01-01</DDSITFAM></SituationFamille>");
    if let (Some(postcode), Some(commune)) = (&h.postcode, &h.commune) {
        xml.push_str(&format!(
            "<Adresse><TroncCommunAdresse><RGADR>01</RGADR><PAYS>FRA</PAYS><TYPEADR>D</TYPEADR><ETATADR>CO</ETATADR></TroncCommunAdresse><AdresseDetailleeFrance><COMPLIDEADR /><COMPLADR /><NUMVOIE>12</NUMVOIE><LIBTYPEVOIE>RUE</LIBTYPEVOIE><NOMVOIE>DES ARÈNES</NOMVOIE><LIEUDIST /><NUMCOM>30189</NUMCOM><CODEPOS>{postcode}</CODEPOS><NOMCOM>{commune}</NOMCOM></AdresseDetailleeFrance></Adresse>"
        ));
    }
    xml.push_str("</DonneesAdministratives>\n");
    xml.push_str(&format!(
        "    <PrestationRSA><SituationDossierRSA><EtatDossierRSA><ETATDOSRSA>{}</ETATDOSRSA></EtatDossierRSA>",
        h.state.code()
    ));
    if let Some(reason) = &h.suspension_reason {
        xml.push_str(&format!(
            "<SuspensionVersement><MOTISUSVERSRSA>{reason}</MOTISUSVERSRSA><DDSUSVERSRSA>2026-03-01</DDSUSVERSRSA></SuspensionVersement>"
        ));
    }
    if let Some((reason, on)) = &h.closure {
        xml.push_str(&format!(
            "<FinDroit><MOTICLORSA>{reason}</MOTICLORSA><DTCLORSA>{}</DTCLORSA></FinDroit>",
            on.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    xml.push_str(&format!(
        "</SituationDossierRSA><DetailDroitRSA><TroncCommunDroitRSA><TOPSANSDOMFIXE>{}</TOPSANSDOMFIXE><ORIDEMRSA>DEM</ORIDEMRSA></TroncCommunDroitRSA></DetailDroitRSA></PrestationRSA>\n  </InfosFoyerRSA>\n",
        u8::from(h.homeless)
    ));
    xml
}

fn person_xml(p: &Person) -> String {
    let mut xml = format!(
        "    <Personne><Identification>{}<NOM>{}</NOM><NOMNAI>{}</NOMNAI><PRENOM>{}</PRENOM><NOMCOMNAI>NÎMES</NOMCOMNAI><DTNAI>{}</DTNAI><TYPEDTNAI>N</TYPEDTNAI>{}<SEXE>{}</SEXE></Identification><DossierCAF><TOPRESPDOS>{}</TOPRESPDOS><DDRATDOS>2020-01-01</DDRATDOS></DossierCAF>",
        if p.role.is_beneficiary() {
            if p.sex == "1" {
                "<QUAL>MR</QUAL>"
            } else {
                "<QUAL>MME</QUAL>"
            }
        } else {
            ""
        },
        p.family_name,
        p.birth_name,
        p.given_name,
        p.birth_date.map(|d| d.to_string()).unwrap_or_default(),
        p.nir
            .as_ref()
            .map(|n| format!("<NIR>{n}</NIR>"))
            .unwrap_or_default(),
        p.sex,
        u8::from(p.role == Role::Applicant),
    );
    for benefit in ["PFA", "RSA"] {
        xml.push_str(&format!(
            "<Prestations><NATPREST>{benefit}</NATPREST><ROLEPERS>{}</ROLEPERS><TOPCHAPERS>0</TOPCHAPERS></Prestations>",
            p.role.code()
        ));
    }
    if let Some(id) = &p.france_travail_id {
        xml.push_str(&format!(
            "<DossierPoleEmploi><IDASSEDIC>{id}</IDASSEDIC></DossierPoleEmploi>"
        ));
    }
    if let Some(flag) = p.rights_and_duties {
        xml.push_str(&format!(
            "<MontantCalculDroitRSAPersonne><TOPPERSDRODEVORSA>{}</TOPPERSDRODEVORSA></MontantCalculDroitRSAPersonne>",
            u8::from(flag)
        ));
    }
    xml.push_str("</Personne>\n");
    xml
}
