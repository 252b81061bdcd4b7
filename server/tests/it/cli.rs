//! The operators' CLI, run as the real binary: bad input gets one clear French line, a
//! non-zero exit, and leaves nothing half-created.

use guichet::staff::identity;
use std::path::Path;
use std::process::{Command, Output};

use tenants::{Engine, Platform, StoreConfig};

use crate::harness::TEST_SETUP;
use crate::harness::{Backend, both_engines, pg_admin_url};

both_engines!(
    tenant_lifecycle,
    staff_reset_mfa_removes_the_second_factor,
    bad_input_leaves_nothing_behind,
    audit_verify_finds_tampering,
    export_then_import_restores_the_department,
    serve_keeps_secrets_out_of_its_log,
    serve_sends_its_request_spans_to_a_collector,
    the_journal_refuses_changes,
    signed_checkpoints_reveal_a_cut_or_rewritten_journal,
);

struct Cli {
    data_dir: tempfile::TempDir,
    database_url: Option<String>,
}

impl Cli {
    async fn new(backend: Backend) -> Self {
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(crate::harness::fresh_pg_database().await),
        };
        Self {
            data_dir: tempfile::tempdir().unwrap(),
            database_url,
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_guichet"));
        cmd.args(args)
            .env("GUICHET_DATA_DIR", self.data_dir.path())
            .env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().unwrap()
    }

    async fn platform(&self) -> Platform {
        Platform::open(StoreConfig {
            engine: match &self.database_url {
                None => Engine::Sqlite,
                Some(url) => Engine::Postgres { url: url.clone() },
            },
            data_dir: self.data_dir.path().to_owned(),
            pg_max_connections: 2,
            files: Default::default(),
        })
        .await
        .unwrap()
    }

    async fn schema_exists(&self, schema: &str) -> bool {
        use sea_orm::{ConnectionTrait, Statement};
        let platform = self.platform().await;
        let row = platform
            .db()
            .query_one_raw(Statement::from_string(
                platform.db().get_database_backend(),
                format!("SELECT 1 FROM information_schema.schemata WHERE schema_name = '{schema}'"),
            ))
            .await
            .unwrap();
        row.is_some()
    }

    async fn drop_database(&self) {
        use sea_orm::ConnectionTrait;
        if let Some(url) = &self.database_url {
            let name = url.rsplit('/').next().unwrap();
            let admin = sea_orm::Database::connect(pg_admin_url()).await.unwrap();
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .await
                .unwrap();
        }
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Fails with exactly one line on stderr, in French, with advice.
fn assert_fails_with(o: &Output, needle: &str) {
    assert!(!o.status.success(), "should fail: {}", stdout(o));
    let err = stderr(o);
    let lines: Vec<_> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {err}");
    assert!(lines[0].starts_with("erreur : "), "{err}");
    assert!(err.contains(needle), "expected « {needle} » in: {err}");
}

fn sqlite_file(data_dir: &Path, slug: &str) -> std::path::PathBuf {
    data_dir.join("tenants").join(format!("{slug}.sqlite"))
}

async fn tenant_lifecycle(backend: Backend) {
    let cli = Cli::new(backend).await;
    let o = cli.run(&[
        "tenant",
        "create",
        "cd-23",
        "--name",
        "Creuse",
        "--modules",
        "aid_requests,insertion",
        "--domain",
        "aides.creuse.fr",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = cli.run(&["tenant", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(list[0]["slug"], "cd-23");
    assert_eq!(
        list[0]["modules"],
        serde_json::json!(["aid_requests", "insertion"])
    );
    assert_eq!(list[0]["domain"], "aides.creuse.fr");
    assert_eq!(list[0]["status"], "active");

    let o = cli.run(&[
        "staff",
        "create",
        "--tenant",
        "cd-23",
        "--email",
        "chef@creuse.fr",
        "--role",
        "admin,aid_instructor",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A link for its owner to choose the password, never a password.
    let printed = stdout(&o);
    assert!(!printed.contains("mot de passe provisoire"), "{printed}");
    let link = printed
        .split_whitespace()
        .find(|w| w.contains("jeton="))
        .unwrap_or_else(|| panic!("no activation link in {printed}"));
    assert!(
        link.starts_with("http://localhost:3000/cd-23/agents/mot-de-passe/choisir?jeton="),
        "{link}"
    );

    assert!(cli.run(&["tenant", "suspend", "cd-23"]).status.success());
    let o = cli.run(&["tenant", "list", "--json"]);
    assert!(stdout(&o).contains("\"suspended\""));
    assert!(cli.run(&["tenant", "resume", "cd-23"]).status.success());
    assert!(cli.run(&["migrate"]).status.success());

    assert_fails_with(&cli.run(&["tenant", "remove", "cd-23"]), "--yes");
    let o = cli.run(&["tenant", "remove", "cd-23", "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&cli.run(&["tenant", "list"])).contains("aucun département"));
    match backend {
        Backend::Sqlite => assert!(!sqlite_file(cli.data_dir.path(), "cd-23").exists()),
        Backend::Postgres => assert!(!cli.schema_exists("tenant_cd_23").await),
    }
    cli.drop_database().await;
}

async fn bad_input_leaves_nothing_behind(backend: Backend) {
    let cli = Cli::new(backend).await;
    assert_fails_with(
        &cli.run(&["tenant", "create", "Cd_23", "--name", "X"]),
        "lettres minuscules",
    );
    assert_fails_with(
        &cli.run(&["tenant", "create", "pkg", "--name", "X"]),
        "réservé",
    );
    assert_fails_with(
        &cli.run(&[
            "tenant",
            "create",
            "cd-23",
            "--name",
            "X",
            "--modules",
            "rsa",
        ]),
        "module inconnu « rsa »",
    );
    assert_fails_with(
        &cli.run(&[
            "tenant", "create", "cd-23", "--name", "X", "--domain", "http://x",
        ]),
        "nom d'hôte",
    );
    assert_fails_with(
        &cli.run(&["tenant", "create", "cd-23", "--name", "  "]),
        "nom du département est vide",
    );
    // None of these left a file, a schema or a registry row.
    assert!(stdout(&cli.run(&["tenant", "list"])).contains("aucun département"));
    match backend {
        Backend::Sqlite => assert!(!sqlite_file(cli.data_dir.path(), "cd-23").exists()),
        Backend::Postgres => assert!(!cli.schema_exists("tenant_cd_23").await),
    }

    assert!(
        cli.run(&[
            "tenant",
            "create",
            "cd-23",
            "--name",
            "Creuse",
            "--modules",
            "aid_requests"
        ])
        .status
        .success()
    );
    assert_fails_with(
        &cli.run(&["tenant", "create", "cd-23", "--name", "Autre"]),
        "existe déjà",
    );
    assert_fails_with(
        &cli.run(&[
            "staff", "create", "--tenant", "cd-23", "--email", "a@b.fr", "--role", "chef",
        ]),
        "rôle inconnu « chef »",
    );
    assert_fails_with(
        &cli.run(&[
            "staff",
            "create",
            "--tenant",
            "cd-23",
            "--email",
            "a@b.fr",
            "--role",
            "insertion_referent",
        ]),
        "pas abonné",
    );
    assert_fails_with(
        &cli.run(&[
            "staff",
            "create",
            "--tenant",
            "cd-23",
            "--email",
            "pas-une-adresse",
            "--role",
            "admin",
        ]),
        "n'est pas valide",
    );
    assert_fails_with(
        &cli.run(&[
            "staff", "create", "--tenant", "nulle", "--email", "a@b.fr", "--role", "admin",
        ]),
        "aucun département « nulle »",
    );
    assert!(
        cli.run(&[
            "staff", "create", "--tenant", "cd-23", "--email", "a@b.fr", "--role", "admin"
        ])
        .status
        .success()
    );
    assert_fails_with(
        &cli.run(&[
            "staff", "create", "--tenant", "cd-23", "--email", "A@B.fr", "--role", "admin",
        ]),
        "existe déjà",
    );
    assert_fails_with(
        &cli.run(&["tenant", "suspend", "nulle"]),
        "aucun département",
    );

    let mut unreachable = Command::new(env!("CARGO_BIN_EXE_guichet"));
    let o = unreachable
        .args(["tenant", "list"])
        .env("GUICHET_DATA_DIR", cli.data_dir.path())
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/guichet")
        .output()
        .unwrap();
    assert_fails_with(&o, "injoignable");

    // A sealing key that is not one stops `serve` before it listens, saying what one is.
    let mut bad_key = Command::new(env!("CARGO_BIN_EXE_guichet"));
    let o = bad_key
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("GUICHET_DATA_DIR", cli.data_dir.path())
        .env("GUICHET_SECRET_KEY", "trop-court")
        .output()
        .unwrap();
    assert_fails_with(&o, "32 octets encodés en base64");
    cli.drop_database().await;
}

async fn audit_verify_finds_tampering(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let cli = Cli::new(backend).await;
    assert!(
        cli.run(&["tenant", "create", "cd-23", "--name", "Creuse"])
            .status
            .success()
    );
    for i in 0..3 {
        let email = format!("agent{i}@creuse.fr");
        assert!(
            cli.run(&[
                "staff",
                "create",
                "--tenant",
                "cd-23",
                "--email",
                &email,
                "--role",
                "reception"
            ])
            .status
            .success()
        );
    }
    let o = cli.run(&["audit", "verify", "cd-23"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("intact : 3 entrée(s)"));

    let platform = cli.platform().await;
    let tenant = platform
        .tenant_by_slug(&tenants::Slug::parse("cd-23").unwrap())
        .await
        .unwrap()
        .unwrap();
    let txn = tenant.db().begin_as_owner().await.unwrap();
    remove_journal_guard(&txn).await;
    txn.execute_unprepared("UPDATE audit_journal SET subject = 'rien' WHERE seq = 2")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_fails_with(
        &cli.run(&["audit", "verify", "cd-23"]),
        "entrée n° 2 : l'entrée n° 2 a été modifiée",
    );

    let txn = tenant.db().begin_as_owner().await.unwrap();
    txn.execute_unprepared("DELETE FROM audit_journal WHERE seq = 2")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_fails_with(
        &cli.run(&["audit", "verify", "cd-23"]),
        "l'entrée n° 2 manque",
    );
    cli.drop_database().await;
}

async fn export_then_import_restores_the_department(backend: Backend) {
    let cli = Cli::new(backend).await;
    assert!(
        cli.run(&[
            "tenant",
            "create",
            "cd-23",
            "--name",
            "Creuse",
            "--modules",
            "aid_requests",
            "--domain",
            "aides.creuse.fr"
        ])
        .status
        .success()
    );
    // Live links, which no archive may carry: the staff's activation links...
    let mut live_tokens = Vec::new();
    for (email, role) in [
        ("chef@creuse.fr", "admin"),
        ("inst@creuse.fr", "aid_instructor"),
    ] {
        let o = cli.run(&[
            "staff", "create", "--tenant", "cd-23", "--email", email, "--role", role,
        ]);
        assert!(o.status.success());
        let printed = stdout(&o);
        let token = printed.split("jeton=").nth(1).unwrap().trim().to_owned();
        live_tokens.push(token);
    }
    let files = cli
        .data_dir
        .path()
        .join("files")
        .join("cd-23")
        .join("justificatifs");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(files.join("avis.pdf"), b"%PDF-1.4 test").unwrap();
    let people = guichet::franceconnect::simulator::test_identities();
    let document = {
        let platform = cli.platform().await;
        let tenant = platform
            .tenant_by_slug(&tenants::Slug::parse("cd-23").unwrap())
            .await
            .unwrap()
            .unwrap();
        guichet::citizens::sign_in_with_franceconnect(&tenant, &people[0])
            .await
            .unwrap();
        // ...and a citizen's confirmation link, waiting in the outbox.
        let sign_up = guichet::citizens::local::SignUp {
            given_name: "Lise".into(),
            family_name: "Morel".into(),
            email: "lise@exemple.fr".into(),
            password: "une phrase assez longue".into(),
            password_again: "une phrase assez longue".into(),
        };
        let email = sign_up.validate().unwrap();
        guichet::citizens::local::sign_up(
            &tenant,
            &sign_up,
            &email,
            "http://x/confirmer?jeton=",
            "http://x/connexion",
        )
        .await
        .unwrap();
        let txn = tenant.db().begin().await.unwrap();
        use sea_orm::EntityTrait as _;
        let outbox = guichet::entity::mail_outbox::Entity::find()
            .all(&txn)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        let mailed = outbox[0].body_text.split("jeton=").nth(1).unwrap();
        live_tokens.push(mailed.split_whitespace().next().unwrap().to_owned());
        let aid = crate::fixtures::rent_aid(&tenant).await;
        let (_, _, filer) = crate::fixtures::filed(&tenant, &aid, 7).await;
        // A document sent with a request: its row and its bytes both travel.
        guichet::documents::save(
            &platform,
            &tenant,
            filer.id,
            &guichet::documents::Upload {
                field: "piece".into(),
                filename: "quittance.pdf".into(),
                declared_type: "application/pdf".into(),
                bytes: b"%PDF-1.4 quittance".to_vec(),
            },
            "application/pdf",
            None,
        )
        .await
        .unwrap()
    };
    // How its staff sign in, and an agent linked through ProConnect, travel too.
    let (policy, agent) = {
        let platform = cli.platform().await;
        let tenant = platform
            .tenant_by_slug(&tenants::Slug::parse("cd-23").unwrap())
            .await
            .unwrap()
            .unwrap();
        let policy = identity_policy();
        identity::save_policy(&platform, &tenant, &policy, TEST_SETUP)
            .await
            .unwrap();
        let agent = guichet::proconnect::Agent {
            email: "chef@creuse.fr".into(),
            siret: guichet::demo::SIRET.into(),
            ..guichet::proconnect::simulator::test_agents()[0]
                .agent
                .clone()
        };
        let linked = identity::account_for_agent(&platform, &tenant, &policy, &agent)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(linked.1, identity::Matched::NewlyLinked);
        (policy, agent)
    };
    let before = stdout(&cli.run(&["tenant", "list", "--json"]));

    let archive = cli.data_dir.path().join("cd-23.tar.gz");
    let archive_arg = archive.to_str().unwrap();
    let o = cli.run(&["tenant", "export", "cd-23", "--out", archive_arg]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Each change above is journaled: the account's creation by the command, the test's own
    // setting up, the sign-in rules set here.
    assert!(
        stdout(&o).contains("5 entrée(s) de journal"),
        "{}",
        stdout(&o)
    );
    let unpacked = {
        use std::io::Read as _;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&archive).unwrap())
            .read_to_end(&mut bytes)
            .unwrap();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    assert!(unpacked.contains("chef@creuse.fr"), "the archive was read");
    for token in &live_tokens {
        assert!(token.len() >= 40, "{token}");
        assert!(
            !unpacked.contains(token.as_str()),
            "a live link in the archive"
        );
    }

    // Importing over an existing department is refused and changes nothing.
    assert_fails_with(&cli.run(&["tenant", "import", archive_arg]), "existe déjà");

    assert!(
        cli.run(&["tenant", "remove", "cd-23", "--yes"])
            .status
            .success()
    );
    assert!(!files.exists());
    let o = cli.run(&["tenant", "import", archive_arg]);
    assert!(o.status.success(), "{}", stderr(&o));

    let after: serde_json::Value =
        serde_json::from_str(&stdout(&cli.run(&["tenant", "list", "--json"]))).unwrap();
    let before: serde_json::Value = serde_json::from_str(&before).unwrap();
    for field in ["slug", "name", "domain", "modules", "status"] {
        assert_eq!(after[0][field], before[0][field], "{field}");
    }
    assert!(stdout(&cli.run(&["audit", "verify", "cd-23"])).contains("intact : 5 entrée(s)"));
    assert_eq!(
        std::fs::read(files.join("avis.pdf")).unwrap(),
        b"%PDF-1.4 test"
    );
    let platform = cli.platform().await;
    let tenant = platform
        .tenant_by_slug(&tenants::Slug::parse("cd-23").unwrap())
        .await
        .unwrap()
        .unwrap();
    let restored = guichet::documents::find(&tenant, document.id)
        .await
        .unwrap()
        .expect("the document's row came back");
    assert_eq!(restored.filename, "quittance.pdf");
    assert_eq!(restored.citizen_id, document.citizen_id);
    assert_eq!(
        guichet::documents::read(&platform, &tenant, &restored)
            .await
            .unwrap(),
        b"%PDF-1.4 quittance"
    );
    // The queue's figures (kept by triggers) come back with the requests.
    let queue = guichet::aid_requests::queue::figures(&tenant, &Default::default())
        .await
        .unwrap();
    assert_eq!(queue.total, guichet::aid_requests::queue::Total::Exact(1));
    assert!(
        queue
            .counts
            .contains(&(guichet::aid_requests::filing::Status::Submitted, 1))
    );
    assert_eq!(identity::policy(&platform, &tenant).await.unwrap(), policy);
    let (chef, matched) = identity::account_for_agent(&platform, &tenant, &policy, &agent)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (chef.email.as_str(), matched),
        ("chef@creuse.fr", identity::Matched::Linked)
    );
    let accounts = guichet::staff::list_accounts(&platform, &tenant)
        .await
        .unwrap();
    let roles: Vec<_> = accounts
        .iter()
        .map(|a| (a.email.as_str(), a.roles.clone()))
        .collect();
    assert_eq!(
        roles,
        [
            ("chef@creuse.fr", vec![guichet::staff::Role::Admin]),
            ("inst@creuse.fr", vec![guichet::staff::Role::AidInstructor]),
        ]
    );
    // Citizens came back with their ids, and new ones get fresh ids.
    let known = guichet::citizens::sign_in_with_franceconnect(&tenant, &people[0])
        .await
        .unwrap();
    assert_eq!(known.id, 1);
    let newcomer = guichet::citizens::sign_in_with_franceconnect(&tenant, &people[1])
        .await
        .unwrap();
    // (2 signed up with a password, 3 filed.)
    assert_eq!(newcomer.id, 4);

    // A file that is not an export is refused with a clear line, and creates nothing.
    let junk = cli.data_dir.path().join("junk.tar.gz");
    std::fs::write(&junk, b"not an archive").unwrap();
    assert!(
        cli.run(&["tenant", "remove", "cd-23", "--yes"])
            .status
            .success()
    );
    assert_fails_with(
        &cli.run(&["tenant", "import", junk.to_str().unwrap()]),
        "n'est pas une archive",
    );
    assert!(stdout(&cli.run(&["tenant", "list"])).contains("aucun département"));
    cli.drop_database().await;
}

/// An archive made on SQLite restores on PostgreSQL: the format is engine-independent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_archive_moves_to_postgres() {
    let from = Cli::new(Backend::Sqlite).await;
    assert!(
        from.run(&["tenant", "create", "cd-23", "--name", "Creuse"])
            .status
            .success()
    );
    assert!(
        from.run(&[
            "staff",
            "create",
            "--tenant",
            "cd-23",
            "--email",
            "chef@creuse.fr",
            "--role",
            "admin"
        ])
        .status
        .success()
    );
    let archive = from.data_dir.path().join("cd-23.tar.gz");
    assert!(
        from.run(&[
            "tenant",
            "export",
            "cd-23",
            "--out",
            archive.to_str().unwrap()
        ])
        .status
        .success()
    );

    let to = Cli::new(Backend::Postgres).await;
    let o = to.run(&["tenant", "import", archive.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&to.run(&["audit", "verify", "cd-23"])).contains("intact : 1 entrée(s)"));
    to.drop_database().await;
}

async fn staff_reset_mfa_removes_the_second_factor(backend: Backend) {
    use guichet::staff::second_factor::{self, PendingSecret, SealKey};
    let cli = Cli::new(backend).await;
    assert!(
        cli.run(&["tenant", "create", "cd-23", "--name", "Creuse"])
            .status
            .success()
    );
    let created = cli.run(&[
        "staff",
        "create",
        "--tenant",
        "cd-23",
        "--email",
        "anne@creuse.fr",
        "--role",
        "admin",
    ]);
    assert!(created.status.success(), "{}", stderr(&created));
    let reset = [
        "staff",
        "reset-mfa",
        "--tenant",
        "cd-23",
        "--email",
        "anne@creuse.fr",
    ];
    assert_fails_with(&cli.run(&reset), "n'a pas de double authentification");
    assert_fails_with(
        &cli.run(&[
            "staff",
            "reset-mfa",
            "--tenant",
            "cd-23",
            "--email",
            "nul@creuse.fr",
        ]),
        "aucun compte",
    );

    // Anne enrolled an app, then lost it with her recovery codes.
    let platform = cli.platform().await;
    let tenant = platform
        .tenant_by_slug(&tenants::Slug::parse("cd-23").unwrap())
        .await
        .unwrap()
        .unwrap();
    let anne = guichet::staff::list_accounts(&platform, &tenant)
        .await
        .unwrap()
        .remove(0);
    let secret = PendingSecret::generate();
    let now = chrono::Utc::now();
    let code = crate::fixtures::app_code(&secret, now);
    second_factor::enrol(
        (&platform, &tenant),
        &SealKey::random(),
        &anne,
        &secret,
        &code,
        now,
    )
    .await
    .unwrap();
    let out = cli.run(&reset);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("réinitialisée"), "{}", stdout(&out));
    assert!(
        !second_factor::is_enrolled(&platform, anne.id)
            .await
            .unwrap()
    );
    cli.drop_database().await;
}

/// A department's staff identity policy with every part set.
fn identity_policy() -> identity::IdentityPolicy {
    identity::IdentityPolicy {
        sirets: vec![identity::Siret::parse(guichet::demo::SIRET).unwrap()],
        minimum: Some(guichet::proconnect::Assurance::Substantial),
        second_factor_roles: vec![guichet::staff::Role::AidInstructor],
    }
}

/// `guichet serve` as an operator runs it, its log at debug: an activation, a sign-up and a
/// password reset leave no password, no link token and no mail text in it; without SMTP, mail
/// waits in the outbox and the operator is warned; plain HTTP beyond loopback is refused.
/// A `guichet serve` on a loopback port of its own, its output read as it comes (a full pipe
/// would stop the server mid-log).
struct Served {
    child: std::process::Child,
    addr: std::net::SocketAddr,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
}

impl Served {
    fn start(cli: &Cli, env: &[(&str, &str)]) -> Self {
        use std::io::{BufRead, BufReader, Read};
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_guichet"));
        cmd.args(["serve", "--addr", "127.0.0.1:0"])
            .env("GUICHET_DATA_DIR", cli.data_dir.path())
            .env_remove("DATABASE_URL")
            .env_remove("GUICHET_SMTP_URL")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(url) = &cli.database_url {
            cmd.env("DATABASE_URL", url);
        }
        let mut child = cmd.spawn().unwrap();
        let mut err = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            err.read_to_string(&mut text).ok();
            text
        });
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut started = String::new();
        let addr = loop {
            let mut line = String::new();
            assert!(
                out.read_line(&mut line).unwrap() > 0,
                "serve stopped: {started}"
            );
            started.push_str(&line);
            if let Some(rest) = line.split("http://").nth(1) {
                break rest.split_whitespace().next().unwrap().parse().unwrap();
            }
        };
        let stdout = std::thread::spawn(move || {
            out.read_to_string(&mut started).ok();
            started
        });
        Self {
            child,
            addr,
            stdout,
            stderr,
        }
    }

    /// Stops the server; what it wrote on its standard output, then on its error output.
    fn stop(mut self) -> (String, String) {
        self.child.kill().ok();
        self.child.wait().ok();
        (self.stdout.join().unwrap(), self.stderr.join().unwrap())
    }
}

async fn serve_keeps_secrets_out_of_its_log(backend: Backend) {
    let cli = Cli::new(backend).await;
    assert!(
        cli.run(&["tenant", "create", "gard", "--name", "Gard"])
            .status
            .success()
    );
    let created = cli.run(&[
        "staff",
        "create",
        "--tenant",
        "gard",
        "--email",
        "chef@gard.fr",
        "--role",
        "aid_instructor",
    ]);
    let printed = stdout(&created);
    let link = printed
        .split_whitespace()
        .find(|w| w.contains("jeton="))
        .unwrap()
        .to_owned();
    let activation_token = link.split("jeton=").nth(1).unwrap().to_owned();

    let open = cli.run(&["serve", "--addr", "0.0.0.0:0"]);
    assert_fails_with(&open, "--insecure-http");

    // In JSON, as a log collector reads it: the same fields as the text format, one object a
    // line.
    let served = Served::start(
        &cli,
        &[("GUICHET_LOG", "debug"), ("GUICHET_LOG_FORMAT", "json")],
    );
    let addr = served.addr;

    // The colleague activates the account, then signs in.
    let staff_password = "le chef choisit une phrase longue";
    let mut chef = crate::harness::Visitor::at(addr);
    let form = chef
        .get(&format!(
            "/gard/agents/mot-de-passe/choisir?jeton={activation_token}"
        ))
        .await;
    let chosen = chef
        .post(
            "/gard/agents/mot-de-passe/choisir",
            &[
                ("csrf", &form.csrf()),
                ("jeton", &activation_token),
                ("password", staff_password),
                ("password_again", staff_password),
            ],
        )
        .await;
    assert_eq!(
        chosen.status,
        reqwest::StatusCode::SEE_OTHER,
        "{}",
        chosen.body
    );
    assert_eq!(
        chef.sign_in("/gard", "chef@gard.fr", staff_password)
            .await
            .status,
        reqwest::StatusCode::SEE_OTHER
    );

    // A citizen signs up, then asks for a reset link.
    let citizen_password = "une citoyenne et sa phrase secrète";
    let mut fatou = crate::harness::Visitor::at(addr);
    let form = fatou.get("/gard/inscription").await;
    fatou
        .post(
            "/gard/inscription",
            &[
                ("csrf", &form.csrf()),
                ("given_name", "Fatou"),
                ("family_name", "Diallo"),
                ("email", "fatou@exemple.fr"),
                ("password", citizen_password),
                ("password_again", citizen_password),
            ],
        )
        .await;
    let form = fatou.get("/gard/mot-de-passe-oublie").await;
    fatou
        .post(
            "/gard/mot-de-passe-oublie",
            &[("csrf", &form.csrf()), ("email", "fatou@exemple.fr")],
        )
        .await;
    // Give the mail worker a moment: it must leave the mail where it is.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let (mut log, errors) = served.stop();
    log.push_str(&errors);

    assert!(errors.contains("aucun serveur de courriel"), "{errors}");
    let events: Vec<serde_json::Value> = errors
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert!(events.len() > 10, "{errors}");
    for event in &events {
        assert!(
            event["timestamp"].is_string() && event["level"].is_string(),
            "{event}"
        );
    }
    assert!(
        events.iter().any(|e| e["level"] == "WARN"
            && e["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("no SMTP server configured"))),
        "{errors}"
    );
    let platform = cli.platform().await;
    let gard = platform
        .tenant_by_slug(&tenants::Slug::parse("gard").unwrap())
        .await
        .unwrap()
        .unwrap();
    let txn = gard.db().begin().await.unwrap();
    use sea_orm::EntityTrait as _;
    let outbox = guichet::entity::mail_outbox::Entity::find()
        .all(&txn)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(
        outbox.len(),
        2,
        "the confirmation and the reset wait in the outbox"
    );
    assert!(outbox.iter().all(|m| m.sent_at.is_none()));
    let mut secrets = vec![
        staff_password.to_owned(),
        citizen_password.to_owned(),
        activation_token,
    ];
    for mail in &outbox {
        secrets.extend(
            mail.body_text
                .split_whitespace()
                .filter_map(|w| w.split("jeton=").nth(1))
                .map(str::to_owned),
        );
        secrets.push(mail.body_text.lines().nth(2).unwrap_or("Pour").to_owned());
    }
    assert!(secrets.len() >= 7, "{secrets:?}");
    assert!(log.lines().count() > 10, "the log was captured: {log}");
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "« {secret} » is in the log:\n{log}"
        );
    }
    cli.drop_database().await;
}

/// What someone who owns the database does first: drop the triggers that guard the journal
/// (in a transaction of the store's owner: the application's role cannot).
async fn remove_journal_guard(txn: &sea_orm::DatabaseTransaction) {
    use sea_orm::ConnectionTrait;
    let statements: &[&str] = match txn.get_database_backend() {
        sea_orm::DbBackend::Postgres => &[
            "DROP TRIGGER audit_journal_no_change ON audit_journal",
            "DROP TRIGGER audit_journal_no_truncate ON audit_journal",
        ],
        _ => &[
            "DROP TRIGGER audit_journal_no_update",
            "DROP TRIGGER audit_journal_no_delete",
        ],
    };
    for statement in statements {
        txn.execute_unprepared(statement).await.unwrap();
    }
}

/// A department with `n` journal entries (staff accounts created by the operator).
async fn department_with_entries(cli: &Cli, slug: &str, n: usize) -> tenants::Tenant {
    assert!(
        cli.run(&["tenant", "create", slug, "--name", slug])
            .status
            .success()
    );
    for i in 0..n {
        let email = format!("agent{i}@{slug}.fr");
        let o = cli.run(&[
            "staff",
            "create",
            "--tenant",
            slug,
            "--email",
            &email,
            "--role",
            "reception",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    cli.platform()
        .await
        .tenant_by_slug(&tenants::Slug::parse(slug).unwrap())
        .await
        .unwrap()
        .unwrap()
}

async fn the_journal_refuses_changes(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let cli = Cli::new(backend).await;
    let tenant = department_with_entries(&cli, "cd-23", 2).await;
    let by_trigger = "le journal d'audit ne se modifie pas";
    // On PostgreSQL the application's role is not even granted the change; its owner is
    // refused by the trigger.
    let as_application = match backend {
        Backend::Postgres => "permission denied for table audit_journal",
        Backend::Sqlite => by_trigger,
    };
    let store = tenant.db();
    for statement in [
        "UPDATE audit_journal SET subject = 'rien' WHERE seq = 2",
        "DELETE FROM audit_journal WHERE seq = 2",
        "DELETE FROM audit_journal",
        "TRUNCATE audit_journal",
    ] {
        let is_truncate = statement.starts_with("TRUNCATE");
        if is_truncate && backend == Backend::Sqlite {
            continue;
        }
        for (txn, expected) in [
            (store.begin().await.unwrap(), as_application),
            (store.begin_as_owner().await.unwrap(), by_trigger),
        ] {
            let refused = txn.execute_unprepared(statement).await.unwrap_err();
            assert!(
                refused.to_string().contains(expected),
                "{statement}: {refused}"
            );
            txn.rollback().await.unwrap();
        }
    }
    if backend == Backend::Postgres {
        // Nor can it take the guard away, or give itself the rights back.
        for statement in [
            "DROP TRIGGER audit_journal_no_change ON audit_journal",
            "ALTER TABLE audit_journal DISABLE TRIGGER ALL",
        ] {
            let txn = store.begin().await.unwrap();
            let refused = txn.execute_unprepared(statement).await.unwrap_err();
            assert!(
                refused.to_string().contains("must be owner"),
                "{statement}: {refused}"
            );
            txn.rollback().await.unwrap();
        }
        // A grant it is not entitled to give grants nothing (PostgreSQL only warns).
        let txn = store.begin().await.unwrap();
        txn.execute_unprepared("GRANT UPDATE ON audit_journal TO guichet_tenant_data")
            .await
            .unwrap();
        let refused = txn
            .execute_unprepared("UPDATE audit_journal SET subject = 'rien' WHERE seq = 2")
            .await
            .unwrap_err();
        assert!(refused.to_string().contains(as_application), "{refused}");
        txn.rollback().await.unwrap();
    }
    let o = cli.run(&["audit", "verify", "cd-23"]);
    assert!(
        stdout(&o).contains("intact : 2 entrée(s)"),
        "{}",
        stderr(&o)
    );
    cli.drop_database().await;
}

async fn signed_checkpoints_reveal_a_cut_or_rewritten_journal(backend: Backend) {
    use guichet::entity::audit_entry;
    use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};
    let cli = Cli::new(backend).await;
    let mut departments = Vec::new();
    for slug in ["coupe", "modifie", "recalcule"] {
        let tenant = department_with_entries(&cli, slug, 3).await;
        let o = cli.run(&["audit", "checkpoint", slug]);
        assert!(stdout(&o).contains("à l'entrée n° 3"), "{}", stderr(&o));
        let o = cli.run(&["audit", "verify", slug]);
        assert!(
            stdout(&o).contains("1 point(s) de contrôle signé(s) concordant(s)"),
            "{}",
            stdout(&o)
        );
        departments.push(tenant);
    }

    // 1. The last entry deleted: the chain that is left is whole, but shorter than signed.
    let txn = departments[0].db().begin_as_owner().await.unwrap();
    remove_journal_guard(&txn).await;
    txn.execute_unprepared("DELETE FROM audit_journal WHERE seq = 3")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_fails_with(
        &cli.run(&["audit", "verify", "coupe"]),
        "la fin du journal a été coupée",
    );

    // 2. An entry rewritten in place: its hash no longer matches it.
    let txn = departments[1].db().begin_as_owner().await.unwrap();
    remove_journal_guard(&txn).await;
    txn.execute_unprepared("UPDATE audit_journal SET subject = 'rien' WHERE seq = 2")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_fails_with(&cli.run(&["audit", "verify", "modifie"]), "a été modifiée");

    // 3. An entry rewritten and every hash after it recomputed: the chain is whole again, the
    //    signed head is not.
    let txn = departments[2].db().begin_as_owner().await.unwrap();
    remove_journal_guard(&txn).await;
    let rows = audit_entry::Entity::find()
        .order_by_asc(audit_entry::Column::Seq)
        .all(&txn)
        .await
        .unwrap();
    let mut prev = rows[0].hash.clone();
    for row in rows.into_iter().skip(1) {
        let mut event = guichet::audit::AuditEvent {
            actor_id: row.actor_id,
            actor_email: row.actor_email.clone(),
            actor_role: row.actor_role.clone(),
            action: row.action.clone(),
            subject: row.subject.clone(),
            reason: row.reason.clone(),
            citizen_id: row.citizen_id,
            module: row.module.clone(),
        };
        if row.seq == 2 {
            event.subject = "rien".into();
        }
        let hash = guichet::audit::entry_hash(&prev, row.seq, &row.at, &event);
        let mut update: audit_entry::ActiveModel = row.into();
        update.subject = Set(event.subject);
        update.prev_hash = Set(prev.clone());
        update.hash = Set(hash.clone());
        update.update(&txn).await.unwrap();
        prev = hash;
    }
    txn.commit().await.unwrap();
    assert_eq!(
        guichet::audit::verify(&departments[2]).await.unwrap(),
        guichet::audit::Verification::Intact { entries: 3 },
        "the recomputed chain holds by itself"
    );
    assert_fails_with(
        &cli.run(&["audit", "verify", "recalcule"]),
        "le journal a été réécrit",
    );

    // A forged checkpoint line is refused too.
    let file = cli
        .data_dir
        .path()
        .join("journal-checkpoints")
        .join("coupe.jsonl");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"seq\":3", "\"seq\":2");
    std::fs::write(&file, text).unwrap();
    assert_fails_with(
        &cli.run(&["audit", "verify", "coupe"]),
        "signature est fausse",
    );
    cli.drop_database().await;
}

/// A collector on loopback: receives OTLP/HTTP traces (protobuf), as an OpenTelemetry
/// collector would, and passes on each span with its resource's service name.
async fn collector() -> (
    std::net::SocketAddr,
    tokio::sync::mpsc::UnboundedReceiver<(String, opentelemetry_proto::tonic::trace::v1::Span)>,
) {
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use prost::Message as _;
    let (sent, received) = tokio::sync::mpsc::unbounded_channel();
    let routes = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: axum::body::Bytes| {
            let sent = sent.clone();
            async move {
                let Ok(request) = ExportTraceServiceRequest::decode(body) else {
                    return axum::http::StatusCode::BAD_REQUEST;
                };
                for resource in request.resource_spans {
                    let service = resource
                        .resource
                        .iter()
                        .flat_map(|r| &r.attributes)
                        .find(|a| a.key == "service.name")
                        .map(|a| attribute_text(a.value.as_ref()))
                        .unwrap_or_default();
                    for span in resource.scope_spans.into_iter().flat_map(|s| s.spans) {
                        sent.send((service.clone(), span)).ok();
                    }
                }
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, routes).await });
    (addr, received)
}

fn attribute_text(value: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    use opentelemetry_proto::tonic::common::v1::any_value::Value;
    match value.and_then(|v| v.value.as_ref()) {
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn attribute(span: &opentelemetry_proto::tonic::trace::v1::Span, key: &str) -> String {
    span.attributes
        .iter()
        .find(|a| a.key == key)
        .map(|a| attribute_text(a.value.as_ref()))
        .unwrap_or_default()
}

/// With a collector named, each request's span reaches it: named by its route template (never
/// an id), with its status and department, in the trace a reverse proxy started.
async fn serve_sends_its_request_spans_to_a_collector(backend: Backend) {
    let cli = Cli::new(backend).await;
    assert!(
        cli.run(&["tenant", "create", "gard", "--name", "Gard"])
            .status
            .success()
    );
    let refused = cli.run(&["--otlp-endpoint", "collecteur:4318", "tenant", "list"]);
    assert_fails_with(&refused, "http://collecteur:4318");

    let (collector, mut spans) = collector().await;
    let endpoint = format!("http://{collector}");
    let served = Served::start(
        &cli,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    );
    // As a reverse proxy that traces would send it.
    let (trace_id, proxy_span) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let client = guichet::tls::http_client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client
        .get(format!("http://{}/gard/agents/connexion", served.addr))
        .header("traceparent", format!("00-{trace_id}-{proxy_span}-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let file = client
        .get(format!(
            "http://{}/gard/mon-espace/mdph/987654",
            served.addr
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), reqwest::StatusCode::SEE_OTHER, "to sign in");

    let mut received = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while received.len() < 2 {
        match tokio::time::timeout_at(deadline, spans.recv()).await {
            Ok(Some(span)) => received.push(span),
            _ => break,
        }
    }
    let (_, errors) = served.stop();
    let sign_in = received
        .iter()
        .find(|(_, s)| s.name.starts_with("GET ") && s.name.ends_with("/agents/connexion"))
        .unwrap_or_else(|| panic!("the sign-in page's span: {received:?}\n{errors}"));
    assert_eq!(sign_in.0, "guichet");
    assert_eq!(
        hex::encode(&sign_in.1.trace_id),
        trace_id,
        "in the proxy's trace"
    );
    assert_eq!(hex::encode(&sign_in.1.parent_span_id), proxy_span);
    assert_eq!(attribute(&sign_in.1, "http.response.status_code"), "200");
    assert_eq!(attribute(&sign_in.1, "http.request.method"), "GET");
    assert_eq!(attribute(&sign_in.1, "department"), "gard");
    let file = received
        .iter()
        .find(|(_, s)| s.name.contains("/mon-espace/mdph/"))
        .unwrap_or_else(|| panic!("the file's span: {received:?}"));
    assert!(
        file.1.name.ends_with("/mon-espace/mdph/{id}") && !file.1.name.contains("987654"),
        "named by its template: {}",
        file.1.name
    );
    assert_eq!(attribute(&file.1, "http.response.status_code"), "303");
    assert_ne!(file.1.trace_id, sign_in.1.trace_id, "a trace of its own");
    cli.drop_database().await;
}
