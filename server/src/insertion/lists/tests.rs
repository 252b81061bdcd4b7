use super::*;

fn mapping(columns: &[(Field, &str)]) -> insertion_list_mapping::Model {
    let columns: BTreeMap<Field, String> =
        columns.iter().map(|(f, h)| (*f, (*h).to_owned())).collect();
    insertion_list_mapping::Model {
        id: 1,
        name: "Liste du PLIE".into(),
        version: 1,
        fund: "CAF".into(),
        columns: serde_json::to_string(&columns).unwrap(),
        created_by_name: "Odile".into(),
        created_at: Utc::now(),
    }
}

fn usual() -> insertion_list_mapping::Model {
    mapping(&[
        (Field::Matricule, "N° allocataire"),
        (Field::FamilyName, "Nom"),
        (Field::GivenName, "Prénom"),
        (Field::BirthDate, "Né(e) le"),
        (Field::Nir, "NIR"),
        (Field::Role, "Rôle"),
        (Field::RightsAndDuties, "SDD"),
    ])
}

fn written(bytes: &[u8], name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn a_windows_1252_csv_with_semicolons_makes_households() {
    let text = "N° allocataire;Nom;Prénom;Né(e) le;NIR;Rôle;SDD\r\n\
                0346145;Lefèvre;Hélène;12/05/1969;2690575123456;DEM;oui\r\n\
                0346145;Lefèvre;Noël;1968-01-02;;conjoint;non\r\n\
                ;;;;;;\r\n\
                0999999;Dubois;Angèle;03/03/1990;;;\r\n";
    let (encoded, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let (_dir, path) = written(&encoded, "liste.csv");
    let households: Vec<_> = ListReader::open(&path, &usual())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(households.len(), 2);
    let couple = &households[0];
    assert_eq!((couple.line, couple.fund.as_str()), (2, "CAF"));
    assert_eq!(couple.matricule, "0346145");
    assert_eq!(couple.people.len(), 2);
    assert_eq!(couple.people[0].family_name, "LEFEVRE");
    assert_eq!(couple.people[0].given_name, "HELENE");
    assert_eq!(couple.people[0].nir.as_deref(), Some("2690575123456"));
    assert_eq!(couple.people[0].rights_and_duties, Some(true));
    assert_eq!(couple.people[1].role, Role::Partner);
    assert_eq!(
        couple.people[1].birth_date,
        NaiveDate::from_ymd_opt(1968, 1, 2)
    );
    assert_eq!(
        households[1].line, 5,
        "the blank line is skipped, lines kept"
    );
    assert_eq!(households[1].people[0].role, Role::Applicant);
}

#[test]
fn a_utf8_csv_with_commas_and_headings_in_another_case() {
    let text =
        "\u{feff}n° ALLOCATAIRE,nom,prénom,né(e) le,nir,rôle,sdd\n1,Martin,Zoé,01/01/2000,,,\n";
    let (_dir, path) = written(text.as_bytes(), "liste.csv");
    let households: Vec<_> = ListReader::open(&path, &usual())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(households[0].people[0].given_name, "ZOE");
}

#[test]
fn a_missing_column_names_what_the_list_has() {
    let (_dir, path) = written(b"Matricule;Nom;Prenom\n1;A;B\n", "liste.csv");
    let Err(e) = ListReader::open(&path, &usual()) else {
        panic!("read without its columns");
    };
    assert!(!e.row);
    assert!(e.message.contains("« N° allocataire »"), "{}", e.message);
    assert!(
        e.message
            .contains("elle a : « Matricule », « Nom », « Prenom »"),
        "{}",
        e.message
    );
}

#[test]
fn a_bad_row_is_refused_with_its_line_and_the_reading_goes_on() {
    let text = "N° allocataire;Nom;Prénom;Né(e) le;NIR;Rôle;SDD\n\
                1;Martin;Zoé;31/02/2000;;;\n\
                2;Petit;Léo;01/01/2001;;chef;\n\
                3;Durand;Ana;01/01/2002;;;peut-être\n\
                4;Bon;Jean;01/01/2003;;;\n";
    let (_dir, path) = written(text.as_bytes(), "liste.csv");
    let read: Vec<_> = ListReader::open(&path, &usual()).unwrap().collect();
    assert_eq!(read.len(), 4);
    let errors: Vec<&FluxError> = read.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 3);
    assert!(errors.iter().all(|e| e.row));
    assert_eq!(errors[0].line, 2);
    assert!(
        errors[0].message.contains("31/02/2000"),
        "{}",
        errors[0].message
    );
    assert!(errors[1].message.contains("« chef »"));
    assert!(errors[2].message.contains("peut-être"));
    assert_eq!(errors[0].household, Some(("CAF".into(), "1".into())));
    assert!(read[3].is_ok());
}

#[test]
fn a_binary_file_is_not_taken_for_a_list() {
    let (_dir, path) = written(&[0x25, 0x50, 0x44, 0x46, 0, 1, 2], "liste.csv");
    let Err(e) = ListReader::open(&path, &usual()) else {
        panic!("a binary file read as a list");
    };
    assert!(e.message.contains("CSV ou XLSX"), "{}", e.message);
}

#[test]
fn an_xlsx_sheet_with_numbers_and_dates_reads_like_the_csv() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (col, heading) in [
        "N° allocataire",
        "Nom",
        "Prénom",
        "Né(e) le",
        "NIR",
        "Rôle",
        "SDD",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, col as u16, *heading).unwrap();
    }
    let date = Format::new().set_num_format("dd/mm/yyyy");
    sheet.write_number(1, 0, 346145.0).unwrap();
    sheet.write_string(1, 1, "Lefèvre").unwrap();
    sheet.write_string(1, 2, "Hélène").unwrap();
    sheet
        .write_datetime_with_format(1, 3, ExcelDateTime::from_ymd(1969, 5, 12).unwrap(), &date)
        .unwrap();
    sheet.write_number(1, 4, 2690575123456.0).unwrap();
    sheet.write_string(1, 5, "DEM").unwrap();
    sheet.write_string(1, 6, "oui").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    let (_dir, path) = written(&bytes, "liste.xlsx");
    let households: Vec<_> = ListReader::open(&path, &usual())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(households.len(), 1);
    let person = &households[0].people[0];
    assert_eq!(households[0].matricule, "346145");
    assert_eq!(households[0].line, 2);
    assert_eq!(person.nir.as_deref(), Some("2690575123456"));
    assert_eq!(person.birth_date, NaiveDate::from_ymd_opt(1969, 5, 12));
}

#[test]
fn a_mapping_is_checked_field_by_field() {
    let typed = |field: Field| match field {
        Field::Matricule => "Matricule".to_owned(),
        Field::FamilyName => "Nom".to_owned(),
        Field::GivenName => "nom ".to_owned(),
        _ => String::new(),
    };
    let errors = Mapping::parse("", "URSSAF", typed).unwrap_err();
    assert!(errors.of("name").is_some());
    assert!(errors.of("fund-0").is_some());
    assert!(errors.of("given_name").unwrap().contains("déjà lue"));
    assert!(
        errors
            .of("birth_date")
            .unwrap()
            .contains("Date de naissance")
    );
    assert!(errors.of("nir").is_none(), "optional");
}
