//! Command-line behaviour that needs no cluster: help, version, usage errors, exit codes, and
//! the freshness of the committed completions and man pages.

use std::path::Path;

use assert_cmd::Command;
use predicates::str::contains;

fn kstatus() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kstatus"));
    cmd.env("NO_COLOR", "1").env_remove("KUBECONFIG");
    cmd
}

#[test]
fn help_lists_subcommands_and_the_exit_code_table() {
    kstatus()
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("apply"))
        .stdout(contains("watch"))
        .stdout(contains("Exit codes:"))
        .stdout(contains("143  stopped by SIGTERM"));
}

#[test]
fn apply_help_documents_the_tracking_flags_and_defaults() {
    kstatus()
        .args(["apply", "--help"])
        .assert()
        .success()
        .stdout(contains("--timeout <DURATION>"))
        .stdout(contains("[default: 5m]"))
        .stdout(contains("--stabilization <DURATION>"))
        .stdout(contains("[default: 10s]"))
        .stdout(contains("--force-conflicts"))
        .stdout(contains("--field-manager <NAME>"));
}

#[test]
fn version_prints_the_crate_version() {
    kstatus()
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("kstatus {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_flag_is_a_usage_error() {
    kstatus()
        .args(["apply", "--no-such-flag"])
        .assert()
        .code(2)
        .stderr(contains("--no-such-flag"));
}

#[test]
fn apply_without_files_is_a_usage_error() {
    kstatus()
        .arg("apply")
        .assert()
        .code(2)
        .stderr(contains("--filename"));
}

#[test]
fn bad_duration_names_the_problem() {
    kstatus()
        .args(["apply", "-f", "x.yaml", "--timeout", "5 parsecs"])
        .assert()
        .code(2)
        .stderr(contains("invalid duration"));
}

#[test]
fn watch_rejects_a_bad_selector_before_connecting() {
    kstatus()
        .args([
            "watch",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-l",
            "app in shop",
        ])
        .assert()
        .code(2)
        .stderr(contains(
            "-l app in shop: invalid label selector requirement",
        ));
}

#[test]
fn watch_takes_either_a_selector_or_manifests() {
    kstatus()
        .args(["watch", "-l", "app=shop", "-f", "app.yaml"])
        .assert()
        .code(2);
    kstatus()
        .args(["watch", "--once", "--until", "settled", "-l", "a=b"])
        .assert()
        .code(2);
}

/// Manifests are read and validated before any cluster is contacted: these fail with exit 2
/// even though no cluster is configured.
#[test]
fn apply_rejects_unreadable_and_invalid_manifests_before_connecting() {
    kstatus()
        .args([
            "apply",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "/nonexistent/app.yaml",
        ])
        .assert()
        .code(2)
        .stderr(contains("/nonexistent/app.yaml: cannot read"));
    kstatus()
        .args([
            "apply",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "-",
        ])
        .write_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nkind: Secret\n")
        .assert()
        .code(2)
        .stderr(contains(
            "<stdin>:6 (document 2): Secret: missing apiVersion",
        ))
        .stderr(contains("nothing was applied"));
}

#[test]
fn unwritable_report_paths_fail_before_connecting() {
    kstatus()
        .args([
            "apply",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "-",
            "--junit",
            "/nonexistent/dir/j.xml",
        ])
        .write_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
        .assert()
        .code(2)
        .stderr(contains("--junit /nonexistent/dir/j.xml: cannot write"));
    kstatus()
        .args([
            "watch",
            "-l",
            "a=b",
            "--events",
            "ndjson=/nonexistent/dir/e.ndjson",
        ])
        .assert()
        .code(2)
        .stderr(contains("--events /nonexistent/dir/e.ndjson: cannot write"));
}

#[test]
fn apply_with_an_unreadable_kubeconfig_says_so() {
    kstatus()
        .args([
            "apply",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "-",
        ])
        .write_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
        .assert()
        .code(2)
        .stderr(contains("cannot read kubeconfig /nonexistent/kubeconfig"));
}

/// completions/ and man/ are generated from the clap definition and committed; this fails when
/// they are stale.
#[test]
fn committed_completions_and_man_pages_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let expected = [
        ("completions", kstatus::cmd::generate::completion_files()),
        ("man", kstatus::cmd::generate::man_pages()),
    ];
    let mut stale = Vec::new();
    for (dir, files) in expected {
        for (name, content) in files {
            let path = root.join(dir).join(&name);
            if std::fs::read(&path).ok().as_deref() != Some(content.as_slice()) {
                stale.push(format!("{dir}/{name}"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}\nregenerate with:\n  cargo run -- generate completions \
         completions/ && cargo run -- generate man man/"
    );
}
