//! Errors that end a run before a verdict: a kind (which decides the exit code), what happened,
//! what caused it (the source chain `-v` prints) and hints saying what to do next.

use std::error::Error as StdError;

use crate::exit::Exit;

/// What kind of failure stopped a run; `Exit::of` turns it into the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad flags or arguments that clap could not catch, or a selector that matched nothing.
    Usage,
    /// Unreadable or invalid manifests; nothing was sent.
    Manifest,
    /// The API server refused to apply an object.
    Rejected,
    /// Something kstatus must wait for before it can go on (a CustomResourceDefinition of the
    /// input becoming Established) did not reach its state in time.
    TimedOut,
    /// The cluster could not be reached, refused our credentials, or a request kstatus needs to
    /// go on failed.
    Cluster,
    /// kstatus itself failed (its async runtime could not start): neither the input nor the
    /// cluster is to blame.
    Internal,
}

/// What caused an error: the error of a library or of the system, with its own causes.
pub type Cause = Box<dyn StdError + Send + Sync + 'static>;

/// A failure that ends a kstatus run before a verdict about the objects exists.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Cause>,
    hints: Vec<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            source: None,
            hints: Vec::new(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Usage, message)
    }

    pub fn cluster(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Cluster, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Internal, message)
    }

    /// Every problem found in the input, each naming its file and line.
    pub fn manifest(problems: Vec<ManifestProblem>) -> Self {
        Error::new(ErrorKind::Manifest, ManifestProblem::join(&problems))
            .with_hint("fix the manifest; nothing was applied")
    }

    /// Several errors of one step as one: the header, each message on its own line, every
    /// distinct hint, and the first cause.
    pub fn gather(kind: ErrorKind, header: impl Into<String>, errors: Vec<Error>) -> Self {
        let mut gathered = Error::new(kind, header);
        for error in errors {
            gathered.message.push('\n');
            gathered.message.push_str(&error.message);
            for hint in error.hints {
                if !gathered.hints.contains(&hint) {
                    gathered.hints.push(hint);
                }
            }
            gathered.source = gathered.source.or(error.source);
        }
        gathered
    }

    pub fn with_source(mut self, source: impl Into<Cause>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What the user can do about it, when we know.
    pub fn hints(&self) -> &[String] {
        &self.hints
    }

    /// The chain of causes, outermost first.
    pub fn causes(&self) -> impl Iterator<Item = &(dyn StdError + 'static)> {
        let first = self
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static));
        std::iter::successors(first, |&cause| cause.source())
    }

    pub fn exit(&self) -> Exit {
        Exit::of(Err(self))
    }
}

/// One problem with the input: where (`file:line (document N)`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestProblem {
    pub location: String,
    pub message: String,
}

impl ManifestProblem {
    fn join(problems: &[ManifestProblem]) -> String {
        problems
            .iter()
            .map(|p| format!("{}: {}", p.location, p.message))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_maps_to_its_documented_exit() {
        let problem = ManifestProblem {
            location: "a.yaml:3".into(),
            message: "bad".into(),
        };
        let manifest = Error::manifest(vec![problem.clone(), problem]);
        let rejected = Error::new(ErrorKind::Rejected, "x: no");
        let cluster = Error::cluster("down");
        assert_eq!(manifest.exit(), Exit::Usage);
        assert_eq!(rejected.exit(), Exit::Rejected);
        assert_eq!(cluster.exit(), Exit::Cluster);
        assert_eq!(manifest.to_string(), "a.yaml:3: bad\na.yaml:3: bad");
        let exits: Vec<u8> = [
            ErrorKind::Usage,
            ErrorKind::Manifest,
            ErrorKind::Rejected,
            ErrorKind::TimedOut,
            ErrorKind::Cluster,
            ErrorKind::Internal,
        ]
        .into_iter()
        .map(|kind| Error::new(kind, "x").exit().code())
        .collect();
        assert_eq!(exits, [2, 2, 4, 3, 5, 70]);
    }

    #[test]
    fn a_runtime_failure_is_internal_not_the_cluster() {
        let err = Error::internal("cannot start the async runtime")
            .with_source(std::io::Error::other("too many open files"));
        assert_eq!(err.exit(), Exit::Internal);
        let causes: Vec<String> = err.causes().map(ToString::to_string).collect();
        assert_eq!(causes, ["too many open files"]);
    }

    #[test]
    fn gathered_errors_keep_every_message_each_hint_once_and_the_first_cause() {
        let conflict = |name: &str| {
            Error::new(ErrorKind::Rejected, format!("{name}: conflict"))
                .with_hint("re-run with --force-conflicts")
                .with_source(std::io::Error::other(format!("{name} cause")))
        };
        let gathered = Error::gather(
            ErrorKind::Rejected,
            "2 object(s) rejected by the API server:",
            vec![conflict("a"), conflict("b")],
        );
        assert_eq!(
            gathered.to_string(),
            "2 object(s) rejected by the API server:\na: conflict\nb: conflict"
        );
        assert_eq!(gathered.hints(), ["re-run with --force-conflicts"]);
        let causes: Vec<String> = gathered.causes().map(ToString::to_string).collect();
        assert_eq!(causes, ["a cause"]);
    }
}
