//! The demo department: created on request by `guichet serve --demo`, with one account per role.

use tenants::{Module, NewTenant, Platform, Slug, Tenant};

use crate::aid_requests::catalogue::{self, AidInput};
use crate::aid_requests::form::{Bounds, FieldDef, FieldKind};
use crate::national::FactKey;
use crate::staff::{self, Email, NewStaff, Role};

pub const DEMO_SLUG: &str = "demo";
/// The demo department's SIRET: sent to API Particulier as `recipient`, and declared as its
/// own for ProConnect (the simulator's agents of the department carry it).
pub const SIRET: &str = "22300001800018";

/// The demo accounts' shared password. Demo only: never create such a department in production.
pub const DEMO_PASSWORD: &str = "demo-guichet-2026";

/// The demo's setup, as its journal entries name it.
const DEMO_SETUP: staff::Author =
    staff::Author::Operator("création du département de démonstration");

pub fn demo_email(role: Role) -> String {
    format!("{}@demo.guichet.test", role.id().replace('_', "-"))
}

/// Creates the demo department and its accounts if missing; returns it.
pub async fn ensure_demo(platform: &Platform) -> anyhow::Result<Tenant> {
    let slug = Slug::parse(DEMO_SLUG)?;
    if let Some(tenant) = platform.tenant_by_slug(&slug).await? {
        return Ok(tenant);
    }
    let tenant = platform
        .create_tenant(NewTenant {
            slug,
            name: "Département de démonstration".into(),
            modules: Module::ALL.to_vec(),
            domain: None,
        })
        .await?;
    let mut reception = 0;
    for role in Role::ALL {
        let account = staff::create_account(
            platform,
            &tenant,
            NewStaff {
                email: Email::parse(&demo_email(role))?,
                display_name: format!("Agent démo — {}", role.label()),
                roles: vec![role],
                first_password: staff::FirstPassword::Known(DEMO_PASSWORD.into()),
            },
            DEMO_SETUP,
        )
        .await?;
        if role == Role::Reception {
            reception = account.account.id;
        }
    }
    let policy = staff::identity::IdentityPolicy {
        sirets: vec![staff::identity::Siret::parse(SIRET).map_err(anyhow::Error::msg)?],
        ..Default::default()
    };
    staff::identity::save_policy(platform, &tenant, &policy, DEMO_SETUP).await?;
    demo_aid(&tenant).await?;
    holiday_aid(&tenant).await?;
    demo_slots(&tenant, reception).await?;
    Ok(tenant)
}

/// Appointment slots to book: the next five working days, four half-hours from 09:00 at the
/// reception desk, and four from 14:00 for the RSA orientation meetings insertion invites to.
async fn demo_slots(tenant: &Tenant, staff_id: i64) -> anyhow::Result<()> {
    use crate::user_relations::appointments::{self, NewSlots};
    use chrono::Datelike as _;
    let now = chrono::Utc::now();
    let mut day = now.date_naive();
    let mut published = 0;
    while published < 5 {
        day = day.succ_opt().unwrap_or(day);
        if day.weekday().number_from_monday() > 5 {
            continue;
        }
        for (service, first) in [("Accueil social", "09:00"), ("Orientation RSA", "14:00")] {
            let slots = NewSlots::parse(
                service,
                "Maison du département, 3 rue Guillemette",
                &day.to_string(),
                first,
                "30",
                "4",
                now,
            )
            .map_err(|errors| anyhow::anyhow!(errors.messages().join(" ")))?;
            appointments::publish(tenant, staff_id, &slots, DEMO_SETUP).await?;
        }
        published += 1;
    }
    Ok(())
}

/// An aid to try filing with: two steps, each kind of answer a citizen meets most.
async fn demo_aid(tenant: &Tenant) -> anyhow::Result<()> {
    let input = AidInput {
        title: "Aide au paiement du loyer".into(),
        description: "Une aide ponctuelle pour payer votre loyer quand vos revenus baissent (perte d'emploi, séparation, maladie).".into(),
        eligibility: "Les locataires qui habitent le département depuis au moins trois mois.".into(),
        documents: "Dernière quittance de loyer\nDernier avis d'imposition".into(),
        deadline_days: "60".into(),
        silence: "refusal".into(),
        open: true,
        category: "logement".into(),
    };
    let valid = input
        .validate()
        .map_err(|errors| anyhow::anyhow!(errors.messages().join(" ")))?;
    let aid = catalogue::create(tenant, valid, DEMO_SETUP).await?;
    let field = |key: &str, step, label: &str, help: &str, required, kind| FieldDef {
        help: help.into(),
        required,
        ..FieldDef::new(key, step, label, kind)
    };
    catalogue::change_form(
        tenant,
        (aid.id, aid.form_version),
        (DEMO_SETUP, "modification du formulaire d'une aide"),
        |form| {
            form.fields = vec![
                FieldDef {
                    bounds: Bounds {
                        least: Some(100),
                        most: Some(500_000),
                    },
                    ..field(
                        "f1",
                        1,
                        "Montant de votre loyer mensuel",
                        "Charges comprises, en euros.",
                        true,
                        FieldKind::Amount,
                    )
                },
                FieldDef {
                    bounds: Bounds {
                        least: Some(1),
                        most: Some(20),
                    },
                    ..field(
                        "f2",
                        1,
                        "Nombre de personnes dans votre foyer",
                        "",
                        true,
                        FieldKind::Number,
                    )
                },
                field(
                    "f5",
                    1,
                    "Dernière quittance de loyer",
                    "Le document que votre bailleur vous remet chaque mois.",
                    true,
                    FieldKind::Document,
                ),
                field(
                    "f3",
                    2,
                    "Votre situation",
                    "",
                    true,
                    FieldKind::Choice {
                        options: vec![
                            "Locataire".into(),
                            "Colocataire".into(),
                            "Sous-locataire".into(),
                        ],
                    },
                ),
                field(
                    "f4",
                    2,
                    "Avez-vous déjà reçu cette aide cette année ?",
                    "",
                    true,
                    FieldKind::YesNo,
                ),
            ];
            Ok(())
        },
    )
    .await?;
    Ok(())
}

/// An aid whose answers the CAF can give: the citizen who agrees sees them pre-filled and
/// need not send the certificate.
async fn holiday_aid(tenant: &Tenant) -> anyhow::Result<()> {
    let input = AidInput {
        title: "Aide aux vacances en famille".into(),
        description: "Une aide pour partir en vacances avec vos enfants, selon votre quotient familial.".into(),
        eligibility: "Les familles avec au moins un enfant à charge et un quotient familial inférieur à 800 €.".into(),
        documents: "Attestation de quotient familial (CAF ou MSA), sauf si vous nous autorisez à la demander".into(),
        deadline_days: "30".into(),
        silence: "refusal".into(),
        open: true,
        category: "famille_enfance".into(),
    };
    let valid = input
        .validate()
        .map_err(|errors| anyhow::anyhow!(errors.messages().join(" ")))?;
    let aid = catalogue::create(tenant, valid, DEMO_SETUP).await?;
    let field = |key: &str, step, label: &str, help: &str, kind, fact| FieldDef {
        help: help.into(),
        fact: Some(fact),
        ..FieldDef::new(key, step, label, kind)
    };
    catalogue::change_form(
        tenant,
        (aid.id, aid.form_version),
        (DEMO_SETUP, "modification du formulaire d'une aide"),
        |form| {
            form.fields = vec![
                field(
                    "f1",
                    1,
                    "Votre quotient familial",
                    "Il figure sur votre attestation de la CAF ou de la MSA.",
                    FieldKind::Amount,
                    FactKey::FamilyQuotient,
                ),
                field(
                    "f2",
                    1,
                    "Nombre d'enfants à votre charge",
                    "",
                    FieldKind::Number,
                    FactKey::Children,
                ),
                field(
                    "f3",
                    1,
                    "Attestation de quotient familial",
                    "Datée de moins de trois mois, délivrée par la CAF ou la MSA.",
                    FieldKind::Document,
                    FactKey::FamilyQuotient,
                ),
                FieldDef {
                    required: true,
                    fact: None,
                    ..field(
                        "f4",
                        2,
                        "Où souhaitez-vous partir ?",
                        "Une ville ou une région suffit.",
                        FieldKind::Text,
                        FactKey::FamilyQuotient,
                    )
                },
            ];
            Ok(())
        },
    )
    .await?;
    Ok(())
}

/// What `serve --demo` prints.
pub fn logins_text(base_url: &str) -> String {
    let mut text = format!(
        "Département de démonstration : {base_url}/demo/\nEspace agents : {base_url}/demo/agents/connexion\nComptes (mot de passe : {DEMO_PASSWORD}) :\n"
    );
    for role in Role::ALL {
        let strong = if role.always_requires_second_factor() {
            " (double authentification demandée à la première connexion)"
        } else {
            ""
        };
        text.push_str(&format!(
            "  {:<40} {}{strong}\n",
            demo_email(role),
            role.label()
        ));
    }
    text.push_str(
        "Ou « S'identifier avec ProConnect » (simulé) : Claire DUPONT est l'administratrice, avec double authentification\n",
    );
    text.push_str(&format!(
        "Espace usagers : {base_url}/demo/connexion (FranceConnect simulé : choisissez une identité de test)\n"
    ));
    text
}
