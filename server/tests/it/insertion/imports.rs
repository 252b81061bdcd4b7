//! An officer imports a fund's monthly file: it is previewed (nothing written), confirmed,
//! written by a job whose progress the page shows; the same file again changes nothing; a later
//! file brings entries, exits and changes of right, kept as each person's timeline. Bad files
//! and bad blocks get French messages with their lines, and nothing half-written.

use chrono::NaiveDate;
use guichet::entity::{citizen, insertion_import, insertion_person};
use guichet::insertion::flux::{Household, RightState, Role as FluxRole};
use guichet::insertion::generator;
use guichet::insertion::import::{self, ImportStatus};
use guichet::staff::Role;
use reqwest::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tenants::Tenant;

use super::{
    OFFICER, REFERENT, beneficiaries, confirm, count_events, count_people, day, figure, file_of,
    import_whole, send, setup, wait_for,
};
use crate::harness::{Backend, Visitor, both_engines};

both_engines!(
    an_officer_previews_confirms_and_imports_again_without_changes,
    a_later_file_brings_entries_exits_and_changes,
    bad_files_and_bad_blocks_are_refused_with_their_lines,
    a_dead_run_is_taken_over_without_writing_twice,
    only_insertion_staff_reach_the_people_and_only_officers_import
);

async fn an_officer_previews_confirms_and_imports_again_without_changes(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let households: Vec<Household> = generator::households(60, "030", 11).collect();
    let people = beneficiaries(&households);
    // The first applicant already filed an aid request: the import joins their record.
    let first = households[0]
        .people
        .iter()
        .find(|p| p.role == FluxRole::Applicant)
        .unwrap()
        .clone();
    let mut identity = guichet::franceconnect::simulator::test_identities()[0].clone();
    identity.sub = "already-known".into();
    identity.family_name = first.family_name.to_lowercase();
    identity.given_name = format!("{} Marie", first.given_name.to_lowercase());
    identity.birthdate = first.birth_date.unwrap().to_string();
    let known = guichet::citizens::sign_in_with_franceconnect(&gard, &identity)
        .await
        .unwrap();
    let file = file_of(households, day(2026, 11, 6));

    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    let page = send(&mut officer, file.clone(), "flux-novembre.xml").await;
    let preview = wait_for(&mut officer, &page, "Aperçu prêt").await;
    assert_eq!(figure(&preview, "Dossiers lus"), "60");
    assert_eq!(figure(&preview, "Personnes à créer"), people.to_string());
    assert_eq!(figure(&preview, "Dossiers en conflit (non importés)"), "0");
    assert!(preview.contains("Confirmer l'import"));
    assert_eq!(count_people(&gard).await, 0, "a preview writes nothing");

    let done = confirm(&mut officer, &page).await;
    assert!(done.contains("Importé"));
    assert_eq!(figure(&done, "Personnes créées"), people.to_string());
    assert_eq!(count_people(&gard).await, people);
    assert_eq!(count_events(&gard).await, people, "one entry each");

    // The known citizen was joined, not doubled; everyone else got a record of their own.
    let txn = gard.db().begin().await.unwrap();
    let joined = insertion_person::Entity::find()
        .filter(insertion_person::Column::CitizenId.eq(known.id))
        .count(&txn)
        .await
        .unwrap();
    let citizens = citizen::Entity::find().count(&txn).await.unwrap();
    let entered: Vec<NaiveDate> = insertion_person::Entity::find()
        .all(&txn)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.entered_on)
        .collect();
    txn.commit().await.unwrap();
    assert_eq!(joined, 1);
    assert_eq!(citizens, people, "{people} people, one record each");
    assert!(
        entered.iter().all(|d| *d == day(2026, 11, 6)),
        "the file's date"
    );

    // The same file again: recognised, nothing to write, nothing written.
    let stamp = updated_stamps(&gard).await;
    let page2 = send(&mut officer, file, "flux-novembre-bis.xml").await;
    let preview = wait_for(&mut officer, &page2, "Aperçu prêt").await;
    assert!(
        preview.contains("Ce fichier a déjà été importé"),
        "{preview}"
    );
    assert_eq!(figure(&preview, "Personnes à créer"), "0");
    assert_eq!(figure(&preview, "Personnes à mettre à jour"), "0");
    assert_eq!(figure(&preview, "Personnes inchangées"), people.to_string());
    assert_eq!(figure(&preview, "Personnes qui sortiraient du RSA"), "0");
    let csrf = officer.get(&page2).await.csrf();
    officer
        .post(&format!("{page2}/confirmer"), &[("csrf", csrf.as_str())])
        .await;
    let done = wait_for(&mut officer, &page2, "Ce que l'import a fait").await;
    assert_eq!(figure(&done, "Personnes créées"), "0");
    assert_eq!(figure(&done, "Personnes mises à jour"), "0");
    assert_eq!(count_people(&gard).await, people);
    assert_eq!(count_events(&gard).await, people);
    assert_eq!(updated_stamps(&gard).await, stamp, "no row rewritten");

    // The person's file says where it came from, in their access journal.
    let journal = guichet::audit::for_citizen(&gard, known.id, 50)
        .await
        .unwrap();
    assert!(
        journal
            .iter()
            .any(|e| e.action.contains("ouverture de votre suivi RSA")),
        "{journal:?}"
    );
    app.stop().await;
}

async fn updated_stamps(tenant: &Tenant) -> Vec<(i64, chrono::DateTime<chrono::Utc>)> {
    let txn = tenant.db().begin().await.unwrap();
    let rows = insertion_person::Entity::find().all(&txn).await.unwrap();
    txn.commit().await.unwrap();
    let mut stamps: Vec<_> = rows.into_iter().map(|p| (p.id, p.updated_at)).collect();
    stamps.sort();
    stamps
}

async fn a_later_file_brings_entries_exits_and_changes(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let mut households: Vec<Household> = generator::households(30, "030", 5).collect();
    for h in &mut households {
        h.state = RightState::Open;
        h.closure = None;
        h.suspension_reason = None;
    }
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    import_whole(&mut officer, file_of(households.clone(), day(2026, 10, 6))).await;
    let before = count_people(&gard).await;

    // December: household 0's payment is suspended, household 1 is gone, a new one arrives.
    let gone = beneficiaries(&households[1..2]);
    households[0].state = RightState::PaymentSuspended;
    households[0].suspension_reason = Some("06".into());
    households.remove(1);
    let newcomer = generator::households(31, "030", 99).last().unwrap();
    let arriving = beneficiaries(std::slice::from_ref(&newcomer));
    households.push(newcomer);
    // A household whose block is wrong this month (two applicants): refused, yet its people
    // are in the file, so they do not leave.
    let twice = households[2].people[0].clone();
    households[2].people.push(twice);
    let page = send(
        &mut officer,
        file_of(households.clone(), day(2026, 11, 6)),
        "flux.xml",
    )
    .await;
    let preview = wait_for(&mut officer, &page, "Aperçu prêt").await;
    assert_eq!(figure(&preview, "Personnes à créer"), arriving.to_string());
    assert_eq!(
        figure(&preview, "Personnes à mettre à jour"),
        beneficiaries(&households[0..1]).to_string()
    );
    assert_eq!(
        figure(&preview, "Personnes qui sortiraient du RSA"),
        gone.to_string()
    );
    let csrf = officer.get(&page).await.csrf();
    officer
        .post(&format!("{page}/confirmer"), &[("csrf", csrf.as_str())])
        .await;
    let done = wait_for(&mut officer, &page, "Ce que l'import a fait").await;
    assert_eq!(figure(&done, "Sorties du RSA"), gone.to_string());
    assert_eq!(
        figure(&done, "Changements de situation du droit"),
        beneficiaries(&households[0..1]).to_string()
    );
    assert_eq!(count_people(&gard).await, before + arriving);

    // The suspended applicant's timeline: entry in October, change in November.
    let txn = gard.db().begin().await.unwrap();
    let applicant = insertion_person::Entity::find()
        .filter(insertion_person::Column::Matricule.eq(households[0].matricule.as_str()))
        .filter(insertion_person::Column::Role.eq("DEM"))
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    let left = insertion_person::Entity::find()
        .filter(insertion_person::Column::LeftOn.is_not_null())
        .count(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(left, gone);
    assert_eq!(applicant.entered_on, day(2026, 10, 6), "entry is kept");
    let mut referent = Visitor::signed_in(&app, "/gard", REFERENT).await;
    let person = referent
        .get(&format!(
            "/gard/agents/insertion/personnes/{}",
            applicant.id
        ))
        .await;
    assert_eq!(person.status, StatusCode::OK);
    assert!(
        person.body.contains("Entrée dans le RSA"),
        "{}",
        person.body
    );
    assert!(
        person
            .body
            .contains("Versement suspendu (auparavant : Droit ouvert et versé)")
    );
    assert!(person.body.contains("06/10/2026") && person.body.contains("06/11/2026"));
    // The read is in their access journal.
    let journal = guichet::audit::for_citizen(&gard, applicant.citizen_id, 50)
        .await
        .unwrap();
    assert!(
        journal
            .iter()
            .any(|e| e.action == "consultation de votre suivi RSA")
    );
    app.stop().await;
}

async fn bad_files_and_bad_blocks_are_refused_with_their_lines(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;

    // Truncated: refused whole at preview, its line named, nothing written.
    let whole = file_of(
        generator::households(20, "030", 3).collect(),
        day(2026, 11, 6),
    );
    let page = send(&mut officer, whole[..whole.len() / 2].to_vec(), "coupé.xml").await;
    let refused = wait_for(&mut officer, &page, "Le fichier est refusé").await;
    assert!(refused.contains("tronqué"), "{refused}");
    assert!(refused.contains("Ligne "), "{refused}");
    assert!(!refused.contains("Confirmer l'import"));
    // Another format (a spreadsheet's CSV) is refused in words too.
    let page = send(
        &mut officer,
        b"NIR;NOM\n1850530123456;MARTIN\n".to_vec(),
        "liste.csv",
    )
    .await;
    let refused = wait_for(&mut officer, &page, "Le fichier est refusé").await;
    assert!(
        refused.contains("XML") || refused.contains("vide"),
        "{refused}"
    );
    assert_eq!(count_people(&gard).await, 0);

    // An empty upload never becomes an import.
    let csrf = officer.get("/gard/agents/insertion/imports").await.csrf();
    let empty = officer
        .post_multipart(
            "/gard/agents/insertion/imports/televersement",
            &[("csrf", csrf.as_str())],
            &[("fichier", "vide.xml", "text/xml", Vec::new())],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("vide (0 octet)"), "{}", empty.body);
    assert!(
        empty.body.contains("href=\"#fichier\""),
        "the summary links to the field"
    );
    // Nor does one past the limit: refused at the field once read, nothing kept.
    let csrf = officer.get("/gard/agents/insertion/imports").await.csrf();
    let huge = vec![b' '; import::MAX_BYTES as usize + 1];
    let refused = officer
        .try_post_multipart(
            "/gard/agents/insertion/imports/televersement",
            &[("csrf", csrf.as_str())],
            &[("fichier", "énorme.xml", "text/xml", huge)],
        )
        .await
        .expect("answered, the body read to its end");
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("Le fichier dépasse 450 Mo"),
        "{}",
        refused.body
    );
    let kept = std::fs::read_dir(app.platform.files_dir(gard.slug()).join("insertion"))
        .unwrap()
        .count();
    assert_eq!(kept, 0, "no file left behind");
    // Nor does a form without its token.
    let forged = officer
        .post_multipart(
            "/gard/agents/insertion/imports/televersement",
            &[],
            &[("fichier", "x.xml", "text/xml", b"<Racine/>".to_vec())],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let txn = gard.db().begin().await.unwrap();
    assert_eq!(
        insertion_import::Entity::find().count(&txn).await.unwrap(),
        2
    );
    txn.commit().await.unwrap();

    // Bad blocks: a NIR with a wrong key, a duplicate NIR, a partner with the applicant's NIR,
    // two applicants. Each is listed with its line and why; the good blocks are imported.
    let mut households: Vec<Household> = generator::households(12, "030", 21).collect();
    // Every adult with a NIR, so that the NIR rules are what is tested.
    for (i, h) in households.iter_mut().enumerate() {
        for (j, p) in h.people.iter_mut().enumerate() {
            if p.role.is_beneficiary() && p.nir.is_none() {
                p.nir = Some(format!("1800130{:06}", 900_000 + i * 4 + j));
            }
        }
    }
    let nir_of = |h: &Household| h.people[0].nir.clone().unwrap();
    let wrong_key = format!("{}99", nir_of(&households[1]));
    households[1].people[0].nir = Some(wrong_key);
    households[3].people[0].nir = Some(nir_of(&households[2]));
    let applicant_nir = nir_of(&households[4]);
    let partner = {
        let mut p = households[4].people[0].clone();
        p.role = FluxRole::Partner;
        p.nir = Some(applicant_nir);
        p
    };
    households[4].people.retain(|p| p.role != FluxRole::Partner);
    households[4].people.insert(1, partner);
    let second_applicant = households[5].people[0].clone();
    households[5].people.push(second_applicant);
    let good = beneficiaries(&households[0..1])
        + beneficiaries(&households[2..3])
        + beneficiaries(&households[6..]);

    let page = send(
        &mut officer,
        file_of(households, day(2026, 11, 6)),
        "flux.xml",
    )
    .await;
    let preview = wait_for(&mut officer, &page, "Aperçu prêt").await;
    assert_eq!(figure(&preview, "Dossiers en conflit (non importés)"), "2");
    assert_eq!(figure(&preview, "Dossiers refusés (non importés)"), "2");
    assert!(preview.contains("la clé du NIR"), "{preview}");
    assert!(preview.contains("figure déjà ligne"), "{preview}");
    assert!(preview.contains("restent deux personnes"), "{preview}");
    assert!(preview.contains("2 demandeurs"), "{preview}");
    assert_eq!(figure(&preview, "Personnes à créer"), good.to_string());
    let csrf = officer.get(&page).await.csrf();
    officer
        .post(&format!("{page}/confirmer"), &[("csrf", csrf.as_str())])
        .await;
    wait_for(&mut officer, &page, "Ce que l'import a fait").await;
    assert_eq!(count_people(&gard).await, good);

    // A person known with a NIR who comes back under the same fund's number with another one
    // is a conflict, not an update.
    let txn = gard.db().begin().await.unwrap();
    let someone = insertion_person::Entity::find()
        .filter(insertion_person::Column::Nir.is_not_null())
        .one(&txn)
        .await
        .unwrap()
        .unwrap();
    txn.commit().await.unwrap();
    let mut changed: Vec<Household> = generator::households(12, "030", 21)
        .filter(|h| h.matricule == someone.matricule)
        .collect();
    for p in &mut changed[0].people {
        if p.role.code() == someone.role {
            p.nir = Some("2990575123456".into());
        }
    }
    let page = send(&mut officer, file_of(changed, day(2026, 12, 6)), "flux.xml").await;
    let preview = wait_for(&mut officer, &page, "Aperçu prêt").await;
    assert!(preview.contains("connu avec le NIR"), "{preview}");
    assert_eq!(figure(&preview, "Dossiers en conflit (non importés)"), "1");

    // Left unconfirmed for more than a week, the preview is given up and its file deleted.
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    assert!(guichet::files::local_path(&app.platform, gard.slug(), &import::file_key(id)).exists());
    let txn = gard.db().begin_write().await.unwrap();
    insertion_import::Entity::update_many()
        .col_expr(
            insertion_import::Column::UpdatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(8)),
        )
        .filter(insertion_import::Column::Id.eq(id))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        import::give_up_stale(&app.platform, &gard).await.unwrap(),
        1
    );
    let given_up = import::find(&gard, id).await.unwrap().unwrap();
    assert_eq!(given_up.status, ImportStatus::Cancelled);
    assert!(
        !guichet::files::local_path(&app.platform, gard.slug(), &import::file_key(id)).exists()
    );
    app.stop().await;
}

async fn a_dead_run_is_taken_over_without_writing_twice(backend: Backend) {
    let (app, gard) = setup(backend).await;
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    let households: Vec<Household> = generator::households(1_200, "030", 8).collect();
    let people = beneficiaries(&households);
    let page = import_whole(&mut officer, file_of(households.clone(), day(2026, 11, 6))).await;
    assert!(page.contains("Importé"));
    let events = count_events(&gard).await;

    // The same file confirmed, then its run "dies" after its first batch: taken over, the
    // committed batch is not written again, nor is anything else.
    let page = send(
        &mut officer,
        file_of(households, day(2026, 11, 6)),
        "flux.xml",
    )
    .await;
    wait_for(&mut officer, &page, "Aperçu prêt").await;
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let txn = gard.db().begin_write().await.unwrap();
    insertion_import::Entity::update_many()
        .col_expr(
            insertion_import::Column::Status,
            Expr::value(ImportStatus::Applying),
        )
        .col_expr(
            insertion_import::Column::HouseholdsApplied,
            Expr::value(500),
        )
        .col_expr(insertion_import::Column::Claim, Expr::value("dead"))
        .col_expr(
            insertion_import::Column::UpdatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::minutes(5)),
        )
        .filter(insertion_import::Column::Id.eq(id))
        .exec(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    // Two takers at once: one claims it, the other does nothing.
    let (a, b) = tokio::join!(
        import::run(&app.platform, &gard, id),
        import::run(&app.platform, &gard, id)
    );
    a.unwrap();
    b.unwrap();
    let done = import::find(&gard, id).await.unwrap().unwrap();
    assert_eq!(done.status, ImportStatus::Applied);
    assert_eq!(done.households_applied, 1_200);
    assert_eq!(count_people(&gard).await, people);
    assert_eq!(count_events(&gard).await, events);
    // The file is not kept once written.
    assert!(
        !guichet::files::local_path(&app.platform, gard.slug(), &import::file_key(id)).exists()
    );
    app.stop().await;
}

async fn only_insertion_staff_reach_the_people_and_only_officers_import(backend: Backend) {
    let (app, gard) = setup(backend).await;
    app.staff(&gard, "accueil@gard.fr", "Accueil", &[Role::Reception])
        .await;
    let mut households: Vec<Household> = generator::households(8, "030", 2).collect();
    for h in &mut households {
        h.state = RightState::Open;
        for p in &mut h.people {
            p.rights_and_duties = Some(true);
        }
    }
    let mut officer = Visitor::signed_in(&app, "/gard", OFFICER).await;
    // Received long ago: every clock has run out.
    import_whole(&mut officer, file_of(households.clone(), day(2026, 1, 6))).await;

    let mut referent = Visitor::signed_in(&app, "/gard", REFERENT).await;
    let list = referent.get("/gard/agents/insertion").await;
    assert_eq!(list.status, StatusCode::OK);
    let people = beneficiaries(&households);
    assert!(
        list.body
            .contains(&format!("{people} personnes à orienter")),
        "{}",
        list.body
    );
    assert!(list.body.contains("Dépassé de"), "{}", list.body);
    assert!(
        !list.body.contains("Importer un fichier"),
        "imports are the officer's"
    );
    // SQLite folds ASCII letters only: a name without accents, as staff type it.
    let name = &households
        .iter()
        .map(|h| &h.people[0].family_name)
        .find(|n| n.is_ascii())
        .unwrap();
    let found = referent
        .get(&format!("/gard/agents/insertion?q={}", name.to_lowercase()))
        .await;
    assert!(found.body.contains(name.as_str()));
    let imports = referent.get("/gard/agents/insertion/imports").await;
    assert_eq!(imports.status, StatusCode::FORBIDDEN);

    let mut reception = Visitor::signed_in(&app, "/gard", "accueil@gard.fr").await;
    let list = reception.get("/gard/agents/insertion").await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
    assert!(!list.body.contains(name.as_str()));
    app.stop().await;
}
