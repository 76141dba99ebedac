//! kstatus as a kubectl plugin: the real kubectl finds `kubectl-kstatus` on the PATH and runs it
//! as `kubectl kstatus`, against the real cluster.

use std::path::Path;
use std::process::{Command, Output};

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use libtest_mimic::Trial;

use crate::support::{TestContext, describe, e2e, kubectl};

pub fn trials() -> Vec<Trial> {
    vec![e2e(
        "plugin_kubectl_runs_kubectl_kstatus_from_the_path",
        kubectl_runs_the_plugin,
    )]
}

/// `kubectl kstatus ARGS` with the built `kubectl-kstatus` first on the PATH.
fn kubectl_kstatus(ctx: &TestContext, args: &[&str]) -> Output {
    let kubectl = kubectl::path().unwrap_or_else(|err| panic!("no kubectl: {err}"));
    let plugin = Path::new(env!("CARGO_BIN_EXE_kubectl-kstatus"));
    let mut path = vec![
        plugin
            .parent()
            .expect("the plugin is in a directory")
            .into(),
    ];
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    Command::new(&kubectl)
        .arg("kstatus")
        .args(args)
        .env("PATH", std::env::join_paths(path).expect("a joinable PATH"))
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .output()
        .unwrap_or_else(|err| panic!("running {}: {err}", kubectl.display()))
}

async fn kubectl_runs_the_plugin(ctx: TestContext) {
    let help = kubectl_kstatus(&ctx, &["--help"]);
    assert_eq!(help.status.code(), Some(0), "{}", describe(&help));
    let stdout = String::from_utf8_lossy(&help.stdout);
    assert!(
        stdout.contains("Usage: kubectl kstatus [OPTIONS] <COMMAND>"),
        "{}",
        describe(&help)
    );

    let usage_error = kubectl_kstatus(&ctx, &["apply", "--no-such-flag"]);
    assert_eq!(
        usage_error.status.code(),
        Some(2),
        "{}",
        describe(&usage_error)
    );
    let stderr = String::from_utf8_lossy(&usage_error.stderr);
    assert!(
        stderr.contains("Usage: kubectl kstatus apply"),
        "{}",
        describe(&usage_error)
    );

    let manifest = ctx.manifest(
        "settings.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n",
    );
    let manifest = manifest.to_str().expect("a UTF-8 temporary path");
    let applied = kubectl_kstatus(
        &ctx,
        &[
            "apply",
            "-n",
            &ctx.namespace,
            "-f",
            manifest,
            "--progress",
            "plain",
        ],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", describe(&applied));
    assert!(
        String::from_utf8_lossy(&applied.stdout).contains("verdict: Success"),
        "{}",
        describe(&applied)
    );
    let settings = Api::<ConfigMap>::namespaced(ctx.client.clone(), &ctx.namespace)
        .get("settings")
        .await
        .expect("the plugin applied the ConfigMap");
    assert_eq!(
        settings.data.and_then(|data| data.get("mode").cloned()),
        Some("fast".to_string())
    );
}
