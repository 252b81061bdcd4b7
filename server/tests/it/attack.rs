//! The attack suite: every staff role of a department, and staff of another department,
//! against every staff route of the router (taken from the modules' declarations, so a new
//! route cannot escape it), with the ids of a citizen's file; another citizen and nobody
//! against every citizen route; a department that has not subscribed to user relations
//! against all of that module's routes. Refusals are 403, 404 or 405 with none of the file in
//! the body; each role's own routes still work (positive control). The number of attempts is
//! printed.

use guichet::aid_requests::filing::{self, FiledBy};
use guichet::staff::Role;
use guichet::user_relations::appointments;
use guichet::user_relations::details::{self, NewMember};
use guichet::user_relations::mandates;
use guichet::user_relations::messages;
use reqwest::StatusCode;
use tenants::Module;

use crate::harness::{Backend, TestApp, Visitor, both_engines};

both_engines!(every_role_against_every_route_sees_only_what_its_module_needs);

/// Both insertion roles.
const INSERTION: &[Role] = &[Role::InsertionReferent, Role::InsertionOrientation];

/// Every disability role.
const DISABILITY: &[Role] = &[
    Role::DisabilityReception,
    Role::DisabilityEvaluator,
    Role::DisabilityPhysician,
    Role::DisabilityCommittee,
];

/// Who reads the department's statistics.
const STEERING: &[Role] = &[Role::Supervisor, Role::Admin];

/// What must never show outside those allowed: the file's own words.
const MARKERS: [&str; 6] = [
    "DUBOIS",
    "Secret gardois",
    "Note gardoise",
    "520,00",
    "Suivi gardois confidentiel",
    crate::fixtures::MEDICAL_MARKER,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Allowed {
    /// Every staff member of the department.
    AnyStaff,
    Roles(&'static [Role]),
    Reception,
    AidInstructor,
    Admin,
    /// Nobody: an instructor reaches a document only through the request that holds it, not
    /// one the citizen sent to reception.
    Nobody,
}

/// A form's fields besides the token.
type Fields = Vec<(&'static str, String)>;

impl Allowed {
    fn admits(self, role: Role) -> bool {
        match self {
            Allowed::AnyStaff => true,
            Allowed::Roles(roles) => roles.contains(&role),
            Allowed::Reception => role == Role::Reception,
            Allowed::AidInstructor => role == Role::AidInstructor,
            Allowed::Admin => role == Role::Admin,
            Allowed::Nobody => false,
        }
    }
}

async fn every_role_against_every_route_sees_only_what_its_module_needs(backend: Backend) {
    let app = TestApp::start(backend).await;
    let gard = app.tenant("gard", &Module::ALL).await;
    let herault = app.tenant("herault", &Module::ALL).await;
    for role in Role::ALL {
        app.staff(
            &gard,
            &format!("{}@gard.fr", role.id()),
            role.label(),
            &[role],
        )
        .await;
    }
    for role in [Role::Reception, Role::AidInstructor, Role::Admin] {
        app.staff(
            &herault,
            &format!("{}@herault.fr", role.id()),
            role.label(),
            &[role],
        )
        .await;
    }

    // Angela's file at the Gard: a request (520,00 €), a document, a thread, a contact and an
    // appointment. Herault has a citizen of its own, with the same ids.
    let aid = crate::fixtures::rent_aid(&gard).await;
    let (request, _, angela) = crate::fixtures::filed(&gard, &aid, 12_000).await;
    let crate::fixtures::Exchanges {
        document,
        thread,
        appointment,
        free_slot,
        mandate,
    } = crate::fixtures::exchanges(
        &app,
        &gard,
        &angela,
        (&aid, request),
        "Secret gardois",
        "Note gardoise",
    )
    .await;
    let herault_aid = crate::fixtures::rent_aid(&herault).await;
    crate::fixtures::filed(&herault, &herault_aid, 1).await;
    // The draft reception prepares under Angela's mandate.
    let assisted = filing::draft_for(
        &gard,
        angela.id,
        &aid,
        FiledBy::Mandate {
            id: mandate,
            staff_id: 1,
            journal: crate::fixtures::UNJOURNALED,
        },
    )
    .await
    .unwrap()
    .id;
    // A consent and a household member: the first rows of their tables.
    let txn = gard.db().begin_write().await.unwrap();
    crate::fixtures::quotient_consent(&txn, angela.id, aid.id, chrono::Utc::now()).await;
    txn.commit().await.unwrap();
    let member = NewMember::parse("Léa", "DUBOIS", "child", "2012", 2026).unwrap();
    details::add_member(&gard, angela.id, &member)
        .await
        .unwrap();

    let followed = crate::fixtures::followed_for_rsa(&gard, angela.id, "DUBOIS").await;
    let (contract, action) = crate::fixtures::contract_for_rsa(&gard, followed, angela.id).await;
    // Her insertion follow-up note: only the module's workers read it.
    let referent = app.worker(&gard, Role::InsertionReferent).await;
    let desk = guichet::insertion::Desk::open(&gard, &referent).unwrap();
    let person = guichet::insertion::clock::find_person(&desk, followed)
        .await
        .unwrap()
        .unwrap();
    guichet::insertion::notes::write(&desk, &person, "Suivi gardois confidentiel : dettes.")
        .await
        .unwrap();
    let sanction = crate::fixtures::sanction_case_for_rsa(&gard, followed, angela.id).await;
    let invitation = crate::fixtures::invitation_for_rsa(&gard, followed, angela.id).await;
    // Her request to the MDPH, with a sealed medical certificate.
    let disability = crate::fixtures::disability_file(&app, &gard, angela.id).await;
    // And the draft to the MDPH reception prepares under the mandate she gave for it.
    let (mdph_mandate, mdph_draft) =
        crate::fixtures::mdph_under_mandate(&app, &gard, &angela).await;
    let fx = Fixture {
        disability,
        mdph_mandate,
        mdph_draft,
        cid: angela.id,
        followed,
        contract,
        action,
        sanction,
        invitation,
        request,
        document,
        thread,
        appointment,
        mandate,
        assisted,
        aid_slug: aid.slug.clone(),
        aid_id: aid.id,
        slot: free_slot,
    };
    // The department's figures, as the night computes them: the dashboards have some to show.
    guichet::statistics::indicators::compute(&gard, guichet::dates::today())
        .await
        .unwrap();
    let routes = guichet::modules::route_paths();
    let mut unplanned = Vec::new();
    let (mut staff_reaches, mut citizen_reaches, mut public) = (Vec::new(), Vec::new(), Vec::new());
    for (_, template) in &routes {
        match plan(template, &fx) {
            Some(Plan::Staff(reach)) => staff_reaches.push(reach),
            Some(Plan::Citizen(reach)) => citizen_reaches.push(reach),
            Some(Plan::Public(why)) => public.push(format!("{template} ({why})")),
            None => unplanned.push(*template),
        }
    }
    assert!(
        unplanned.is_empty(),
        "routes the attack suite does not reach (say in `plan` how, and who may): {unplanned:?}"
    );

    let mut attempts = 0;
    let mut refused = 0;
    let mut own_pages = 0;
    let check_quiet = |who: &str, route: &str, body: &str| {
        for marker in MARKERS {
            assert!(
                !body.contains(marker),
                "{who} on {route}: « {marker} » in the answer"
            );
        }
    };
    let refusal = |status: StatusCode| {
        matches!(
            status,
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
        )
    };
    // The department's own staff, each role, on every staff route, both methods.
    for role in Role::ALL {
        let email = format!("{}@gard.fr", role.id());
        let mut staff = Visitor::signed_in(&app, "/gard", &email).await;
        let csrf = staff.csrf("/gard").await;
        for reach in &staff_reaches {
            let path = &reach.path;
            let page = staff.get(&format!("/gard{path}")).await;
            let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
            attempts += 1;
            if !reach.allowed.admits(role) {
                refused += 2;
                assert!(refusal(page.status), "{email} on {path}: {}", page.status);
                check_quiet(&email, path, &page.body);
                let posted = staff.post(&format!("/gard{path}"), &form).await;
                attempts += 1;
                assert!(
                    refusal(posted.status),
                    "{email} posting to {path}: {}",
                    posted.status
                );
                check_quiet(&email, path, &posted.body);
                continue;
            }
            if reach.get {
                assert_eq!(
                    page.status,
                    StatusCode::OK,
                    "{email} on {path}: {}",
                    page.body
                );
            }
            // Medical content reaches the team's physicians only, on any page they may open.
            if role != Role::DisabilityPhysician {
                assert!(
                    !page.body.contains(crate::fixtures::MEDICAL_MARKER),
                    "{email} reads medical content on {path}"
                );
            }
            if let Some(fields) = &reach.post {
                form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
                let posted = staff.post(&format!("/gard{path}"), &form).await;
                attempts += 1;
                assert!(
                    matches!(
                        posted.status,
                        StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST
                    ),
                    "{email} posting to {path}: {} {}",
                    posted.status,
                    posted.body
                );
            }
        }
    }
    // Another department's staff: on the Gard's addresses, and on their own with the Gard's ids.
    for role in [Role::Reception, Role::AidInstructor, Role::Admin] {
        let email = format!("{}@herault.fr", role.id());
        let mut staff = Visitor::signed_in(&app, "/herault", &email).await;
        let csrf = staff.csrf("/herault").await;
        for reach in &staff_reaches {
            let path = &reach.path;
            // A route without a GET answers 405 before any handler runs: nothing is shown.
            let foreign = staff.get(&format!("/gard{path}")).await;
            assert!(
                matches!(
                    foreign.status,
                    StatusCode::FORBIDDEN | StatusCode::METHOD_NOT_ALLOWED
                ),
                "{email} on /gard{path}: {}",
                foreign.status
            );
            check_quiet(&email, path, &foreign.body);
            let posted = staff
                .post(&format!("/gard{path}"), &[("csrf", csrf.as_str())])
                .await;
            assert!(
                matches!(
                    posted.status,
                    StatusCode::FORBIDDEN | StatusCode::METHOD_NOT_ALLOWED
                ),
                "{email} posting to /gard{path}: {}",
                posted.status
            );
            check_quiet(&email, path, &posted.body);
            let own = staff.get(&format!("/herault{path}")).await;
            check_quiet(&email, path, &own.body);
            attempts += 3;
            refused += 2;
            own_pages += 1;
        }
    }
    // Another citizen of the Gard, and nobody signed in, on every citizen route: Angela's ids
    // are not found, their own pages show nothing of hers.
    let mut karim = Visitor::new(&app);
    karim
        .franceconnect_sign_in("/gard", "sim-karim-benali")
        .await;
    let karim_csrf = karim.get("/gard/mon-espace/messages").await.csrf();
    for reach in &citizen_reaches {
        let path = format!("/gard{}", reach.path);
        let page = karim.get(&path).await;
        let mut form = vec![("csrf", karim_csrf.as_str())];
        form.extend(reach.fields.iter().map(|(k, v)| (*k, v.as_str())));
        let posted = karim.post(&path, &form).await;
        check_quiet("Karim", &path, &page.body);
        check_quiet("Karim", &path, &posted.body);
        let anonymous = Visitor::new(&app).get(&path).await;
        assert_ne!(anonymous.status, StatusCode::OK, "nobody on {path}");
        check_quiet("nobody", &path, &anonymous.body);
        attempts += 3;
        if reach.angelas {
            assert!(
                matches!(
                    page.status,
                    StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
                ),
                "Karim on {path}: {}",
                page.status
            );
            assert!(
                matches!(
                    posted.status,
                    StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
                ),
                "Karim posting to {path}: {}",
                posted.status
            );
            refused += 3;
        } else {
            refused += 1;
            own_pages += 2;
        }
    }
    // A department without user relations: none of its routes answers, staff or citizen side.
    let lozere = app.tenant("lozere", &[Module::AidRequests]).await;
    app.staff(&lozere, "admin@lozere.fr", "Admin", &[Role::Admin])
        .await;
    let mut lozerien = Visitor::new(&app);
    lozerien
        .franceconnect_sign_in("/lozere", "sim-karim-benali")
        .await;
    let mut lozere_admin = Visitor::signed_in(&app, "/lozere", "admin@lozere.fr").await;
    let mut unsubscribed = 0;
    for (module, template) in &routes {
        if *module != Some(Module::UserRelations) {
            continue;
        }
        let Some(Plan::Staff(Reach { path, .. }) | Plan::Citizen(CitizenReach { path, .. })) =
            plan(template, &fx)
        else {
            continue;
        };
        for visitor in [&mut lozerien, &mut lozere_admin] {
            let page = visitor.get(&format!("/lozere{path}")).await;
            assert_eq!(
                page.status,
                StatusCode::NOT_FOUND,
                "/lozere{path} without the module"
            );
            attempts += 1;
            refused += 1;
            unsubscribed += 1;
        }
    }
    assert!(unsubscribed > 0);

    // Nothing of Angela's changed.
    let (_, list) = messages::read(&gard, thread, None).await.unwrap().unwrap();
    assert_eq!(list.len(), 1);
    let still = appointments::of_citizen(&gard, angela.id).await.unwrap();
    assert_eq!(still.len(), 1);
    assert_eq!(still[0].state, appointments::State::Booked);
    assert!(
        mandates::find(&gard, mandate)
            .await
            .unwrap()
            .unwrap()
            .is_live(mandates::today())
    );
    println!(
        "attack suite: {} routes, {} not attacked: {}",
        routes.len(),
        public.len(),
        public.join(", ")
    );
    println!(
        "attack suite: {attempts} attempts: {refused} refused (403, 404 or 405, none of the file shown), \
         {own_pages} of the other department's own pages with the Gard's ids (none of the file \
         shown), {} permitted to the role that needs them",
        attempts - refused - own_pages
    );
    app.stop().await;
}

/// The ids of Angela's file the routes are filled with.
struct Fixture {
    cid: i64,
    /// Angela as the insertion module follows her.
    followed: i64,
    /// Her contrat d'engagement, and its action to do.
    contract: i64,
    action: i64,
    /// Her sanction case, her observations awaited.
    sanction: i64,
    /// Her invitation to a meeting, its link open.
    invitation: i64,
    /// Her request to the MDPH, filed, its certificate sealed.
    disability: crate::fixtures::DisabilityFile,
    request: i64,
    document: i64,
    thread: i64,
    appointment: i64,
    mandate: i64,
    assisted: i64,
    /// Her mandate for the MDPH's request, and the draft reception prepares under it.
    mdph_mandate: i64,
    mdph_draft: i64,
    aid_slug: String,
    aid_id: i64,
    slot: i64,
}

/// How the suite reaches a staff route, and who may.
struct Reach {
    path: String,
    allowed: Allowed,
    /// A permitted GET shows the page (200).
    get: bool,
    /// A permitted POST with these fields is answered with a validation error (400 or 422)
    /// and changes nothing. `None` where any permitted POST would change the file: only
    /// refusals are tried.
    post: Option<Fields>,
}

/// A citizen route, filled with Angela's ids where it takes any.
struct CitizenReach {
    path: String,
    /// Holds one of Angela's ids: another citizen is not found.
    angelas: bool,
    /// Fields posted besides the token.
    fields: Fields,
}

enum Plan {
    Staff(Reach),
    Citizen(CitizenReach),
    /// Not attacked, and why.
    Public(&'static str),
}

/// How each route of the router is reached. A route missing here fails the suite.
fn plan(template: &str, fx: &Fixture) -> Option<Plan> {
    use Allowed::*;
    let staff = |path: String, allowed, get, post: Option<Fields>| {
        Some(Plan::Staff(Reach {
            path,
            allowed,
            get,
            post,
        }))
    };
    let citizen = |path: String, angelas, fields: Fields| {
        Some(Plan::Citizen(CitizenReach {
            path,
            angelas,
            fields,
        }))
    };
    let Fixture {
        cid,
        request,
        document,
        thread,
        appointment,
        mandate,
        assisted,
        aid_id,
        slot,
        ..
    } = *fx;
    let slug = &fx.aid_slug;
    let none = Vec::new;
    match template {
        "/" | "/aides" | "/aides/{slug}" | "/composants" => Some(Plan::Public("public pages")),
        "/apparence.css" | "/logo.png" => Some(Plan::Public("the department's colours and logo")),
        "/connexion"
        | "/inscription"
        | "/inscription/confirmer"
        | "/mot-de-passe-oublie"
        | "/mot-de-passe/nouveau"
        | "/connexion/franceconnect"
        | "/connexion/franceconnect/retour"
        | "/deconnexion/terminee"
        | "/agents/connexion"
        | "/agents/connexion/code"
        | "/agents/connexion/proconnect"
        | "/agents/connexion/proconnect/retour"
        | "/agents/mot-de-passe/choisir" => Some(Plan::Public(
            "sign-in pages, tested in auth, citizen_accounts, second_factor, proconnect and staff_lifecycle",
        )),
        "/deconnexion" | "/agents/deconnexion" => Some(Plan::Public(
            "signing out would end the attacker's own session",
        )),
        "/agents" => Some(Plan::Public("a redirect to /agents/")),
        // Staff, every department has these.
        "/agents/" => staff("/agents/".into(), AnyStaff, true, None),
        // Each staff member's own second factor.
        "/agents/securite/double-facteur" => staff(template.into(), AnyStaff, true, None),
        "/agents/securite/double-facteur/codes-de-secours"
        | "/agents/securite/double-facteur/supprimer" => {
            staff(template.into(), AnyStaff, false, None)
        }
        // Each staff member's own password: an empty form is refused, nothing changes.
        "/agents/securite/mot-de-passe" => staff(template.into(), AnyStaff, true, Some(none())),
        // Figures, never a name: for those who steer the department.
        "/agents/statistiques" => staff(template.into(), Roles(STEERING), true, None),
        "/agents/statistiques/calculer" => staff(template.into(), Admin, false, None),
        "/agents/statistiques/calcul" => staff(template.into(), Roles(STEERING), false, None),
        // Read by those who steer; the form (POST) is the administrator's, whose refusal to
        // a supervisor `statistics_comparison` tests.
        "/agents/statistiques/comparaison" => {
            staff(template.into(), Roles(STEERING), true, None)
        }
        // The national returns: read by those who steer; the ranking of the department's
        // labels is the administrator's (a label not in use is refused).
        "/agents/statistiques/retours" => staff(template.into(), Roles(STEERING), true, None),
        "/agents/statistiques/retours/classement" => staff(
            template.into(),
            Admin,
            false,
            Some(vec![
                ("liste", "organisme_referent".into()),
                ("libelle", "Organisme inconnu".into()),
                ("categorie", "autre_organisme".into()),
            ]),
        ),
        "/agents/statistiques/retours/{survey}/{year}" => staff(
            "/agents/statistiques/retours/oarsa/2025".into(),
            Roles(STEERING),
            false,
            None,
        ),
        "/agents/statistiques/{module}" => staff(
            "/agents/statistiques/aid_requests?periode=tout&par=categorie_aide".into(),
            Roles(STEERING),
            true,
            None,
        ),
        "/agents/statistiques/{module}/telecharger" => staff(
            "/agents/statistiques/aid_requests/telecharger?indicateur=aid_requests.filed&format=xlsx&periode=tout".into(),
            Roles(STEERING),
            true,
            None,
        ),
        // Early detection: the rules are the administrator's (a rule that does not exist is
        // refused); situations name people, for those who work on the module's files only.
        "/agents/reperage/regles" => staff(
            template.into(),
            Admin,
            true,
            Some(vec![("regles", "insertion.inconnue".into())]),
        ),
        "/agents/reperage/{module}" => {
            staff("/agents/reperage/insertion".into(), Roles(INSERTION), true, None)
        }
        "/agents/reperage/{module}/ouvrir" => staff(
            format!(
                "/agents/reperage/insertion/ouvrir?regle=insertion.not_oriented&dossier=/agents/insertion/personnes/{}",
                fx.followed
            ),
            Roles(INSERTION),
            false,
            None,
        ),
        "/agents/modules/{module}" => staff(
            "/agents/modules/user_relations".into(),
            Roles(&[Role::Reception, Role::Supervisor]),
            true,
            None,
        ),
        "/agents/admin/comptes"
        | "/agents/admin/comptes/nouveau"
        | "/agents/admin/journal"
        | "/agents/admin/apparence"
        | "/agents/admin/identite" => staff(template.into(), Admin, true, None),
        "/agents/admin/apparence/couleur" | "/agents/admin/apparence/logo" => {
            staff(template.into(), Admin, false, None)
        }
        // Retention: the settings form posted empty is refused (a duration is missing), as a
        // hold without a citizen; counting removes nothing.
        "/agents/admin/conservation" => staff(template.into(), Admin, true, Some(none())),
        "/agents/admin/conservation/litiges" => staff(template.into(), Admin, false, Some(none())),
        "/agents/admin/conservation/compter" => staff(template.into(), Admin, false, None),
        "/agents/admin/conservation/litiges/{id}/lever" => staff(
            "/agents/admin/conservation/litiges/1/lever".into(),
            Admin,
            false,
            None,
        ),
        "/agents/admin/comptes/{id}" => staff("/agents/admin/comptes/1".into(), Admin, true, None),
        "/agents/admin/comptes/{id}/double-facteur/reinitialiser"
        | "/agents/admin/comptes/{id}/lien"
        | "/agents/admin/comptes/{id}/desactiver"
        | "/agents/admin/comptes/{id}/reactiver" => {
            staff(template.replace("{id}", "1"), Admin, false, None)
        }
        // Aid requests.
        "/agents/admin/aides" | "/agents/admin/aides/nouvelle" => {
            staff(template.into(), Admin, true, None)
        }
        "/agents/admin/aides/{id}" => {
            staff(format!("/agents/admin/aides/{aid_id}"), Admin, true, None)
        }
        "/agents/admin/aides/{id}/questions" => staff(
            format!("/agents/admin/aides/{aid_id}/questions"),
            Admin,
            false,
            None,
        ),
        "/agents/admin/aides/{id}/questions/{key}/retirer" => staff(
            format!("/agents/admin/aides/{aid_id}/questions/f1/retirer"),
            Admin,
            false,
            None,
        ),
        "/agents/demandes" => staff(
            template.into(),
            Roles(&[Role::AidInstructor, Role::Supervisor]),
            true,
            None,
        ),
        "/agents/demandes/export" => staff(template.into(), AidInstructor, false, None),
        "/agents/demandes/export/{id}" => staff(
            "/agents/demandes/export/424242".into(),
            AidInstructor,
            false,
            None,
        ),
        "/agents/demandes/export/{id}/etat" | "/agents/demandes/export/{id}/fichier" => staff(
            template.replace("{id}", "424242"),
            AidInstructor,
            false,
            None,
        ),
        "/agents/demandes/{id}" => staff(
            format!("/agents/demandes/{request}"),
            AidInstructor,
            true,
            None,
        ),
        "/agents/demandes/{id}/complement" => staff(
            format!("/agents/demandes/{request}/complement"),
            AidInstructor,
            false,
            Some(none()),
        ),
        "/agents/demandes/{id}/attribuer"
        | "/agents/demandes/{id}/decider"
        | "/agents/demandes/{id}/donnees/actualiser"
        | "/agents/demandes/{id}/donnees/accord" => staff(
            template.replace("{id}", &request.to_string()),
            AidInstructor,
            false,
            None,
        ),
        "/agents/demandes/{id}/documents/{doc}" => staff(
            format!("/agents/demandes/{request}/documents/{document}"),
            Nobody,
            false,
            None,
        ),
        "/agents/mandats/{id}/aides/{slug}" => staff(
            format!("/agents/mandats/{mandate}/aides/{slug}"),
            Reception,
            false,
            None,
        ),
        "/agents/mandats/{id}/demandes/{request}/etape/{step}" => staff(
            format!("/agents/mandats/{mandate}/demandes/{assisted}/etape/1"),
            Reception,
            true,
            Some(vec![("f1", "beaucoup".into())]),
        ),
        "/agents/mandats/{id}/demandes/{request}/recapitulatif" => staff(
            format!("/agents/mandats/{mandate}/demandes/{assisted}/recapitulatif"),
            Reception,
            true,
            None,
        ),
        "/agents/mandats/{id}/demandes/{request}/deposer" => staff(
            format!("/agents/mandats/{mandate}/demandes/{assisted}/deposer"),
            Reception,
            false,
            Some(none()),
        ),
        "/agents/mandats/{id}/mdph" => staff(
            format!("/agents/mandats/{}/mdph", fx.mdph_mandate),
            Reception,
            false,
            None,
        ),
        "/agents/mandats/{id}/mdph/{file}/etape/{step}" => staff(
            format!(
                "/agents/mandats/{}/mdph/{}/etape/1",
                fx.mdph_mandate, fx.mdph_draft
            ),
            Reception,
            true,
            Some(vec![("a_naissance", "hier".into())]),
        ),
        "/agents/mandats/{id}/mdph/{file}/droits"
        | "/agents/mandats/{id}/mdph/{file}/pieces"
        | "/agents/mandats/{id}/mdph/{file}/recapitulatif"
        | "/agents/mandats/{id}/mdph/{file}/depot" => staff(
            template
                .replace("{id}", &fx.mdph_mandate.to_string())
                .replace("{file}", &fx.mdph_draft.to_string()),
            Reception,
            !template.ends_with("/depot"),
            (!template.ends_with("/recapitulatif")).then(none),
        ),
        // User relations, staff side.
        "/agents/usagers" => staff("/agents/usagers?q=dubois".into(), Reception, true, None),
        "/agents/usagers/nouveau" => staff(template.into(), Reception, true, Some(none())),
        "/agents/usagers/{id}" => staff(format!("/agents/usagers/{cid}"), Reception, true, None),
        "/agents/usagers/{id}/contacts"
        | "/agents/usagers/{id}/relance"
        | "/agents/usagers/{id}/messages"
        | "/agents/usagers/{id}/rendez-vous"
        | "/agents/usagers/{id}/mandats" => staff(
            template.replace("{id}", &cid.to_string()),
            Reception,
            false,
            Some(none()),
        ),
        "/agents/usagers/{id}/fusionner/{absorbed}" => staff(
            format!("/agents/usagers/{cid}/fusionner/{cid}"),
            Reception,
            false,
            Some(none()),
        ),
        // Only for a citizen with a file open in the worker's module: Angela has a request
        // being instructed and one at the MDPH; insertion keeps no such files.
        "/agents/usagers/{id}/acces-elargi" => staff(
            format!("/agents/usagers/{cid}/acces-elargi"),
            Roles(&[
                Role::AidInstructor,
                Role::DisabilityReception,
                Role::DisabilityEvaluator,
                Role::DisabilityPhysician,
                Role::DisabilityCommittee,
            ]),
            true,
            Some(vec![("reason", "x".into())]),
        ),
        "/agents/acces-elargis" => staff(template.into(), Roles(&[Role::Supervisor]), true, None),
        // Ending an access needs none to exist: supervisors' use is in the records tests.
        "/agents/acces-elargis/{id}/fin" => staff(
            "/agents/acces-elargis/1/fin".into(),
            Roles(&[Role::Supervisor]),
            false,
            None,
        ),
        "/agents/usagers/{id}/mandats/nouveau" => staff(
            format!("/agents/usagers/{cid}/mandats/nouveau"),
            Reception,
            true,
            None,
        ),
        "/agents/mandats/{id}" | "/agents/mandats/{id}/courrier" => staff(
            template.replace("{id}", &mandate.to_string()),
            Reception,
            true,
            None,
        ),
        "/agents/mandats/{id}/fin" => staff(
            format!("/agents/mandats/{mandate}/fin"),
            Reception,
            false,
            None,
        ),
        "/agents/messages" => staff(template.into(), Reception, true, None),
        "/agents/rendez-vous" => staff(template.into(), Reception, true, Some(none())),
        "/agents/messages/{id}" => staff(
            format!("/agents/messages/{thread}"),
            Reception,
            true,
            Some(none()),
        ),
        "/agents/messages/{thread}/pieces/{doc}" => staff(
            format!("/agents/messages/{thread}/pieces/{document}"),
            Reception,
            true,
            None,
        ),
        "/agents/rendez-vous/{id}/presence" => staff(
            format!("/agents/rendez-vous/{appointment}/presence"),
            Reception,
            false,
            Some(vec![("came", "peut-être".into())]),
        ),
        // Insertion: referents and orientation officers see the people followed; imports are
        // the officers' (an import that does not exist is not found even for them).
        "/agents/insertion" => staff(
            "/agents/insertion?q=dubois".into(),
            Roles(INSERTION),
            true,
            None,
        ),
        "/agents/insertion/personnes/{id}" => staff(
            format!("/agents/insertion/personnes/{}", fx.followed),
            Roles(INSERTION),
            true,
            None,
        ),
        // An empty form: refused at its fields, nothing written.
        "/agents/insertion/personnes/{id}/orientation/proposition" => staff(
            template.replace("{id}", &fx.followed.to_string()),
            Roles(INSERTION),
            false,
            Some(none()),
        ),
        "/agents/insertion/personnes/{id}/orientation/decision"
        | "/agents/insertion/personnes/{id}/orientation/refus" => staff(
            template.replace("{id}", &fx.followed.to_string()),
            Roles(&[Role::InsertionOrientation]),
            false,
            Some(none()),
        ),
        "/agents/insertion/personnes/{id}/notes" => staff(
            template.replace("{id}", &fx.followed.to_string()),
            Roles(INSERTION),
            false,
            Some(none()),
        ),
        "/agents/admin/mdph" => staff(
            template.into(),
            Admin,
            true,
            Some(vec![("secteurs", "Équipe sans pôle".into())]),
        ),
        "/agents/admin/insertion" => staff(
            template.into(),
            Admin,
            true,
            Some(vec![("booking_days", "60".into())]),
        ),
        // Sanctions: the officer's steps; referents read the cases and their letters.
        "/agents/insertion/personnes/{id}/sanction" => staff(
            template.replace("{id}", &fx.followed.to_string()),
            Roles(&[Role::InsertionOrientation]),
            true,
            Some(none()),
        ),
        "/agents/insertion/sanctions/{id}" | "/agents/insertion/sanctions/{id}/courrier" => staff(
            template.replace("{id}", &fx.sanction.to_string()),
            Roles(INSERTION),
            true,
            None,
        ),
        "/agents/insertion/sanctions/{id}/notification" => staff(
            template.replace("{id}", &fx.sanction.to_string()),
            Roles(&[Role::InsertionOrientation]),
            false,
            None,
        ),
        "/agents/insertion/equipe-pluridisciplinaire" => {
            staff(template.into(), Roles(INSERTION), true, None)
        }
        "/agents/insertion/sanctions/{id}/observations"
        | "/agents/insertion/sanctions/{id}/seance"
        | "/agents/insertion/sanctions/{id}/avis"
        | "/agents/insertion/sanctions/{id}/decision"
        | "/agents/insertion/sanctions/{id}/levee" => staff(
            template.replace("{id}", &fx.sanction.to_string()),
            Roles(&[Role::InsertionOrientation]),
            false,
            Some(none()),
        ),
        "/agents/insertion/personnes/{id}/referent" => staff(
            format!("/agents/insertion/personnes/{}/referent", fx.followed),
            Roles(&[Role::InsertionOrientation]),
            false,
            Some(none()),
        ),
        // Her contract: empty forms are refused at their fields, nothing written; the steps
        // that would change it are only tried as refusals.
        "/agents/insertion/personnes/{id}/contrat"
        | "/agents/insertion/personnes/{id}/contrat/actions"
        | "/agents/insertion/personnes/{id}/contrat/papier" => staff(
            template.replace("{id}", &fx.followed.to_string()),
            Roles(INSERTION),
            template.ends_with("/contrat"),
            Some(none()),
        ),
        "/agents/insertion/personnes/{id}/contrat/signature"
        | "/agents/insertion/personnes/{id}/contrat/reprise"
        | "/agents/insertion/personnes/{id}/contrat/actions/{action}/retirer"
        | "/agents/insertion/personnes/{id}/contrat/actions/{action}/faite" => staff(
            template
                .replace("{id}", &fx.followed.to_string())
                .replace("{action}", &fx.action.to_string()),
            Roles(INSERTION),
            false,
            None,
        ),
        // Invitations: any insertion worker; an empty form is refused at its fields.
        "/agents/insertion/personnes/{id}/invitation" => staff(
            template.replace("{id}", &fx.followed.to_string()),
            Roles(INSERTION),
            true,
            Some(none()),
        ),
        "/agents/insertion/invitations/{id}" | "/agents/insertion/invitations/{id}/courrier" => {
            staff(
                template.replace("{id}", &fx.invitation.to_string()),
                Roles(INSERTION),
                true,
                None,
            )
        }
        "/agents/insertion/invitations/{id}/presence" => staff(
            template.replace("{id}", &fx.invitation.to_string()),
            Roles(INSERTION),
            false,
            Some(vec![("came", "peut-être".into())]),
        ),
        "/rendez-vous/{token}" => Some(Plan::Public(
            "the booking link: its 128-bit secret is the access; a wrong token or another department's is not found (insertion's invitation tests)",
        )),
        // Both see the list; naming referents from it is the officer's (tested in insertion).
        "/agents/insertion/sans-referent" => staff(template.into(), Roles(INSERTION), true, None),
        "/agents/insertion/imports" => staff(
            template.into(),
            Roles(&[Role::InsertionOrientation]),
            true,
            None,
        ),
        "/agents/insertion/correspondances" => staff(
            template.into(),
            Roles(&[Role::InsertionOrientation]),
            true,
            Some(none()),
        ),
        "/agents/insertion/imports/televersement"
        | "/agents/insertion/imports/liste/televersement"
        | "/agents/insertion/imports/{id}"
        | "/agents/insertion/imports/{id}/etat"
        | "/agents/insertion/imports/{id}/confirmer"
        | "/agents/insertion/imports/{id}/abandonner" => staff(
            template.replace("{id}", "424242"),
            Roles(&[Role::InsertionOrientation]),
            false,
            None,
        ),
        // Disability: every worker reads the files; reception checks them; the certificate
        // opens for the team's physicians only.
        "/agents/handicap" => staff(template.into(), Roles(DISABILITY), true, None),
        "/agents/handicap/dossiers/{id}" => staff(
            format!("/agents/handicap/dossiers/{}", fx.disability.file),
            Roles(DISABILITY),
            true,
            None,
        ),
        "/agents/handicap/dossiers/{id}/pieces-manquantes" => staff(
            format!(
                "/agents/handicap/dossiers/{}/pieces-manquantes",
                fx.disability.file
            ),
            Roles(&[Role::DisabilityReception]),
            false,
            Some(none()),
        ),
        "/agents/handicap/dossiers/{id}/recevabilite"
        | "/agents/handicap/dossiers/{id}/irrecevable" => staff(
            template.replace("{id}", &fx.disability.file.to_string()),
            Roles(&[Role::DisabilityReception]),
            false,
            None,
        ),
        "/agents/handicap/dossiers/{id}/observations" => staff(
            format!(
                "/agents/handicap/dossiers/{}/observations",
                fx.disability.file
            ),
            Roles(&[Role::DisabilityEvaluator, Role::DisabilityPhysician]),
            false,
            Some(none()),
        ),
        "/agents/handicap/dossiers/{id}/constats" => staff(
            format!("/agents/handicap/dossiers/{}/constats", fx.disability.file),
            Roles(&[Role::DisabilityEvaluator, Role::DisabilityPhysician]),
            false,
            Some(vec![("taux", "cent".into())]),
        ),
        "/agents/handicap/dossiers/{id}/propositions/{request}" => staff(
            format!(
                "/agents/handicap/dossiers/{}/propositions/{}",
                fx.disability.file, fx.disability.request
            ),
            Roles(&[Role::DisabilityEvaluator, Role::DisabilityPhysician]),
            false,
            Some(none()),
        ),
        // The committee: every worker reads its sessions; its secretariat records.
        "/agents/handicap/commission" => staff(template.into(), Roles(DISABILITY), true, None),
        "/agents/handicap/commission/{id}" => staff(
            format!("/agents/handicap/commission/{}", fx.disability.session),
            Roles(DISABILITY),
            true,
            None,
        ),
        "/agents/handicap/dossiers/{id}/seance" => staff(
            format!("/agents/handicap/dossiers/{}/seance", fx.disability.file),
            Roles(&[Role::DisabilityCommittee]),
            false,
            Some(vec![("seance", "x".into())]),
        ),
        "/agents/handicap/demandes/{id}/decision" => staff(
            format!(
                "/agents/handicap/demandes/{}/decision",
                fx.disability.request
            ),
            Roles(&[Role::DisabilityCommittee]),
            false,
            Some(none()),
        ),
        // What follows: the team sends the plan; reception or the secretariat records a
        // postal receipt; every worker reads the follow-up; the secretariat answers appeals.
        "/agents/handicap/dossiers/{id}/plan" => staff(
            format!("/agents/handicap/dossiers/{}/plan", fx.disability.file),
            Roles(&[Role::DisabilityEvaluator, Role::DisabilityPhysician]),
            false,
            None,
        ),
        "/agents/handicap/dossiers/{id}/reception" => staff(
            format!("/agents/handicap/dossiers/{}/reception", fx.disability.file),
            Roles(&[Role::DisabilityReception, Role::DisabilityCommittee]),
            false,
            Some(vec![("demande", "x".into())]),
        ),
        "/agents/handicap/suivi" => staff(template.into(), Roles(DISABILITY), true, None),
        "/agents/handicap/recours/{id}" => staff(
            "/agents/handicap/recours/424242".into(),
            Roles(&[Role::DisabilityCommittee]),
            false,
            None,
        ),
        "/agents/handicap/pieces/{id}" => staff(
            format!("/agents/handicap/pieces/{}", fx.disability.certificate),
            Roles(&[Role::DisabilityPhysician]),
            true,
            None,
        ),
        "/agents/handicap/pieces/{id}/examen" => staff(
            format!("/agents/handicap/pieces/{}/examen", fx.disability.identity),
            Roles(&[Role::DisabilityReception]),
            false,
            Some(vec![("verdict", "refuser".into())]),
        ),
        "/mon-espace/mdph/{id}"
        | "/mon-espace/mdph/{id}/droits"
        | "/mon-espace/mdph/{id}/pieces"
        | "/mon-espace/mdph/{id}/recapitulatif"
        | "/mon-espace/mdph/{id}/depot"
        | "/mon-espace/mdph/{id}/explication"
        | "/mon-espace/mdph/{id}/caf" => citizen(
            template.replace("{id}", &fx.disability.file.to_string()),
            true,
            vec![("explication", "Intrusion".into())],
        ),
        "/mon-espace/mdph/{id}/notifications/{request}" => citizen(
            format!(
                "/mon-espace/mdph/{}/notifications/{}",
                fx.disability.file, fx.disability.request
            ),
            true,
            none(),
        ),
        "/mon-espace/mdph/{id}/plan" => citizen(
            format!("/mon-espace/mdph/{}/plan", fx.disability.file),
            true,
            vec![("remarques", "Intrusion".into())],
        ),
        "/mon-espace/mdph/{id}/recours/{request}"
        | "/mon-espace/mdph/{id}/recours/{request}/reponse" => citizen(
            template
                .replace("{id}", &fx.disability.file.to_string())
                .replace("{request}", &fx.disability.request.to_string()),
            true,
            vec![("motifs", "Intrusion".into())],
        ),
        "/mon-espace/mdph/{id}/etape/{step}" => citizen(
            format!("/mon-espace/mdph/{}/etape/1", fx.disability.file),
            true,
            none(),
        ),
        // Citizens: their own pages, and Angela's ids.
        "/mon-espace"
        | "/mon-espace/donnees"
        | "/mon-espace/journal"
        | "/mon-espace/coordonnees"
        | "/mon-espace/coordonnees/foyer"
        | "/mon-espace/mes-informations"
        | "/mon-espace/mes-informations.json"
        // Posted without its confirmation: refused, nothing erased.
        | "/mon-espace/effacement"
        | "/mon-espace/messages"
        | "/mon-espace/mandats"
        | "/mon-espace/rsa"
        | "/mon-espace/mdph" => citizen(template.into(), false, none()),
        "/mon-espace/rsa/contrat/{id}/signer" => citizen(
            format!("/mon-espace/rsa/contrat/{}/signer", fx.contract),
            true,
            vec![("read", "oui".into())],
        ),
        "/mon-espace/rsa/sanctions/{id}/observations" => citizen(
            format!("/mon-espace/rsa/sanctions/{}/observations", fx.sanction),
            true,
            vec![("observations", "Intrusion".into())],
        ),
        "/mon-espace/rsa/actions/{id}/faite" => citizen(
            format!("/mon-espace/rsa/actions/{}/faite", fx.action),
            true,
            none(),
        ),
        "/aides/{slug}/demander" => citizen(format!("/aides/{slug}/demander"), false, none()),
        "/mon-espace/rendez-vous" => citizen(
            template.into(),
            false,
            vec![
                ("slot", slot.to_string()),
                ("replacing", appointment.to_string()),
            ],
        ),
        "/documents/{id}" => citizen(format!("/documents/{document}"), true, none()),
        "/demandes/{id}"
        | "/demandes/{id}/donnees"
        | "/demandes/{id}/recapitulatif"
        | "/demandes/{id}/deposer"
        | "/demandes/{id}/courrier"
        | "/demandes/{id}/complement" => {
            citizen(template.replace("{id}", &request.to_string()), true, none())
        }
        "/demandes/{id}/etape/{step}" => {
            citizen(format!("/demandes/{request}/etape/1"), true, none())
        }
        "/mon-espace/donnees/accords/{id}/retirer"
        | "/mon-espace/coordonnees/foyer/{id}/retirer" => {
            // Angela's first consent and household member are the first rows of their tables.
            citizen(template.replace("{id}", "1"), true, none())
        }
        "/mon-espace/rendez-vous/{id}/annuler" => citizen(
            format!("/mon-espace/rendez-vous/{appointment}/annuler"),
            true,
            none(),
        ),
        "/mon-espace/messages/{id}" => citizen(
            format!("/mon-espace/messages/{thread}"),
            true,
            vec![("body", "Intrusion".into())],
        ),
        "/mon-espace/mandats/{id}/revoquer" => citizen(
            format!("/mon-espace/mandats/{mandate}/revoquer"),
            true,
            none(),
        ),
        _ => None,
    }
}
