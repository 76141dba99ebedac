//! Everything the user sees: the status table, live view, plain progress lines, failure cards
//! and the JSON/YAML report, all rendered from the engine's snapshot and redacted.

pub mod card;
pub mod changes;
pub mod dashboard;
pub mod diff;
pub mod events;
pub mod github;
pub mod gitlab;
pub mod junit;
pub mod lines;
pub mod live;
pub mod output;
pub mod pod_logs;
pub mod pruned;
pub mod redact;
pub mod report;
pub mod secrets;
pub mod settings;
pub mod steps;
pub mod table;
pub mod theme;

use std::time::Duration;

use crate::engine::ObjectKey;

/// `Deployment/web`, or `Widget.example.com/w` for kinds outside the core and built-in groups,
/// as kubectl prints them.
pub fn object_name(key: &ObjectKey) -> String {
    key.kind_and_name()
}

/// ` -n shop` for a namespaced object, as kubectl users would type it; empty otherwise.
pub fn namespace_suffix(key: &ObjectKey) -> String {
    key.namespace
        .as_deref()
        .map(|ns| format!(" -n {ns}"))
        .unwrap_or_default()
}

/// `4.2s`, `1m05s`: short and stable for logs.
pub fn format_duration(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = duration.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_follow_kubectl() {
        let deploy = ObjectKey::new("apps", "Deployment", Some("shop"), "web");
        assert_eq!(object_name(&deploy), "Deployment/web");
        let cr = ObjectKey::new("example.com", "Widget", Some("shop"), "w");
        assert_eq!(object_name(&cr), "Widget.example.com/w");
        let crd = ObjectKey::new(
            "apiextensions.k8s.io",
            "CustomResourceDefinition",
            None,
            "x",
        );
        assert_eq!(object_name(&crd), "CustomResourceDefinition/x");
    }

    #[test]
    fn durations_are_short() {
        assert_eq!(format_duration(Duration::from_millis(4200)), "4.2s");
        assert_eq!(format_duration(Duration::from_secs(65)), "1m05s");
    }
}
