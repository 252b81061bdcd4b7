use super::*;
use crate::insertion::generator;

/// A small monthly file as a fund sends it: windows-1252, a couple and a child.
fn couple_file(state: &str) -> Vec<u8> {
    let xml = format!(
        r#"<?xml version="1.0" encoding="windows-1252"?>
<Racine>
  <IdentificationFlux><APPLIEME>CRI</APPLIEME><NUMVERSIONAPPLIEME>6200</NUMVERSIONAPPLIEME><TYPEFLUX>M</TYPEFLUX><NATFLUX>D</NATFLUX>
    <DTCREAFLUX>2026-11-06</DTCREAFLUX><HEUCREAFLUX>02:10:00.0000</HEUCREAFLUX><DTREF>2026-10-31</DTREF></IdentificationFlux>
  <InfosFoyerRSA>
    <IdentificationRSA><Organisme><FONORG>CAF</FONORG><NUMORG>301</NUMORG><MATRICULE>034614500000000</MATRICULE></Organisme>
      <Partenaire><TYPEPARTE>CG  </TYPEPARTE><IDEPARTE>030</IDEPARTE></Partenaire>
      <DemandeRSA><DTDEMRSA>2026-09-12</DTDEMRSA><NUMDEMRSA>30000123456</NUMDEMRSA></DemandeRSA></IdentificationRSA>
    <Personne><Identification><QUAL>MME</QUAL><NOM>MARTIN</NOM><NOMNAI>LEFÈVRE</NOMNAI><PRENOM>HÉLÈNE</PRENOM>
        <NOMCOMNAI>NÎMES</NOMCOMNAI><DTNAI>1987-11-03</DTNAI><NIR>2871130189031</NIR><SEXE>2</SEXE></Identification>
      <DossierCAF><TOPRESPDOS>1</TOPRESPDOS><DDRATDOS>2026-09-01</DDRATDOS></DossierCAF>
      <Prestations><NATPREST>PFA</NATPREST><ROLEPERS>CJT</ROLEPERS><TOPCHAPERS>1</TOPCHAPERS></Prestations>
      <Prestations><NATPREST>RSA</NATPREST><ROLEPERS>DEM</ROLEPERS><TOPCHAPERS>1</TOPCHAPERS></Prestations>
      <DossierPoleEmploi><IDASSEDIC>0123456A</IDASSEDIC></DossierPoleEmploi>
      <MontantCalculDroitRSAPersonne><TOPPERSDRODEVORSA>1</TOPPERSDRODEVORSA></MontantCalculDroitRSAPersonne></Personne>
    <Personne><Identification><QUAL>MR</QUAL><NOM>MARTIN</NOM><NOMNAI>MARTIN</NOMNAI><PRENOM>JÉRÔME</PRENOM>
        <NOMCOMNAI>ALÈS</NOMCOMNAI><DTNAI>1985-06-14</DTNAI><NIR>1850630007045</NIR><SEXE>1</SEXE></Identification>
      <DossierCAF><TOPRESPDOS>0</TOPRESPDOS><DDRATDOS>2026-09-01</DDRATDOS></DossierCAF>
      <Prestations><NATPREST>PFA</NATPREST><ROLEPERS>DEM</ROLEPERS><TOPCHAPERS>0</TOPCHAPERS></Prestations>
      <Prestations><NATPREST>RSA</NATPREST><ROLEPERS>CJT </ROLEPERS><TOPCHAPERS>1</TOPCHAPERS></Prestations>
      <MontantCalculDroitRSAPersonne><TOPPERSDRODEVORSA>0</TOPPERSDRODEVORSA></MontantCalculDroitRSAPersonne></Personne>
    <Personne><Identification><NOM>MARTIN</NOM><NOMNAI>MARTIN</NOMNAI><PRENOM>ZOÉ</PRENOM><NOMCOMNAI>NÎMES</NOMCOMNAI>
        <DTNAI>2016-03-20</DTNAI><SEXE>2</SEXE></Identification>
      <DossierCAF><TOPRESPDOS>0</TOPRESPDOS><DDRATDOS>2026-09-01</DDRATDOS></DossierCAF>
      <Prestations><NATPREST>PFA</NATPREST><ROLEPERS>ENF</ROLEPERS><TOPCHAPERS>0</TOPCHAPERS></Prestations>
      <Prestations><NATPREST>RSA</NATPREST><ROLEPERS>ENF</ROLEPERS><TOPCHAPERS>0</TOPCHAPERS></Prestations></Personne>
    <DonneesAdministratives><SituationFamille><SITFAM>MAR</SITFAM><DDSITFAM>2014-07-05</DDSITFAM></SituationFamille>
      <Adresse><TroncCommunAdresse><RGADR>02</RGADR><PAYS>FRA</PAYS><TYPEADR>D</TYPEADR><ETATADR>CO</ETATADR></TroncCommunAdresse>
        <AdresseDetailleeFrance><COMPLIDEADR /><COMPLADR /><NUMVOIE>1</NUMVOIE><LIBTYPEVOIE>RUE</LIBTYPEVOIE><NOMVOIE>ANCIENNE</NOMVOIE><LIEUDIST /><NUMCOM>30007</NUMCOM><CODEPOS>30100</CODEPOS><NOMCOM>ALÈS</NOMCOM></AdresseDetailleeFrance></Adresse>
      <Adresse><TroncCommunAdresse><RGADR>01</RGADR><PAYS>FRA</PAYS><TYPEADR>D</TYPEADR><ETATADR>CO</ETATADR></TroncCommunAdresse>
        <AdresseDetailleeFrance><COMPLIDEADR /><COMPLADR>BÂTIMENT B</COMPLADR><NUMVOIE>12</NUMVOIE><LIBTYPEVOIE>RUE</LIBTYPEVOIE><NOMVOIE>DES ARÈNES &amp; DU CIRQUE</NOMVOIE><LIEUDIST /><NUMCOM>30189</NUMCOM><CODEPOS>30000</CODEPOS><NOMCOM>NÎMES</NOMCOM></AdresseDetailleeFrance></Adresse>
    </DonneesAdministratives>
    <PrestationRSA><SituationDossierRSA><EtatDossierRSA><ETATDOSRSA>{state}</ETATDOSRSA></EtatDossierRSA>
        <SuspensionVersement><MOTISUSVERSRSA>06</MOTISUSVERSRSA><DDSUSVERSRSA>2026-10-01</DDSUSVERSRSA></SuspensionVersement></SituationDossierRSA>
      <DetailDroitRSA><TroncCommunDroitRSA><TOPSANSDOMFIXE>0</TOPSANSDOMFIXE><ORIDEMRSA>DEM</ORIDEMRSA></TroncCommunDroitRSA></DetailDroitRSA></PrestationRSA>
  </InfosFoyerRSA>
  <TransmissionFlux><NBTOTDOSRSATRANSM>00000001</NBTOTDOSRSATRANSM><NBTOTDOSRSATRANSMANO>00000000</NBTOTDOSRSATRANSMANO></TransmissionFlux>
</Racine>
"#
    );
    encoding_rs::WINDOWS_1252.encode(&xml).0.into_owned()
}

fn read_all(bytes: &[u8]) -> Result<(Header, Vec<Household>), FluxError> {
    let mut reader = FluxReader::open(bytes)?;
    let households = reader.by_ref().collect::<Result<Vec<_>, _>>()?;
    Ok((reader.header, households))
}

#[test]
fn a_fund_file_reads_in_its_declared_encoding() {
    let bytes = couple_file("4");
    assert!(bytes.contains(&0xC9), "É is one windows-1252 byte");
    let (header, households) = read_all(&bytes).unwrap();
    assert_eq!(header.frequency, "M");
    assert_eq!(header.reference_on, NaiveDate::from_ymd_opt(2026, 10, 31));
    let [household] = households.as_slice() else {
        panic!("one household: {households:?}")
    };
    assert_eq!(household.line, 5);
    assert_eq!(household.matricule, "034614500000000");
    assert_eq!(household.department, "030");
    assert_eq!(household.state, RightState::PaymentSuspended);
    assert_eq!(household.suspension_reason.as_deref(), Some("06"));
    // The current address (RGADR 01), not the previous one.
    assert_eq!(household.postcode.as_deref(), Some("30000"));
    assert_eq!(household.commune.as_deref(), Some("NÎMES"));
    let roles: Vec<Role> = household.people.iter().map(|p| p.role).collect();
    // The role is the RSA block's, not the family benefits' one, trimmed.
    assert_eq!(roles, [Role::Applicant, Role::Partner, Role::Child]);
    let helene = &household.people[0];
    assert_eq!(helene.given_name, "HÉLÈNE");
    assert_eq!(helene.birth_name, "LEFÈVRE");
    assert_eq!(helene.nir.as_deref(), Some("2871130189031"));
    assert_eq!(helene.france_travail_id.as_deref(), Some("0123456A"));
    assert_eq!(helene.rights_and_duties, Some(true));
    assert_eq!(household.people[1].rights_and_duties, Some(false));
    assert_eq!(household.people[2].nir, None);
    // A partner and a child: what OARSA calls a couple with children.
    assert_eq!(household.kind(), "couple_avec_enfants");
    let mut alone = household.clone();
    alone.people.truncate(1);
    assert_eq!(alone.kind(), "seul_sans_enfant");
}

#[test]
fn generated_files_read_back_as_generated() {
    let generated: Vec<Household> = generator::households(300, "030", 7).collect();
    let mut bytes = Vec::new();
    let day = NaiveDate::from_ymd_opt(2026, 11, 6).unwrap();
    let written = generator::write(&mut bytes, day, day, generated.clone().into_iter()).unwrap();
    assert_eq!(written, 300);
    let (_, read) = read_all(&bytes).unwrap();
    assert_eq!(read.len(), 300);
    for (mut read, generated) in read.into_iter().zip(generated) {
        read.line = 0;
        assert_eq!(read, generated);
    }
    // Same seed, same file; another seed, another file.
    let again: Vec<Household> = generator::households(300, "030", 7).collect();
    let other: Vec<Household> = generator::households(300, "030", 8).collect();
    assert_eq!(again.len(), 300);
    assert_ne!(again, other);
}

#[test]
fn broken_files_are_refused_with_their_line() {
    let whole = couple_file("2");
    // Cut in the middle of the household.
    let cut = &whole[..whole.len() / 2];
    let error = read_all(cut).unwrap_err();
    assert!(error.message.contains("tronqué"), "{error}");

    let error = read_all(&couple_file("9")).unwrap_err();
    assert!(error.message.contains("ETATDOSRSA vaut « 9 »"), "{error}");
    assert!(error.line > 30, "{error}");

    let two_applicants = String::from_utf8_lossy(&couple_file("2"))
        .replace("<ROLEPERS>CJT </ROLEPERS>", "<ROLEPERS>DEM</ROLEPERS>");
    let error = read_all(two_applicants.as_bytes()).unwrap_err();
    assert!(error.message.contains("2 demandeurs"), "{error}");
    assert_eq!(error.line, 5);
    assert!(error.row, "only that block is wrong");
    // The reading goes on past a wrong block.
    let good = String::from_utf8_lossy(&couple_file("2")).into_owned();
    let block =
        &good[good.find("  <InfosFoyerRSA>").unwrap()..good.find("  <TransmissionFlux>").unwrap()];
    let twice = two_applicants.replacen(
        "  <TransmissionFlux>",
        &format!("{block}  <TransmissionFlux>"),
        1,
    );
    let mut reader = FluxReader::open(twice.as_bytes()).unwrap();
    assert!(reader.next().unwrap().is_err());
    assert!(reader.next().unwrap().is_ok(), "the next block is read");
    assert!(reader.next().is_none());

    let error = read_all(b"<?xml version=\"1.0\"?><Foyers><Foyer/></Foyers>").unwrap_err();
    assert!(error.message.contains("ce n'est pas un flux"), "{error}");
    let error = read_all(b"").unwrap_err();
    assert!(error.message.contains("vide"), "{error}");
    // A declaration written oddly is refused, never a panic.
    let odd = "<?xml version=\"1.0\" encoding=éé?><Foyers/>";
    assert!(read_all(odd.as_bytes()).is_err());
    let error = read_all(b"NIR;NOM\n123;MARTIN\n").unwrap_err();
    assert!(
        error.message.contains("vide") || error.message.contains("XML"),
        "{error}"
    );
}
