//! Typed errors, each with the exit code it maps to and a hint saying what to do next.

use crate::exit::Exit;

/// A failure that ends a kstatus run before a verdict about the objects exists.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags or arguments that clap could not catch.
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },

    /// Unreadable or invalid manifests: every problem found, each naming its file and line.
    #[error("{}", ManifestProblem::join(problems))]
    Manifest { problems: Vec<ManifestProblem> },

    /// The API server refused to apply an object.
    #[error("{object}: {message}")]
    Rejected {
        object: String,
        message: String,
        hint: Option<String>,
    },

    /// The cluster could not be reached or refused our credentials.
    #[error("{message}")]
    Cluster {
        message: String,
        hint: Option<String>,
    },
}

impl Error {
    pub fn exit(&self) -> Exit {
        match self {
            Error::Usage { .. } | Error::Manifest { .. } => Exit::Usage,
            Error::Rejected { .. } => Exit::Rejected,
            Error::Cluster { .. } => Exit::Cluster,
        }
    }

    /// What the user can do about it, when we know.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Usage { hint, .. }
            | Error::Rejected { hint, .. }
            | Error::Cluster { hint, .. } => hint.as_deref(),
            Error::Manifest { .. } => Some("fix the manifest; nothing was applied"),
        }
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
        let manifest = Error::Manifest {
            problems: vec![problem.clone(), problem],
        };
        let rejected = Error::Rejected {
            object: "x".into(),
            message: "no".into(),
            hint: None,
        };
        let cluster = Error::Cluster {
            message: "down".into(),
            hint: None,
        };
        assert_eq!(manifest.exit(), Exit::Usage);
        assert_eq!(rejected.exit(), Exit::Rejected);
        assert_eq!(cluster.exit(), Exit::Cluster);
        assert_eq!(manifest.to_string(), "a.yaml:3: bad\na.yaml:3: bad");
    }
}
