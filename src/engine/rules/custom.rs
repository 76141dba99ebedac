//! Generic custom resources and kinds no rule knows: the Stalled, Reconciling and Ready
//! conditions of the current generation, failure words in a phase or state, else done once
//! created (said honestly when there was nothing to judge).

use crate::engine::node::Node;

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

/// Generic custom resources: status-rules.md §3.17 steps 2–6, after [`stale_status`].
pub fn custom_resource(object: &Node, ctx: &Context) -> ObjectStatus {
    if let Some(stale) = stale_status(object, ctx) {
        return stale;
    }
    // After stale_status, every condition is of the current generation.
    let current = |kind: &str| json::condition(object, kind);
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
    let conditions = json::array_at(object, &["status", "conditions"]);
    let mut word_seen = None;
    for field in ["phase", "state"] {
        if let Some(word) = json::str_at(object, &["status", field]).filter(|w| !w.is_empty()) {
            if is_failure_word(word) {
                let message = json::str_at(object, &["status", "message"]).unwrap_or("");
                return ObjectStatus::error(
                    format!("{field} {word}: {message}")
                        .trim_end_matches(": ")
                        .to_string(),
                );
            }
            word_seen = word_seen.or(Some((field, word)));
        }
    }
    match word_seen {
        Some((field, word)) => {
            ObjectStatus::success(format!("{field} {word} (no readiness conditions reported)"))
        }
        None if conditions.is_empty() => existence(),
        None => ObjectStatus::success("Created (no readiness conditions reported)"),
    }
}

/// Nothing to judge but that the object exists: Success, said honestly and counted in the
/// report as judged by existence.
fn existence() -> ObjectStatus {
    ObjectStatus::success("exists (no status to judge; add a rule with --health-rules)")
        .judged_by("existence")
}

/// Stale status is not success: In progress while `status.observedGeneration` or the
/// `observedGeneration` of any condition (numbers or numeric strings) is older than the
/// generation the apply returned, whatever rule judges the object.
pub(super) fn stale_status(object: &Node, ctx: &Context) -> Option<ObjectStatus> {
    if let Some((wanted, Some(observed))) = ctx.generation_lag(object, false) {
        return Some(ObjectStatus::in_progress(format!(
            "Waiting for the controller to observe generation {wanted} (observed {observed})"
        )));
    }
    let wanted = ctx.wanted_generation(object)?;
    let conditions = json::array_at(object, &["status", "conditions"]);
    let (kind, observed) = stale_condition(conditions, wanted)?;
    Some(ObjectStatus::in_progress(format!(
        "Waiting for the controller to observe generation {wanted} (condition {kind} is of \
         generation {observed})"
    )))
}

/// The first condition stamped with a generation older than the wanted one: it describes an
/// older spec, so nothing the status says is about the applied one yet.
fn stale_condition(conditions: &[Node], wanted: i64) -> Option<(&str, i64)> {
    conditions.iter().find_map(|condition| {
        let observed = json::int_at(condition, &["observedGeneration"])?;
        let kind = json::str_at(condition, &["type"]).unwrap_or("?");
        (observed < wanted).then_some((kind, observed))
    })
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
    fn custom_resource_without_status_is_success_by_existence_only() {
        let yaml = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue, namespace: shop, generation: 1}\n";
        let status = widget(yaml, Some(1));
        assert_eq!(
            (status.status, status.message.as_str()),
            (
                Status::Success,
                "exists (no status to judge; add a rule with --health-rules)"
            )
        );
        assert_eq!(status.judged_by.as_deref(), Some("existence"));
    }

    #[test]
    fn custom_resource_with_an_empty_status_is_judged_by_existence() {
        let yaml = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue, namespace: shop}\n\
                    status: {conditions: [], lastUpdated: \"2024-05-02T09:18:00Z\"}\n";
        assert_eq!(widget(yaml, None).judged_by.as_deref(), Some("existence"));
    }

    #[test]
    fn custom_resource_with_a_phase_word_is_not_judged_by_existence() {
        let yaml = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue, namespace: shop}\n\
                    status: {phase: Running}\n";
        let status = widget(yaml, None);
        assert_eq!(status.status, Status::Success);
        assert_eq!(status.judged_by, None);
        assert!(
            status.message.contains("phase Running"),
            "{}",
            status.message
        );
    }

    #[test]
    fn custom_resource_string_observed_generation_that_lags_is_in_progress() {
        let yaml = fixture!("cr-ready.yaml").replace(
            "observedGeneration: 2\n  phase",
            "observedGeneration: \"1\"\n  phase",
        );
        let status = widget(&yaml, Some(2));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
        assert!(
            status.message.contains("(observed 1)"),
            "{}",
            status.message
        );
        // The same string, caught up, is Success.
        let yaml = fixture!("cr-ready.yaml").replace(
            "observedGeneration: 2\n  phase",
            "observedGeneration: \"2\"\n  phase",
        );
        assert_eq!(widget(&yaml, Some(2)).status, Status::Success);
    }

    #[test]
    fn custom_resource_string_observed_generation_on_the_condition_is_compared() {
        let yaml = fixture!("cr-ready.yaml").replace(
            "observedGeneration: 2\n    reason",
            "observedGeneration: \"1\"\n    reason",
        );
        let status = widget(&yaml, Some(2));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
    }

    #[test]
    fn custom_resource_stale_condition_of_any_type_is_in_progress() {
        // Only a Stalled condition, of the previous generation: the error it told may be fixed
        // by the applied spec, and nothing says the new one is good yet.
        let yaml = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: blue, namespace: shop, generation: 3}\n\
                    status:\n  conditions:\n  - {type: Stalled, status: \"True\", reason: InvalidSpec, observedGeneration: \"2\"}\n  \
                    - {type: Available, status: \"True\", observedGeneration: 2}\n";
        let status = widget(yaml, Some(3));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
        assert!(
            status
                .message
                .contains("condition Stalled is of generation 2"),
            "{}",
            status.message
        );
    }
}
