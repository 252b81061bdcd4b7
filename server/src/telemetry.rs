//! The process's log, and its traces when an OpenTelemetry collector is named
//! (`--otlp-endpoint`, or the standard `OTEL_EXPORTER_OTLP_ENDPOINT`): each request's span
//! (`metrics::track`: route template, method, status, department) is sent over OTLP/HTTP
//! (protobuf) to `{endpoint}/v1/traces`, in batches, joined to the caller's trace when a
//! reverse proxy sends a W3C `traceparent`. Without an endpoint nothing is exported and no
//! span leaves the process.
//!
//! The SDK exports from a thread of its own; its requests go through the platform's reqwest
//! client on the process's runtime (`RuntimeClient`), so no second HTTP stack is built in.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::config::LogFormat;

/// What the process keeps running for its telemetry; [`Telemetry::shutdown`] sends what is
/// left before exit.
pub struct Telemetry {
    traces: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans not exported yet (a batch waits up to its delay).
    pub fn shutdown(self) {
        if let Some(provider) = self.traces
            && let Err(e) = provider.shutdown()
        {
            eprintln!("attention : les dernières traces n'ont pas été envoyées ({e})");
        }
    }
}

/// The collector's traces address from the one an operator gives (`http://collector:4318`),
/// or why it is refused, in French.
pub fn traces_url(endpoint: &str) -> Result<String, String> {
    let endpoint = endpoint.trim().trim_end_matches('/');
    match url::Url::parse(endpoint) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
            Ok(format!("{endpoint}/v1/traces"))
        }
        _ => Err(format!(
            "l'adresse du collecteur OpenTelemetry « {endpoint} » est invalide : attendu par exemple http://collecteur:4318 (--otlp-endpoint ou OTEL_EXPORTER_OTLP_ENDPOINT)"
        )),
    }
}

/// Installs the log (text or JSON on standard error, filtered by `GUICHET_LOG`) and, with an
/// endpoint, the export of traces. Call it inside the runtime the server runs on.
pub fn init(format: LogFormat, otlp_endpoint: Option<&str>) -> Result<Telemetry, String> {
    let filter =
        EnvFilter::try_from_env("GUICHET_LOG").unwrap_or_else(|_| "warn,guichet=info".into());
    let log = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let log = match format {
        LogFormat::Text => log.boxed(),
        // Fields at the top level, as collectors index them; the span's fields with them.
        LogFormat::Json => log
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .boxed(),
    };
    let traces = match otlp_endpoint.map(str::trim).filter(|e| !e.is_empty()) {
        None => None,
        Some(endpoint) => Some(tracer_provider(&traces_url(endpoint)?)?),
    };
    let exported = traces.as_ref().map(|provider| {
        TRACES_EXPORTED.store(true, Ordering::Relaxed);
        opentelemetry::global::set_text_map_propagator(
            opentelemetry_sdk::propagation::TraceContextPropagator::new(),
        );
        tracing_opentelemetry::layer().with_tracer(provider.tracer("guichet"))
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(log)
        .with(exported)
        .init();
    Ok(Telemetry { traces })
}

fn tracer_provider(url: &str) -> Result<SdkTracerProvider, String> {
    let client = RuntimeClient {
        client: crate::tls::http_client_builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| format!("client HTTP des traces : {e}"))?,
        runtime: tokio::runtime::Handle::try_current()
            .map_err(|_| "les traces doivent être installées dans le runtime".to_owned())?,
    };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(client)
        .with_endpoint(url)
        .build()
        .map_err(|e| format!("export des traces vers {url} : {e}"))?;
    let resource = Resource::builder()
        .with_service_name("guichet")
        .with_attribute(opentelemetry::KeyValue::new(
            "service.version",
            env!("CARGO_PKG_VERSION"),
        ))
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}

/// The platform's reqwest client, run on the server's runtime for the SDK's export thread
/// (which has no runtime of its own to drive it).
#[derive(Debug)]
struct RuntimeClient {
    client: reqwest::Client,
    runtime: tokio::runtime::Handle,
}

#[async_trait::async_trait]
impl HttpClient for RuntimeClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        let sent = self.runtime.spawn(async move {
            let (parts, body) = request.into_parts();
            let response = client
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body)
                .send()
                .await?;
            let mut answer = Response::builder().status(response.status());
            for (name, value) in response.headers() {
                answer = answer.header(name, value);
            }
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>(answer.body(body))
        });
        Ok(sent.await???)
    }
}

/// Set once by [`init`] when traces leave the process: every request asks, and without a
/// collector there is no trace to join (no propagator lookup, no parent to set).
static TRACES_EXPORTED: AtomicBool = AtomicBool::new(false);

/// Joins the request's span to the caller's trace when it sent a W3C `traceparent`.
pub fn continue_trace(span: &tracing::Span, headers: &http::HeaderMap) {
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;
    if !TRACES_EXPORTED.load(Ordering::Relaxed) || !headers.contains_key("traceparent") {
        return;
    }
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&opentelemetry_http::HeaderExtractor(headers))
    });
    let _ = span.set_parent(parent);
}

#[cfg(test)]
mod tests {
    use super::traces_url;

    #[test]
    fn a_collector_address_is_checked_and_completed() {
        assert_eq!(
            traces_url("http://collecteur:4318/").unwrap(),
            "http://collecteur:4318/v1/traces"
        );
        let refused = traces_url("collecteur:4318").unwrap_err();
        assert!(refused.contains("http://collecteur:4318"), "{refused}");
        assert!(traces_url("ftp://collecteur").is_err());
    }
}
