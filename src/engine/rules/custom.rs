//! Generic custom resources and kinds no rule knows: the Stalled, Reconciling and Ready
//! conditions of the current generation, failure words in a phase or state, else done once
//! created.

use serde_json::Value;

use super::context::Context;
use crate::engine::json::{self, Condition};
use crate::engine::model::ObjectStatus;

/// Phase-like words that mean a custom resource has failed for good.
fn is_failure_word(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "failed" | "failure" | "error" | "errored" | "aborted" | "rejected"
    )
}

/// Generic custom resources: status-rules.md §3.17 steps 2–6. Conditions stamped with an older
/// observedGeneration than the object's describe an older spec and are skipped.
pub fn custom_resource(object: &Value, ctx: &Context) -> ObjectStatus {
    if let Some((wanted, Some(observed))) = ctx.generation_lag(object, false) {
        return ObjectStatus::in_progress(format!(
            "Waiting for the controller to observe generation {wanted} (observed {observed})"
        ));
    }
    let wanted = ctx.wanted_generation(object);
    let is_current = |c: &Condition| !matches!((c.observed_generation, wanted), (Some(seen), Some(wanted)) if seen < wanted);
    let current = |kind: &str| json::condition(object, kind).filter(is_current);
    if let Some(stalled) = current("Stalled").filter(Condition::is_true) {
        return ObjectStatus::error(format!("Stalled: {}", stalled.describe()));
    }
    if let Some(reconciling) = current("Reconciling").filter(Condition::is_true) {
        return ObjectStatus::in_progress(format!("Reconciling: {}", reconciling.describe()));
    }
    if let Some(ready) = current("Ready") {
        return if ready.is_true() {
            ObjectStatus::success("Ready")
        } else {
            ObjectStatus::in_progress(format!("Ready={}: {}", ready.status, ready.describe()))
        };
    }
    if json::condition(object, "Ready").is_some() {
        return ObjectStatus::in_progress(
            "Waiting for the Ready condition of the current generation",
        );
    }
    for field in ["phase", "state"] {
        if let Some(word) = json::str_at(object, &["status", field])
            && is_failure_word(word)
        {
            let message = json::str_at(object, &["status", "message"]).unwrap_or("");
            return ObjectStatus::error(
                format!("{field} {word}: {message}")
                    .trim_end_matches(": ")
                    .to_string(),
            );
        }
    }
    ObjectStatus::success("Created (no readiness conditions reported)")
}

#[cfg(test)]
mod tests {
    use crate::engine::model::{ObjectKey, ObjectStatus, Status};
    use crate::engine::testing::evaluate_fixture_with;
    use crate::engine::testing::fixture;

    fn widget(yaml: &str, expected_generation: Option<i64>) -> ObjectStatus {
        let key = ObjectKey::new("example.com", "Widget", Some("shop"), "blue");
        evaluate_fixture_with(yaml, &key, expected_generation, true)
    }

    #[test]
    fn custom_resource_ready_is_success() {
        assert_eq!(
            widget(fixture!("cr-ready.yaml"), None).status,
            Status::Success
        );
    }

    #[test]
    fn custom_resource_ready_false_is_in_progress() {
        let yaml = fixture!("cr-ready.yaml").replace("status: \"True\"", "status: \"False\"");
        assert_eq!(widget(&yaml, None).status, Status::InProgress);
    }

    #[test]
    fn custom_resource_stalled_is_an_error() {
        let status = widget(fixture!("cr-stalled.yaml"), None);
        assert_eq!(status.status, Status::Error);
        assert!(status.message.contains("InvalidSpec"), "{}", status.message);
    }

    #[test]
    fn custom_resource_reconciling_is_in_progress() {
        let yaml = fixture!("cr-stalled.yaml").replace("type: Stalled", "type: Reconciling");
        assert_eq!(widget(&yaml, None).status, Status::InProgress);
    }

    #[test]
    fn custom_resource_generation_lag_is_in_progress() {
        let status = widget(fixture!("cr-ready.yaml"), Some(3));
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status.message.contains("generation 3"),
            "{}",
            status.message
        );
    }

    #[test]
    fn custom_resource_stale_ready_condition_is_not_trusted() {
        let yaml = fixture!("cr-ready.yaml").replace(
            "observedGeneration: 2\n  phase",
            "observedGeneration: 3\n  phase",
        );
        let status = widget(&yaml, Some(3));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
    }

    #[test]
    fn custom_resource_failed_phase_is_an_error() {
        let yaml = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue, namespace: shop}\n\
                    status: {phase: Failed, message: quota exhausted}\n";
        let status = widget(yaml, None);
        assert_eq!(status.status, Status::Error);
        assert_eq!(status.message, "phase Failed: quota exhausted");
    }

    #[test]
    fn custom_resource_without_status_is_success() {
        let yaml = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue, namespace: shop, generation: 1}\n";
        assert_eq!(widget(yaml, None).status, Status::Success);
    }
}
