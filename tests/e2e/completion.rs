//! Dynamic shell completion against the live cluster: `-n` offers its namespaces and `--kind`
//! the kinds discovery lists, through clap's `COMPLETE=<shell>` protocol.

use libtest_mimic::Trial;

use crate::support::{TestContext, describe, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "completion_namespace_offers_the_clusters_namespaces",
            namespace_offers_the_clusters_namespaces,
        ),
        e2e(
            "completion_kind_offers_the_discovered_kinds",
            kind_offers_the_discovered_kinds,
        ),
    ]
}

/// The candidates kstatus offers for the last of `words` (fish's protocol: one a line).
fn candidates(ctx: &TestContext, words: &[&str]) -> Vec<String> {
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_kstatus"))
        .env("COMPLETE", "fish")
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env_remove("_CLAP_COMPLETE_INDEX")
        .args(["--", "kstatus"])
        .args(words)
        .output()
        .expect("running kstatus");
    assert!(output.status.success(), "{}", describe(&output));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

async fn namespace_offers_the_clusters_namespaces(ctx: TestContext) {
    let all = candidates(&ctx, &["watch", "-l", "app=shop", "-n", ""]);
    assert!(
        all.contains(&ctx.namespace),
        "{} not in {all:?}",
        ctx.namespace
    );
    assert!(all.contains(&"kube-system".to_string()), "{all:?}");
    let prefix = &ctx.namespace[..ctx.namespace.len() - 2];
    let some = candidates(&ctx, &["apply", "--namespace", prefix]);
    assert!(some.contains(&ctx.namespace), "{some:?}");
    assert!(some.iter().all(|name| name.starts_with(prefix)), "{some:?}");
}

async fn kind_offers_the_discovered_kinds(ctx: TestContext) {
    let all = candidates(&ctx, &["watch", "-n", &ctx.namespace, "--kind", ""]);
    for kind in ["Deployment", "deployments", "deployments.apps", "ConfigMap"] {
        assert!(all.contains(&kind.to_string()), "{kind} not in {all:?}");
    }
    let some = candidates(&ctx, &["watch", "--kind", "stateful"]);
    assert_eq!(some, ["statefulsets", "statefulsets.apps"], "{some:?}");
}
