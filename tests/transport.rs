//! How kstatus speaks HTTP to an API server, against a fake one over TLS that offers HTTP/2 and
//! HTTP/1.1 as real API servers do: requests multiplexed over HTTP/2, `DISABLE_HTTP2` as for
//! kubectl, and `--request-timeout` bounding each request.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use base64::Engine;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, Response, Version};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;

/// A test CA and a server certificate it signed for 127.0.0.1 and localhost (P-256, valid until
/// 2126; the CA's key was discarded: nothing else can be signed with it).
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls");

/// What the fake server saw: the HTTP version of every request, and the connections accepted.
#[derive(Default)]
struct Seen {
    versions: Mutex<Vec<Version>>,
    connections: AtomicUsize,
    patches: AtomicUsize,
}

impl Seen {
    fn versions(&self) -> Vec<Version> {
        self.versions.lock().unwrap().clone()
    }
}

/// How the fake server answers server-side applies.
#[derive(Clone, Copy)]
enum Patches {
    Answered,
    /// Never answered: the request hangs until the client gives up.
    Hang,
}

fn tls_config() -> ServerConfig {
    let read = |name: &str| std::fs::read(format!("{FIXTURES}/{name}")).unwrap();
    let certs = rustls_pemfile::certs(&mut &read("server.pem")[..])
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = rustls_pemfile::private_key(&mut &read("server-key.pem")[..])
        .unwrap()
        .expect("a private key");
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    // What a Kubernetes API server offers.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

fn reply(status: u16, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

async fn answer(
    request: Request<hyper::body::Incoming>,
    seen: Arc<Seen>,
    patches: Patches,
) -> Response<Full<Bytes>> {
    seen.versions.lock().unwrap().push(request.version());
    let path = request.uri().path().to_string();
    if request.uri().query().unwrap_or("").contains("watch=true") {
        // A watch that never sees a change.
        std::future::pending::<()>().await;
    }
    match (request.method().as_str(), patches) {
        ("GET", _) if path == "/version" => reply(
            200,
            r#"{"major":"1","minor":"20","gitVersion":"v1.20.2","gitCommit":"","gitTreeState":"","buildDate":"","goVersion":"","compiler":"","platform":"linux/amd64"}"#.into(),
        ),
        ("GET", _) => reply(
            200,
            r#"{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"5"},"items":[]}"#.into(),
        ),
        ("PATCH", Patches::Hang) => {
            seen.patches.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<Response<Full<Bytes>>>().await
        }
        ("PATCH", Patches::Answered) => {
            let n = seen.patches.fetch_add(1, Ordering::SeqCst);
            let name = path.rsplit('/').next().unwrap_or_default();
            reply(
                200,
                format!(
                    r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"{name}","namespace":"default","uid":"u-{n}","resourceVersion":"{}"}},"data":{{"k":"v"}}}}"#,
                    n + 6
                ),
            )
        }
        _ => reply(404, "{}".into()),
    }
}

/// Starts the fake API server on a free local port, in the background for the rest of the
/// test process; returns the port and what it sees.
fn fake_api_server(patches: Patches) -> (u16, Arc<Seen>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a local port");
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Seen::default());
    let recorded = Arc::clone(&seen);
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let acceptor = TlsAcceptor::from(Arc::new(tls_config()));
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                recorded.connections.fetch_add(1, Ordering::SeqCst);
                let acceptor = acceptor.clone();
                let seen = Arc::clone(&recorded);
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                    let io = hyper_util::rt::TokioIo::new(tls);
                    let service = hyper::service::service_fn(move |request| {
                        let seen = Arc::clone(&seen);
                        async move {
                            Ok::<_, std::convert::Infallible>(answer(request, seen, patches).await)
                        }
                    });
                    if h2 {
                        let _ = hyper::server::conn::http2::Builder::new(
                            hyper_util::rt::TokioExecutor::new(),
                        )
                        .serve_connection(io, service)
                        .await;
                    } else {
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service)
                            .await;
                    }
                });
            }
        });
    });
    (port, seen)
}

/// A kubeconfig (a temporary file named after `test`) for the fake server: HTTPS with its CA.
fn kubeconfig(test: &str, port: u16) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "kstatus-transport-{test}-{}.kubeconfig",
        std::process::id()
    ));
    let ca = base64::engine::general_purpose::STANDARD
        .encode(std::fs::read(format!("{FIXTURES}/ca.pem")).unwrap());
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: fake\n\
             clusters:\n- name: fake\n  cluster:\n    server: https://127.0.0.1:{port}\n    \
             certificate-authority-data: {ca}\n\
             users:\n- name: nobody\n  user:\n    token: not-a-secret\n\
             contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: nobody\n    \
             namespace: default\n"
        ),
    )
    .unwrap();
    path
}

fn config_maps(count: usize) -> String {
    (0..count)
        .map(|i| {
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: v\n")
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

/// `kstatus apply` of `count` ConfigMaps against the fake server at `port`.
fn apply(
    test: &str,
    port: u16,
    count: usize,
    extra: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let kubeconfig = kubeconfig(test, port);
    let mut command = Command::new(env!("CARGO_BIN_EXE_kstatus"));
    command
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .env_remove("DISABLE_HTTP2")
        .envs(env.iter().copied())
        .args(["apply", "--kubeconfig"])
        .arg(&kubeconfig)
        .args(["-f", "-", "--stabilization", "0", "--timeout", "60s"])
        .args(extra)
        .write_stdin(config_maps(count));
    let output = command.output().unwrap();
    let _ = std::fs::remove_file(&kubeconfig);
    output
}

fn describe(output: &std::process::Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Over HTTP/1.1 every request in flight needs a connection (and a TLS handshake) of its own: an
/// apply of 60 objects would open dozens. Over HTTP/2 they share one, as kubectl's do.
#[test]
fn an_apply_multiplexes_its_requests_over_one_http2_connection() {
    const OBJECTS: usize = 60;
    let (port, seen) = fake_api_server(Patches::Answered);
    let run = apply("h2", port, OBJECTS, &[], &[]);
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));
    assert_eq!(seen.patches.load(Ordering::SeqCst), OBJECTS);
    let versions = seen.versions();
    assert!(
        versions.iter().all(|v| *v == Version::HTTP_2),
        "{versions:?}"
    );
    // The version check opens it; the lists, the applies and the watches reuse it.
    let connections = seen.connections.load(Ordering::SeqCst);
    assert_eq!(
        connections,
        1,
        "{connections} connections for {} requests",
        versions.len()
    );
}

/// `DISABLE_HTTP2` (any non-empty value) keeps kstatus on HTTP/1.1, as it does kubectl and every client-go
/// program: the way out for a proxy or load balancer that mishandles HTTP/2.
#[test]
fn disable_http2_keeps_every_request_on_http1() {
    let (port, seen) = fake_api_server(Patches::Answered);
    let run = apply("h1", port, 5, &[], &[("DISABLE_HTTP2", "1")]);
    assert_eq!(run.status.code(), Some(0), "{}", describe(&run));
    let versions = seen.versions();
    assert!(!versions.is_empty());
    assert!(
        versions.iter().all(|v| *v == Version::HTTP_11),
        "{versions:?}"
    );
}

/// Requests multiplexed on one connection keep it busy, so a socket read timeout would never
/// fire for one stalled request among live ones: --request-timeout bounds each request.
#[test]
fn request_timeout_ends_a_stalled_apply_over_http2_with_exit_5() {
    let (port, seen) = fake_api_server(Patches::Hang);
    let run = apply("stalled", port, 3, &["--request-timeout", "1s"], &[]);
    assert_eq!(run.status.code(), Some(5), "{}", describe(&run));
    assert_eq!(seen.patches.load(Ordering::SeqCst), 3);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("did not answer in time"), "{stderr}");
    assert!(
        seen.versions().iter().all(|v| *v == Version::HTTP_2),
        "{:?}",
        seen.versions()
    );
}
