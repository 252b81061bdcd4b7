//! An S3-compatible object store on loopback: s3s-fs, the S3 protocol over a folder, served on
//! a thread of its own (a command line's calls block the test's workers).

use tenants::FilesConfig;

pub const KEY_ID: &str = "guichet-stockage";
pub const SECRET: &str = "secret-du-stockage-objet";
pub const REGION: &str = "fr-par";

pub struct ObjectStore {
    /// `http://127.0.0.1:port`.
    pub endpoint: String,
    /// The folder it serves: one sub-folder per bucket.
    pub root: tempfile::TempDir,
}

impl ObjectStore {
    /// Starts one holding the buckets `buckets` (empty).
    pub fn start(buckets: &[&str]) -> Self {
        let root = tempfile::tempdir().unwrap();
        for bucket in buckets {
            std::fs::create_dir(root.path().join(bucket)).unwrap();
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let served = root.path().to_owned();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let mut service =
                    s3s::service::S3ServiceBuilder::new(s3s_fs::FileSystem::new(&served).unwrap());
                service.set_auth(s3s::auth::SimpleAuth::from_single(KEY_ID, SECRET));
                let service = service.build();
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let (socket, _) = listener.accept().await.unwrap();
                    let service = service.clone();
                    tokio::spawn(async move {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(hyper_util::rt::TokioIo::new(socket), service)
                            .await;
                    });
                }
            });
        });
        Self { endpoint, root }
    }

    /// The variables an S3 client reads, as a command line or another process is given them.
    pub fn env(&self) -> [(&'static str, &str); 5] {
        [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_REGION", REGION),
            ("AWS_ACCESS_KEY_ID", KEY_ID),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ]
    }

    /// The platform's files in `url` (`s3://bucket/prefix`) of this store.
    pub fn files(&self, url: &str) -> FilesConfig {
        let options = [
            ("endpoint", self.endpoint.as_str()),
            ("allow_http", "true"),
            ("region", REGION),
            ("access_key_id", KEY_ID),
            ("secret_access_key", SECRET),
        ];
        FilesConfig::Bucket {
            url: url.to_owned(),
            options: options
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// The folder holding what the store keeps under `bucket/key`.
    pub fn path(&self, bucket_and_key: &str) -> std::path::PathBuf {
        self.root.path().join(bucket_and_key)
    }
}
