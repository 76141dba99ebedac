//! GitLab CI mode end to end: with `GITLAB_CI=true` progress goes into expanded job log
//! sections, and failure cards, errors and the verdict come after the section ends, read from
//! stdout and stderr merged as the job log shows them.

use std::path::Path;
use std::process::{Command, Stdio};

use libtest_mimic::Trial;

use crate::support::pods::{BUSYBOX, CRASH, command};
use crate::support::{TestContext, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "gitlab_progress_section_ends_before_the_failure_card",
            progress_section_ends_before_the_failure_card,
        ),
        e2e(
            "gitlab_a_section_per_step_and_the_rejection_after_it",
            a_section_per_step_and_the_rejection_after_it,
        ),
    ]
}

/// Runs kstatus as a GitLab job would: `GITLAB_CI=true` (and not GitHub Actions, which the
/// kind job of this repository's own CI runs in), stdout and stderr into one log.
fn run_in_gitlab(ctx: &TestContext, dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let log_path = dir.join("job.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_kstatus"))
        .current_dir(dir)
        .args(["apply", "-n", &ctx.namespace])
        .args(args)
        .env("KUBECONFIG", &ctx.cluster.kubeconfig)
        .env("GITLAB_CI", "true")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .status()
        .unwrap();
    (status.code(), std::fs::read_to_string(&log_path).unwrap())
}

fn section_start(name: &str, header: &str) -> String {
    format!(":{name}[collapsed=false]\r\x1b[0K{header}\n")
}

fn section_end(name: &str) -> String {
    format!(":{name}\r\x1b[0K\n")
}

/// Where `marker` starts in the log, after checking it is a complete section marker of
/// `kind` with a plausible Unix time.
fn marker_at(log: &str, kind: &str, marker: &str) -> usize {
    let at = log
        .find(marker)
        .unwrap_or_else(|| panic!("no {kind} {marker:?} in the job log:\n{log:?}"));
    let prefix = format!("\x1b[0K{kind}:");
    let line_start = log[..at].rfind('\n').map_or(0, |i| i + 1);
    let seconds = log[line_start..at]
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{kind} marker starts its line: {log:?}"));
    let seconds: u64 = seconds.parse().unwrap();
    assert!(seconds > 1_700_000_000, "a Unix time: {seconds}");
    line_start
}

async fn progress_section_ends_before_the_failure_card(ctx: TestContext) {
    let manifest = format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels: {{app: api}}
  template:
    metadata:
      labels: {{app: api}}
    spec:
      containers:
      - name: api
        image: {BUSYBOX}
        command: {command}
"#,
        command = command(CRASH)
    );
    let path = ctx.manifest("app.yaml", &manifest);
    let dir = path.parent().unwrap();
    let (code, log) = run_in_gitlab(
        &ctx,
        dir,
        &[
            "-f",
            "app.yaml",
            "--stabilization",
            "2s",
            "--timeout",
            "90s",
        ],
    );
    assert_eq!(code, Some(1), "{log}");
    assert!(log.starts_with("\x1b[0Ksection_start:"), "{log:?}");
    let start = marker_at(
        &log,
        "section_start",
        &section_start("kstatus_apply_progress", "kstatus apply progress"),
    );
    let end = marker_at(&log, "section_end", &section_end("kstatus_apply_progress"));
    assert_eq!(log.matches("section_start:").count(), 1, "{log:?}");
    assert_eq!(log.matches("section_end:").count(), 1, "{log:?}");
    let applied = log.find("Deployment/api").unwrap();
    assert!(start < applied && applied < end, "progress inside: {log:?}");
    let card = log
        .find("✗ Deployment/api")
        .unwrap_or_else(|| panic!("a failure card: {log}"));
    let verdict = log.find("verdict: Error").unwrap();
    assert!(
        end < card && card < verdict,
        "the card and verdict after the section: {log:?}"
    );
    assert!(!log.contains("::group::"), "no GitHub groups: {log}");
}

async fn a_section_per_step_and_the_rejection_after_it(ctx: TestContext) {
    let config_map = |name: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n")
    };
    let first = ctx.manifest("01-settings.yaml", &config_map("settings"));
    // The API server rejects the port: the run stops in the second step.
    let service = r#"apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 99999
"#;
    ctx.manifest(
        "02-web.yaml",
        &format!("{}---\n{service}", config_map("web")),
    );
    let dir = first.parent().unwrap();
    let (code, log) = run_in_gitlab(
        &ctx,
        dir,
        &[
            "--steps",
            "-f",
            "01-settings.yaml",
            "-f",
            "02-web.yaml",
            "--stabilization",
            "1s",
            "--timeout",
            "60s",
        ],
    );
    assert_eq!(code, Some(4), "a rejection: {log}");
    let first_start = marker_at(
        &log,
        "section_start",
        &section_start(
            "kstatus_apply_step_1_2_01-settings.yaml",
            "kstatus apply step 1/2 01-settings.yaml",
        ),
    );
    let first_end = marker_at(
        &log,
        "section_end",
        &section_end("kstatus_apply_step_1_2_01-settings.yaml"),
    );
    let second_start = marker_at(
        &log,
        "section_start",
        &section_start(
            "kstatus_apply_step_2_2_02-web.yaml",
            "kstatus apply step 2/2 02-web.yaml",
        ),
    );
    let second_end = marker_at(
        &log,
        "section_end",
        &section_end("kstatus_apply_step_2_2_02-web.yaml"),
    );
    let error = log
        .find("error: 1 object(s) rejected")
        .unwrap_or_else(|| panic!("the rejection: {log}"));
    assert!(
        first_start < first_end && first_end < second_start && second_start < second_end,
        "one section after the other: {log:?}"
    );
    assert!(second_end < error, "the error after the section: {log:?}");
    assert_eq!(log.matches("section_start:").count(), 2, "{log:?}");
    assert_eq!(log.matches("section_end:").count(), 2, "{log:?}");
}
