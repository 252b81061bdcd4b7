//! The demo department: created on request by `guichet serve --demo`, with one account per role.

use tenants::{Module, NewTenant, Platform, Slug, Tenant};

use crate::staff::{self, Email, NewStaff, Role};

pub const DEMO_SLUG: &str = "demo";
/// The demo accounts' shared password. Demo only: never create such a department in production.
pub const DEMO_PASSWORD: &str = "demo-guichet-2026";

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
    for role in Role::ALL {
        staff::create_account(
            platform,
            &tenant,
            NewStaff {
                email: Email::parse(&demo_email(role))?,
                display_name: format!("Agent démo — {}", role.label()),
                roles: vec![role],
                password: DEMO_PASSWORD.into(),
            },
        )
        .await?;
    }
    Ok(tenant)
}

/// What `serve --demo` prints.
pub fn logins_text(base_url: &str) -> String {
    let mut text = format!(
        "Département de démonstration : {base_url}/demo/\nEspace agents : {base_url}/demo/agents/connexion\nComptes (mot de passe : {DEMO_PASSWORD}) :\n"
    );
    for role in Role::ALL {
        text.push_str(&format!("  {:<40} {}\n", demo_email(role), role.label()));
    }
    text.push_str(&format!(
        "Espace usagers : {base_url}/demo/connexion (FranceConnect simulé : choisissez une identité de test)\n"
    ));
    text
}
