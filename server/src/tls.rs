//! TLS for the platform's outgoing connections: rustls on ring, the provider lettre and sqlx
//! already use. reqwest is built without a provider of its own (its default is aws-lc, whose C
//! was 40 CPU-seconds of a first build besides ring's: docs/BENCHMARKS.md, « First start »), so
//! it takes the process's default, which `install_crypto_provider` sets. Building a client
//! without it panics; Clippy refuses `reqwest::Client::new` and `::builder` elsewhere
//! (`clippy.toml`), so every client goes through `http_client_builder`.

/// Makes ring the process's rustls provider. Cheap and idempotent: call it before anything that
/// builds a rustls configuration from the default (reqwest, object_store's S3 client).
pub fn install_crypto_provider() {
    // An error means a provider is installed already: ring, by an earlier call.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// reqwest's client builder, with the provider in place.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    #[expect(
        clippy::disallowed_methods,
        reason = "the one place a client is built, after the provider"
    )]
    reqwest::Client::builder()
}

/// A client with reqwest's defaults.
pub fn http_client() -> reqwest::Client {
    http_client_builder()
        .build()
        .expect("reqwest's default client builds once a provider is installed")
}
