//! A simulated kubelet for kstatus's end-to-end tests (test support, not shipped).
//!
//! There is no container runtime on the test machines, so this program plays the kubelet of one
//! Node against a real control plane: it registers and renews the Node, watches the pods bound to
//! it, drives their status through the `pods/status` subresource with real kubelet reasons,
//! records kubelet-like Events and serves container logs over HTTPS for `pods/log`. Behaviour is
//! derived from the container image name (see `behavior.rs`).

mod behavior;
mod events;
mod logs;
mod node;
mod pods;
mod sim;
mod util;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use tracing::{error, info};

/// Simulated kubelet for kstatus's local test cluster.
#[derive(Parser, Debug)]
#[command(name = "kubelet-sim")]
pub struct Args {
    /// Kubeconfig of the node identity.
    #[arg(long)]
    kubeconfig: PathBuf,
    /// Name of the Node to register and whose pods to run.
    #[arg(long, default_value = "kstatus-node")]
    node_name: String,
    /// Port of the HTTPS log server on 127.0.0.1 (the Node's kubeletEndpoint).
    #[arg(long)]
    port: u16,
    /// PEM certificate of the log server.
    #[arg(long)]
    tls_cert: PathBuf,
    /// PEM private key of the log server.
    #[arg(long)]
    tls_key: PathBuf,
    /// Pod capacity of the Node (a real kubelet defaults to 110; higher so that benchmarks
    /// with 150+ pods fit).
    #[arg(long, default_value_t = 250)]
    max_pods: u32,
    /// Multiplies every simulated delay (0.5 = twice as fast).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// Time a container spends in ContainerCreating (image pull + create).
    #[arg(long, default_value = "300ms", value_parser = util::parse_duration)]
    start_delay: Duration,
    /// Run time before `crashloop`/`oom` containers exit.
    #[arg(long, default_value = "1s", value_parser = util::parse_duration)]
    crash_after: Duration,
    /// First CrashLoopBackOff delay; doubles on each crash.
    #[arg(long, default_value = "1s", value_parser = util::parse_duration)]
    backoff_initial: Duration,
    /// Cap of the CrashLoopBackOff delay.
    #[arg(long, default_value = "5s", value_parser = util::parse_duration)]
    backoff_max: Duration,
    /// Time between ErrImagePull and ImagePullBackOff flips.
    #[arg(long, default_value = "1500ms", value_parser = util::parse_duration)]
    pull_backoff: Duration,
    /// Run time of `job-ok`/`job-fail` containers.
    #[arg(long, default_value = "1s", value_parser = util::parse_duration)]
    job_duration: Duration,
    /// Run time of ordinary init containers.
    #[arg(long, default_value = "300ms", value_parser = util::parse_duration)]
    init_duration: Duration,
    /// How long `ready-then-crash` containers stay Ready before crashing.
    #[arg(long, default_value = "3s", value_parser = util::parse_duration)]
    ready_then_crash_after: Duration,
    /// Interval of failing readiness probes (Unhealthy events) of `never-ready` containers.
    #[arg(long, default_value = "2s", value_parser = util::parse_duration)]
    probe_period: Duration,
    /// Retry interval for CreateContainerConfigError (missing ConfigMap/Secret).
    #[arg(long, default_value = "1s", value_parser = util::parse_duration)]
    config_retry: Duration,
    /// Time between a pod's deletionTimestamp and the kubelet's final delete.
    #[arg(long, default_value = "100ms", value_parser = util::parse_duration)]
    terminate_delay: Duration,
    /// Node heartbeat and Lease renewal interval (not scaled).
    #[arg(long, default_value = "10s", value_parser = util::parse_duration)]
    heartbeat: Duration,
}

/// Simulated delays, already multiplied by `--time-scale`.
#[derive(Debug, Clone)]
pub struct Timings {
    pub scale: f64,
    pub start_delay: Duration,
    pub crash_after: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    pub pull_backoff: Duration,
    pub job_duration: Duration,
    pub init_duration: Duration,
    pub ready_then_crash_after: Duration,
    pub probe_period: Duration,
    pub config_retry: Duration,
    pub terminate_delay: Duration,
}

impl Timings {
    fn new(a: &Args) -> Self {
        let scale = if a.time_scale.is_finite() && a.time_scale >= 0.0 {
            a.time_scale
        } else {
            1.0
        };
        let s = |d: Duration| d.mul_f64(scale);
        Timings {
            scale,
            start_delay: s(a.start_delay),
            crash_after: s(a.crash_after),
            backoff_initial: s(a.backoff_initial),
            backoff_max: s(a.backoff_max),
            pull_backoff: s(a.pull_backoff).max(Duration::from_millis(50)),
            job_duration: s(a.job_duration),
            init_duration: s(a.init_duration),
            ready_then_crash_after: s(a.ready_then_crash_after),
            probe_period: s(a.probe_period).max(Duration::from_millis(100)),
            config_retry: s(a.config_retry).max(Duration::from_millis(100)),
            terminate_delay: s(a.terminate_delay),
        }
    }

    /// Scales a delay that comes from a pod spec (e.g. initialDelaySeconds).
    pub fn scaled(&self, d: Duration) -> Duration {
        d.mul_f64(self.scale)
    }
}

/// What every part of the simulator shares.
pub struct Global {
    pub client: kube::Client,
    pub node: String,
    pub timings: Timings,
    pub events: events::Recorder,
    pub registry: sim::Registry,
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            // Not RUST_LOG: the tests may set that for kstatus itself.
            tracing_subscriber::EnvFilter::try_from_env("KUBELET_SIM_LOG")
                .unwrap_or_else(|_| "warn,kubelet_sim=info".into()),
        )
        .init();
    if let Err(e) = run(Args::parse()).await {
        error!("kubelet-sim failed: {e:#}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let _ = tokio_rustls::rustls::crypto::ring::default_provider().install_default();
    let kubeconfig = kube::config::Kubeconfig::read_from(&args.kubeconfig)
        .with_context(|| format!("reading {}", args.kubeconfig.display()))?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .context("loading the kubeconfig")?;
    let client = kube::Client::try_from(config).context("creating the client")?;
    let timings = Timings::new(&args);
    info!(node = %args.node_name, port = args.port, ?timings, "kubelet-sim starting");

    let registry = sim::Registry::default();
    let global = Arc::new(Global {
        client: client.clone(),
        node: args.node_name.clone(),
        timings,
        events: events::Recorder::start(client.clone(), args.node_name.clone()),
        registry: registry.clone(),
    });

    let server = logs::serve(args.port, &args.tls_cert, &args.tls_key, registry).await?;
    node::register(&client, &args.node_name, args.port, args.max_pods).await?;
    let heartbeat = tokio::spawn(node::renew(
        client.clone(),
        args.node_name.clone(),
        args.port,
        args.max_pods,
        args.heartbeat,
    ));
    let pods = tokio::spawn(pods::run(global));

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = term.recv() => info!("SIGTERM received, exiting"),
        _ = tokio::signal::ctrl_c() => info!("SIGINT received, exiting"),
        r = pods => error!("pod watcher ended: {r:?}"),
        r = heartbeat => error!("node heartbeat ended: {r:?}"),
        r = server => error!("log server ended: {r:?}"),
    }
    Ok(())
}
