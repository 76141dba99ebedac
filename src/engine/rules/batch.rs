//! Job and CronJob. A Job succeeds on its Complete condition and fails on Failed or
//! FailureTarget; its pods fail it only when they cannot start, since failed attempts are what
//! backoffLimit is for. A CronJob is done once it exists.

use crate::engine::node::Node;

use super::context::Context;
use super::pod::PodCause;
use super::pods_view::PodsView;
use crate::engine::json;
use crate::engine::model::{Chain, ChainLink, ChildSummary, ObjectStatus, Status};

/// A Job pod that cannot start never counts as a failed attempt, so the Job would wait for
/// activeDeadlineSeconds or forever; that is the Job's failure. Crashes are retried by the Job.
fn job_pod_failure(cause: PodCause) -> bool {
    matches!(cause, PodCause::ContainerStart | PodCause::PodSetup)
}

pub fn job(object: &Node, ctx: &Context) -> ObjectStatus {
    if !ctx.wait_for_jobs {
        return ObjectStatus::success("Created (not waiting for Jobs to complete)");
    }
    for terminal_failure in ["Failed", "FailureTarget"] {
        if let Some(failed) = json::condition(object, terminal_failure).filter(|c| c.is_true()) {
            return ObjectStatus::error(format!("Job failed: {}", failed.describe()))
                .with_children(pod_summary(object, ctx));
        }
    }
    if json::condition(object, "Complete").is_some_and(|c| c.is_true()) {
        return ObjectStatus::success(format!("Job completed: {}", counts(object)))
            .with_children(pod_summary(object, ctx));
    }
    if json::bool_at(object, &["spec", "suspend"]) == Some(true) {
        let acknowledged = json::condition(object, "Suspended").is_some_and(|c| c.is_true())
            || json::int_at(object, &["status", "active"]).unwrap_or(0) == 0;
        if acknowledged {
            return ObjectStatus::success("Job is suspended")
                .with_note("suspended: no pods run until spec.suspend is set to false");
        }
    }
    let pods = PodsView::new(ctx.store.owned(object, "Pod"), ctx);
    let summary = pods.summary(Vec::new(), job_pod_failure);
    if let Some(message) = pods.error_message(job_pod_failure) {
        return ObjectStatus::error(message).with_children(summary);
    }
    let waiting = if json::condition(object, "SuccessCriteriaMet").is_some_and(|c| c.is_true()) {
        "Job met its success criteria; waiting for its pods to finish"
    } else {
        "Job in progress"
    };
    ObjectStatus::in_progress(format!(
        "{waiting}: {}{}",
        counts(object),
        pods.progress_suffix()
    ))
    .with_children(summary)
}

fn pod_summary(object: &Node, ctx: &Context) -> ChildSummary {
    PodsView::new(ctx.store.owned(object, "Pod"), ctx).summary(Vec::new(), job_pod_failure)
}

/// "succeeded 1/3, active 2 (ready 1), failed 0/6" plus indexes for Indexed Jobs.
fn counts(object: &Node) -> String {
    let status = |field| json::int_at(object, &["status", field]).unwrap_or(0);
    let mut text = match json::int_at(object, &["spec", "completions"]) {
        Some(completions) => format!("succeeded {}/{completions}", status("succeeded")),
        None => format!("succeeded {}", status("succeeded")),
    };
    text.push_str(&format!(", active {}", status("active")));
    if let Some(ready) = json::int_at(object, &["status", "ready"]) {
        text.push_str(&format!(" (ready {ready})"));
    }
    match json::int_at(object, &["spec", "backoffLimit"]) {
        Some(limit) => text.push_str(&format!(", failed {}/{limit}", status("failed"))),
        None => text.push_str(&format!(", failed {}", status("failed"))),
    }
    if json::str_at(object, &["spec", "completionMode"]) == Some("Indexed") {
        for (field, label) in [
            ("completedIndexes", "completed indexes"),
            ("failedIndexes", "failed indexes"),
        ] {
            if let Some(indexes) =
                json::str_at(object, &["status", field]).filter(|i| !i.is_empty())
            {
                text.push_str(&format!(", {label} {indexes}"));
            }
        }
    }
    text
}

pub fn cron_job(object: &Node, ctx: &Context) -> ObjectStatus {
    let schedule = json::str_at(object, &["spec", "schedule"]).unwrap_or("");
    let mut status = ObjectStatus::success(format!("Scheduled \"{schedule}\""));
    if json::bool_at(object, &["spec", "suspend"]) == Some(true) {
        status = status.with_note("suspended: no Jobs are created until it is resumed");
    }
    // Jobs belong to past and future schedules, not to this apply: they are shown, never judged.
    let jobs = ctx.store.owned(object, "Job");
    let latest = jobs.iter().max_by_key(|job| {
        (
            json::str_at(job, &["metadata", "creationTimestamp"]).unwrap_or(""),
            json::name(job),
        )
    });
    let worst = latest.map(|job| {
        let job_status = self::job(job, ctx);
        Chain {
            links: vec![ChainLink {
                kind: "Job".to_string(),
                name: json::name(job).to_string(),
                status: job_status.status,
                message: job_status.message,
            }],
            container: None,
        }
    });
    let succeeded = jobs
        .iter()
        .filter(|job| json::condition(job, "Complete").is_some_and(|c| c.is_true()))
        .count();
    let failing = worst.as_ref().map_or(0, |chain| {
        usize::from(chain.links.iter().any(|l| l.status == Status::Error))
    });
    status.with_children(ChildSummary {
        total: jobs.len(),
        succeeded,
        failing,
        worst,
    })
}

#[cfg(test)]
mod tests {
    use crate::engine::model::{ObjectStatus, Status};
    use crate::engine::testing::fixture;
    use crate::engine::testing::{evaluate_fixture, evaluate_fixture_with, fixture_key};

    fn job(yaml: &str) -> ObjectStatus {
        evaluate_fixture(yaml, &fixture_key("Job", "migrate"))
    }

    #[test]
    fn job_complete_is_success() {
        let status = job(fixture!("job-complete.yaml"));
        assert_eq!(status.status, Status::Success);
        assert_eq!(
            status.message,
            "Job completed: succeeded 1/1, active 0 (ready 0), failed 0/6"
        );
    }

    #[test]
    fn job_running_is_in_progress_with_counts() {
        let status = job(fixture!("job-running.yaml"));
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status
                .message
                .starts_with("Job in progress: succeeded 0/1, active 1 (ready 1), failed 1/4"),
            "{}",
            status.message
        );
    }

    #[test]
    fn job_running_counts_as_success_when_not_waiting_for_jobs() {
        let status = evaluate_fixture_with(
            fixture!("job-running.yaml"),
            &fixture_key("Job", "migrate"),
            None,
            false,
        );
        assert_eq!(status.status, Status::Success);
    }

    #[test]
    fn job_backoff_limit_exceeded_is_an_error() {
        let status = job(fixture!("job-backoff-limit-exceeded.yaml"));
        assert_eq!(status.status, Status::Error);
        assert_eq!(
            status.message,
            "Job failed: BackoffLimitExceeded: Job has reached the specified backoff limit"
        );
    }

    #[test]
    fn job_deadline_exceeded_is_an_error() {
        let status = job(fixture!("job-deadline-exceeded.yaml"));
        assert_eq!(status.status, Status::Error);
        assert!(
            status
                .message
                .starts_with("Job failed: DeadlineExceeded: Job was active longer")
        );
    }

    #[test]
    fn job_failure_target_is_an_error_before_the_failed_condition() {
        let status = job(fixture!("job-failure-target.yaml"));
        assert_eq!(status.status, Status::Error);
        assert!(
            status.message.contains("PodFailurePolicy"),
            "{}",
            status.message
        );
    }

    #[test]
    fn job_suspended_is_success_with_note() {
        let status = job(fixture!("job-suspended.yaml"));
        assert_eq!(status.status, Status::Success);
        assert!(status.note.unwrap().starts_with("suspended"));
    }

    #[test]
    fn job_resumed_is_in_progress() {
        let yaml = fixture!("job-suspended.yaml")
            .replace("suspend: true", "suspend: false")
            .replace("status: \"True\"", "status: \"False\"");
        let status = job(&yaml);
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
    }

    #[test]
    fn job_indexed_reports_indexes() {
        let status = job(fixture!("job-indexed-running.yaml"));
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status.message.contains("completed indexes 0-1,3"),
            "{}",
            status.message
        );
        assert!(
            status.message.contains("failed indexes 2"),
            "{}",
            status.message
        );
    }

    #[test]
    fn job_pod_that_cannot_pull_its_image_fails_the_job() {
        let status = job(fixture!("job-pod-image-pull-backoff.yaml"));
        assert_eq!(status.status, Status::Error);
        assert!(
            status
                .message
                .starts_with("1/1 pods: ImagePullBackOff in container \"migrate\"")
        );
    }

    #[test]
    fn job_pod_failed_attempt_does_not_fail_the_job() {
        let status = job(fixture!("job-running.yaml"));
        assert_eq!(status.children.unwrap().failing, 0);
    }

    #[test]
    fn cron_job_exists_is_success() {
        let status = evaluate_fixture(fixture!("cronjob.yaml"), &fixture_key("CronJob", "nightly"));
        assert_eq!(status.status, Status::Success);
        assert_eq!(status.message, "Scheduled \"0 3 * * *\"");
        let children = status.children.unwrap();
        assert_eq!(children.total, 2);
        assert_eq!(children.worst.unwrap().links[0].name, "nightly-28547940");
    }
}
