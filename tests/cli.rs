//! Command-line behaviour that needs no cluster: help, version, usage errors, exit codes, and
//! the freshness of the committed completions and man pages.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
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
fn adopt_none_with_other_managers_is_a_usage_error() {
    kstatus()
        .args(["apply", "-f", "/nonexistent/app.yaml"])
        .args(["--adopt", "none", "--adopt", "helm"])
        .assert()
        .code(2)
        .stderr(contains(
            "--adopt none turns adoption off and cannot be combined with other --adopt values",
        ));
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

/// A server nobody listens on: exit 5 with the reason and a hint; `-v` adds the causes behind
/// the message, one per line.
#[test]
fn an_unreachable_cluster_says_why_and_verbose_shows_the_causes() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a local port");
        listener.local_addr().unwrap().port()
    };
    let kubeconfig = fake_server_kubeconfig("unreachable", port);
    let run = |verbose: bool| {
        let mut command = kstatus();
        command
            .args(["watch", "-l", "app=shop", "--once", "--kubeconfig"])
            .arg(&kubeconfig);
        if verbose {
            command.arg("-v");
        }
        command.output().unwrap()
    };
    let quiet = run(false);
    let verbose = run(true);
    let _ = std::fs::remove_file(&kubeconfig);
    let quiet_err = String::from_utf8_lossy(&quiet.stderr);
    let verbose_err = String::from_utf8_lossy(&verbose.stderr);
    assert_eq!(quiet.status.code(), Some(5), "{quiet_err}");
    assert!(
        quiet_err.contains("error: connecting (GET /version): cannot reach the API server at"),
        "{quiet_err}"
    );
    assert!(
        quiet_err.contains("hint: check the cluster is running"),
        "{quiet_err}"
    );
    assert!(!quiet_err.contains("caused by:"), "{quiet_err}");
    assert_eq!(verbose.status.code(), Some(5), "{verbose_err}");
    assert!(
        verbose_err
            .lines()
            .filter(|l| l.starts_with("caused by: "))
            .count()
            >= 2,
        "{verbose_err}"
    );
}

/// The first request kstatus sends (GET /version) names it, its version and platform, so API
/// server audit logs and priority rules can tell it apart. A one-shot server records it.
#[test]
fn requests_carry_the_kstatus_user_agent() {
    use std::io::{BufRead, BufReader, Write};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a local port");
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("kstatus connects");
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_string());
        }
        let mut stream = stream;
        let _ = stream.write_all(
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
        head
    });
    let kubeconfig = fake_server_kubeconfig("user-agent", port);
    let run = kstatus()
        .args(["apply", "--kubeconfig"])
        .arg(&kubeconfig)
        .args(["-f", "-"])
        .write_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n")
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&kubeconfig);
    let head = server.join().expect("the fake server ends");
    assert_eq!(run.status.code(), Some(5), "{run:?}");
    assert!(
        head.first().is_some_and(|l| l.starts_with("GET /version")),
        "{head:?}"
    );
    let user_agents: Vec<&str> = head
        .iter()
        .filter_map(|l| l.split_once(':'))
        .filter(|(name, _)| name.eq_ignore_ascii_case("user-agent"))
        .map(|(_, value)| value.trim())
        .collect();
    let expected = format!(
        "kstatus/{} ({}/",
        env!("CARGO_PKG_VERSION"),
        if cfg!(target_os = "macos") {
            "darwin"
        } else {
            std::env::consts::OS
        }
    );
    assert_eq!(user_agents.len(), 1, "{head:?}");
    assert!(
        user_agents[0].starts_with(&expected) && user_agents[0].ends_with(')'),
        "{head:?}"
    );
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    assert_eq!(
        user_agents[0],
        format!("kstatus/{} (linux/amd64)", env!("CARGO_PKG_VERSION"))
    );
}

/// A fake API server that refuses the first two applies with 429 Too Many Requests (as API
/// Priority and Fairness does): kstatus sends the apply again after the Retry-After, succeeds,
/// and counts the refusals in the report and in a warning.
#[test]
fn throttled_applies_are_retried_after_the_server_wait_and_counted() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use http_body_util::Full;
    use hyper::body::Bytes;
    use hyper::{Request, Response};

    const REFUSALS: usize = 2;
    let patches = Arc::new(AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a local port");
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let counted = Arc::clone(&patches);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let patches = Arc::clone(&counted);
                tokio::spawn(async move {
                    let answer = hyper::service::service_fn(move |request: Request<_>| {
                        let patches = Arc::clone(&patches);
                        async move {
                            let path = request.uri().path().to_string();
                            let query = request.uri().query().unwrap_or("").to_string();
                            let reply = |status: u16, body: &str| {
                                Response::builder()
                                    .status(status)
                                    .header("content-type", "application/json")
                                    .body(Full::new(Bytes::from(body.to_string())))
                                    .unwrap()
                            };
                            if query.contains("watch=true") {
                                // A watch that never sees a change.
                                std::future::pending::<()>().await;
                            }
                            let response = match request.method().as_str() {
                                "GET" if path == "/version" => reply(
                                    200,
                                    r#"{"major":"1","minor":"20","gitVersion":"v1.20.2","gitCommit":"","gitTreeState":"","buildDate":"","goVersion":"","compiler":"","platform":"linux/amd64"}"#,
                                ),
                                "GET" => reply(
                                    200,
                                    r#"{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"5"},"items":[]}"#,
                                ),
                                "PATCH" if patches.fetch_add(1, Ordering::SeqCst) < REFUSALS => {
                                    Response::builder()
                                        .status(429)
                                        .header("retry-after", "0")
                                        .header("content-type", "text/plain")
                                        .body(Full::new(Bytes::from(
                                            "Too many requests, please try again later.\n",
                                        )))
                                        .unwrap()
                                }
                                "PATCH" => reply(
                                    200,
                                    r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"default","uid":"u-1","resourceVersion":"6"},"data":{"k":"v"}}"#,
                                ),
                                _ => reply(404, "{}"),
                            };
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, answer)
                        .await;
                });
            }
        });
    });
    let kubeconfig = fake_server_kubeconfig("throttled", port);
    let run = kstatus()
        .args(["apply", "--kubeconfig"])
        .arg(&kubeconfig)
        .args([
            "-f",
            "-",
            "-o",
            "json",
            "--stabilization",
            "0",
            "--timeout",
            "30s",
        ])
        .write_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n")
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&kubeconfig);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(patches.load(Ordering::SeqCst), REFUSALS + 1);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("a JSON report");
    assert_eq!(report["throttledRequests"], 2, "{stdout}");
    assert!(
        stderr.contains("the API server throttled 2 request(s) (429 Too Many Requests"),
        "{stderr}"
    );
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

/// A name the API server would refuse stops the run before anything is sent, naming file, line
/// and rule, together with every other problem of the input.
#[test]
fn apply_refuses_names_the_api_server_would_refuse() {
    let path = std::env::temp_dir().join(format!("kstatus-cli-names-{}.yaml", std::process::id()));
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n---\napiVersion: apps/v1\n\
         kind: Deployment\nmetadata:\n  name: Bad_Name!\n---\napiVersion: v1\nkind: Secret\n\
         metadata:\n  name: s\n  namespace: Shop\n",
    )
    .unwrap();
    let run = kstatus()
        .args(["apply", "--kubeconfig", "/nonexistent/kubeconfig", "-f"])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}:6 (document 2): metadata.name \"Bad_Name!\" is not a valid Deployment name: it \
             must consist of lower case letters, digits, '-' and '.', start and end with a letter \
             or digit, and have a letter or digit on both sides of every '.' (at most 253 \
             characters)",
            path.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            ":11 (document 3): Secret: metadata.namespace \"Shop\" is not a valid namespace name"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was applied"), "{stderr}");
}

#[test]
fn a_namespace_flag_the_api_server_would_refuse_is_a_usage_error() {
    kstatus()
        .args(["apply", "-n", "Shop_1", "-f", "app.yaml"])
        .assert()
        .code(2)
        .stderr(contains(
            "invalid value 'Shop_1' for '--namespace <NAME>': not a valid namespace name: it must \
             consist of lower case letters, digits and '-', start and end with a letter or digit \
             (at most 63 characters)",
        ));
}

/// Thousands of documents in one input load (the parser's default limit of 1,024 documents is
/// raised); the run gets as far as the missing kubeconfig.
#[test]
fn thousands_of_manifests_in_one_input_load() {
    let input: String = (0..2_500)
        .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c-{i}\n"))
        .collect();
    kstatus()
        .args([
            "apply",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "-",
        ])
        .write_stdin(input)
        .assert()
        .code(2)
        .stderr(contains("cannot read kubeconfig /nonexistent/kubeconfig"));
}

/// Parse errors say what is wrong in manifest terms, never in the YAML library's.
#[test]
fn parse_errors_are_in_manifest_terms() {
    let cases = [
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ~\n",
            "<stdin>:1 (document 1): ConfigMap: metadata.name must be a string, found null",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {~: b}\n",
            "<stdin>:4 (document 1): invalid YAML at column 8: a mapping key is null",
        ),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: &x [*x]\n",
            "<stdin>:4 (document 1): invalid YAML at column 11: an alias (*name) is used inside \
             the value its anchor (&name) marks",
        ),
        (
            "apiVersion: v1\nkind: [a]\nmetadata: {name: a}\n",
            "<stdin>:1 (document 1): kind must be a string, found a list",
        ),
    ];
    for (input, expected) in cases {
        let run = kstatus()
            .args([
                "apply",
                "--kubeconfig",
                "/nonexistent/kubeconfig",
                "-f",
                "-",
            ])
            .write_stdin(input)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{input}: {stderr}");
        for internal in ["Option<String>", "weak recursion", "budget breached"] {
            assert!(!stderr.contains(internal), "{input}: {stderr}");
        }
    }
}

/// Nesting deeper than any real manifest is refused, saying which limit and how large the input
/// was.
#[test]
fn deeply_nested_input_is_refused_naming_the_limit() {
    let input = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\nx: {}{}\n",
        "[".repeat(120),
        "]".repeat(120)
    );
    kstatus()
        .args([
            "apply",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "-",
        ])
        .write_stdin(input)
        .assert()
        .code(2)
        .stderr(contains(
            "<stdin>:4 (document 1): input refused: lists and mappings are nested more than 100 \
             deep (the input is 295 B); the limit protects against hostile YAML",
        ));
}

#[test]
fn the_fingerprint_salt_is_documented_and_its_value_never_shown() {
    use predicates::prelude::PredicateBooleanExt;
    for command in ["apply", "watch"] {
        kstatus()
            .args([command, "--help"])
            .env("KSTATUS_FINGERPRINT_SALT", "salt-from-env-Zq8")
            .assert()
            .success()
            .stdout(contains("--fingerprint-salt <VALUE>"))
            .stdout(contains("[env: KSTATUS_FINGERPRINT_SALT]"))
            .stdout(contains("salt-from-env-Zq8").not());
    }
    kstatus()
        .args(["apply", "-f", "x.yaml", "--fingerprint-salt", ""])
        .assert()
        .code(2)
        .stderr(contains("--fingerprint-salt"));
}

#[test]
fn apply_help_documents_steps() {
    kstatus()
        .args(["apply", "--help"])
        .assert()
        .success()
        .stdout(contains("--steps"))
        .stdout(contains("Apply each -f as one step, in order"));
}

/// An object in two steps is refused before anything is applied, naming both places; no
/// cluster is configured, so the run could not have got further.
#[test]
fn apply_steps_refuses_an_object_in_two_steps_before_connecting() {
    let dir = std::env::temp_dir().join(format!("kstatus-cli-steps-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("01-db")).unwrap();
    let config =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n";
    std::fs::write(dir.join("01-db/config.yaml"), config).unwrap();
    std::fs::write(dir.join("02-app.yaml"), config).unwrap();
    kstatus()
        .current_dir(&dir)
        .args([
            "apply",
            "--steps",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "01-db/",
            "-f",
            "02-app.yaml",
        ])
        .assert()
        .code(2)
        .stderr(contains(
            "02-app.yaml:1 (document 1): ConfigMap/settings is also defined at \
             01-db/config.yaml:1 (document 1)",
        ))
        .stderr(contains("nothing was applied"))
        .stderr(predicates::prelude::PredicateBooleanExt::not(contains(
            "kubeconfig",
        )));
    // Without --steps the same input is one set, and the duplicate is found once the cluster
    // says where the objects go: here, the missing kubeconfig stops the run first.
    kstatus()
        .current_dir(&dir)
        .args([
            "apply",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "01-db/",
            "-f",
            "02-app.yaml",
        ])
        .assert()
        .stderr(contains("cannot read kubeconfig"));
    let _ = std::fs::remove_dir_all(dir);
}

/// Invalid health rules stop apply and watch before the cluster is contacted (a nonexistent
/// kubeconfig would otherwise be the error), naming the file, the rule and the expression; the
/// default `.kstatus/health.yaml` is read from the current directory.
#[test]
fn invalid_health_rules_are_a_usage_error_before_connecting() {
    let dir = std::env::temp_dir().join(format!("kstatus-cli-health-{}", std::process::id()));
    std::fs::create_dir_all(dir.join(".kstatus")).unwrap();
    let rules = "- apiVersion: example.com/v1\n  kind: Widget\n  current: status.phase == 'Ready'\n  \
                 failed: status.phase ==\n";
    std::fs::write(dir.join("rules.yaml"), rules).unwrap();
    std::fs::write(
        dir.join("app.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    let expected = "rules.yaml:1: rule 1 (Widget): failed does not compile: status.phase ==";
    kstatus()
        .current_dir(&dir)
        .args([
            "apply",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "app.yaml",
        ])
        .args(["--health-rules", "rules.yaml"])
        .assert()
        .code(2)
        .stderr(contains(expected))
        .stderr(contains("nothing was applied"))
        .stderr(contains("kubeconfig").not());
    kstatus()
        .current_dir(&dir)
        .args([
            "watch",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-l",
            "app=shop",
        ])
        .args(["--health-rules", "rules.yaml"])
        .assert()
        .code(2)
        .stderr(contains(expected));
    // Without --health-rules, .kstatus/health.yaml is read when present.
    std::fs::write(
        dir.join(".kstatus/health.yaml"),
        rules.replace("Widget", "Gadget"),
    )
    .unwrap();
    kstatus()
        .current_dir(&dir)
        .args([
            "apply",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "app.yaml",
        ])
        .assert()
        .code(2)
        .stderr(contains(
            ".kstatus/health.yaml:1: rule 1 (Gadget): failed does not compile: status.phase ==",
        ));
    // Given explicitly, only the files given are read: the kubeconfig is the next problem.
    std::fs::write(
        dir.join("good.yaml"),
        rules.replace(" ==\n", " == 'Broken'\n"),
    )
    .unwrap();
    kstatus()
        .current_dir(&dir)
        .args([
            "apply",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "app.yaml",
        ])
        .args(["--health-rules", "good.yaml"])
        .assert()
        .code(2)
        .stderr(contains("cannot read kubeconfig /nonexistent/kubeconfig"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn diff_help_lists_its_flags_and_exit_codes() {
    kstatus()
        .args(["diff", "--help"])
        .assert()
        .success()
        .stdout(contains("--filename <PATH>"))
        .stdout(contains("--recursive"))
        .stdout(contains("--field-manager <NAME>"))
        .stdout(contains("--force-conflicts"))
        .stdout(contains("--adopt <MANAGER>"))
        .stdout(contains("--output <FORMAT>"))
        .stdout(contains("--fingerprint-salt <VALUE>"))
        .stdout(contains("--namespace <NAME>"))
        .stdout(contains("1  differences found"))
        .stdout(contains("--timeout").not());
}

/// `diff` reads and validates the manifests before contacting any cluster, as `apply` does.
#[test]
fn diff_rejects_a_bad_manifest_before_connecting() {
    kstatus()
        .args(["diff", "--kubeconfig", "/nonexistent/kubeconfig", "-f", "-"])
        .write_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nkind: Secret\n")
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains(
            "<stdin>:6 (document 2): Secret: missing apiVersion",
        ));
    kstatus()
        .args(["diff", "-f", "x.yaml", "--adopt", "none", "--adopt", "helm"])
        .assert()
        .code(2)
        .stderr(contains("cannot be combined"));
    kstatus()
        .arg("diff")
        .assert()
        .code(2)
        .stderr(contains("--filename"));
}

fn kubectl_kstatus() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubectl-kstatus"));
    cmd.env("NO_COLOR", "1").env_remove("KUBECONFIG");
    cmd
}

/// Runs `args` with both binaries and returns (exit code, stdout, stderr) of each.
fn under_both_names(args: &[&str]) -> [(Option<i32>, String, String); 2] {
    [kstatus(), kubectl_kstatus()].map(|mut cmd| {
        let output = cmd.args(args).output().expect("running the binary");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    })
}

/// The kubectl plugin is the same program: for help, a usage error, the version and an input
/// error it exits and prints as kstatus does, except that usage lines say `kubectl kstatus`.
#[test]
fn the_kubectl_plugin_behaves_as_kstatus_under_its_own_name() {
    let runs: [&[&str]; 5] = [
        &["--help"],
        &["apply", "--help"],
        &["apply", "--no-such-flag"],
        &["--version"],
        &[
            "apply",
            "--kubeconfig",
            "/nonexistent/kubeconfig",
            "-f",
            "/nonexistent/app.yaml",
        ],
    ];
    for args in runs {
        let [
            (code, stdout, stderr),
            (plugin_code, plugin_stdout, plugin_stderr),
        ] = under_both_names(args);
        assert_eq!(plugin_code, code, "exit code of {args:?}");
        let renamed = |text: &str| text.replace("Usage: kstatus", "Usage: kubectl kstatus");
        assert_eq!(plugin_stdout, renamed(&stdout), "stdout of {args:?}");
        assert_eq!(plugin_stderr, renamed(&stderr), "stderr of {args:?}");
    }
    kubectl_kstatus()
        .args(["apply", "--no-such-flag"])
        .assert()
        .code(2)
        .stderr(contains("Usage: kubectl kstatus apply"));
    kubectl_kstatus()
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("Usage: kubectl kstatus [OPTIONS] <COMMAND>"));
}

/// `apply` against no cluster: the input is read before connecting, so what the input error
/// names shows which values were used.
fn apply_without_a_cluster() -> Command {
    let mut cmd = kstatus();
    cmd.args(["apply", "--kubeconfig", "/nonexistent/kubeconfig"]);
    cmd
}

#[test]
fn flags_are_read_from_kstatus_variables() {
    apply_without_a_cluster()
        .env("KSTATUS_FILENAME", "/nonexistent/from-env.yaml")
        .assert()
        .code(2)
        .stderr(contains("/nonexistent/from-env.yaml: cannot read"));
    // A repeatable flag takes several values separated by commas.
    apply_without_a_cluster()
        .env(
            "KSTATUS_FILENAME",
            "/nonexistent/a.yaml,/nonexistent/b.yaml",
        )
        .assert()
        .code(2)
        .stderr(contains("/nonexistent/a.yaml: cannot read"))
        .stderr(contains("/nonexistent/b.yaml: cannot read"));
    // Switches take booleans: 1 turns --prune on (and it needs --applyset), 0 leaves it off.
    apply_without_a_cluster()
        .args(["-f", "/nonexistent/app.yaml"])
        .env("KSTATUS_PRUNE", "1")
        .assert()
        .code(2)
        .stderr(contains("--prune needs --applyset"));
    for off in ["0", "false"] {
        apply_without_a_cluster()
            .args(["-f", "/nonexistent/app.yaml"])
            .env("KSTATUS_PRUNE", off)
            .assert()
            .code(2)
            .stderr(contains("/nonexistent/app.yaml: cannot read"));
    }
    apply_without_a_cluster()
        .args(["-f", "/nonexistent/app.yaml"])
        .env("KSTATUS_PRUNE", "true")
        .env("KSTATUS_APPLYSET", "bad/name/here")
        .assert()
        .code(2)
        .stderr(contains("/nonexistent/app.yaml").not())
        .stderr(contains("bad/name/here"));
}

#[test]
fn the_command_line_wins_over_kstatus_variables() {
    apply_without_a_cluster()
        .args(["-f", "/nonexistent/from-flag.yaml", "--timeout", "1m"])
        .env("KSTATUS_FILENAME", "/nonexistent/from-env.yaml")
        // Not even read, so its bad value is no error.
        .env("KSTATUS_TIMEOUT", "5 parsecs")
        .assert()
        .code(2)
        .stderr(contains("/nonexistent/from-flag.yaml: cannot read"))
        .stderr(contains("from-env.yaml").not())
        .stderr(contains("KSTATUS_TIMEOUT").not());
    // A flag given on the command line wins even over a variable it conflicts with.
    for (variable, value, flags) in [
        ("KSTATUS_NAMESPACE", "shop", &["-A", "-l", "app=shop"][..]),
        (
            "KSTATUS_ALL_NAMESPACES",
            "true",
            &["-n", "shop", "-l", "app=shop"],
        ),
    ] {
        kstatus()
            .args(["watch", "--once", "--kubeconfig", "/nonexistent/kubeconfig"])
            .args(flags)
            .env(variable, value)
            .assert()
            .stderr(contains("cannot be used with").not())
            .stderr(contains("cannot read kubeconfig"));
    }
    kstatus()
        .args(["watch", "--once", "-A", "-n", "shop", "-l", "app=shop"])
        .assert()
        .code(2)
        .stderr(contains("cannot be used with"));
    kstatus()
        .args(["watch", "--once", "-l", "app=shop"])
        .env("KSTATUS_NAMESPACE", "shop")
        .env("KSTATUS_ALL_NAMESPACES", "true")
        .assert()
        .code(2)
        .stderr(contains("cannot be used with"));
}

#[test]
fn a_bad_value_in_a_kstatus_variable_is_a_usage_error_naming_it() {
    for (variable, value, says) in [
        ("KSTATUS_TIMEOUT", "5 parsecs", "invalid duration"),
        ("KSTATUS_PRUNE", "sometimes", "'sometimes' for '--prune'"),
        ("KSTATUS_STEPS", "yes please", "'yes please' for '--steps'"),
        ("KSTATUS_OUTPUT", "xml", "'xml' for '--output <FORMAT>'"),
        ("KSTATUS_VERBOSE", "loud", "'loud' for '--verbose"),
    ] {
        apply_without_a_cluster()
            .args(["-f", "/nonexistent/app.yaml"])
            .env(variable, value)
            .assert()
            .code(2)
            .stderr(contains(format!(
                "error: environment variable {variable}: "
            )))
            .stderr(contains(says))
            .stderr(contains("Usage: kstatus apply"));
    }
    kstatus()
        .args(["watch", "-l", "app=shop"])
        .env("KSTATUS_NAMESPACE", "Not_A_Namespace")
        .assert()
        .code(2)
        .stderr(contains("environment variable KSTATUS_NAMESPACE"))
        .stderr(contains("not a valid namespace name"));
}

#[test]
fn help_and_man_pages_name_the_kstatus_variables() {
    kstatus()
        .args(["apply", "--help"])
        .env("KSTATUS_REDACT", "hunter2-from-env")
        .assert()
        .success()
        .stdout(contains("[env: KSTATUS_TIMEOUT=]"))
        .stdout(contains("[env: KSTATUS_FILENAME=]"))
        .stdout(contains("[env: KSTATUS_DRY_RUN=]"))
        .stdout(contains("[env: KSTATUS_NAMESPACE=]"))
        .stdout(contains("[env: KSTATUS_REDACT]"))
        .stdout(contains("hunter2-from-env").not());
    kstatus()
        .args(["watch", "--help"])
        .env("KSTATUS_SELECTOR", "app=shop")
        .assert()
        .success()
        .stdout(contains("[env: KSTATUS_SELECTOR=app=shop]"))
        .stdout(contains("[env: KSTATUS_ALL_NAMESPACES=]"));
    let pages = kstatus::cmd::generate::man_pages();
    let apply_page = pages
        .iter()
        .find(|(name, _)| name == "kstatus-apply.1")
        .map(|(_, page)| String::from_utf8_lossy(page).into_owned())
        .expect("a page for apply");
    assert!(apply_page.contains("KSTATUS_TIMEOUT"), "{apply_page}");
}

/// A kubeconfig with two clusters, two users and three contexts, the server at `server`.
fn completion_kubeconfig(name: &str, server: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "kstatus-cli-completion-{name}-{}",
        std::process::id()
    ));
    let config = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: prod-admin\nclusters:\n\
         - name: prod\n  cluster: {{server: '{server}'}}\n\
         - name: staging\n  cluster: {{server: '{server}'}}\n\
         users:\n- name: admin\n  user: {{token: not-a-token}}\n- name: deployer\n  user: {{}}\n\
         contexts:\n- name: prod-admin\n  context: {{cluster: prod, user: admin}}\n\
         - name: prod-deployer\n  context: {{cluster: prod, user: deployer}}\n\
         - name: staging-admin\n  context: {{cluster: staging, user: admin}}\n"
    );
    std::fs::write(&path, config).expect("writing a kubeconfig");
    path
}

/// `kstatus` in clap's completion mode (`COMPLETE=fish`: one candidate a line) for `words`,
/// the last one being completed.
fn complete(words: &[&str]) -> Command {
    let mut cmd = kstatus();
    cmd.env("COMPLETE", "fish")
        .env_remove("_CLAP_COMPLETE_INDEX")
        .arg("--")
        .arg("kstatus")
        .args(words);
    cmd
}

#[test]
fn contexts_clusters_and_users_complete_from_the_kubeconfig() {
    let kubeconfig = completion_kubeconfig("names", "https://127.0.0.1:1");
    let path = kubeconfig.to_str().expect("a UTF-8 temporary path");
    complete(&["apply", "--kubeconfig", path, "--context", ""])
        .assert()
        .success()
        .stdout("prod-admin\nprod-deployer\nstaging-admin\n");
    complete(&["--kubeconfig", path, "watch", "--context", "prod-"])
        .assert()
        .success()
        .stdout("prod-admin\nprod-deployer\n");
    complete(&["diff", "--kubeconfig", path, "--cluster", ""])
        .assert()
        .success()
        .stdout("prod\nstaging\n");
    // KUBECONFIG, as kubectl reads it, and KSTATUS_KUBECONFIG, as kstatus does.
    complete(&["watch", "--user", ""])
        .env("KUBECONFIG", &kubeconfig)
        .assert()
        .success()
        .stdout("admin\ndeployer\n");
    complete(&["watch", "--user", "dep"])
        .env("KSTATUS_KUBECONFIG", &kubeconfig)
        .assert()
        .success()
        .stdout("deployer\n");
    // bash says which word is completed: here one before the subcommand.
    kstatus()
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "4")
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .args([
            "--",
            "kstatus",
            "--kubeconfig",
            path,
            "--context",
            "staging",
            "apply",
        ])
        .assert()
        .success()
        .stdout("staging-admin");
    complete(&[
        "apply",
        "--kubeconfig",
        "/nonexistent/kubeconfig",
        "--context",
        "",
    ])
    .assert()
    .success()
    .stdout("");
    let _ = std::fs::remove_file(kubeconfig);
}

/// Namespaces and kinds come from the cluster: one that does not answer gives no candidates
/// and no error, and the shell gets its prompt back.
#[test]
fn an_unreachable_cluster_completes_no_namespaces_nor_kinds() {
    let kubeconfig = completion_kubeconfig("unreachable", "https://127.0.0.1:1");
    let path = kubeconfig.to_str().expect("a UTF-8 temporary path");
    for words in [
        &["watch", "--kubeconfig", path, "-n", ""][..],
        &["apply", "--kubeconfig", path, "--namespace", "kube"],
        &["watch", "--kubeconfig", path, "--kind", ""],
    ] {
        complete(words)
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .success()
            .stdout("")
            .stderr("");
    }
    let _ = std::fs::remove_file(kubeconfig);
}

#[test]
fn shells_register_dynamic_completion_for_each_binary() {
    kstatus()
        .env("COMPLETE", "bash")
        .assert()
        .success()
        .stdout(contains("_clap_complete_kstatus"))
        .stdout(contains("COMPLETE=\"bash\""));
    kubectl_kstatus()
        .env("COMPLETE", "zsh")
        .assert()
        .success()
        .stdout(contains("kubectl-kstatus"));
}

/// A kubeconfig (written to a temporary file named after `test`) whose only context points at
/// 127.0.0.1:`port` (a fake API server, or nothing), over plain HTTP and without credentials.
fn fake_server_kubeconfig(test: &str, port: u16) -> std::path::PathBuf {
    let kubeconfig = std::env::temp_dir().join(format!(
        "kstatus-cli-{test}-{}.kubeconfig",
        std::process::id()
    ));
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n\
             clusters:\n- name: fake\n  cluster:\n    server: http://127.0.0.1:{port}\n\
             users:\n- name: nobody\n  user: {{}}\n\
             contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: nobody\n"
        ),
    )
    .unwrap();
    kubeconfig
}
