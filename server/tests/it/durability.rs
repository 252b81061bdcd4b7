//! National data pulls survive crashes and faults. The real `guichet serve` binary is killed
//! with SIGKILL (`kill -9`) several times while 1,000 pulls are queued; after the last restart
//! every pull has ended exactly once: no pull lost, no fact stored twice. With 30 % of the
//! simulator's answers failing, every pull still ends in a state people can read.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use guichet::api_particulier::simulator::{self, DEMO_TOKEN, Faults, SimulatorConfig};
use guichet::citizens;
use guichet::entity::{data_pull, national_call, national_fact};
use guichet::franceconnect::FcIdentity;
use guichet::national::pull::{self, Pull, PullState, RequestedBy};
use guichet::server::ServerOptions;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use tenants::{Engine, Module, NewTenant, Platform, Slug, StoreConfig, Tenant};

use crate::fixtures::AidBuilder;
use crate::harness::{Backend, TestApp, api_particulier_client, both_engines, fresh_pg_database};

both_engines!(
    kill_9_while_a_thousand_pulls_are_queued_loses_and_duplicates_nothing,
    with_thirty_percent_of_calls_failing_every_pull_ends_visibly,
    a_backlog_longer_than_the_claim_calls_once_per_pull,
);

/// Half the people have a CAF file (Fatou DIALLO), half have none (Karim BENALI).
fn person(i: usize) -> FcIdentity {
    let (given, family, birthdate, gender, country) = if i.is_multiple_of(2) {
        ("Fatou", "DIALLO", "1979-01-09", "female", "99341")
    } else {
        ("Karim", "BENALI", "1988-03-02", "male", "99100")
    };
    FcIdentity {
        sub: format!("durability-{i}"),
        given_name: given.into(),
        family_name: family.into(),
        birthdate: birthdate.into(),
        gender: gender.into(),
        birthplace: String::new(),
        birthcountry: country.into(),
        email: format!("usager{i}@courriel.test"),
        preferred_username: String::new(),
    }
}

/// `count` citizens, each with a consent and a queued pull (not yet enqueued).
async fn queue_pulls(tenant: &Tenant, count: usize) -> Vec<Pull> {
    let aid = AidBuilder::new("Aide aux vacances")
        .description("Une aide pour partir en vacances en famille.")
        .eligibility("Les familles du département.")
        .create(tenant)
        .await;
    let mut pulls = Vec::with_capacity(count);
    let now = chrono::Utc::now();
    for i in 0..count {
        let citizen = citizens::sign_in_with_franceconnect(tenant, &person(i))
            .await
            .unwrap();
        let txn = tenant.db().begin_write().await.unwrap();
        let given = crate::fixtures::quotient_consent(&txn, citizen.id, aid.id, now).await;
        pulls.push(
            pull::create(
                &txn,
                &format!("durability:{i}"),
                &given,
                None,
                RequestedBy::Staff(1),
                now,
            )
            .await
            .unwrap(),
        );
        txn.commit().await.unwrap();
    }
    pulls
}

async fn ended(tenant: &Tenant) -> i64 {
    pull::count_by_state(tenant)
        .await
        .unwrap()
        .into_iter()
        .filter(|(state, _)| *state != PullState::Pending)
        .map(|(_, n)| n)
        .sum()
}

/// `guichet serve` on its own stores, pulling from the simulator at `api`.
fn serve(data_dir: &std::path::Path, database_url: Option<&str>, api: &str) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_guichet"));
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .env("GUICHET_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env("GUICHET_API_PARTICULIER_URL", api)
        .env("GUICHET_API_PARTICULIER_TOKEN", DEMO_TOKEN)
        .env("GUICHET_API_PARTICULIER_RECIPIENT", "22300001800018")
        .env("GUICHET_API_PARTICULIER_PER_SECOND", "200")
        // A short hold, so pulls held by a killed process are taken over within the test.
        .env("GUICHET_PULL_CLAIM_SECONDS", "3")
        .env("GUICHET_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(url) = database_url {
        cmd.env("DATABASE_URL", url);
    }
    cmd.spawn().expect("guichet serve starts")
}

async fn kill_9_while_a_thousand_pulls_are_queued_loses_and_duplicates_nothing(backend: Backend) {
    const PULLS: usize = 1_000;
    let data_dir = tempfile::tempdir().unwrap();
    let database_url = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(fresh_pg_database().await),
    };
    let platform = Platform::open(StoreConfig {
        engine: match &database_url {
            None => Engine::Sqlite,
            Some(url) => Engine::Postgres { url: url.clone() },
        },
        data_dir: data_dir.path().to_owned(),
        pg_max_connections: 5,
        files: Default::default(),
    })
    .await
    .unwrap();
    guichet::jobs::setup(&platform).await.unwrap();
    let tenant = platform
        .create_tenant(NewTenant {
            slug: Slug::parse("gard").unwrap(),
            name: "Département du Gard".into(),
            modules: Module::ALL.to_vec(),
            domain: None,
        })
        .await
        .unwrap();
    let pulls = queue_pulls(&tenant, PULLS).await;
    pull::wake(&platform, &tenant, &pulls).await;
    // A little latency per call, so that a kill lands while calls are under way.
    let api = simulator::spawn(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        SimulatorConfig {
            per_token_per_second: 200,
            per_address_per_minute: 100_000,
            faults: Faults {
                latency: Duration::from_millis(15),
                ..Faults::default()
            },
            ..SimulatorConfig::default()
        },
    )
    .unwrap();

    let mut kills = Vec::new();
    for _ in 0..3 {
        let before = ended(&tenant).await;
        let mut server = serve(data_dir.path(), database_url.as_deref(), &api.base_url);
        // Kill once the server has ended some more pulls, in the middle of its work.
        let deadline = Instant::now() + Duration::from_secs(60);
        while ended(&tenant).await < before + 60 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server.kill().expect("SIGKILL");
        server.wait().unwrap();
        kills.push(ended(&tenant).await);
    }
    assert!(
        kills.iter().all(|&n| n > 0 && n < PULLS as i64),
        "each kill landed while pulls were still queued: {kills:?}"
    );

    let mut server = serve(data_dir.path(), database_url.as_deref(), &api.base_url);
    let deadline = Instant::now() + Duration::from_secs(180);
    while ended(&tenant).await < PULLS as i64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.kill().unwrap();
    server.wait().unwrap();

    let counts = pull::count_by_state(&tenant).await.unwrap();
    let count = |state| counts.iter().find(|(s, _)| *s == state).unwrap().1;
    assert_eq!(count(PullState::Pending), 0, "no pull lost: {counts:?}");
    assert_eq!(count(PullState::Received), (PULLS / 2) as i64, "{counts:?}");
    assert_eq!(count(PullState::NotFound), (PULLS / 2) as i64, "{counts:?}");
    let txn = tenant.db().begin().await.unwrap();
    let facts = national_fact::Entity::find().all(&txn).await.unwrap();
    let received: Vec<i64> = data_pull::Entity::find()
        .filter(data_pull::Column::State.eq(PullState::Received))
        .all(&txn)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    let calls = national_call::Entity::find().count(&txn).await.unwrap();
    txn.commit().await.unwrap();
    // Exactly one fact per received pull, none for the others.
    let mut fact_pulls: Vec<i64> = facts.iter().map(|f| f.pull_id).collect();
    fact_pulls.sort_unstable();
    let mut expected = received.clone();
    expected.sort_unstable();
    assert_eq!(
        fact_pulls, expected,
        "one fact per received pull, no duplicate"
    );
    assert!(
        calls >= PULLS as u64,
        "every pull called at least once ({calls} calls)"
    );
    println!("killed at {kills:?} ended pulls; {calls} calls for {PULLS} pulls");
    platform.db().clone().close().await.ok();
    if let Some(url) = database_url {
        use sea_orm::ConnectionTrait as _;
        let name = url.rsplit('/').next().unwrap().to_owned();
        let admin = sea_orm::Database::connect(crate::harness::pg_admin_url())
            .await
            .unwrap();
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await
            .unwrap();
    }
}

async fn with_thirty_percent_of_calls_failing_every_pull_ends_visibly(backend: Backend) {
    const PULLS: usize = 100;
    let flaky = simulator::spawn(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        SimulatorConfig {
            faults: Faults {
                bad_gateway_share: 0.15,
                gateway_timeout_share: 0.15,
                seed: 7,
                ..Faults::default()
            },
            ..SimulatorConfig::default()
        },
    )
    .unwrap();
    let app = TestApp::start_with(
        backend,
        ServerOptions {
            api_particulier: Some(api_particulier_client(&flaky.base_url)),
            ..ServerOptions::default()
        },
    )
    .await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let pulls = queue_pulls(&tenant, PULLS).await;
    pull::wake(&app.platform, &tenant, &pulls).await;
    // The longest a pull can take: its six tries, backing off up to 32 s between them.
    let deadline = Instant::now() + Duration::from_secs(150);
    while ended(&tenant).await < PULLS as i64 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let counts = pull::count_by_state(&tenant).await.unwrap();
    let count = |state| counts.iter().find(|(s, _)| *s == state).unwrap().1;
    assert_eq!(count(PullState::Pending), 0, "every pull ended: {counts:?}");
    assert_eq!(
        count(PullState::Received) + count(PullState::Failed) + count(PullState::NotFound),
        PULLS as i64
    );
    // Failures are rare (six failed tries in a row) and each says why.
    let txn = tenant.db().begin().await.unwrap();
    let failed = data_pull::Entity::find()
        .filter(data_pull::Column::State.eq(PullState::Failed))
        .all(&txn)
        .await
        .unwrap();
    let faults = national_call::Entity::find()
        .filter(national_call::Column::HttpStatus.is_in([502, 504]))
        .count(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    for p in failed {
        assert!(p.outcome.contains("Échec après 6 essais"), "{}", p.outcome);
    }
    assert!(faults > 0, "faults were injected and retried");
    app.stop().await;
}

/// A backlog that takes longer to call than a run may hold a pull: runs wait for their turn
/// before claiming, so no claim runs out while its run waits in line, nothing is taken over
/// and called twice, and the service is called exactly once per pull (at the real service's
/// rate, about 12 % of calls were made twice and never traced before runs waited first).
async fn a_backlog_longer_than_the_claim_calls_once_per_pull(backend: Backend) {
    const PULLS: usize = 16;
    let service = simulator::spawn(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        SimulatorConfig::default(),
    )
    .unwrap();
    let app = TestApp::start_with(
        backend,
        ServerOptions {
            // 16 calls at 2 a second take 8 s, against a hold of 3 s (and a sweep every 1.5 s
            // enqueueing again whatever pending pull it finds unheld).
            api_particulier: Some(guichet::api_particulier::client::ClientConfig {
                per_second: 2,
                ..api_particulier_client(&service.base_url)
            }),
            pull_claim: Duration::from_secs(3),
            ..ServerOptions::default()
        },
    )
    .await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    let pulls = queue_pulls(&tenant, PULLS).await;
    pull::wake(&app.platform, &tenant, &pulls).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while ended(&tenant).await < PULLS as i64 {
        assert!(Instant::now() < deadline, "pulls still pending after 60 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Runs still in flight (duplicates from the sweep) must not call either.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let txn = tenant.db().begin().await.unwrap();
    let traced = national_call::Entity::find().count(&txn).await.unwrap();
    let facts = national_fact::Entity::find().count(&txn).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(traced, PULLS as u64, "one traced call per pull");
    assert_eq!(
        service.calls_received(),
        PULLS as u64,
        "the service was called once per pull, every call traced"
    );
    assert_eq!(facts, PULLS as u64 / 2, "one fact per pull with a CAF file");
    app.stop().await;
}
