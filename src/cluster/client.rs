//! Connecting to the cluster the way kubectl does: kubeconfig discovery, context, namespace,
//! request timeout and user agent; a reachability check that fails fast with a useful message.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::errors::{self, Request};
use super::throttle::{RetryThrottled, Throttle};
use crate::error::{Cause, Error};

/// kubectl-style connection settings.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub namespace: Option<String>,
    pub request_timeout: Option<Duration>,
}

/// Clients for one cluster.
#[derive(Clone)]
pub struct Connection {
    /// For single requests; honours --request-timeout.
    pub client: Client,
    /// For watches, which are long-lived by design and so have no read timeout.
    pub watch_client: Client,
    /// Namespace for namespaced objects that name none: -n, else the context's, else "default".
    pub default_namespace: String,
    /// The API server URL, for messages.
    pub server: String,
    /// The 429 refusals both clients retried, and the deadline their retries respect.
    pub throttle: Arc<Throttle>,
}

/// Loads the configuration and checks that the API server answers.
pub async fn connect(options: &ConnectOptions) -> Result<Connection, Error> {
    let mut config = load_config(options).await?;
    if let Some(namespace) = &options.namespace {
        config.default_namespace = namespace.clone();
    }
    // Set before the watch client is cloned from it: audit logs, API Priority and Fairness and
    // admission webhooks then know kstatus by name on every request, watches included.
    config
        .headers
        .push((http::header::USER_AGENT, user_agent_header()));
    // kube's own retry waits up to 1,000 s per attempt and counts nothing: ours replaces it.
    config.default_retry = false;
    let server = config.cluster_url.to_string();
    let throttle = Arc::new(Throttle::default());
    let http2 = http2_allowed(std::env::var_os("DISABLE_HTTP2").as_deref());
    let request_timeout = options.request_timeout.filter(|t| !t.is_zero());
    let default_namespace = config.default_namespace.clone();
    let (client, watch_client) = http_clients(config, request_timeout, http2).map_err(|err| {
        Error::cluster(format!(
            "cannot set up a client for {server}: {}",
            errors::describe(&err)
        ))
        .with_source(err)
    })?;
    let retrying = |client: Client| {
        let retrying = RetryThrottled::new(client, Arc::clone(&throttle));
        Client::new(retrying, default_namespace.clone())
    };
    let (client, watch_client) = (retrying(client), retrying(watch_client));
    let connection = Connection {
        client,
        watch_client,
        default_namespace,
        server,
        throttle,
    };
    check_reachable(&connection).await?;
    Ok(connection)
}

/// `kstatus/0.1.0 (linux/amd64)`: the shape of kubectl's user agent, with Go's names for the
/// platform since that is what cluster operators see from every other client.
pub fn user_agent() -> String {
    user_agent_for(std::env::consts::OS, std::env::consts::ARCH)
}

fn user_agent_for(os: &str, arch: &str) -> String {
    let os = match os {
        "macos" => "darwin",
        other => other,
    };
    let arch = match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("kstatus/{} ({os}/{arch})", env!("CARGO_PKG_VERSION"))
}

fn user_agent_header() -> http::HeaderValue {
    http::HeaderValue::from_str(&user_agent())
        .expect("the version and platform names are visible ASCII")
}

async fn load_config(options: &ConnectOptions) -> Result<Config, Error> {
    let kube_options = KubeConfigOptions {
        context: options.context.clone(),
        cluster: options.cluster.clone(),
        user: options.user.clone(),
    };
    let result = match &options.kubeconfig {
        Some(path) => {
            let file = Kubeconfig::read_from(path).map_err(|err| {
                Error::usage(format!("cannot read kubeconfig {}: {err}", path.display()))
                    .with_hint("check the --kubeconfig path")
                    .with_source(err)
            })?;
            Config::from_custom_kubeconfig(file, &kube_options)
                .await
                .map_err(Cause::from)
        }
        None if options.context.is_some()
            || options.cluster.is_some()
            || options.user.is_some() =>
        {
            Config::from_kubeconfig(&kube_options)
                .await
                .map_err(Cause::from)
        }
        None => Config::infer().await.map_err(Cause::from),
    };
    result.map_err(|cause| {
        Error::cluster(format!("no usable Kubernetes configuration: {cause}"))
            .with_hint("set KUBECONFIG or pass --kubeconfig (and --context), as for kubectl")
            .with_source(cause)
    })
}

/// Whether kstatus may speak HTTP/2: unless `DISABLE_HTTP2` is set to any non-empty value (even
/// `false`), as for kubectl and every client-go program.
fn http2_allowed(disable_http2: Option<&std::ffi::OsStr>) -> bool {
    disable_http2.is_none_or(|value| value.is_empty())
}

/// kube's client stack (TLS with the kubeconfig's credentials, base URI, authentication,
/// headers) with three changes. HTTP/2 is offered, as kubectl does: requests and watches then
/// share one connection and one TLS handshake instead of one of each per request in flight (an
/// apply keeps 128 in flight). Sockets have TCP_NODELAY: with Nagle's algorithm, which kube
/// leaves on, the first request on a new connection waits about 40 ms for the server's delayed
/// ACK of the TLS handshake. `request_timeout` bounds each request until its response arrives
/// instead of each socket read: requests multiplexed on one connection keep it busy, so a read
/// timeout would miss a request stalled next to live ones.
///
/// Returns a client for single requests, bounded by `request_timeout`, and one for watches and
/// log streams, which are long-lived by design; they share their connections. A proxy is left to
/// kube, which refuses the proxies this build does not support with its own message.
pub fn http_clients(
    config: Config,
    request_timeout: Option<Duration>,
    http2: bool,
) -> Result<(Client, Client), kube::Error> {
    use hyper_util::client::legacy::connect::HttpConnector;
    use kube::client::{ClientBuilder, ConfigExt};
    use tower::{BoxError, ServiceBuilder};

    if config.proxy_url.is_some() {
        let streams = Client::try_from(config.clone())?;
        let mut config = config;
        config.read_timeout = request_timeout;
        return Ok((Client::try_from(config)?, streams));
    }
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(config.connect_timeout);
    let tls = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config.rustls_client_config()?)
        .https_or_http();
    let tls = match &config.tls_server_name {
        Some(name) => {
            let name = rustls::pki_types::ServerName::try_from(name.clone())
                .map_err(|err| kube::Error::Service(format!("tls-server-name: {err}").into()))?;
            tls.with_server_name_resolver(hyper_rustls::FixedServerNameResolver::new(name))
        }
        None => tls,
    };
    let connector = if http2 {
        tls.enable_all_versions().wrap_connector(http)
    } else {
        tls.enable_http1().wrap_connector(http)
    };
    let connections =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(connector);
    let client = |timeout: Option<Duration>| -> Result<Client, kube::Error> {
        let transport = ServiceBuilder::new()
            .map_err(BoxError::from)
            .service(connections.clone());
        let service = ServiceBuilder::new()
            .layer(config.base_uri_layer())
            .option_layer(config.auth_layer()?)
            .layer(config.extra_headers_layer()?)
            .option_layer(timeout.map(tower::timeout::TimeoutLayer::new))
            .service(transport);
        Ok(ClientBuilder::new(service, config.default_namespace.clone()).build())
    };
    Ok((client(request_timeout)?, client(None)?))
}

/// One GET /version, so an unreachable server or bad credentials fail in seconds with exit 5
/// instead of as a confusing apply error.
async fn check_reachable(connection: &Connection) -> Result<(), Error> {
    const SUBJECT: &str = "connecting (GET /version)";
    const PATIENCE: Duration = Duration::from_secs(15);
    let probe = tokio::time::timeout(PATIENCE, connection.client.apiserver_version());
    match probe.await {
        Ok(Ok(info)) => {
            tracing::info!(server = %connection.server, version = %info.git_version, "connected");
            Ok(())
        }
        Ok(Err(err)) => Err(errors::request_failed(
            SUBJECT,
            Request::Read,
            &connection.server,
            err,
        )),
        Err(_) => Err(errors::no_answer(SUBJECT, &connection.server, PATIENCE)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disable_http2_set_to_anything_but_empty_keeps_http1_as_client_go_does() {
        use std::ffi::OsStr;
        assert!(http2_allowed(None));
        assert!(http2_allowed(Some(OsStr::new(""))));
        assert!(!http2_allowed(Some(OsStr::new("1"))));
        assert!(!http2_allowed(Some(OsStr::new("false"))));
    }

    #[test]
    fn user_agent_names_kstatus_its_version_and_the_platform_as_go_does() {
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            user_agent_for("linux", "x86_64"),
            format!("kstatus/{version} (linux/amd64)")
        );
        assert_eq!(
            user_agent_for("macos", "aarch64"),
            format!("kstatus/{version} (darwin/arm64)")
        );
        assert_eq!(
            user_agent_for("windows", "x86"),
            format!("kstatus/{version} (windows/386)")
        );
        assert_eq!(
            user_agent_for("linux", "s390x"),
            format!("kstatus/{version} (linux/s390x)")
        );
    }
}
