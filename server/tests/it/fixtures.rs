//! What several test files set up the same way: an aid and its form ([`AidBuilder`]), and a
//! request filed through the domain functions ([`file_request`], [`filed`]).

use guichet::aid_requests::catalogue::{self, Aid, AidInput};
use guichet::aid_requests::filing::{self, AidRequest, FiledBy, Submission};
use guichet::aid_requests::form::{Answer, Answers, FieldDef, FieldKind};
use guichet::citizens::{self, Citizen};
use guichet::ids::{CitizenId, RequestId};
use guichet::national::FactKey;
use guichet::user_relations::mandates::{self, Mandate, NewMandate, Recorder};
use tenants::Tenant;

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
            key: key.into(),
            step,
            label: label.into(),
            help: String::new(),
            required,
            kind,
            fact,
        });
        self
    }

    pub async fn create(self, tenant: &Tenant) -> Aid {
        let aid = catalogue::create(tenant, self.input.validate().unwrap())
            .await
            .unwrap();
        if !self.fields.is_empty() {
            let fields = self.fields;
            catalogue::change_form(tenant, aid.id, 1, |form| {
                form.fields = fields;
                Ok(())
            })
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

/// A mandate `citizen` gave reception (staff 1, « Accueil ») for `aid`, live ten days.
pub async fn mandate_for(tenant: &Tenant, citizen: &Citizen, aid: &Aid) -> Mandate {
    mandates::grant(
        tenant,
        citizen,
        Recorder {
            staff_id: 1,
            staff_name: "Accueil",
        },
        &NewMandate {
            aid: Some(aid.clone().into()),
            valid_until: mandates::today() + chrono::Days::new(10),
        },
        "http://x/",
    )
    .await
    .unwrap()
}
