//! Every call to the Kubernetes API: client configuration, discovery, server-side apply and
//! watches live here and nowhere else.

pub mod adopt;
pub mod apply;
pub mod client;
pub mod discovery;
pub mod inspect;
pub mod watch;

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
            let mut source = std::error::Error::source(other);
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
