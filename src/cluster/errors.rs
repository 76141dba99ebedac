//! What a failed API request means, decided once for every command: each kube error is sorted
//! into a class (401, 403, 404, 409, 422/400, no answer in time, unreachable, …), and a class
//! gets the same words, hints and exit wherever it happens — connecting, discovery, apply, reads.

use std::error::Error as StdError;
use std::time::Duration;

use crate::error::{Error, ErrorKind};

/// What a failed request's error says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// 401: the server refused our credentials.
    Unauthorized,
    /// No credentials to send: an exec plugin or token file failed.
    NoCredentials,
    /// 403: authenticated, but RBAC (or an authorizer) said no.
    Forbidden,
    /// 404: the namespace, the object or the kind is not there.
    NotFound,
    /// 409: another field manager owns a field, or the object changed meanwhile.
    Conflict,
    /// 400 or 422: the object is not valid for the server.
    Invalid,
    /// Any other answer of the server (429, 5xx, admission webhooks failing, …).
    Status(u16),
    /// The server did not answer in time.
    NoAnswer,
    /// No answer at all: connection refused, DNS, TLS.
    Unreachable,
    /// Anything else: an answer that cannot be read, a request that cannot be built.
    Unexpected,
}

impl Class {
    pub fn of(err: &kube::Error) -> Class {
        match err {
            kube::Error::Api(status) => match status.code {
                401 => Class::Unauthorized,
                403 => Class::Forbidden,
                404 => Class::NotFound,
                409 => Class::Conflict,
                400 | 422 => Class::Invalid,
                code => Class::Status(code),
            },
            kube::Error::Auth(_) => Class::NoCredentials,
            _ if timed_out(err) => Class::NoAnswer,
            kube::Error::HyperError(_)
            | kube::Error::Service(_)
            | kube::Error::RustlsTls(_)
            | kube::Error::ReadEvents(_)
            | kube::Error::ProxyProtocolUnsupported { .. }
            | kube::Error::ProxyProtocolDisabled { .. }
            | kube::Error::TlsRequired => Class::Unreachable,
            _ => Class::Unexpected,
        }
    }
}

/// What a request was for: it decides what a refusal means (a rejected object, or a run that
/// cannot go on) and which permission to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// Discovery of the kinds a server serves.
    Discovery,
    /// Any other read kstatus needs to go on: version, get, list, watch.
    Read,
    /// A server-side apply: the server's refusal rejects the object (exit 4).
    Apply { field_manager: &'a str },
}

impl Request<'_> {
    fn permission(self) -> &'static str {
        match self {
            Request::Discovery => "read API discovery",
            Request::Read => "get, list and watch it",
            Request::Apply { .. } => "patch this resource",
        }
    }

    /// A refusal of the server ends the run as a rejection of what was applied, or as a
    /// cluster failure when kstatus could not read what it needs.
    fn refused(self) -> ErrorKind {
        match self {
            Request::Apply { .. } => ErrorKind::Rejected,
            Request::Discovery | Request::Read => ErrorKind::Cluster,
        }
    }
}

/// The error for a failed request. `subject` says what was being done, e.g.
/// `discovering Deployment (GET /apis/apps/v1)` or `Deployment/web -n shop (app.yaml:1
/// (document 1))`; `server` is the API server's URL.
pub fn request_failed(
    subject: &str,
    request: Request<'_>,
    server: &str,
    err: kube::Error,
) -> Error {
    let detail = describe(&err);
    let (kind, message, hint) = match Class::of(&err) {
        Class::Unauthorized => (
            ErrorKind::Cluster,
            format!("authentication to {server} failed (401 Unauthorized)"),
            Some(
                "your credentials were refused: refresh the token or pick another --context"
                    .to_string(),
            ),
        ),
        Class::NoCredentials => (
            ErrorKind::Cluster,
            format!("no credentials for {server}: {detail}"),
            Some(
                "check the user's token, certificate or exec plugin in the kubeconfig, or pick \
                 another --context"
                    .to_string(),
            ),
        ),
        Class::Forbidden => (
            request.refused(),
            format!("forbidden: {detail}"),
            Some(format!(
                "ask for permission to {} (RBAC), or use another --context",
                request.permission()
            )),
        ),
        Class::NotFound => (
            request.refused(),
            format!("not found: {detail}"),
            matches!(request, Request::Apply { .. }).then(|| {
                "create what it needs first: its namespace, or the CustomResourceDefinition of \
                 its kind (both are applied first when they are in the input)"
                    .to_string()
            }),
        ),
        Class::Conflict => (
            request.refused(),
            format!("conflict: {detail}"),
            match request {
                Request::Apply { field_manager } => Some(format!(
                    "another field manager owns these fields; re-run with --force-conflicts to \
                     take them over as \"{field_manager}\", or change the value to agree with it"
                )),
                Request::Discovery | Request::Read => None,
            },
        ),
        Class::Invalid => (
            request.refused(),
            format!("invalid: {detail}"),
            matches!(request, Request::Apply { .. })
                .then(|| "fix the manifest; the server names the offending field".to_string()),
        ),
        Class::Status(code) => (
            request.refused(),
            // Without a message of the server, `describe` already names the code.
            if detail.ends_with(&format!("({code})")) {
                detail
            } else {
                format!("{detail} ({code})")
            },
            (code == 429 || code >= 500).then(|| {
                "the API server failed or is overloaded: try again, or check the server and its \
                 admission webhooks"
                    .to_string()
            }),
        ),
        Class::NoAnswer => (
            ErrorKind::Cluster,
            format!("the API server at {server} did not answer in time: {detail}"),
            Some(NO_ANSWER_HINT.to_string()),
        ),
        Class::Unreachable => (
            ErrorKind::Cluster,
            format!("cannot reach the API server at {server}: {detail}"),
            Some(UNREACHABLE_HINT.to_string()),
        ),
        Class::Unexpected => (ErrorKind::Cluster, detail, None),
    };
    let error = Error::new(kind, format!("{subject}: {message}")).with_source(err);
    match hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}

const UNREACHABLE_HINT: &str =
    "check the cluster is running and that --context/KUBECONFIG point at it";
const NO_ANSWER_HINT: &str = "check the cluster is running and reachable from here, and not overloaded (--request-timeout \
     sets how long a request may take)";

/// A request kstatus gave up waiting for.
pub fn no_answer(subject: &str, server: &str, waited: Duration) -> Error {
    Error::new(
        ErrorKind::Cluster,
        format!(
            "{subject}: the API server at {server} did not answer within {}s",
            waited.as_secs()
        ),
    )
    .with_hint(NO_ANSWER_HINT)
}

/// `discovering Deployment (GET /apis/apps/v1)`: what a discovery request was for.
pub fn discovery_subject(api_version: &str, kind: &str) -> String {
    let path = if api_version.contains('/') {
        format!("/apis/{api_version}")
    } else {
        format!("/api/{api_version}")
    };
    format!("discovering {kind} (GET {path})")
}

/// A one-line description of an API error for people: the server's message when there is one.
pub fn describe(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) => {
            let reason = if status.reason.is_empty() {
                "Error".into()
            } else {
                status.reason.clone()
            };
            if status.message.is_empty() {
                format!("{} ({})", reason, status.code)
            } else {
                status.message.clone()
            }
        }
        other => {
            // Transport errors nest the useful part (e.g. "Connection refused") several sources deep.
            let mut text = other.to_string();
            let mut source = other.source();
            while let Some(inner) = source {
                let inner_text = inner.to_string();
                if !text.contains(&inner_text) {
                    text = format!("{text}: {inner_text}");
                }
                source = inner.source();
            }
            text
        }
    }
}

/// The HTTP status code of an API error, if the server answered.
pub fn status_code(err: &kube::Error) -> Option<u16> {
    match err {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

/// Whether a transport error is a timeout: an IO timeout somewhere in its causes, or a timeout
/// layer's "timed out" / "deadline has elapsed".
fn timed_out(err: &kube::Error) -> bool {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = cause {
        if current
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        let text = current.to_string().to_lowercase();
        if text.contains("timed out") || text.contains("deadline has elapsed") {
            return true;
        }
        cause = current.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;

    fn api(code: u16, reason: &str, message: &str) -> kube::Error {
        let mut status = kube::core::Status::failure(message, reason);
        status.code = code;
        kube::Error::Api(Box::new(status))
    }

    fn refused() -> kube::Error {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        kube::Error::Service(Box::new(io))
    }

    fn timeout() -> kube::Error {
        let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "operation timed out");
        kube::Error::Service(Box::new(io))
    }

    const SERVER: &str = "https://127.0.0.1:6443/";
    const APPLY: Request<'static> = Request::Apply {
        field_manager: "kstatus",
    };

    #[test]
    fn errors_are_classified_by_status_and_transport() {
        let classes: Vec<Class> = [
            api(401, "Unauthorized", ""),
            api(403, "Forbidden", "no"),
            api(404, "NotFound", "gone"),
            api(409, "Conflict", "theirs"),
            api(422, "Invalid", "bad"),
            api(400, "BadRequest", "bad"),
            api(500, "InternalError", "webhook"),
            refused(),
            timeout(),
            kube::Error::LinesCodecMaxLineLengthExceeded,
        ]
        .iter()
        .map(Class::of)
        .collect();
        assert_eq!(
            classes,
            [
                Class::Unauthorized,
                Class::Forbidden,
                Class::NotFound,
                Class::Conflict,
                Class::Invalid,
                Class::Invalid,
                Class::Status(500),
                Class::Unreachable,
                Class::NoAnswer,
                Class::Unexpected,
            ]
        );
    }

    #[test]
    fn a_refusal_rejects_an_apply_but_stops_a_read() {
        let forbidden = || api(403, "Forbidden", "configmaps \"x\" is forbidden");
        let applied = request_failed("ConfigMap/x", APPLY, SERVER, forbidden());
        assert_eq!(applied.exit(), Exit::Rejected);
        assert_eq!(
            applied.to_string(),
            "ConfigMap/x: forbidden: configmaps \"x\" is forbidden"
        );
        assert_eq!(
            applied.hints(),
            ["ask for permission to patch this resource (RBAC), or use another --context"]
        );
        let discovered = request_failed(
            &discovery_subject("apps/v1", "Deployment"),
            Request::Discovery,
            SERVER,
            forbidden(),
        );
        assert_eq!(discovered.exit(), Exit::Cluster);
        assert_eq!(
            discovered.to_string(),
            "discovering Deployment (GET /apis/apps/v1): forbidden: configmaps \"x\" is forbidden"
        );
        assert_eq!(
            discovered.hints(),
            ["ask for permission to read API discovery (RBAC), or use another --context"]
        );
    }

    #[test]
    fn credentials_and_reachability_are_the_same_failure_for_every_request() {
        for request in [APPLY, Request::Discovery, Request::Read] {
            let unauthorized = request_failed("x", request, SERVER, api(401, "Unauthorized", ""));
            assert_eq!(unauthorized.exit(), Exit::Cluster);
            assert_eq!(
                unauthorized.to_string(),
                "x: authentication to https://127.0.0.1:6443/ failed (401 Unauthorized)"
            );
            assert!(unauthorized.hints()[0].contains("refresh the token"));
            let unreachable = request_failed("x", request, SERVER, refused());
            assert_eq!(unreachable.exit(), Exit::Cluster);
            assert!(
                unreachable
                    .to_string()
                    .starts_with("x: cannot reach the API server at https://127.0.0.1:6443/: "),
                "{unreachable}"
            );
            assert!(unreachable.to_string().contains("Connection refused"));
            let slow = request_failed("x", request, SERVER, timeout());
            assert_eq!(slow.exit(), Exit::Cluster);
            assert!(
                slow.to_string().contains("did not answer in time"),
                "{slow}"
            );
        }
    }

    #[test]
    fn an_apply_conflict_names_the_flag_that_takes_over() {
        let conflict = request_failed(
            "ConfigMap/shared",
            Request::Apply {
                field_manager: "ci",
            },
            SERVER,
            api(
                409,
                "Conflict",
                "Apply failed with 1 conflict: conflict with \"other-tool\"",
            ),
        );
        assert_eq!(conflict.exit(), Exit::Rejected);
        assert!(conflict.to_string().contains("conflict: Apply failed"));
        assert!(conflict.to_string().contains("other-tool"));
        assert!(conflict.hints()[0].contains("--force-conflicts"));
        assert!(conflict.hints()[0].contains("as \"ci\""));
        let webhook = request_failed("x", APPLY, SERVER, api(500, "InternalError", "webhook"));
        assert_eq!(webhook.to_string(), "x: webhook (500)");
        assert_eq!(webhook.exit(), Exit::Rejected);
        let overloaded = request_failed("x", Request::Read, SERVER, api(503, "", ""));
        assert_eq!(overloaded.to_string(), "x: Error (503)");
        assert_eq!(overloaded.exit(), Exit::Cluster);
        let invalid = request_failed("x", APPLY, SERVER, api(422, "Invalid", "spec.x: bad"));
        assert_eq!(invalid.to_string(), "x: invalid: spec.x: bad");
        assert_eq!(
            invalid.hints(),
            ["fix the manifest; the server names the offending field"]
        );
    }

    #[test]
    fn the_cause_is_kept_for_verbose_output() {
        let err = request_failed("x", Request::Read, SERVER, refused());
        let causes: Vec<String> = err.causes().map(ToString::to_string).collect();
        assert_eq!(causes.len(), 2, "{causes:?}");
        assert!(causes[0].starts_with("ServiceError"), "{causes:?}");
        assert_eq!(causes[1], "Connection refused");
    }

    #[test]
    fn discovery_names_the_path_it_asked() {
        assert_eq!(
            discovery_subject("v1", "ConfigMap"),
            "discovering ConfigMap (GET /api/v1)"
        );
        assert_eq!(
            discovery_subject("example.com/v1", "Widget"),
            "discovering Widget (GET /apis/example.com/v1)"
        );
    }
}
