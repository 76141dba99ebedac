//! `kstatus diff` end to end: after an apply, the same manifests show no differences (exit 0);
//! a changed field shows in a unified diff (exit 1); a changed Secret value shows as differing
//! fingerprints and never as a value, in text or JSON.

use base64::Engine;
use libtest_mimic::Trial;
use serde_json::Value;

use crate::support::pods::{BUSYBOX, SERVE, command};
use crate::support::{TestContext, e2e};

pub fn trials() -> Vec<Trial> {
    vec![
        e2e(
            "diff_after_apply_is_empty_and_a_change_shows",
            after_apply_is_empty_and_a_change_shows,
        ),
        e2e(
            "diff_shows_a_secret_change_as_fingerprints_only",
            secret_change_as_fingerprints_only,
        ),
        e2e(
            "diff_of_objects_kubectl_applied_adopts_and_shows_no_difference",
            kubectl_applied_objects_show_no_difference,
        ),
        e2e(
            "diff_with_applyset_compares_as_the_set_was_applied",
            with_applyset_compares_as_applied,
        ),
    ]
}

const SALT: &str = "diff-e2e-salt";
const OLD_PASSWORD: &str = "old-Diff-Pa55-Qr8";
const NEW_PASSWORD: &str = "new-Diff-Pa55-Zt3";

fn app(replicas: u32, mode: &str) -> String {
    let command = command(SERVE);
    format!(
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: {mode}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: {BUSYBOX}
        command: {command}
"#
    )
}

/// `kstatus diff -n <ns> -f <file> <extra>`: exit code, stdout, stderr.
fn diff(
    ctx: &TestContext,
    file: &str,
    manifest: &str,
    extra: &[&str],
) -> (Option<i32>, String, String) {
    let path = ctx.manifest(file, manifest);
    let mut args = vec![
        "diff",
        "-n",
        &ctx.namespace,
        "-f",
        path.to_str().expect("a UTF-8 path"),
    ];
    args.extend_from_slice(extra);
    let output = ctx.kstatus(&args, None);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn after_apply_is_empty_and_a_change_shows(ctx: TestContext) {
    let (code, stdout, _) = diff(&ctx, "before.yaml", &app(1, "slow"), &[]);
    assert_eq!(code, Some(1), "new objects are differences");
    assert!(stdout.contains(&format!("ConfigMap/settings -n {}: new", ctx.namespace)));
    assert!(stdout.contains(&format!("Deployment/web -n {}: new", ctx.namespace)));

    let run = ctx.apply(&app(1, "slow"), &["--timeout", "2m"]);
    assert_eq!(run.code, Some(0), "{}", run.text);

    let (code, stdout, _) = diff(&ctx, "same.yaml", &app(1, "slow"), &[]);
    assert_eq!(code, Some(0), "nothing changed");
    assert_eq!(stdout, "no differences (2 objects unchanged)\n");

    let (code, stdout, _) = diff(&ctx, "changed.yaml", &app(2, "slow"), &[]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("-  replicas: 1\n+  replicas: 2\n"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!(
        "+++ Deployment/web -n {} (after apply)",
        ctx.namespace
    )));
    assert!(stdout.contains("1 object differs (0 new, 1 changed), 1 unchanged"));
    // Server-managed fields are no differences.
    for noise in ["resourceVersion", "managedFields", "generation", "status:"] {
        assert!(!stdout.contains(noise), "{noise} in {stdout}");
    }

    let (code, stdout, _) = diff(&ctx, "json.yaml", &app(2, "fast"), &["-o", "json"]);
    assert_eq!(code, Some(1));
    let report: Value = serde_json::from_str(&stdout).expect("a JSON document");
    assert_eq!(report["schema"], "kstatus.dev/diff/v1");
    let changed = report["changed"].as_array().expect("a list");
    let fields: Vec<(&str, Vec<&str>)> = changed
        .iter()
        .map(|c| {
            assert_eq!(c["change"], "changed");
            let fields = c["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap());
            (c["kind"].as_str().unwrap(), fields.collect())
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("ConfigMap", vec!["data.mode"]),
            ("Deployment", vec!["spec.replicas"])
        ]
    );
    assert_eq!(report["unchanged"], serde_json::json!([]));

    // Nothing was persisted by the dry runs.
    let (code, _, _) = diff(&ctx, "again.yaml", &app(1, "slow"), &[]);
    assert_eq!(code, Some(0));
}

fn secret(password: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(password);
    format!(
        r#"apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
data:
  password: {encoded}
  user: YXBwLXVzZXItWGs3
"#
    )
}

fn fingerprint(value: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(SALT.as_bytes())
        .chain_update(value.as_bytes())
        .finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{}", &hex[..12])
}

async fn secret_change_as_fingerprints_only(ctx: TestContext) {
    let run = ctx.apply(&secret(OLD_PASSWORD), &["--timeout", "1m"]);
    assert_eq!(run.code, Some(0), "{}", run.text);

    let salt = ["--fingerprint-salt", SALT];
    let (code, stdout, stderr) = diff(&ctx, "same.yaml", &secret(OLD_PASSWORD), &salt);
    assert_eq!(code, Some(0), "{stdout}{stderr}");

    let mut outputs = Vec::new();
    for format in ["table", "json", "yaml"] {
        let extra = [&salt[..], &["-o", format]].concat();
        let (code, stdout, stderr) = diff(&ctx, "new.yaml", &secret(NEW_PASSWORD), &extra);
        assert_eq!(code, Some(1), "{stdout}{stderr}");
        outputs.push((format, stdout, stderr));
    }
    let table = &outputs[0].1;
    assert!(
        table.contains(&format!("-  password: {}\n", fingerprint(OLD_PASSWORD))),
        "{table}"
    );
    assert!(
        table.contains(&format!("+  password: {}\n", fingerprint(NEW_PASSWORD))),
        "{table}"
    );
    let report: Value = serde_json::from_str(&outputs[1].1).expect("a JSON document");
    assert_eq!(
        report["changed"][0]["fields"],
        serde_json::json!(["data.password"])
    );
    let b64 = |v: &str| base64::engine::general_purpose::STANDARD.encode(v);
    for (format, stdout, stderr) in &outputs {
        for value in [OLD_PASSWORD, NEW_PASSWORD, "app-user-Xk7"] {
            for form in [value.to_string(), b64(value)] {
                assert!(
                    !stdout.contains(&form),
                    "{form} in {format} stdout:\n{stdout}"
                );
                assert!(
                    !stderr.contains(&form),
                    "{form} in {format} stderr:\n{stderr}"
                );
            }
        }
    }
}

/// Objects last applied by `kubectl apply` (client-side) differ from kstatus's dry run only in
/// field ownership and the last-applied annotation, which are no differences; adopting their
/// fields is said on stderr, and nothing is persisted.
async fn kubectl_applied_objects_show_no_difference(ctx: TestContext) {
    let manifest = app(1, "slow");
    let path = ctx.manifest("kubectl.yaml", &manifest);
    let applied = ctx.kubectl(&["apply", "-f", path.to_str().unwrap()]);
    assert!(applied.status.success(), "{applied:?}");

    let (code, stdout, stderr) = diff(&ctx, "same.yaml", &manifest, &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert_eq!(stdout, "no differences (2 objects unchanged)\n");
    assert!(
        stderr.contains(&format!(
            "ConfigMap/settings -n {}: would adopt fields from kubectl-client-side-apply",
            ctx.namespace
        )),
        "{stderr}"
    );

    let (code, stdout, stderr) = diff(&ctx, "changed.yaml", &app(1, "fast"), &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("-  mode: slow\n+  mode: fast\n"),
        "{stdout}"
    );

    // The dry runs adopted nothing: kubectl still owns the fields.
    let managers = ctx.kubectl(&["get", "configmap", "settings", "-o", "json"]);
    let object: Value = serde_json::from_slice(&managers.stdout).expect("kubectl's JSON");
    let owners: Vec<&str> = object["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(!owners.contains(&"kstatus"), "{owners:?}");
}

/// A set applied with `--applyset` carries the set's label: `diff --applyset` compares with it
/// (no differences); without the flag the label would be removed, and diff says so.
async fn with_applyset_compares_as_applied(ctx: TestContext) {
    let run = ctx.apply(
        &app(1, "slow"),
        &["--applyset", "web-set", "--timeout", "2m"],
    );
    assert_eq!(run.code, Some(0), "{}", run.text);

    let (code, stdout, stderr) = diff(
        &ctx,
        "set.yaml",
        &app(1, "slow"),
        &["--applyset", "web-set"],
    );
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(stdout, "no differences (2 objects unchanged)\n");

    let (code, stdout, _) = diff(&ctx, "unlabelled.yaml", &app(1, "slow"), &[]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("applyset.kubernetes.io/part-of"),
        "{stdout}"
    );

    let (code, _, stderr) = diff(
        &ctx,
        "bad.yaml",
        &app(1, "slow"),
        &["--applyset", "deployments/x"],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--applyset deployments/x"), "{stderr}");
}
