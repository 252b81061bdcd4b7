//! What every department has, whatever modules it subscribed to: its home page, citizens'
//! and staff sign-in, the citizen's space, the staff dashboard and module pages, the
//! administrator's staff accounts and journal; the tables they keep (citizens, their
//! documents, the audit journal, the mail outbox); and the platform's own jobs (mail delivery,
//! housekeeping).

use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use axum::routing::{get, post};
use sea_orm::DbErr;
use serde::{Deserialize, Serialize};
use tenants::{Platform, Slug, Tenant};
use tower_sessions::session_store::ExpiredDeletion;

use crate::citizens::Citizen;
use crate::citizens::file::{Item, Section, Sections, date, line};
use crate::entity::{audit_entry, audit_journal_cut, citizen, department_brand, document};
use crate::http::{
    admin, auth, brand, citizen as citizen_pages, identity_policy, pages, proconnect,
    second_factor, staff_password,
};
use crate::jobs::{self, Running};
use crate::mail::{self, DeliverMail, Mailer};
use crate::modules::{Boxed, Part, Routes, Services, Table, section};
use crate::session_store::DbSessionStore;
use crate::throttle;
use crate::{audit, documents};

pub static PART: Part = Part {
    module: None,
    routes,
    staff_nav: |_, _: crate::staff::DeskAccess| Vec::new(),
    admin_nav: crate::modules::no_nav,
    citizen_nav: crate::modules::no_nav,
    home: None,
    workers,
    schedules,
    housekeeping: crate::modules::no_housekeeping,
    files: None,
    follow_ups: None,
    access,
    tables: || {
        vec![
            Table::of::<audit_entry::Entity>(Some(section::JOURNAL)).append_only(),
            Table::of::<audit_journal_cut::Entity>(None),
            Table::of::<citizen::Entity>(None),
            Table::of::<document::Entity>(Some(section::DOCUMENTS)),
            Table::of::<department_brand::Entity>(None),
        ]
    },
    indicators: None,
    retention: None,
};

fn routes(routes: Routes) -> Routes {
    routes
        .route("/", get(pages::department_home))
        .route("/composants", get(pages::components_catalogue))
        .route(
            "/connexion",
            get(citizen_pages::login_page).post(citizen_pages::local_login),
        )
        .route(
            "/inscription",
            get(citizen_pages::sign_up_page).post(citizen_pages::sign_up),
        )
        .route(
            "/inscription/confirmer",
            get(citizen_pages::confirm_page).post(citizen_pages::confirm),
        )
        .route(
            "/mot-de-passe-oublie",
            get(citizen_pages::forgot_page).post(citizen_pages::forgot),
        )
        .route(
            "/mot-de-passe/nouveau",
            get(citizen_pages::new_password_page).post(citizen_pages::new_password),
        )
        .route(
            "/connexion/franceconnect",
            get(citizen_pages::franceconnect_start),
        )
        .route(
            citizen_pages::FRANCECONNECT_RETURN_PATH,
            get(citizen_pages::franceconnect_return),
        )
        .route("/deconnexion", post(citizen_pages::logout))
        .route("/deconnexion/terminee", get(citizen_pages::signed_out))
        .route("/mon-espace", get(citizen_pages::space))
        .route("/documents/{id}", get(citizen_pages::own_document))
        .route("/agents", get(pages::to_staff_home))
        .route("/agents/", get(pages::staff_home))
        .route("/agents/connexion", get(auth::login_page).post(auth::login))
        .route("/agents/connexion/proconnect", get(proconnect::start))
        .route(proconnect::RETURN_PATH, get(proconnect::finish))
        .route(
            "/agents/connexion/code",
            get(second_factor::code_page).post(second_factor::code_submit),
        )
        .route(
            "/agents/securite/double-facteur",
            get(second_factor::enrol_page).post(second_factor::enrol_submit),
        )
        .route(
            "/agents/securite/double-facteur/codes-de-secours",
            post(second_factor::renew_recovery_codes),
        )
        .route(
            "/agents/securite/double-facteur/supprimer",
            post(second_factor::remove),
        )
        .route(
            staff_password::LINK_PATH,
            get(staff_password::link_form).post(staff_password::link_submit),
        )
        .route(
            "/agents/securite/mot-de-passe",
            get(staff_password::change_form).post(staff_password::change_submit),
        )
        .route("/agents/deconnexion", post(auth::logout))
        .route("/agents/modules/{module}", get(pages::module_home))
        .route("/agents/admin/comptes", get(admin::staff_list))
        .route(
            "/agents/admin/comptes/nouveau",
            get(admin::new_staff_form).post(admin::create_staff),
        )
        .route(
            "/agents/admin/comptes/{id}",
            get(admin::edit_staff_form).post(admin::update_staff),
        )
        .route(
            "/agents/admin/comptes/{id}/double-facteur/reinitialiser",
            post(admin::reset_second_factor),
        )
        .route("/agents/admin/comptes/{id}/lien", post(admin::send_link))
        .route(
            "/agents/admin/comptes/{id}/desactiver",
            post(admin::deactivate),
        )
        .route(
            "/agents/admin/comptes/{id}/reactiver",
            post(admin::reactivate),
        )
        .route(
            "/agents/admin/identite",
            get(identity_policy::page).post(identity_policy::save),
        )
        .route("/agents/admin/journal", get(admin::audit_journal))
        .route("/agents/admin/apparence", get(brand::page))
        .route("/agents/admin/apparence/couleur", post(brand::save_colour))
        .route("/agents/admin/apparence/logo", post(brand::save_logo))
        .route("/apparence.css", get(brand::stylesheet))
        .route("/logo.png", get(brand::logo))
}

fn workers(services: &Services) -> Vec<Running<anyhow::Result<()>>> {
    vec![
        jobs::worker!(
            services.platform,
            services.instance,
            "housekeeping",
            housekeeping,
            data = services.clone()
        ),
        jobs::worker!(
            services.platform,
            services.instance,
            "mail",
            deliver_mail,
            data = services.mailer.clone()
        ),
    ]
}

fn schedules(services: &Services) -> Vec<Running<()>> {
    vec![
        Box::pin(schedule_housekeeping(
            services.platform.clone(),
            Duration::from_secs(600),
        )),
        Box::pin(schedule_mail_sweep(
            services.platform.clone(),
            Duration::from_secs(30),
        )),
    ]
}

/// Deletes expired sessions and login failures older than the throttling window.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Housekeeping {
    /// When it was asked for (Unix seconds); informative only.
    pub requested_at: i64,
}

/// Puts a housekeeping job in the queue.
pub async fn enqueue_housekeeping(platform: &Platform) -> anyhow::Result<()> {
    jobs::enqueue(
        platform,
        Housekeeping {
            requested_at: chrono::Utc::now().timestamp(),
        },
    )
    .await
}

/// The housekeeping job itself; also callable directly. Besides the platform's own, each
/// part's share runs for every department that has it.
pub async fn housekeeping(
    _job: Housekeeping,
    platform: Data<Platform>,
    services: Data<Services>,
) -> Result<(), BoxDynError> {
    DbSessionStore::new(platform.db().clone())
        .delete_expired()
        .await?;
    throttle::purge_old(&platform, services.throttle).await?;
    let kept = i64::try_from(jobs::FINISHED_JOBS_KEPT.as_secs()).unwrap_or(i64::MAX);
    jobs::purge_finished(&platform, chrono::Utc::now().timestamp() - kept).await?;
    for tenant in platform.list_tenants().await? {
        for part in crate::modules::PARTS {
            if part.module.is_none_or(|m| tenant.has_module(m)) {
                (part.housekeeping)(&platform, &tenant).await?;
            }
        }
        mail::purge_sent(&tenant, services.sent_mail_kept).await?;
        if let Some(anchor) = &services.journal_anchor {
            anchor.checkpoint(&tenant).await?;
        }
    }
    Ok(())
}

/// Delivers one tenant's due mail; a tenant removed since is nothing to do.
pub async fn deliver_mail(
    job: DeliverMail,
    platform: Data<Platform>,
    mailer: Data<Mailer>,
) -> Result<(), BoxDynError> {
    let slug = Slug::parse(&job.tenant)?;
    // A suspended department's mail waits in its outbox; the sweep sends it once resumed.
    if let Some(tenant) = platform.tenant_by_slug(&slug).await?
        && !tenant.is_suspended()
    {
        mail::deliver_due(&tenant, &mailer).await?;
    }
    Ok(())
}

/// Enqueues mail delivery for tenants with mail due, on a schedule (retries after an outage,
/// and mail whose enqueue was lost to a crash).
pub async fn schedule_mail_sweep(platform: Platform, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        if let Err(e) = mail::sweep(&platform).await {
            tracing::warn!(error = %e, "could not sweep the mail outboxes");
        }
    }
}

/// Enqueues housekeeping on a schedule, the first time one period after start.
pub async fn schedule_housekeeping(platform: Platform, every: Duration) {
    jobs::every(platform, every, every, "housekeeping", || Housekeeping {
        requested_at: chrono::Utc::now().timestamp(),
    })
    .await;
}

/// The foundation's sections of a citizen's right of access: the documents they sent and the
/// journal of staff reads and changes.
fn access<'a>(tenant: &'a Tenant, citizen: &'a Citizen) -> Boxed<'a, Sections> {
    Box::pin(async move {
        Ok(vec![
            documents_of(tenant, citizen.id).await?,
            journal(tenant, citizen.id).await?,
        ])
    })
}

/// The documents they sent.
async fn documents_of(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    Ok(Section {
        title: section::DOCUMENTS.into(),
        items: documents::list_for_citizen(tenant, id)
            .await?
            .into_iter()
            .map(|d| Item {
                heading: d.label(),
                lines: vec![line("Type", &d.content_type)],
            })
            .collect(),
    })
}

/// Every staff read or change of their file.
async fn journal(tenant: &Tenant, id: i64) -> Result<Section, DbErr> {
    Ok(Section {
        title: section::JOURNAL.into(),
        items: audit::for_citizen(tenant, id, 10_000)
            .await?
            .into_iter()
            .map(|e| Item {
                heading: date(e.at),
                lines: vec![
                    line(
                        "Service",
                        tenants::Module::parse(&e.module).map_or("Département", |m| m.label()),
                    ),
                    line(
                        "Rôle",
                        e.actor_role
                            .split(',')
                            .filter_map(|r| crate::staff::Role::parse(r).ok())
                            .map(crate::staff::Role::label)
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    line("Ce qui a été fait", audit::sentence(&e.action)),
                    line("Motif", audit::sentence(&e.reason)),
                ],
            })
            .collect(),
    })
}
