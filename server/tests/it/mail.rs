//! Mail goes through each tenant's outbox and a job, over real SMTP to a server on loopback;
//! an outage delays mail but loses none, and concurrent deliveries send each message once.

use guichet::entity::mail_outbox;
use guichet::mail::{self, DeliverMail, MailAttachment, Mailer, OutgoingMail};
use guichet::server::ServerOptions;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use tenants::{Module, Tenant};

use crate::harness::{Backend, TestApp, both_engines};
use crate::smtp::SmtpSink;

both_engines!(
    queued_mail_is_delivered_over_smtp_by_the_worker,
    an_outage_delays_mail_but_loses_none,
    concurrent_deliveries_send_each_message_once,
    sent_mail_is_purged_after_its_delay,
    a_suspended_departments_mail_waits_until_it_is_resumed
);

fn mailer_for(url: &str) -> Mailer {
    Mailer::new(Some(url), "Département du Gard <ne-pas-repondre@gard.test>").unwrap()
}

async fn queue_one(tenant: &Tenant, to: &str, subject: &str, attachments: Vec<MailAttachment>) {
    let txn = tenant.db().begin().await.unwrap();
    mail::queue(
        &txn,
        OutgoingMail {
            to: to.into(),
            subject: subject.into(),
            text: "Bonjour,\nVotre demande a bien été reçue : 12,50 €.\n".into(),
            attachments,
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

async fn outbox(tenant: &Tenant) -> Vec<mail_outbox::Model> {
    let txn = tenant.db().begin().await.unwrap();
    let rows = mail_outbox::Entity::find().all(&txn).await.unwrap();
    txn.commit().await.unwrap();
    rows
}

async fn queued_mail_is_delivered_over_smtp_by_the_worker(backend: Backend) {
    let sink = SmtpSink::start();
    let options = ServerOptions {
        mailer: mailer_for(&sink.url()),
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let pdf = b"%PDF-1.4 lettre".to_vec();
    queue_one(
        &tenant,
        "angela.dubois@courriel.test",
        "Accusé de réception — demande GARD-2026-000001",
        vec![MailAttachment::new("décision.pdf", "application/pdf", &pdf)],
    )
    .await;
    guichet::jobs::enqueue(
        &app.platform,
        DeliverMail {
            tenant: "gard".into(),
        },
    )
    .await
    .unwrap();

    let received = sink.wait_for(1).await;
    let mail = &received[0];
    assert_eq!(
        mail.subject,
        "Accusé de réception — demande GARD-2026-000001"
    );
    assert_eq!(mail.to, "angela.dubois@courriel.test");
    assert_eq!(mail.envelope_to, ["angela.dubois@courriel.test"]);
    assert!(mail.text.contains("12,50 €"), "{}", mail.text);
    assert_eq!(
        mail.attachments,
        [("décision.pdf".into(), "application/pdf".into(), pdf)]
    );
    // Marked sent (the worker may still be writing it).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while outbox(&tenant).await[0].sent_at.is_none() {
        assert!(std::time::Instant::now() < deadline, "never marked sent");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(mail::pending_count(&tenant).await.unwrap(), 0);
    app.stop().await;
}

async fn an_outage_delays_mail_but_loses_none(backend: Backend) {
    // The mail server's port, with nobody listening yet.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = reserved.local_addr().unwrap();
    drop(reserved);
    let mailer = mailer_for(&format!("smtp://{addr}"));
    // The app's own worker may deliver too (its sweep runs at start): same mail server.
    let options = ServerOptions {
        mailer: mailer.clone(),
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    queue_one(
        &tenant,
        "karim.benali@courriel.test",
        "Message en attente",
        vec![],
    )
    .await;

    assert_eq!(mail::deliver_due(&tenant, &mailer).await.unwrap(), 0);
    let row = outbox(&tenant).await.remove(0);
    let attempts = row.attempts;
    assert!(attempts >= 1);
    assert!(row.sent_at.is_none());
    assert!(row.last_error.is_some());
    assert!(
        row.next_attempt_at > chrono::Utc::now().timestamp(),
        "retried later"
    );
    // Not due yet: nothing is attempted.
    assert_eq!(mail::deliver_due(&tenant, &mailer).await.unwrap(), 0);
    assert_eq!(outbox(&tenant).await[0].attempts, attempts);

    // The server comes back; time passes.
    let sink = SmtpSink::start_on(std::net::TcpListener::bind(addr).unwrap());
    let txn = tenant.db().begin().await.unwrap();
    let mut due: mail_outbox::ActiveModel = row.into();
    due.next_attempt_at = Set(chrono::Utc::now().timestamp());
    due.update(&txn).await.unwrap();
    txn.commit().await.unwrap();
    mail::deliver_due(&tenant, &mailer).await.unwrap();
    assert_eq!(sink.wait_for(1).await[0].subject, "Message en attente");
    assert_eq!(mail::pending_count(&tenant).await.unwrap(), 0);
    assert!(outbox(&tenant).await[0].attempts > attempts);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1, "sent once");
    app.stop().await;
}

async fn concurrent_deliveries_send_each_message_once(backend: Backend) {
    let sink = SmtpSink::start();
    let mailer = mailer_for(&sink.url());
    // The app's own worker may join in (its sweep runs at start): same mail server.
    let options = ServerOptions {
        mailer: mailer.clone(),
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    for i in 0..12 {
        queue_one(
            &tenant,
            "lucas.nguyen@courriel.test",
            &format!("Message {i}"),
            vec![],
        )
        .await;
    }
    let (a, b, c) = tokio::join!(
        mail::deliver_due(&tenant, &mailer),
        mail::deliver_due(&tenant, &mailer),
        mail::deliver_due(&tenant, &mailer)
    );
    assert!(a.unwrap() + b.unwrap() + c.unwrap() <= 12);
    let mut subjects: Vec<String> = sink
        .wait_for(12)
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 12);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 12, "no message twice");
    app.stop().await;
}

/// Sent mail carries links: it is deleted after the configured delay; unsent mail stays.
async fn sent_mail_is_purged_after_its_delay(backend: Backend) {
    let app = TestApp::start(backend).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    for subject in ["ancien", "récent", "en attente"] {
        queue_one(&tenant, "angela.dubois@courriel.test", subject, vec![]).await;
    }
    let days_ago = |days: i64| Some(chrono::Utc::now() - chrono::Duration::days(days));
    let mut rows = outbox(&tenant).await;
    rows.sort_by_key(|m| m.id);
    let txn = tenant.db().begin_write().await.unwrap();
    for (row, sent_at) in rows.into_iter().zip([days_ago(40), days_ago(3), None]) {
        let mut row: mail_outbox::ActiveModel = row.into();
        row.sent_at = Set(sent_at);
        row.update(&txn).await.unwrap();
    }
    txn.commit().await.unwrap();
    let purged = mail::purge_sent(&tenant, std::time::Duration::from_secs(30 * 24 * 3600))
        .await
        .unwrap();
    assert_eq!(purged, 1);
    let mut left: Vec<String> = outbox(&tenant)
        .await
        .into_iter()
        .map(|m| m.subject)
        .collect();
    left.sort();
    assert_eq!(left, ["en attente", "récent"]);
    app.stop().await;
}

/// While the operator suspends a department, its jobs stop: its mail stays in the outbox, and
/// goes once the department is resumed.
async fn a_suspended_departments_mail_waits_until_it_is_resumed(backend: Backend) {
    let sink = SmtpSink::start();
    let options = ServerOptions {
        mailer: mailer_for(&sink.url()),
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let slug = tenants::Slug::parse("gard").unwrap();
    app.platform
        .set_tenant_status(&slug, tenants::TenantStatus::Suspended)
        .await
        .unwrap();
    queue_one(&tenant, "angela.dubois@courriel.test", "en attente", vec![]).await;
    mail::wake(&app.platform, &tenant).await;
    mail::sweep(&app.platform).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert!(sink.received().is_empty(), "nothing sent while suspended");
    assert!(outbox(&tenant).await[0].sent_at.is_none());

    app.platform
        .set_tenant_status(&slug, tenants::TenantStatus::Active)
        .await
        .unwrap();
    mail::sweep(&app.platform).await.unwrap();
    let sent = sink.wait_for(1).await;
    assert_eq!(sent[0].subject, "en attente");
    app.stop().await;
}
