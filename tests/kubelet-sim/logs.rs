//! The kubelet's HTTPS endpoint for container logs, as used by the apiserver for `pods/log`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use k8s_openapi::jiff::Timestamp;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tracing::{debug, info};

use crate::sim::{Ctr, Registry, State};
use crate::util;

fn tls_config(cert: &Path, key: &Path) -> anyhow::Result<ServerConfig> {
    let certs = rustls_pemfile::certs(&mut std::io::BufReader::new(
        std::fs::File::open(cert).with_context(|| format!("opening {}", cert.display()))?,
    ))
    .collect::<Result<Vec<_>, _>>()
    .context("reading the certificate")?;
    let key = rustls_pemfile::private_key(&mut std::io::BufReader::new(
        std::fs::File::open(key).with_context(|| format!("opening {}", key.display()))?,
    ))
    .context("reading the private key")?
    .context("no private key found")?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Binds 127.0.0.1:`port` and serves in the background.
pub async fn serve(
    port: u16,
    cert: &Path,
    key: &Path,
    registry: Registry,
) -> anyhow::Result<JoinHandle<()>> {
    let acceptor = TlsAcceptor::from(Arc::new(tls_config(cert, key)?));
    let listener = TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("binding 127.0.0.1:{port}"))?;
    info!("serving container logs on https://127.0.0.1:{port}");
    Ok(tokio::spawn(async move {
        loop {
            let (tcp, _) = match listener.accept().await {
                Ok(c) => c,
                Err(e) => {
                    debug!("accept failed: {e}");
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let registry = registry.clone();
            tokio::spawn(async move {
                let tls = match acceptor.accept(tcp).await {
                    Ok(t) => t,
                    Err(e) => {
                        debug!("TLS handshake failed: {e}");
                        return;
                    }
                };
                let service = service_fn(move |req| {
                    let registry = registry.clone();
                    async move { Ok::<_, Infallible>(handle(&req, &registry)) }
                });
                if let Err(e) = http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await
                {
                    debug!("log connection error: {e}");
                }
            });
        }
    }))
}

fn reply(code: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = code;
    r.headers_mut().insert(
        "content-type",
        "text/plain; charset=utf-8".parse().expect("header"),
    );
    r
}

fn handle(req: &Request<Incoming>, registry: &Registry) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    debug!("{} {}", req.method(), req.uri());
    if path == "/healthz" {
        return reply(StatusCode::OK, "ok");
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (ns, pod, container) = match parts.as_slice() {
        ["containerLogs", ns, pod, container] => (*ns, *pod, *container),
        _ => return reply(StatusCode::NOT_FOUND, "404 page not found\n"),
    };
    let query: HashMap<String, String> = req
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), percent_decode(v)),
            None => (kv.to_string(), String::new()),
        })
        .collect();
    let flag = |k: &str| {
        query
            .get(k)
            .is_some_and(|v| v == "true" || v == "1" || v.is_empty())
    };
    let num = |k: &str| query.get(k).and_then(|v| v.parse::<i64>().ok());

    let state = registry
        .lock()
        .unwrap()
        .get(&(ns.to_string(), pod.to_string()))
        .cloned();
    let Some(state) = state else {
        return reply(StatusCode::NOT_FOUND, format!("pod \"{pod}\" not found"));
    };
    let st = state.lock().unwrap();
    let Some(c) = st.ctr(container) else {
        return reply(
            StatusCode::BAD_REQUEST,
            format!("container {container} is not valid for pod {pod}"),
        );
    };
    let id = match select_instance(c, pod, flag("previous")) {
        Ok(id) => id,
        Err(msg) => return reply(StatusCode::BAD_REQUEST, msg),
    };
    let Some(instance) = c.logs_of(&id) else {
        return reply(StatusCode::OK, "");
    };

    let since: Option<Timestamp> = match (num("sinceSeconds"), query.get("sinceTime")) {
        (Some(s), _) => Timestamp::now()
            .checked_sub(k8s_openapi::jiff::SignedDuration::from_secs(s))
            .ok(),
        (None, Some(t)) => t.parse().ok(),
        _ => None,
    };
    let mut lines: Vec<String> = instance
        .lines
        .iter()
        .filter(|l| since.is_none_or(|s| l.ts >= s))
        .map(|l| {
            if flag("timestamps") {
                format!("{} {}\n", util::nano(l.ts), l.text)
            } else {
                format!("{}\n", l.text)
            }
        })
        .collect();
    if let Some(n) = num("tailLines").filter(|n| *n >= 0) {
        let n = n as usize;
        if lines.len() > n {
            lines.drain(..lines.len() - n);
        }
    }
    let mut body = lines.concat().into_bytes();
    if let Some(limit) = num("limitBytes").filter(|n| *n > 0) {
        body.truncate(limit as usize);
    }
    reply(StatusCode::OK, body)
}

/// The kubelet's choice of container instance for a log request (`validateContainerLogStatus`).
fn select_instance(c: &Ctr, pod: &str, previous: bool) -> Result<String, String> {
    let name = &c.name;
    if previous {
        return match &c.last {
            Some(t) => Ok(t.id.clone()),
            None => Err(format!(
                "previous terminated container \"{name}\" in pod \"{pod}\" not found"
            )),
        };
    }
    match &c.state {
        State::Running { id, .. } => Ok(id.clone()),
        State::Terminated(t) => Ok(t.id.clone()),
        State::Waiting { .. } if c.last.is_some() => Ok(c.last.as_ref().expect("last").id.clone()),
        State::Waiting { reason, .. } => Err(match reason.as_str() {
            "ErrImagePull" => {
                format!(
                    "container \"{name}\" in pod \"{pod}\" is waiting to start: image can't be pulled"
                )
            }
            "ImagePullBackOff" => format!(
                "container \"{name}\" in pod \"{pod}\" is waiting to start: trying and failing to pull image"
            ),
            other => format!("container \"{name}\" in pod \"{pod}\" is waiting to start: {other}"),
        }),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
