//! What several test files set up the same way: an aid and its form ([`AidBuilder`]), a
//! request filed through the domain functions ([`file_request`], [`filed`]), and the rest of
//! a citizen's file ([`exchanges`]).

use guichet::aid_requests::catalogue::{self, Aid, AidInput};
use guichet::aid_requests::decision::{self, DecisionForm};
use guichet::aid_requests::filing::{self, AidRequest, FiledBy, MandateEntry, Submission};
use guichet::aid_requests::form::{Answer, Answers, FieldDef, FieldKind};
use guichet::aid_requests::{self, queue};
use guichet::citizens::{self, Citizen};
use guichet::documents::{self, Upload};
use guichet::ids::{CitizenId, RequestId};
use guichet::national::FactKey;
use guichet::staff::Role;
use guichet::user_relations::appointments::{self, BookedBy, NewSlots};
use guichet::user_relations::mandates::{self, Mandate, NewMandate, Scope};
use guichet::user_relations::messages::{self, Author, NewMessage};
use guichet::user_relations::{self, NewContact};
use tenants::Tenant;

use crate::harness::{TEST_SETUP, TestApp};

/// An aid as the administrator would define it, with its form's questions.
pub struct AidBuilder {
    input: AidInput,
    fields: Vec<FieldDef>,
}

impl AidBuilder {
    /// An open aid, 30 days to decide, refused on silence, with no question yet.
    pub fn new(title: &str) -> Self {
        Self {
            input: AidInput {
                title: title.into(),
                description: "Une aide.".into(),
                eligibility: "Tout le monde.".into(),
                documents: String::new(),
                deadline_days: "30".into(),
                silence: "refusal".into(),
                open: true,
                category: String::new(),
            },
            fields: Vec::new(),
        }
    }

    pub fn description(mut self, text: &str) -> Self {
        self.input.description = text.into();
        self
    }

    pub fn eligibility(mut self, text: &str) -> Self {
        self.input.eligibility = text.into();
        self
    }

    /// The documents the catalogue page lists.
    pub fn documents(mut self, text: &str) -> Self {
        self.input.documents = text.into();
        self
    }

    pub fn deadline_days(mut self, days: u32) -> Self {
        self.input.deadline_days = days.to_string();
        self
    }

    /// `acceptance` or `refusal`.
    pub fn silence(mut self, silence: &str) -> Self {
        self.input.silence = silence.into();
        self
    }

    pub fn closed(mut self) -> Self {
        self.input.open = false;
        self
    }

    /// Ranked in `code` of the shared aid categories.
    pub fn category(mut self, code: &str) -> Self {
        self.input.category = code.into();
        self
    }

    /// A required question on `step`.
    pub fn question(self, key: &str, step: u32, label: &str, kind: FieldKind) -> Self {
        self.with_field(key, step, label, true, kind, None)
    }

    /// A question that may stay blank.
    pub fn optional(self, key: &str, step: u32, label: &str, kind: FieldKind) -> Self {
        self.with_field(key, step, label, false, kind, None)
    }

    /// A required question on step 1 that a national source can answer.
    pub fn known_by(self, key: &str, label: &str, kind: FieldKind, fact: FactKey) -> Self {
        self.with_field(key, 1, label, true, kind, Some(fact))
    }

    fn with_field(
        mut self,
        key: &str,
        step: u32,
        label: &str,
        required: bool,
        kind: FieldKind,
        fact: Option<FactKey>,
    ) -> Self {
        self.fields.push(FieldDef {
            required,
            fact,
            ..FieldDef::new(key, step, label, kind)
        });
        self
    }

    pub async fn create(self, tenant: &Tenant) -> Aid {
        let aid = catalogue::create(tenant, self.input.validate().unwrap(), TEST_SETUP)
            .await
            .unwrap();
        if !self.fields.is_empty() {
            let fields = self.fields;
            catalogue::change_form(
                tenant,
                (aid.id, 1),
                (TEST_SETUP, "modification du formulaire d'une aide"),
                |form| {
                    form.fields = fields;
                    Ok(())
                },
            )
            .await
            .unwrap();
        }
        catalogue::find(tenant, aid.id).await.unwrap().unwrap()
    }
}

/// « Aide au loyer »: one step asking the monthly rent (`f1`), accepted on silence.
pub async fn rent_aid(tenant: &Tenant) -> Aid {
    AidBuilder::new("Aide au loyer")
        .description("Pour le loyer.")
        .eligibility("Les locataires.")
        .silence("acceptance")
        .question("f1", 1, "Loyer mensuel", FieldKind::Amount)
        .create(tenant)
        .await
}

/// Files a request of an aid whose one step asks an amount (`f1`) for `citizen`, through the
/// domain functions, as the citizen would.
pub async fn file_request(tenant: &Tenant, aid: &Aid, citizen: &Citizen, cents: i64) -> AidRequest {
    let draft = filing::draft_for(tenant, citizen.id, aid, FiledBy::Citizen)
        .await
        .unwrap();
    let form = catalogue::form(tenant, aid.id, draft.form_version)
        .await
        .unwrap()
        .unwrap();
    let mut answers = Answers::new();
    answers.insert("f1".into(), Answer::Amount(cents));
    filing::save_step(
        tenant,
        CitizenId(citizen.id),
        RequestId(draft.id),
        &form,
        1,
        answers,
        FiledBy::Citizen,
    )
    .await
    .unwrap();
    match filing::submit(
        tenant,
        citizen,
        draft.id,
        "http://x/",
        &Default::default(),
        FiledBy::Citizen,
    )
    .await
    .unwrap()
    {
        Submission::Submitted(request) => request,
        other => panic!("not filed: {other:?}"),
    }
}

/// Files a request for a new citizen (the `n`th, signed in with FranceConnect); returns the
/// request's id, its reference and the citizen.
pub async fn filed(tenant: &Tenant, aid: &Aid, n: usize) -> (i64, String, Citizen) {
    let mut identity = guichet::franceconnect::simulator::test_identities()[0].clone();
    identity.sub = format!("person-{n}");
    identity.family_name = format!("PERSONNE{n}");
    identity.email = String::new();
    let citizen = citizens::sign_in_with_franceconnect(tenant, &identity)
        .await
        .unwrap();
    let request = file_request(tenant, aid, &citizen, 40_000 + n as i64).await;
    (request.id, request.reference.unwrap(), citizen)
}

/// A mandate `citizen` gave reception (the desk's holder) for `aid`, live ten days.
pub async fn mandate_for(desk: &user_relations::Desk<'_>, citizen: &Citizen, aid: &Aid) -> Mandate {
    mandates::grant(
        desk,
        citizen,
        &NewMandate {
            scope: Scope::Aid(aid.id, aid.title.clone()),
            valid_until: mandates::today() + chrono::Days::new(10),
        },
        "http://x/",
    )
    .await
    .unwrap()
}

/// Reception's entry for assisted filing done straight through the domain, where the journal
/// is not what the test looks at (the HTTP layer writes the real one: `journal.rs`).
pub const UNJOURNALED: MandateEntry<'static> = &|_, _| None;

/// Starts the signed-in citizen's request for the aid at `/gard/aides/{slug}`: its start page
/// creates nothing, its button does. Returns the button's answer (a redirect to the draft).
pub async fn start_request(
    citizen: &mut crate::harness::Visitor,
    slug: &str,
) -> crate::harness::Page {
    let path = format!("/gard/aides/{slug}/demander");
    let page = citizen.get(&path).await;
    assert_eq!(page.status, reqwest::StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Commencer ma demande"), "{}", page.body);
    citizen.post(&path, &[("csrf", &page.csrf())]).await
}

/// A PDF small enough to read in a test.
pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// A small PDF stored as `citizen_id`'s document; its id.
pub async fn stored_document(app: &TestApp, tenant: &Tenant, citizen_id: i64) -> i64 {
    stored_pdf(app, tenant, citizen_id, "avis.pdf", PDF.to_vec()).await
}

/// A PDF named `filename` holding `bytes`, stored as `citizen_id`'s document; its id.
pub async fn stored_pdf(
    app: &TestApp,
    tenant: &Tenant,
    citizen_id: i64,
    filename: &str,
    bytes: Vec<u8>,
) -> i64 {
    let upload = Upload {
        field: "piece".into(),
        filename: filename.into(),
        declared_type: "application/pdf".into(),
        bytes,
    };
    documents::save(
        &app.platform,
        tenant,
        citizen_id,
        &upload,
        "application/pdf",
        None,
    )
    .await
    .unwrap()
    .id
}

/// What a citizen's file holds besides requests, each the first row of its table.
pub struct Exchanges {
    pub document: i64,
    pub thread: i64,
    pub appointment: i64,
    /// A published slot nobody booked.
    pub free_slot: i64,
    pub mandate: i64,
}

/// Fills `citizen`'s file at reception and in their space: a document, a thread the citizen
/// opens about `request` with it (`message`), a call reception notes (`note`), an appointment
/// the citizen books among two published slots, and a mandate for `aid`.
pub async fn exchanges(
    app: &TestApp,
    tenant: &Tenant,
    citizen: &Citizen,
    (aid, request): (&Aid, i64),
    message: &str,
    note: &str,
) -> Exchanges {
    let reception = app.worker(tenant, Role::Reception).await;
    let desk = user_relations::Desk::open(tenant, &reception).unwrap();
    let now = chrono::Utc::now();
    let document = documents::save(
        &app.platform,
        tenant,
        citizen.id,
        &Upload {
            field: "piece".into(),
            filename: "avis.pdf".into(),
            declared_type: "application/pdf".into(),
            bytes: PDF.to_vec(),
        },
        "application/pdf",
        None,
    )
    .await
    .unwrap();
    let thread = messages::start(
        tenant,
        citizen.id,
        Some(request),
        "Question",
        NewMessage {
            author: Author::Citizen,
            body: message,
            document_id: Some(document.id),
            notify: None,
            journal: None,
        },
    )
    .await
    .unwrap();
    let today = now.date_naive();
    let contact = NewContact::parse(&today.to_string(), "call", "Appel", note, today).unwrap();
    user_relations::log_contact(&desk, citizen, &contact)
        .await
        .unwrap();
    let slots = NewSlots {
        service: "Accueil social".into(),
        place: "Nîmes".into(),
        first: now + chrono::Duration::days(2),
        minutes: 30,
        count: 2,
    };
    appointments::publish(tenant, reception.id, &slots, TEST_SETUP)
        .await
        .unwrap();
    let free = appointments::slots_from(tenant, now).await.unwrap();
    let appointment = appointments::book(
        tenant,
        citizen.id,
        free[0].id,
        BookedBy::Citizen,
        None,
        None,
    )
    .await
    .unwrap()
    .unwrap();
    Exchanges {
        document: document.id,
        thread,
        appointment: appointment.id,
        free_slot: free[1].id,
        mandate: mandate_for(&desk, citizen, aid).await.id,
    }
}

/// The Gard with `staff` and one rent request filed, and the Hérault with an instructor of its
/// own (`inst@herault.fr`, who signs in there): for tests of who may see what.
pub struct TwoDepartments {
    pub gard: Tenant,
    pub aid: Aid,
    /// The request's id, its reference and its citizen.
    pub filed: (i64, String, Citizen),
}

pub async fn gard_and_herault(app: &TestApp, staff: &[(&str, &str, &[Role])]) -> TwoDepartments {
    let gard = app.tenant("gard", &tenants::Module::ALL).await;
    let herault = app.tenant("herault", &tenants::Module::ALL).await;
    app.staffs(&gard, staff).await;
    app.staff(
        &herault,
        "inst@herault.fr",
        "Inst 34",
        &[Role::AidInstructor],
    )
    .await;
    let aid = rent_aid(&gard).await;
    let filed = filed(&gard, &aid, 1).await;
    TwoDepartments { gard, aid, filed }
}

/// The citizen's own consent, given at `now` in `db`, that the CAF's family quotient be
/// fetched for `aid_id`.
pub async fn quotient_consent(
    db: &impl sea_orm::ConnectionTrait,
    citizen_id: i64,
    aid_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> guichet::national::consent::Consent {
    use guichet::national::consent::{self, GivenBy};
    consent::give(
        db,
        citizen_id,
        (
            guichet::national::Source::FamilyQuotient,
            consent::Purpose::Aid(aid_id),
        ),
        GivenBy::Citizen,
        now,
        None,
    )
    .await
    .unwrap()
}

/// What a staff member's authenticator app shows at `at` for `secret`.
pub fn app_code(
    secret: &guichet::staff::second_factor::PendingSecret,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret.to_base32()).unwrap())
        .with_account_name("test")
        .build()
        .unwrap()
        .generate(at.timestamp() as u64)
        .to_string()
}

/// `citizen_id` followed by the insertion module, as an import of a fund's file would leave
/// them (an applicant, right open, subject to rights and duties); returns the person's id.
pub async fn followed_for_rsa(tenant: &Tenant, citizen_id: i64, family_name: &str) -> i64 {
    use guichet::entity::insertion_person;
    use sea_orm::{ActiveModelTrait as _, Set};
    let now = chrono::Utc::now();
    let txn = tenant.db().begin_write().await.unwrap();
    let row = insertion_person::ActiveModel {
        citizen_id: Set(citizen_id),
        nir: Set(Some("2690575123456".into())),
        fund: Set("CAF".into()),
        matricule: Set("034614500000000".into()),
        role: Set("DEM".into()),
        internal_id: Set(None),
        family_name: Set(family_name.into()),
        given_name: Set("ANGELA".into()),
        birth_date: Set(chrono::NaiveDate::from_ymd_opt(1969, 5, 12)),
        sex: Set("2".into()),
        right_state: Set(guichet::insertion::flux::RightState::Open),
        rights_and_duties: Set(true),
        homeless: Set(false),
        postcode: Set(Some("30000".into())),
        commune: Set(Some("NÎMES".into())),
        france_travail_id: Set(None),
        household_hash: Set(String::new()),
        entered_on: Set(now.date_naive()),
        left_on: Set(None),
        last_import_id: Set(0),
        orientation_days: Set(None),
        referent_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    txn.commit().await.unwrap();
    row.id
}

/// A contrat d'engagement in force for person `person_id` (`citizen_id`), with one action to
/// do: (the contract's id, the action's id).
pub async fn contract_for_rsa(tenant: &Tenant, person_id: i64, citizen_id: i64) -> (i64, i64) {
    use guichet::entity::{insertion_contract, insertion_contract_action};
    use guichet::insertion::contract::{ContractStatus, Theme};
    use sea_orm::{ActiveModelTrait as _, Set};
    let now = chrono::Utc::now();
    let txn = tenant.db().begin_write().await.unwrap();
    let contract = insertion_contract::ActiveModel {
        person_id: Set(person_id),
        citizen_id: Set(citizen_id),
        version: Set(1),
        status: Set(ContractStatus::Signed),
        goals: Set("Secret gardois : retrouver un logement.".into()),
        weekly_hours: Set(15),
        reduction_reason: Set(None),
        review_on: Set(Some(now.date_naive() + chrono::Duration::days(90))),
        written_by: Set(1),
        written_by_name: Set("René Référent".into()),
        department_signed_at: Set(Some(now)),
        department_signed_name: Set(Some("René Référent".into())),
        person_signed_at: Set(Some(now)),
        paper_document_id: Set(None),
        signed_on: Set(Some(now.date_naive())),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    let action = insertion_contract_action::ActiveModel {
        contract_id: Set(contract.id),
        person_id: Set(person_id),
        citizen_id: Set(citizen_id),
        theme: Set(Theme::Housing),
        title: Set("Déposer la demande de logement social".into()),
        due_on: Set(None),
        done_at: Set(None),
        done_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    txn.commit().await.unwrap();
    (contract.id, action.id)
}

/// A sanction case of person `person_id` (`citizen_id`), the person told and their
/// observations awaited; returns its id.
pub async fn sanction_case_for_rsa(tenant: &Tenant, person_id: i64, citizen_id: i64) -> i64 {
    use guichet::entity::insertion_sanction_case;
    use guichet::insertion::sanctions::{CaseStatus, Ground, Measure};
    use sea_orm::{ActiveModelTrait as _, Set};
    let now = chrono::Utc::now();
    let txn = tenant.db().begin_write().await.unwrap();
    let row = insertion_sanction_case::ActiveModel {
        person_id: Set(person_id),
        citizen_id: Set(citizen_id),
        status: Set(CaseStatus::Notified),
        ground: Set(Ground::MissedAppointment),
        facts: Set("Secret gardois : absente au rendez-vous du 3 novembre.".into()),
        household_size: Set(1),
        repeated: Set(false),
        planned_measure: Set(Measure::Suspension),
        planned_rate: Set(30),
        planned_months: Set(1),
        opened_by: Set(1),
        opened_by_name: Set("Odile Orientation".into()),
        opened_at: Set(now),
        notified_at: Set(Some(now)),
        observations_due_on: Set(Some(now.date_naive() + chrono::Duration::days(30))),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    txn.commit().await.unwrap();
    row.id
}

/// An invitation sent to person `person_id` (`citizen_id`), its link open: its id.
pub async fn invitation_for_rsa(tenant: &Tenant, person_id: i64, citizen_id: i64) -> i64 {
    use guichet::entity::insertion_invitation;
    use guichet::insertion::invitations::{Purpose, expiry};
    use sea_orm::{ActiveModelTrait as _, Set};
    let now = chrono::Utc::now();
    let txn = tenant.db().begin_write().await.unwrap();
    let row = insertion_invitation::ActiveModel {
        person_id: Set(person_id),
        citizen_id: Set(citizen_id),
        purpose: Set(Purpose::FollowUp),
        service: Set("Accueil social".into()),
        token: Set("0123456789abcdef0123456789abcdef".into()),
        booking_url: Set(
            "http://localhost/gard/rendez-vous/0123456789abcdef0123456789abcdef".into(),
        ),
        sent_by: Set(1),
        sent_by_name: Set("René Référent".into()),
        sent_at: Set(now),
        expires_at: Set(expiry(guichet::dates::today(), 10)),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .unwrap();
    txn.commit().await.unwrap();
    row.id
}

/// `citizen` named as an applicant by a fund's monthly file, imported as an officer would
/// (preview, confirmation, writes): their record is joined, their right has its first event;
/// then oriented to the social track, with a referent.
pub async fn imported_for_rsa(app: &TestApp, tenant: &Tenant, citizen: &Citizen) {
    use guichet::insertion::flux::Role as FluxRole;
    use guichet::insertion::{generator, import};
    let mut household = generator::households(1, "030", 1).next().unwrap();
    household.people.retain(|p| p.role != FluxRole::Partner);
    let applicant = &mut household.people[0];
    applicant.family_name = citizen.family_name.to_uppercase();
    applicant.given_name = citizen.given_name.to_uppercase();
    applicant.birth_date = chrono::NaiveDate::parse_from_str(&citizen.birthdate, "%Y-%m-%d").ok();
    let created = chrono::NaiveDate::from_ymd_opt(2026, 11, 6).unwrap();
    let mut bytes = Vec::new();
    generator::write(&mut bytes, created, created, std::iter::once(household)).unwrap();
    let officer = app.worker(tenant, Role::InsertionOrientation).await;
    let desk = guichet::insertion::Desk::open(tenant, &officer).unwrap();
    let path = import::receiving_path(&app.platform, tenant.slug());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let received = import::Received {
        path,
        name: "flux.xml".into(),
        size: bytes.len() as u64,
        hash: "fixture".into(),
        mapping: None,
    };
    let id = import::create(&app.platform, &desk, received)
        .await
        .unwrap();
    import::run(&app.platform, tenant, id).await.unwrap();
    import::confirm(&desk, id).await.unwrap().unwrap();
    import::run(&app.platform, tenant, id).await.unwrap();
    let done = import::find(tenant, id).await.unwrap().unwrap();
    assert_eq!(done.outcome.map(|o| o.created), Some(1), "{:?}", done.error);
    use guichet::entity::insertion_person;
    use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
    let txn = tenant.db().begin().await.unwrap();
    let person = insertion_person::Entity::find()
        .filter(insertion_person::Column::CitizenId.eq(citizen.id))
        .one(&txn)
        .await
        .unwrap()
        .expect("the record joined");
    txn.commit().await.unwrap();
    let choice = guichet::insertion::orientation::Choice::parse(
        "social",
        "Service social du département",
        "Vu en entretien.",
    )
    .unwrap();
    let today = guichet::dates::today();
    guichet::insertion::orientation::decide(&desk, &person, &choice, today, today)
        .await
        .unwrap()
        .unwrap();
    let referent = app.worker(tenant, Role::InsertionReferent).await;
    let candidates = [referent.clone()];
    guichet::insertion::referents::assign(&desk, &[person.id], &referent, &candidates, "", today)
        .await
        .unwrap()
        .unwrap();
    // A contract written, signed by both sides, one action done by the person.
    use guichet::insertion::contract;
    let terms = contract::Terms::parse(
        "Retrouver un logement.",
        "15",
        "",
        &(today + chrono::Duration::days(60)).to_string(),
        guichet::insertion::orientation::Track::Social,
        today,
    )
    .unwrap();
    let id = contract::start(&desk, &person, &terms)
        .await
        .unwrap()
        .unwrap();
    let action = contract::NewAction::parse("housing", "Demande de logement", "", today).unwrap();
    let action = contract::add_action(&desk, &person, id, &action)
        .await
        .unwrap()
        .unwrap();
    contract::sign_for_department(&desk, &person, id)
        .await
        .unwrap()
        .unwrap();
    contract::sign_by_person(tenant, citizen.id, id)
        .await
        .unwrap()
        .unwrap();
    contract::mark_done(tenant, citizen.id, action, contract::DoneBy::Person)
        .await
        .unwrap()
        .unwrap();
    guichet::insertion::notes::write(&desk, &person, "Premier entretien.")
        .await
        .unwrap();
    sanction_case_for_rsa(tenant, person.id, citizen.id).await;
    // Invited to a follow-up meeting, booked through the link.
    use guichet::insertion::invitations;
    use guichet::user_relations::appointments;
    let slots = appointments::NewSlots {
        service: "Suivi RSA".into(),
        place: "Maison du département".into(),
        first: chrono::Utc::now() + chrono::Duration::days(5),
        minutes: 30,
        count: 1,
    };
    appointments::publish(tenant, 1, &slots, crate::harness::TEST_SETUP)
        .await
        .unwrap();
    let new = invitations::NewInvitation {
        purpose: invitations::Purpose::FollowUp,
        service: "Suivi RSA",
    };
    let row = invitations::invite(&desk, &person, &new, |token| {
        format!("http://localhost/rendez-vous/{token}")
    })
    .await
    .unwrap()
    .unwrap();
    let invitation = invitations::by_token(tenant, &row.token)
        .await
        .unwrap()
        .unwrap();
    let slot = invitations::free_slots(tenant, "Suivi RSA", chrono::Utc::now())
        .await
        .unwrap()[0]
        .id;
    let confirmation = appointments::Confirmation {
        to: "",
        department: tenant.name(),
        url: &row.booking_url,
    };
    invitations::book(tenant, &invitation, slot, confirmation)
        .await
        .unwrap()
        .unwrap();
}

/// A mandate `citizen` gave reception for their request to the MDPH, live ten days, and the
/// draft reception started under it: (mandate, draft).
pub async fn mdph_under_mandate(app: &TestApp, tenant: &Tenant, citizen: &Citizen) -> (i64, i64) {
    use guichet::disability::files::{self, FiledBy, Kind};
    let reception = app.worker(tenant, Role::Reception).await;
    let desk = user_relations::Desk::open(tenant, &reception).unwrap();
    let mandate = mandates::grant(
        &desk,
        citizen,
        &NewMandate {
            scope: Scope::Whole(tenants::Module::Disability),
            valid_until: mandates::today() + chrono::Days::new(10),
        },
        "http://x/",
    )
    .await
    .unwrap()
    .id;
    let by = FiledBy::Mandate {
        id: mandate,
        journal: &|_, _| None,
    };
    let draft = files::start(tenant, citizen.id, Kind::First, (by, "Accueil"))
        .await
        .unwrap();
    (mandate, draft)
}

/// What a disability file holds, for the suites that need one.
pub struct DisabilityFile {
    pub file: i64,
    /// The medical certificate, sealed in the medical compartment.
    pub certificate: i64,
    /// The identity document, one of the citizen's documents.
    pub identity: i64,
    /// Its first request (one per right).
    pub request: i64,
    /// The committee's session (held today) whose agenda holds it.
    pub session: i64,
}

/// The medical certificate's own words: only the team's physicians may ever read them.
pub const MEDICAL_MARKER: &str = "Diagnostic gardois";

/// A disability file of `citizen_id`, complete and under evaluation: a sealed certificate and
/// an identity document (both accepted), the team's findings, an observation for the team and
/// a physician's medical one (sealed, saying [`MEDICAL_MARKER`]), the team's proposals and the
/// compensation plan, answered; on the agenda of a session held today. The form's answers
/// are written as the filing steps keep them.
pub async fn disability_file(app: &TestApp, tenant: &Tenant, citizen_id: i64) -> DisabilityFile {
    use guichet::aid_requests::form::Answer;
    use guichet::disability::files::{self, FiledBy, Kind};
    use guichet::disability::pieces::{self, Certificate, PieceKind};
    use guichet::disability::rights::{Pole, Right};
    let id = files::start(
        tenant,
        citizen_id,
        Kind::First,
        (FiledBy::Citizen, "Angela DUBOIS"),
    )
    .await
    .unwrap();
    let form = &*guichet::disability::application::FORM;
    for step in 1..=form.step_count() {
        let answers = form
            .step_fields(step)
            .filter(|f| f.required)
            .map(|f| {
                let answer = match &f.kind {
                    guichet::aid_requests::form::FieldKind::Date => {
                        Answer::Date(chrono::NaiveDate::from_ymd_opt(1962, 8, 24).unwrap())
                    }
                    guichet::aid_requests::form::FieldKind::Choice { options } => {
                        Answer::Choice(options[0].clone())
                    }
                    guichet::aid_requests::form::FieldKind::YesNo => Answer::YesNo(false),
                    _ if f.key == "a_nom" => Answer::Text("DUBOIS".into()),
                    _ if f.key == "a_code_postal" => Answer::Text("30000".into()),
                    _ => Answer::Text("Angela".into()),
                };
                (f.key.clone(), answer)
            })
            .collect();
        files::save_step(
            tenant,
            (citizen_id, FiledBy::Citizen),
            id,
            (step, true),
            answers,
        )
        .await
        .unwrap();
    }
    let rights: Vec<Right> = Right::offered_to(Pole::Adult).take(2).collect();
    files::save_rights(tenant, (citizen_id, FiledBy::Citizen), id, &rights, false)
        .await
        .unwrap();
    let draft = files::find_for_citizen(tenant, citizen_id, id)
        .await
        .unwrap()
        .unwrap();
    let now = chrono::Utc::now();
    let upload = |name: &str, text: &str| guichet::documents::Upload {
        field: "fichier".into(),
        filename: name.into(),
        declared_type: "application/pdf".into(),
        bytes: format!("%PDF-1.4\n% {text}\n").into_bytes(),
    };
    let certificate = pieces::add(
        (&app.platform, &app.seal_key),
        tenant,
        (&draft, FiledBy::Citizen),
        (
            PieceKind::Certificate,
            Some(Certificate {
                dated: guichet::dates::today(),
                rpps: "10000000000".into(),
            }),
        ),
        &upload("certificat.pdf", MEDICAL_MARKER),
        now,
    )
    .await
    .unwrap()
    .unwrap();
    let identity = pieces::add(
        (&app.platform, &app.seal_key),
        tenant,
        (&draft, FiledBy::Citizen),
        (PieceKind::Identity, None),
        &upload("cni.pdf", "carte"),
        now,
    )
    .await
    .unwrap()
    .unwrap();
    let filed = files::file(tenant, (citizen_id, FiledBy::Citizen), id, now)
        .await
        .unwrap()
        .unwrap();
    use guichet::disability::{Desk, completeness, evaluation};
    let reception = app.worker(tenant, Role::DisabilityReception).await;
    let desk = Desk::open(tenant, &reception).unwrap();
    for piece in [certificate, identity] {
        completeness::review(&desk, piece, completeness::Verdict::Accept)
            .await
            .unwrap();
    }
    // No proof of address: the fixture's file is acknowledged by hand, as a paper one is.
    let txn = tenant.db().begin_write().await.unwrap();
    use sea_orm::{ActiveModelTrait as _, IntoActiveModel as _, Set};
    let mut row = filed.row.clone().into_active_model();
    row.status = Set(files::Status::Complete.id().into());
    row.complete_on = Set(Some(guichet::dates::today()));
    row.update(&txn).await.unwrap();
    txn.commit().await.unwrap();
    let file = completeness::find(&desk, id).await.unwrap().unwrap();
    let physician = app.worker(tenant, Role::DisabilityPhysician).await;
    let desk = Desk::open(tenant, &physician).unwrap();
    evaluation::observe(&desk, &app.seal_key, &file, ("medical", MEDICAL_MARKER))
        .await
        .unwrap();
    evaluation::observe(&desk, &app.seal_key, &file, ("family", "Vit seule."))
        .await
        .unwrap();
    evaluation::save_findings(&desk, &file, ("from_80", false, true))
        .await
        .unwrap();
    // The team proposes on each right and sends the plan, which the person answers.
    for r in files::requests(tenant, id).await.unwrap() {
        evaluation::propose(&desk, &file, r.id, ("grant", ""))
            .await
            .unwrap();
    }
    use guichet::disability::plan;
    plan::send(&desk, &file, now, (None, "")).await.unwrap();
    let file = completeness::find(&desk, id).await.unwrap().unwrap();
    plan::answer(tenant, &file, ("D'accord avec le plan.", false), now)
        .await
        .unwrap();
    let file = completeness::find(&desk, id).await.unwrap().unwrap();
    let request = files::requests(tenant, id).await.unwrap()[0].id;
    let secretariat = app.worker(tenant, Role::DisabilityCommittee).await;
    let desk = Desk::open(tenant, &secretariat).unwrap();
    let today = guichet::dates::today().format("%Y-%m-%d").to_string();
    let session = guichet::disability::decisions::open_session(&desk, (&today, "plenary"))
        .await
        .unwrap();
    guichet::disability::decisions::put_on_agenda(&desk, &file, &session.to_string())
        .await
        .unwrap();
    DisabilityFile {
        file: id,
        certificate,
        identity,
        request,
        session,
    }
}

/// The committee decides every request of disability file `file`: each right granted from a
/// year ago until `ends_on`, the person notified (at `fatou@example.org`).
pub async fn disability_decided(
    app: &TestApp,
    tenant: &Tenant,
    file: i64,
    ends_on: chrono::NaiveDate,
) {
    use guichet::disability::decisions::{self, Typed};
    let secretariat = app.worker(tenant, Role::DisabilityCommittee).await;
    let desk = guichet::disability::Desk::open(tenant, &secretariat).unwrap();
    let start = guichet::dates::today() - chrono::Months::new(12);
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    for r in guichet::disability::files::requests(tenant, file)
        .await
        .unwrap()
    {
        let typed = Typed {
            outcome: "granted".into(),
            starts_on: day(start),
            ends_on: day(ends_on),
            ..Typed::default()
        };
        decisions::decide(
            &desk,
            r.id,
            &typed,
            chrono::Utc::now(),
            Some("fatou@example.org"),
        )
        .await
        .unwrap();
    }
}

/// A disability file decided (rights ending in 4 months) whose first decision the person
/// contests: every table of the module holds a row of theirs.
pub async fn contested_disability_file(app: &TestApp, tenant: &Tenant, citizen_id: i64) {
    let fx = disability_file(app, tenant, citizen_id).await;
    let ends_on = guichet::dates::today() + chrono::Months::new(4);
    disability_decided(app, tenant, fx.file, ends_on).await;
    let file = guichet::disability::files::find_for_citizen(tenant, citizen_id, fx.file)
        .await
        .unwrap()
        .unwrap();
    guichet::disability::appeals::contest(
        tenant,
        &file,
        (fx.request, "Je conteste la durée."),
        chrono::Utc::now(),
        None,
    )
    .await
    .unwrap();
}

/// How many entries of `citizen`'s file journal (as their right of access shows it) match
/// `condition`.
pub async fn journaled(
    tenant: &Tenant,
    citizen: i64,
    condition: impl sea_orm::sea_query::IntoCondition,
) -> u64 {
    use guichet::entity::audit_entry;
    use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};
    let txn = tenant.db().begin().await.unwrap();
    let n = audit_entry::Entity::find()
        .filter(audit_entry::Column::CitizenId.eq(citizen))
        .filter(condition)
        .count(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    n
}

/// The department's journal still verifies, whatever was removed from its other tables.
pub async fn assert_journal_intact(tenant: &Tenant) {
    assert!(matches!(
        guichet::audit::verify(tenant).await.unwrap(),
        guichet::audit::Verification::Intact { .. }
    ));
}

/// `admin` switches a retention `category` on at its default duration, as the conservation
/// page does.
pub async fn switched_on(tenant: &Tenant, category: &str, admin: &guichet::staff::StaffAccount) {
    use guichet::retention::{self, Setting};
    let setting = Setting {
        months: retention::category(category).unwrap().months.default,
        applied: true,
    };
    retention::save_setting(tenant, category, setting, admin)
        .await
        .unwrap()
        .unwrap();
}

/// A retention pass over `tenant` now, as the nightly job runs it (`Mode::AsSet`) or as the
/// administrator's count (`Mode::CountOnly`).
pub async fn passed(
    app: &TestApp,
    tenant: &Tenant,
    mode: guichet::retention::Mode,
) -> Vec<guichet::retention::Outcome> {
    guichet::retention::pass(
        &app.platform,
        Some(&app.anchor()),
        tenant,
        chrono::Utc::now(),
        mode,
    )
    .await
    .unwrap()
}

/// The simulator's person `sub`, as their first FranceConnect sign-in records them.
pub async fn simulated(tenant: &Tenant, sub: &str) -> Citizen {
    let identity = guichet::franceconnect::simulator::test_identities()
        .into_iter()
        .find(|i| i.sub == sub)
        .expect("a simulator identity");
    citizens::sign_in_with_franceconnect(tenant, &identity)
        .await
        .unwrap()
}

/// Decides request `id` as `desk`'s holder: `outcome` (`granted`, `refused`…), 100 € unless
/// refused, the first listed reason.
pub async fn decide(app: &TestApp, desk: &aid_requests::Desk<'_>, id: i64, outcome: &str) {
    let request = queue::find_filed(desk, id).await.unwrap().unwrap();
    let form = DecisionForm {
        outcome: outcome.into(),
        amount: if outcome == "refused" { "" } else { "100" }.into(),
        reasons: vec![decision::REASONS[0].into()],
        comment: String::new(),
    };
    decision::decide(
        &app.platform,
        desk,
        id,
        request.version,
        &form.validate().unwrap(),
        "http://x/",
    )
    .await
    .unwrap();
}
