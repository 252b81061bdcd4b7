//! `TestApp`: a running server plus helpers to create tenants and staff and to act as a
//! browser would (cookies, form tokens), over real HTTP.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use guichet::franceconnect::FranceConnectConfig;
use guichet::franceconnect::simulator::{self, SimulatorConfig, SimulatorHandle};
use guichet::oidc::simulator_kit::RegisteredUris;
use guichet::server::{ServerOptions, app_state, serve};
use guichet::staff::{self, Email, NewStaff, Role};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, HOST, LOCATION, SET_COOKIE};
use sea_orm::ConnectionTrait;
use tenants::{Engine, Module, NewTenant, Platform, Slug, StoreConfig, Tenant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server's admin URL; each test creates its own database there.
pub fn pg_admin_url() -> String {
    std::env::var("GUICHET_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// How the app reaches an API Particulier simulator at `base_url` (the demo token, a SIRET,
/// the real service's 20 calls per second).
pub fn api_particulier_client(base_url: &str) -> guichet::api_particulier::client::ClientConfig {
    guichet::api_particulier::client::ClientConfig {
        base_url: base_url.to_owned(),
        token: guichet::api_particulier::simulator::DEMO_TOKEN.to_owned(),
        recipient: "22300001800018".to_owned(),
        per_second: 20,
        timeout: Duration::from_secs(5),
    }
}

/// Runs a case on both engines.
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::harness::Backend::Sqlite).await })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name($crate::harness::Backend::Postgres).await })*
        }
    };
}
pub(crate) use both_engines;

/// Journal entries of the tests' own setting up (accounts, rules) name it.
pub const TEST_SETUP: staff::Author = staff::Author::Operator("préparation du test");

pub struct TestApp {
    pub addr: SocketAddr,
    pub platform: Platform,
    /// Kept so the directory lives as long as the app.
    _data_dir: tempfile::TempDir,
    pub database_url: Option<String>,
    /// The FranceConnect simulator this app's citizens sign in through.
    pub franceconnect: SimulatorHandle,
    /// The API Particulier simulator the app pulls national data from (unless the test gave
    /// its own configuration).
    pub api_particulier: guichet::api_particulier::simulator::SimulatorHandle,
    /// The ProConnect simulator this app's staff can sign in through.
    pub proconnect: guichet::proconnect::simulator::SimulatorHandle,
    /// The authenticator apps of the staff whose roles require a second factor.
    pub authenticators: Authenticators,
    /// The key the app seals second-factor secrets with.
    pub seal_key: guichet::staff::second_factor::SealKey,
    /// The return addresses declared to the FranceConnect and ProConnect simulators: each
    /// department's is added as [`TestApp::tenant`] creates it.
    pub declared_returns: (RegisteredUris, RegisteredUris),
    /// What the command line is given besides the data directory and the database (where the
    /// files are, when not in the data directory).
    cli_env: Vec<(String, String)>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, ServerOptions::default()).await
    }

    pub async fn start_with(backend: Backend, options: ServerOptions) -> Self {
        Self::start_in(backend, options, tenants::FilesConfig::DataDir, Vec::new()).await
    }

    /// An app whose departments' files are in `url` (`s3://bucket/prefix`) of `store`, its
    /// command line told so as an operator's would be.
    pub async fn start_on_bucket(
        backend: Backend,
        store: &crate::s3::ObjectStore,
        url: &str,
    ) -> Self {
        let mut cli_env: Vec<(String, String)> = store
            .env()
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        cli_env.push(("GUICHET_FILES".into(), url.into()));
        Self::start_in(backend, ServerOptions::default(), store.files(url), cli_env).await
    }

    async fn start_in(
        backend: Backend,
        mut options: ServerOptions,
        files: tenants::FilesConfig,
        cli_env: Vec<(String, String)>,
    ) -> Self {
        // `GUICHET_TEST_LOG=guichet=debug` shows the server's log in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("GUICHET_TEST_LOG")
                    .unwrap_or_else(|_| "off".into()),
            )
            .with_test_writer()
            .try_init();
        let data_dir = tempfile::tempdir().expect("temp dir");
        let database_url = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(fresh_pg_database().await),
        };
        let config = StoreConfig {
            engine: match &database_url {
                None => Engine::Sqlite,
                Some(url) => Engine::Postgres { url: url.clone() },
            },
            data_dir: data_dir.path().to_owned(),
            pg_max_connections: 10,
            files,
        };
        let platform = Platform::open(config).await.expect("platform store opens");
        // As `guichet serve` does before it listens: the queue exists before anyone enqueues.
        guichet::jobs::setup(&platform)
            .await
            .expect("job queue set up");
        // The built site, unless the test brings its own.
        if options.site_root == ServerOptions::default().site_root {
            options.site_root = site_root();
        }
        let declared_returns = (RegisteredUris::default(), RegisteredUris::default());
        let simulator_config = SimulatorConfig {
            redirect_uris: declared_returns.0.clone(),
            ..SimulatorConfig::default()
        };
        let franceconnect = simulator::spawn(
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            simulator_config.clone(),
        )
        .expect("FranceConnect simulator starts");
        if options.franceconnect.is_none() {
            options.franceconnect = Some(FranceConnectConfig {
                issuer: franceconnect.issuer.clone(),
                client_id: simulator_config.client_id,
                client_secret: simulator_config.client_secret,
            });
        }
        let api_particulier = guichet::api_particulier::simulator::spawn(
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            guichet::api_particulier::simulator::SimulatorConfig::default(),
        )
        .expect("API Particulier simulator starts");
        if options.api_particulier.is_none() {
            options.api_particulier = Some(api_particulier_client(&api_particulier.base_url));
        }
        let proconnect = guichet::proconnect::simulator::spawn(
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            guichet::proconnect::simulator::SimulatorConfig {
                redirect_uris: declared_returns.1.clone(),
                ..Default::default()
            },
        )
        .expect("ProConnect simulator starts");
        if options.proconnect.is_none() {
            let agents = guichet::proconnect::simulator::SimulatorConfig::default();
            options.proconnect = Some(guichet::proconnect::ProConnectConfig {
                issuer: proconnect.issuer.clone(),
                client_id: agents.client_id,
                client_secret: agents.client_secret,
            });
        }
        let seal_key = options.seal_key.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state = app_state(platform.clone(), &options).expect("state");
        tokio::spawn(async move {
            serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        Self {
            addr,
            platform,
            _data_dir: data_dir,
            database_url,
            franceconnect,
            api_particulier,
            proconnect,
            authenticators: Authenticators::default(),
            seal_key,
            declared_returns,
            cli_env,
            shutdown: Some(tx),
        }
    }

    /// Declares a department's return addresses under `base` to both identity simulators.
    pub fn declare_returns(&self, base: &str, slug: &str) {
        let (citizens, agents) = guichet::http::identity_return_uris(base, slug);
        self.declared_returns.0.register(citizens);
        self.declared_returns.1.register(agents);
    }

    pub async fn tenant(&self, slug: &str, modules: &[Module]) -> Tenant {
        self.declare_returns(&format!("http://{}", self.addr), slug);
        self.platform
            .create_tenant(NewTenant {
                slug: Slug::parse(slug).unwrap(),
                name: format!("Département {slug}"),
                modules: modules.to_vec(),
                domain: None,
            })
            .await
            .expect("tenant created")
    }

    /// Creates a staff account; returns its id. Password is `password-<email>`.
    /// Several staff accounts, each (email, name, roles), as [`TestApp::staff`] makes them.
    pub async fn staffs(&self, tenant: &Tenant, accounts: &[(&str, &str, &[Role])]) {
        for (email, name, roles) in accounts {
            self.staff(tenant, email, name, roles).await;
        }
    }

    /// Whoever holds a role that always requires a second factor gets an authenticator app
    /// enrolled too, which [`Visitor::sign_in`] answers the code step with.
    pub async fn staff(&self, tenant: &Tenant, email: &str, name: &str, roles: &[Role]) -> i64 {
        let id = self.staff_without_app(tenant, email, name, roles).await;
        if roles.iter().any(|r| r.always_requires_second_factor()) {
            self.authenticators
                .enrol((&self.platform, tenant), &self.seal_key, id, email)
                .await;
        }
        id
    }

    /// As [`Self::staff`], with no second factor enrolled whatever the roles.
    pub async fn staff_without_app(
        &self,
        tenant: &Tenant,
        email: &str,
        name: &str,
        roles: &[Role],
    ) -> i64 {
        staff::create_account(
            &self.platform,
            tenant,
            NewStaff {
                email: Email::parse(email).unwrap(),
                display_name: name.into(),
                roles: roles.to_vec(),
                first_password: staff::FirstPassword::Known(password_of(email)),
            },
            TEST_SETUP,
        )
        .await
        .expect("staff created")
        .account
        .id
    }

    /// A new staff account holding `role`, for a test that calls a module's functions
    /// through the desk they take (`aid_requests::Desk::open(&tenant, &account)`).
    pub async fn worker(&self, tenant: &Tenant, role: Role) -> staff::StaffAccount {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = format!("{}-{n}@desk.test", role.id().replace('_', "-"));
        self.account_named(tenant, (&email, role.label()), role)
            .await
    }

    /// As [`Self::worker`], with its (email, name).
    pub async fn account_named(
        &self,
        tenant: &Tenant,
        (email, name): (&str, &str),
        role: Role,
    ) -> staff::StaffAccount {
        let id = self.staff(tenant, email, name, &[role]).await;
        self.account(tenant, id).await
    }

    /// The staff account `id`, as a desk takes it.
    pub async fn account(&self, tenant: &Tenant, id: i64) -> staff::StaffAccount {
        staff::find_account(&self.platform, tenant, id)
            .await
            .unwrap()
            .expect("the account exists")
    }

    /// The platform's data directory (SQLite files, documents, checkpoints, `secret.key`).
    pub fn data_dir(&self) -> &std::path::Path {
        self._data_dir.path()
    }

    /// Signs and reads the departments' journal checkpoints and cuts, as the server does.
    pub fn anchor(&self) -> guichet::journal_anchor::JournalAnchor {
        guichet::journal_anchor::JournalAnchor::new(&self.platform, &self.seal_key)
    }

    /// Runs the real `guichet` binary against this app's stores.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        self.cli_with(args, &[])
    }

    /// [`TestApp::cli`] with these environment variables too.
    pub fn cli_with(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_guichet"));
        cmd.args(args)
            .envs(self.cli_env.iter().map(|(k, v)| (k, v)))
            .envs(env.iter().copied())
            .env("GUICHET_DATA_DIR", self._data_dir.path())
            .env_remove("DATABASE_URL");
        if let Some(url) = &self.database_url {
            cmd.env("DATABASE_URL", url);
        }
        cmd.output().unwrap()
    }

    /// Stops the server and drops the PostgreSQL database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(url) = self.database_url.take() {
            self.platform.db().clone().close().await.ok();
            drop_pg_database(&url).await;
        }
    }
}

/// A test that failed (panicked) before `stop` still leaves no database behind.
impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(url) = self.database_url.take() {
            // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its
            // own with its own runtime drops the database (FORCE ends the pool's connections).
            let dropped = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime to drop the test database")
                    .block_on(drop_pg_database(&url));
            })
            .join();
            if dropped.is_err() {
                eprintln!("could not drop the test database");
            }
        }
    }
}

pub async fn drop_pg_database(url: &str) {
    let name = url.rsplit('/').next().unwrap().to_owned();
    let admin = sea_orm::Database::connect(pg_admin_url()).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.ok();
}

/// An app whose mail goes to a real SMTP server on loopback, with the department `gard`.
pub async fn app_with_mail(backend: Backend) -> (TestApp, crate::smtp::SmtpSink, Tenant) {
    let sink = crate::smtp::SmtpSink::start();
    let options = ServerOptions {
        mailer: guichet::mail::Mailer::new(Some(&sink.url()), "Gard <ne-pas-repondre@gard.test>")
            .unwrap(),
        ..ServerOptions::default()
    };
    let app = TestApp::start_with(backend, options).await;
    let tenant = app.tenant("gard", &Module::ALL).await;
    (app, sink, tenant)
}

/// The link in a mail that points at `path_part`, as a path on the app.
pub fn link_in(mail: &crate::smtp::ReceivedMail, visitor: &Visitor, path_part: &str) -> String {
    let url = mail
        .text
        .split_whitespace()
        .find(|w| w.contains(path_part))
        .unwrap_or_else(|| panic!("no link to {path_part} in {}", mail.text));
    visitor.local_path(url)
}

/// The value of the first hidden input named `name` in an HTML page.
pub fn hidden_value(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {body}"))
        + marker.len();
    let end = body[start..].find('"').unwrap() + start;
    body[start..end].to_owned()
}

pub fn password_of(email: &str) -> String {
    format!("password-{email}")
}

fn site_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site")
}

/// What a command that must succeed printed.
pub fn succeeds(output: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A command that must fail, saying `needle`.
pub fn fails_with(output: &std::process::Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "should have failed: {stderr}");
    assert!(stderr.contains(needle), "« {needle} » not in: {stderr}");
}

/// The rows `sql` reads in `tenant`'s store, sorted: to compare what a store keeps with the
/// same recounted, whatever order each comes in.
pub async fn sorted_rows<T: sea_orm::FromQueryResult + Ord>(tenant: &Tenant, sql: &str) -> Vec<T> {
    let txn = tenant.db().begin().await.unwrap();
    let statement = sea_orm::Statement::from_string(txn.get_database_backend(), sql.to_owned());
    let mut rows = T::find_by_statement(statement).all(&txn).await.unwrap();
    txn.commit().await.unwrap();
    rows.sort();
    rows
}

pub async fn fresh_pg_database() -> String {
    let admin_url = pg_admin_url();
    let admin = sea_orm::Database::connect(&admin_url)
        .await
        .expect("PostgreSQL must be running for the PostgreSQL cases (see README)");
    let name = format!("guichet_it_{}", rand_suffix());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let (prefix, _) = admin_url.rsplit_once('/').unwrap();
    format!("{prefix}/{name}")
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{:x}{:x}", nanos, std::process::id())
}

/// A browser-like visitor: its own cookies, its own form token, a fixed `Host`.
#[derive(Clone)]
pub struct Visitor {
    client: reqwest::Client,
    authenticators: Authenticators,
    pub addr: SocketAddr,
    pub host: Option<String>,
    /// By name: `guichet_session`, `guichet_form`.
    cookies: std::collections::BTreeMap<String, String>,
}

const SESSION_COOKIE: &str = "guichet_session";

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("page has a form token") + marker.len();
        self.body[start..start + 64].to_owned()
    }

    /// The address of the pagination's link with this `rel` (`next`, `prev`), to follow.
    pub fn link(&self, rel: &str) -> Option<String> {
        let end = self.body.find(&format!("\" rel=\"{rel}\""))?;
        let start = self.body[..end].rfind("href=\"")? + "href=\"".len();
        Some(self.body[start..end].replace("&amp;", "&"))
    }
}

impl Visitor {
    /// Follows a list's pages forwards from `start` to its last, then backwards to its first;
    /// `rows` reads what a page shows, in its order. Returns both readings, in the list's order.
    pub async fn walk_both_ways<T>(
        &mut self,
        start: &str,
        rows: impl Fn(&str) -> Vec<T>,
    ) -> (Vec<T>, Vec<T>) {
        let mut forwards = Vec::new();
        let mut path = start.to_owned();
        let last = loop {
            let page = self.get(&path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
            let shown = rows(&page.body);
            assert!(shown.len() <= 50, "{path}: a page holds 50 rows at most");
            forwards.extend(shown);
            match page.link("next") {
                Some(next) => path = next,
                None => break page,
            }
        };
        let mut backwards = rows(&last.body);
        let mut page = last;
        while let Some(previous) = page.link("prev") {
            page = self.get(&previous).await;
            assert_eq!(page.status, StatusCode::OK, "{previous}: {}", page.body);
            let mut shown = rows(&page.body);
            shown.extend(backwards);
            backwards = shown;
        }
        // Back at the top, as the first page shows it: no way further back.
        assert!(!page.body.contains("Première page"), "{}", page.body);
        (forwards, backwards)
    }
}

impl Visitor {
    pub fn new(app: &TestApp) -> Self {
        let mut visitor = Self::at(app.addr);
        visitor.authenticators = app.authenticators.clone();
        visitor
    }

    /// A visitor of a server at `addr` that is not a [`TestApp`] (the binary run as is).
    pub fn at(addr: SocketAddr) -> Self {
        Self {
            client: guichet::tls::http_client_builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            addr,
            host: None,
            cookies: Default::default(),
            authenticators: Authenticators::default(),
        }
    }

    /// Opens a new connection for each request, so that a balancer in front of several
    /// instances spreads this visitor's requests over them (a kept-alive connection would
    /// stay with one).
    pub fn one_connection_per_request(mut self) -> Self {
        self.client = guichet::tls::http_client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(0)
            .build()
            .unwrap();
        self
    }

    /// The `Cookie` header this visitor sends, if any.
    pub fn cookie(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    /// The session cookie's value, if the visitor has a session.
    pub fn session_cookie(&self) -> Option<String> {
        self.cookies.get(SESSION_COOKIE).cloned()
    }

    /// Sends this session cookie from now on (a replay), or none.
    pub fn set_session_cookie(&mut self, value: Option<String>) {
        match value {
            Some(value) => self.cookies.insert(SESSION_COOKIE.to_owned(), value),
            None => self.cookies.remove(SESSION_COOKIE),
        };
    }

    pub fn with_host(mut self, host: &str) -> Self {
        self.host = Some(host.to_owned());
        self
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut req = self
            .client
            .request(method, format!("http://{}{path}", self.addr));
        if let Some(host) = &self.host {
            req = req.header(HOST, host);
        }
        if let Some(cookie) = self.cookie() {
            req = req.header(COOKIE, cookie);
        }
        req
    }

    async fn finish(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, content) = pair.split_once('=').unwrap();
            if value.contains("Max-Age=0") || content.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), content.to_owned());
            }
        }
        Page {
            status: response.status(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|l| l.to_str().unwrap().to_owned()),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    /// Visits an absolute URL elsewhere (the FranceConnect simulator): no cookie, no `Host`.
    pub async fn get_elsewhere(&self, url: &str) -> Page {
        let response = self.client.get(url).send().await.unwrap();
        Page {
            status: response.status(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|l| l.to_str().unwrap().to_owned()),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    /// Posts a form to an absolute URL elsewhere (the FranceConnect simulator).
    pub async fn post_elsewhere(&self, url: &str, form: &[(&str, &str)]) -> Page {
        let response = self.client.post(url).form(form).send().await.unwrap();
        Page {
            status: response.status(),
            location: response
                .headers()
                .get(LOCATION)
                .map(|l| l.to_str().unwrap().to_owned()),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    /// The path of an absolute URL that points back at the app.
    pub fn local_path(&self, url: &str) -> String {
        let prefix = format!(
            "http://{}",
            self.host.clone().unwrap_or(self.addr.to_string())
        );
        url.strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{url} does not point at the app ({prefix})"))
            .to_owned()
    }

    /// Goes through FranceConnect (the simulator) up to the moment it sends the citizen back
    /// with a code; returns the return URL's path (not yet visited).
    pub async fn franceconnect_until_return(&mut self, base: &str, sub: &str) -> String {
        let authorize = self
            .provider_authorize(&format!("{base}/connexion/franceconnect"))
            .await;
        self.choose_identity(&authorize, sub).await
    }

    /// As [`Self::franceconnect_until_return`], for staff through ProConnect.
    pub async fn proconnect_until_return(&mut self, base: &str, sub: &str) -> String {
        let authorize = self
            .provider_authorize(&format!("{base}/agents/connexion/proconnect"))
            .await;
        self.choose_identity(&authorize, sub).await
    }

    /// Follows the app's `start` path: the provider's authorize URL it redirects to.
    pub async fn provider_authorize(&mut self, start: &str) -> String {
        let start = self.get(start).await;
        assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
        start.location.expect("redirect to the provider")
    }

    /// Picks the simulator's identity `sub` on its `authorize` page: the app's return path.
    pub async fn choose_identity(&mut self, authorize: &str, sub: &str) -> String {
        let page = self.get_elsewhere(authorize).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let interaction = hidden_value(&page.body, "interaction");
        let choose = authorize
            .split_once("/authorize")
            .map(|(issuer, _)| format!("{issuer}/interaction/choose"))
            .unwrap();
        let back = self
            .post_elsewhere(&choose, &[("interaction", &interaction), ("sub", sub)])
            .await;
        assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
        self.local_path(&back.location.expect("redirect back to the app"))
    }

    /// Signs a citizen in through FranceConnect (the simulator) and asserts success.
    pub async fn franceconnect_sign_in(&mut self, base: &str, sub: &str) -> Page {
        let back = self.franceconnect_until_return(base, sub).await;
        let done = self.get(&back).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(
            done.location.as_deref(),
            Some(format!("{base}/mon-espace").as_str())
        );
        self.get(&format!("{base}/mon-espace")).await
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let response = self
            .request(reqwest::Method::POST, path)
            .form(form)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    /// Posts a form with extra headers, as a browser on another page would send it.
    pub async fn post_with_headers(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&'static str, &str)],
    ) -> Page {
        let mut request = self.request(reqwest::Method::POST, path).form(form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        self.finish(response).await
    }

    /// Posts a `multipart/form-data` form with files: (field, file name, content type, bytes).
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, Vec<u8>)],
    ) -> Page {
        self.try_post_multipart(path, fields, files)
            .await
            .expect("the request went through")
    }

    /// As [`Visitor::post_multipart`], but a server that answers before reading a huge body
    /// may close the connection while the client still writes: that is `None`.
    pub async fn try_post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, Vec<u8>)],
    ) -> Option<Page> {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        for (name, filename, content_type, bytes) in files {
            let part = reqwest::multipart::Part::bytes(bytes.clone())
                .file_name(filename.to_string())
                .mime_str(content_type)
                .unwrap();
            form = form.part(name.to_string(), part);
        }
        let response = self
            .request(reqwest::Method::POST, path)
            .multipart(form)
            .send()
            .await
            .ok()?;
        Some(self.finish(response).await)
    }

    /// Signs in through the real form; `base` is `/slug` or empty for host access.
    pub async fn sign_in(&mut self, base: &str, email: &str, password: &str) -> Page {
        let login = self.get(&format!("{base}/agents/connexion")).await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.body);
        let csrf = login.csrf();
        let step = self
            .post(
                &format!("{base}/agents/connexion"),
                &[("csrf", &csrf), ("email", email), ("password", password)],
            )
            .await;
        let code_path = format!("{base}/agents/connexion/code");
        match self.authenticators.next_code(email) {
            Some(code) if step.location.as_deref() == Some(code_path.as_str()) => {
                let form = self.get(&code_path).await;
                self.post(&code_path, &[("csrf", &form.csrf()), ("code", &code)])
                    .await
            }
            _ => step,
        }
    }

    /// Signs in and asserts success.
    pub async fn signed_in(app: &TestApp, base: &str, email: &str) -> Self {
        let mut v = Visitor::new(app);
        let page = v.sign_in(base, email, &password_of(email)).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "sign-in failed: {}",
            page.body
        );
        v
    }

    /// The form token of this visitor's session, read from a page that has a form.
    pub async fn csrf(&mut self, base: &str) -> String {
        self.get(&format!("{base}/agents/")).await.csrf()
    }
}

/// The authenticator apps of a test's staff, by email: what each person would hold in hand.
#[derive(Clone, Default)]
pub struct Authenticators(std::sync::Arc<std::sync::Mutex<HashMap<String, Authenticator>>>);

struct Authenticator {
    secret: guichet::staff::second_factor::PendingSecret,
    recovery: Vec<String>,
    last_step: i64,
}

const TOTP_STEP: i64 = 30;

impl Authenticators {
    /// Enrols a new app for the account, as its owner would on the enrolment page.
    pub async fn enrol(
        &self,
        (platform, tenant): (&Platform, &Tenant),
        key: &guichet::staff::second_factor::SealKey,
        staff_id: i64,
        email: &str,
    ) {
        use guichet::staff::second_factor::{self, PendingSecret};
        let owner = staff::find_account(platform, tenant, staff_id)
            .await
            .unwrap()
            .expect("the account exists");
        let secret = PendingSecret::generate();
        // Enrolled with the previous step's code, so the current one is left for signing in.
        let at = chrono::Utc::now() - chrono::Duration::seconds(TOTP_STEP);
        let code = crate::fixtures::app_code(&secret, at);
        let recovery = second_factor::enrol((platform, tenant), key, &owner, &secret, &code, at)
            .await
            .expect("second factor enrolled");
        let last_step = at.timestamp() / TOTP_STEP;
        self.0.lock().unwrap().insert(
            email.to_owned(),
            Authenticator {
                secret,
                recovery,
                last_step,
            },
        );
    }

    /// The code the account's owner would type now: an unused one of the steps the server
    /// accepts (the app's clock may be a step ahead), else a recovery code.
    pub fn next_code(&self, email: &str) -> Option<String> {
        let mut apps = self.0.lock().unwrap();
        let app = apps.get_mut(email)?;
        let now = chrono::Utc::now().timestamp();
        let current = now / TOTP_STEP;
        let step = (current..=current + 1).find(|step| *step > app.last_step);
        match step {
            Some(step) => {
                app.last_step = step;
                let at = chrono::DateTime::from_timestamp(step * TOTP_STEP, 0)?;
                Some(crate::fixtures::app_code(&app.secret, at))
            }
            None => app.recovery.pop(),
        }
    }
}
