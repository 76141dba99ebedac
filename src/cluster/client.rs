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
    let watch_client = build(config.clone(), &server, &throttle)?;
    if let Some(timeout) = options.request_timeout.filter(|t| !t.is_zero()) {
        config.read_timeout = Some(timeout);
    }
    let default_namespace = config.default_namespace.clone();
    let client = build(config, &server, &throttle)?;
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

fn build(config: Config, server: &str, throttle: &Arc<Throttle>) -> Result<Client, Error> {
    let default_namespace = config.default_namespace.clone();
    let client = Client::try_from(config).map_err(|err| {
        Error::cluster(format!(
            "cannot set up a client for {server}: {}",
            errors::describe(&err)
        ))
        .with_source(err)
    })?;
    let retrying = RetryThrottled::new(client, Arc::clone(throttle));
    Ok(Client::new(retrying, default_namespace))
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
