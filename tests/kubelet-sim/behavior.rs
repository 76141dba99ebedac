//! What a simulated container does, derived from its image name.

use crate::util;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    /// Image cannot be pulled: ErrImagePull <-> ImagePullBackOff forever.
    PullFail,
    /// CreateContainerConfigError forever.
    ConfigError,
    /// Runs briefly, exits 1.
    Crash,
    /// Runs briefly, OOMKilled (exit 137).
    Oom,
    /// Runs, readiness probe never succeeds.
    NeverReady,
    /// Becomes Ready, then exits 1 a little later.
    ReadyThenCrash,
    /// Exits 0 after a short run.
    JobOk,
    /// Exits 1 after a short run.
    JobFail,
    /// Runs and becomes Ready (init containers: exit 0 after a short run).
    Normal,
}

impl Behavior {
    pub fn from_image(image: &str) -> Behavior {
        let lower = image.to_ascii_lowercase();
        if lower.contains("does-not-exist") || util::image_host(&lower) == "registry.invalid" {
            Behavior::PullFail
        } else if lower.contains("config-error") {
            Behavior::ConfigError
        } else if lower.contains("ready-then-crash") {
            Behavior::ReadyThenCrash
        } else if lower.contains("crashloop") {
            Behavior::Crash
        } else if lower.contains("never-ready") {
            Behavior::NeverReady
        } else if lower.contains("job-fail") {
            Behavior::JobFail
        } else if lower.contains("job-ok") {
            Behavior::JobOk
        } else if lower
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|t| t == "oom" || t == "oomkilled")
        {
            Behavior::Oom
        } else {
            Behavior::Normal
        }
    }
}

/// The ErrImagePull message containerd 1.4 gives for an image that cannot be pulled.
pub fn pull_error(image: &str) -> String {
    let full = util::normalize_image(image);
    let host = util::image_host(image);
    if host == "registry.invalid" {
        let path = full.strip_prefix("registry.invalid/").unwrap_or(&full);
        let (repo, tag) = path.rsplit_once(':').unwrap_or((path, "latest"));
        format!(
            "rpc error: code = Unknown desc = failed to pull and unpack image \"{full}\": failed \
             to resolve reference \"{full}\": failed to do request: Head \
             \"https://registry.invalid/v2/{repo}/manifests/{tag}\": dial tcp: lookup \
             registry.invalid: no such host"
        )
    } else {
        format!(
            "rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": \
             failed to resolve reference \"{full}\": {full}: not found"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        assert_eq!(
            Behavior::from_image("registry.invalid/app:1"),
            Behavior::PullFail
        );
        assert_eq!(
            Behavior::from_image("nginx-does-not-exist:1"),
            Behavior::PullFail
        );
        assert_eq!(Behavior::from_image("example/crashloop:1"), Behavior::Crash);
        assert_eq!(
            Behavior::from_image("example/ready-then-crash:1"),
            Behavior::ReadyThenCrash
        );
        assert_eq!(Behavior::from_image("example/oom:1"), Behavior::Oom);
        assert_eq!(Behavior::from_image("nginx:1.25"), Behavior::Normal);
        assert!(pull_error("registry.invalid/app:1.0").contains("no such host"));
    }
}
