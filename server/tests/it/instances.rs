//! Several instances on one PostgreSQL: processes starting together on the same database, two
//! `guichet serve` behind a round-robin balancer sharing sessions, jobs, files and schedules.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use guichet::balancer::Balancer;
use guichet::staff::{self, Email, NewStaff, Role};
use reqwest::StatusCode;
use tenants::{Engine, Module, NewTenant, Platform, Slug, StoreConfig};

use crate::fixtures;
use crate::harness::{TEST_SETUP, Visitor, drop_pg_database, fresh_pg_database};
use crate::s3::ObjectStore;
use crate::smtp::SmtpSink;

/// Every process of a platform shares its secret key (form tokens, sealed second factors).
const KEY: &str = "c2VjcmV0IGtleSBvZiB0aGUgcGxhdGZvcm0gMzIgYnk=";
const INSTRUCTOR: &str = "inst@gard.fr";
const PASSWORD: &str = "une phrase que l'instructrice a choisie";

/// One `guichet serve` process on the shared database.
struct Instance {
    process: Child,
    addr: SocketAddr,
}

impl Instance {
    /// `env`: where the files are, when not in the data directory.
    fn start(url: &str, data: &std::path::Path, smtp: &str, env: &[(&str, &str)]) -> Self {
        let mut process = Command::new(env!("CARGO_BIN_EXE_guichet"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .envs(env.iter().copied())
            .env("DATABASE_URL", url)
            .env("GUICHET_DATA_DIR", data)
            .env("GUICHET_SECRET_KEY", KEY)
            .env("GUICHET_SMTP_URL", smtp)
            .env("GUICHET_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = process.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut text = String::new();
            err.read_to_string(&mut text).ok();
        });
        let mut out = BufReader::new(process.stdout.take().unwrap());
        let addr = loop {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "serve stopped");
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split_whitespace().next().unwrap().parse().unwrap();
            }
        };
        std::thread::spawn(move || {
            let mut text = String::new();
            out.read_to_string(&mut text).ok();
        });
        Self { process, addr }
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.process.kill().ok();
        self.process.wait().ok();
    }
}

/// The Gard with an instructor and five filed requests, written by the test as an operator's
/// command line would, before the instances start.
async fn gard(url: &str, data: &std::path::Path) {
    let platform = Platform::open(StoreConfig {
        engine: Engine::Postgres {
            url: url.to_owned(),
        },
        data_dir: data.to_owned(),
        pg_max_connections: 4,
        files: Default::default(),
    })
    .await
    .unwrap();
    guichet::jobs::setup(&platform).await.unwrap();
    let gard = platform
        .create_tenant(NewTenant {
            slug: Slug::parse("gard").unwrap(),
            name: "Gard".into(),
            modules: vec![Module::AidRequests],
            domain: None,
        })
        .await
        .unwrap();
    staff::create_account(
        &platform,
        &gard,
        NewStaff {
            email: Email::parse(INSTRUCTOR).unwrap(),
            display_name: "Instructrice".into(),
            roles: vec![Role::AidInstructor],
            first_password: staff::FirstPassword::Known(PASSWORD.into()),
        },
        TEST_SETUP,
    )
    .await
    .unwrap();
    let aid = fixtures::rent_aid(&gard).await;
    for n in 0..5 {
        fixtures::filed(&gard, &aid, n).await;
    }
    platform.db().clone().close().await.ok();
}

/// Two instances of one platform holding the Gard, their mail going to a real SMTP listener,
/// behind a balancer.
struct TwoInstances {
    url: String,
    _data: Vec<tempfile::TempDir>,
    sink: SmtpSink,
    instances: Vec<Instance>,
    balancer: Balancer,
}

impl TwoInstances {
    /// On one shared data directory.
    async fn start() -> Self {
        Self::start_on(None).await
    }

    /// With `bucket`, the files go to `s3://guichet/fichiers` in it and each instance has a
    /// data directory of its own: no disk is shared.
    async fn start_on(bucket: Option<&ObjectStore>) -> Self {
        let url = fresh_pg_database().await;
        let sink = SmtpSink::start();
        let data: Vec<tempfile::TempDir> = (0..if bucket.is_some() { 2 } else { 1 })
            .map(|_| tempfile::tempdir().unwrap())
            .collect();
        gard(&url, data[0].path()).await;
        let mut env = bucket.map_or_else(Vec::new, |b| b.env().to_vec());
        if bucket.is_some() {
            env.push(("GUICHET_FILES", "s3://guichet/fichiers"));
        }
        let instances: Vec<Instance> = (0..2)
            .map(|n| Instance::start(&url, data[n % data.len()].path(), &sink.url(), &env))
            .collect();
        let balancer = Balancer::start(instances.iter().map(|i| i.addr).collect())
            .await
            .unwrap();
        Self {
            url,
            _data: data,
            sink,
            instances,
            balancer,
        }
    }
}

/// The instructor asks the first instance for an export of the queue and downloads it from
/// the second: a header and the Gard's five requests.
async fn an_export_crosses_instances(instructor: &Visitor, instances: &[Instance]) {
    let mut on_first = instructor.clone();
    on_first.addr = instances[0].addr;
    let mut on_second = instructor.clone();
    on_second.addr = instances[1].addr;
    let queue = on_first.get("/gard/agents/demandes").await;
    let started = on_first
        .post("/gard/agents/demandes/export", &[("csrf", &queue.csrf())])
        .await;
    let page = started.location.expect("the export's page");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let progress = on_second.get(&page).await;
        if progress.body.contains("Télécharger le fichier CSV") {
            break;
        }
        assert!(Instant::now() < deadline, "{}", progress.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let file = on_second.get(&format!("{page}/fichier")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(
        file.body.lines().count(),
        6,
        "a header and five requests: {}",
        file.body
    );
}

/// A citizen creates an account through the balancer; whether it was created (« Vérifiez votre
/// messagerie »: the confirmation waits in the outbox).
async fn sign_up(balancer: SocketAddr, email: &str) -> bool {
    let mut citizen = Visitor::at(balancer).one_connection_per_request();
    let form = citizen.get("/gard/inscription").await;
    let password = "une citoyenne et sa phrase secrète";
    let page = citizen
        .post(
            "/gard/inscription",
            &[
                ("csrf", &form.csrf()),
                ("given_name", "Awa"),
                ("family_name", "Diop"),
                ("email", email),
                ("password", password),
                ("password_again", password),
            ],
        )
        .await;
    page.status == StatusCode::OK && page.body.contains("Vérifiez votre messagerie")
}
/// Migrations take a lock: two instances started at once on a fresh database both come up,
/// one migrating while the other waits, then finding nothing left to do.
#[tokio::test]
async fn instances_starting_together_migrate_one_after_the_other() {
    for _ in 0..3 {
        let url = fresh_pg_database().await;
        let data = tempfile::tempdir().unwrap();
        let start = || {
            Command::new(env!("CARGO_BIN_EXE_guichet"))
                .arg("migrate")
                .env("DATABASE_URL", &url)
                .env("GUICHET_DATA_DIR", data.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let both = [start(), start()];
        for process in both {
            let out = process.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        drop_pg_database(&url).await;
    }
}

/// Each instance enqueues its periodic tasks (the silence rule, reminders, housekeeping) when
/// its own timer ticks; the period is claimed in the platform store first, so that on one
/// database it is enqueued once, whichever instance ticks first.
#[tokio::test]
async fn a_period_of_a_schedule_is_claimed_by_one_instance_only() {
    let url = fresh_pg_database().await;
    let data = tempfile::tempdir().unwrap();
    let open = || async {
        tenants::Platform::open(tenants::StoreConfig {
            engine: tenants::Engine::Postgres { url: url.clone() },
            data_dir: data.path().to_owned(),
            pg_max_connections: 10,
            files: Default::default(),
        })
        .await
        .unwrap()
    };
    let instances = [open().await, open().await];
    let hour = std::time::Duration::from_secs(3600);
    let claims = (0..16).map(|n| {
        let instance = instances[n % 2].clone();
        tokio::spawn(async move {
            guichet::jobs::claim_period(&instance, "the silence job", hour)
                .await
                .unwrap()
        })
    });
    let mut won = 0;
    for claim in claims {
        won += usize::from(claim.await.unwrap());
    }
    assert_eq!(won, 1, "sixteen ticks of one period, on two instances");
    // Another schedule's period is its own.
    assert!(
        guichet::jobs::claim_period(&instances[1], "housekeeping", hour)
            .await
            .unwrap()
    );
    for instance in instances {
        instance.db().clone().close().await.ok();
    }
    drop_pg_database(&url).await;
}

/// Two instances behind a balancer are one platform: a session opened on one is open on the
/// other, an export made on one downloads from the other (one shared data directory), and each
/// mail job runs once, whichever instance takes it.
#[tokio::test]
async fn two_instances_behind_a_balancer_are_one_platform() {
    let TwoInstances {
        url,
        _data,
        sink,
        instances,
        balancer,
    } = TwoInstances::start().await;

    // Signed in once, through whichever instance took the form.
    let mut instructor = Visitor::at(balancer.addr).one_connection_per_request();
    let signed = instructor.sign_in("/gard", INSTRUCTOR, PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    for _ in 0..6 {
        let queue = instructor.get("/gard/agents/demandes").await;
        assert_eq!(
            queue.status,
            StatusCode::OK,
            "signed in on both: {}",
            queue.body
        );
        assert!(queue.body.contains("Exporter ces"), "{}", queue.body);
    }
    assert!(
        balancer.served().iter().all(|n| *n >= 3),
        "{:?}",
        balancer.served()
    );

    // An export asked of the first instance is downloaded from the second.
    an_export_crosses_instances(&instructor, &instances).await;

    // Each citizen's confirmation goes once, whichever instance's worker sends it.
    let emails: Vec<String> = (0..8).map(|n| format!("awa{n}@exemple.fr")).collect();
    for email in &emails {
        assert!(sign_up(balancer.addr, email).await, "{email}");
    }
    sink.wait_for(emails.len()).await;
    // Time for a second sending, were a job run twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut recipients: Vec<String> = sink
        .received()
        .into_iter()
        .flat_map(|m| m.envelope_to)
        .collect();
    recipients.sort();
    assert_eq!(recipients, emails, "each mail once");

    drop(instances);
    drop_pg_database(&url).await;
}

/// Files in a bucket, each instance on a data directory of its own: an export made by one
/// instance's job is downloaded from the other, and it is nowhere on either disk.
#[tokio::test]
async fn instances_on_data_directories_of_their_own_share_files_through_a_bucket() {
    let bucket = ObjectStore::start(&["guichet"]);
    let TwoInstances {
        url,
        _data: data,
        instances,
        balancer,
        ..
    } = TwoInstances::start_on(Some(&bucket)).await;
    let mut instructor = Visitor::at(balancer.addr).one_connection_per_request();
    let signed = instructor.sign_in("/gard", INSTRUCTOR, PASSWORD).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    an_export_crosses_instances(&instructor, &instances).await;
    let exports = bucket.path("guichet/fichiers/gard/exports");
    let stored: Vec<_> = std::fs::read_dir(&exports)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert!(stored[0].ends_with(".csv"), "{stored:?}");
    for dir in &data {
        let exports = dir.path().join("files/gard/exports");
        let left: Vec<_> = std::fs::read_dir(&exports)
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "no copy on an instance's disk: {left:?}");
    }
    drop(instances);
    drop_pg_database(&url).await;
}

/// One instance killed (`kill -9`) while citizens keep creating accounts: the balancer sends
/// the next connections to the other, every account whose creation was answered is there with
/// its confirmation mail in the outbox (written in the same transaction), and no mail goes
/// twice.
#[tokio::test]
async fn an_instance_killed_under_load_loses_no_accepted_submission() {
    let TwoInstances {
        url,
        _data: data,
        sink,
        mut instances,
        balancer,
    } = TwoInstances::start().await;

    let accepted = Arc::new(std::sync::Mutex::new(Vec::new()));
    let refused = Arc::new(AtomicUsize::new(0));
    let after_the_kill = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load: Vec<_> = (0..4)
        .map(|client| {
            let (accepted, refused, addr) = (accepted.clone(), refused.clone(), balancer.addr);
            let (killed, after_the_kill) = (killed.clone(), after_the_kill.clone());
            tokio::spawn(async move {
                for n in 0..15 {
                    let email = format!("c{client}-{n}@exemple.fr");
                    // A request cut by the kill panics in the visitor: counted as refused.
                    let outcome = tokio::spawn({
                        let email = email.clone();
                        async move { sign_up(addr, &email).await }
                    })
                    .await;
                    match outcome {
                        Ok(true) => {
                            if killed.load(Ordering::Relaxed) {
                                after_the_kill.fetch_add(1, Ordering::Relaxed);
                            }
                            accepted.lock().unwrap().push(email);
                        }
                        _ => {
                            refused.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    // `Child::kill` is SIGKILL: no shutdown, no request finished.
    drop(instances.remove(0));
    killed.store(true, Ordering::Relaxed);
    for client in load {
        client.await.unwrap();
    }
    let accepted = accepted.lock().unwrap().clone();
    eprintln!(
        "{} accounts created, {} cut by the kill",
        accepted.len(),
        refused.load(Ordering::Relaxed)
    );
    assert!(
        after_the_kill.load(Ordering::Relaxed) > 0,
        "the load went on past the kill, on the survivor"
    );

    let platform = Platform::open(StoreConfig {
        engine: Engine::Postgres { url: url.clone() },
        data_dir: data[0].path().to_owned(),
        pg_max_connections: 2,
        files: Default::default(),
    })
    .await
    .unwrap();
    let gard = platform
        .tenant_by_slug(&Slug::parse("gard").unwrap())
        .await
        .unwrap()
        .unwrap();
    let txn = gard.db().begin().await.unwrap();
    use sea_orm::EntityTrait as _;
    let citizens: Vec<String> = guichet::entity::citizen::Entity::find()
        .all(&txn)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.email)
        .collect();
    let outbox: Vec<String> = guichet::entity::mail_outbox::Entity::find()
        .all(&txn)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.recipient)
        .collect();
    txn.commit().await.unwrap();
    for email in &accepted {
        assert!(citizens.contains(email), "{email}'s account was lost");
        assert!(outbox.contains(email), "{email}'s confirmation was lost");
    }

    // The survivor delivers; nothing twice.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let mut recipients: Vec<String> = sink
        .received()
        .into_iter()
        .flat_map(|m| m.envelope_to)
        .collect();
    let delivered = recipients.len();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), delivered, "a mail went twice");
    platform.db().clone().close().await.ok();
    drop(instances);
    drop_pg_database(&url).await;
}
