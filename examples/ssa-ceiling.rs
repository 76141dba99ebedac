//! The API server's own ceiling for server-side apply of small objects on this machine: a
//! minimal client that applies new ConfigMaps at several concurrency levels, over HTTP/1.1
//! (kube's own client, one connection per request in flight) and over HTTP/2 (one multiplexed
//! connection), and prints the rate each reached. bench/run.py compares `kstatus apply` with
//! the best of them.
//!
//!     ssa-ceiling --context NAME --namespace NS [--objects N] [--levels 1,4,8,16,32,64]
//!
//! The namespace must exist; every level applies N new ConfigMaps in it (the caller deletes the
//! namespace). Connections are opened before the levels are timed. Prints one JSON object on
//! stdout: {"levels": {"http1/1": rate, ..., "http2/1": rate, ...}, "best": rate,
//! "bestConcurrency": n, "bestProtocol": "http1"|"http2"}, rates in objects per second;
//! progress on stderr.

use std::collections::BTreeMap;
use std::time::Instant;

use futures::{StreamExt, stream};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::gvk::GroupVersionKind;
use kube::discovery::ApiResource;

struct Args {
    context: Option<String>,
    namespace: String,
    objects: usize,
    levels: Vec<usize>,
}

fn args() -> Args {
    let mut args = Args {
        context: None,
        namespace: "default".into(),
        objects: 1000,
        levels: vec![1, 4, 8, 16, 32, 64],
    };
    let mut given = std::env::args().skip(1);
    while let Some(flag) = given.next() {
        let value = given
            .next()
            .unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--context" => args.context = Some(value),
            "--namespace" => args.namespace = value,
            "--objects" => args.objects = value.parse().expect("--objects is a number"),
            "--levels" => {
                args.levels = value
                    .split(',')
                    .map(|level| level.parse().expect("--levels are numbers"))
                    .collect()
            }
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = args();
    let options = KubeConfigOptions {
        context: args.context.clone(),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(Kubeconfig::read()?, &options).await?;
    let resource = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("", "v1", "ConfigMap"),
        "configmaps",
    );
    let params = PatchParams::apply("ssa-ceiling");
    let clients = [
        ("http1", kube::Client::try_from(config.clone())?),
        (
            "http2",
            kstatus::cluster::client::http_clients(config, None, true)?.0,
        ),
    ];
    let mut rates = BTreeMap::new();
    for (protocol, client) in clients {
        let api: Api<DynamicObject> = Api::namespaced_with(client, &args.namespace, &resource);
        // Connections are opened once, outside the measured levels.
        let warm_up: Vec<_> = (0..args.levels.iter().copied().max().unwrap_or(1))
            .map(|i| apply(&api, &params, format!("warm-{protocol}-{i}")))
            .collect();
        for result in futures::future::join_all(warm_up).await {
            result?;
        }
        for &level in &args.levels {
            let started = Instant::now();
            let results: Vec<_> = stream::iter(0..args.objects)
                .map(|i| apply(&api, &params, format!("{protocol}-c{level}-{i}")))
                .buffer_unordered(level)
                .collect()
                .await;
            let seconds = started.elapsed().as_secs_f64();
            if let Some(Err(err)) = results.into_iter().find(Result::is_err) {
                return Err(err.into());
            }
            let rate = args.objects as f64 / seconds;
            eprintln!("{protocol} concurrency {level}: {rate:.0} objects/s");
            rates.insert((protocol, level), rate);
        }
    }
    let ((best_protocol, best_level), best) = rates
        .iter()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(key, rate)| (*key, *rate))
        .unwrap_or((("", 0), 0.0));
    let levels: BTreeMap<String, f64> = rates
        .iter()
        .map(|((protocol, level), rate)| (format!("{protocol}/{level}"), *rate))
        .collect();
    println!(
        "{}",
        serde_json::json!({"levels": levels, "best": best, "bestConcurrency": best_level,
                           "bestProtocol": best_protocol})
    );
    Ok(())
}

async fn apply(
    api: &Api<DynamicObject>,
    params: &PatchParams,
    name: String,
) -> Result<(), kube::Error> {
    let body = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"index": name},
    });
    api.patch(&name, params, &Patch::Apply(&body)).await?;
    Ok(())
}
