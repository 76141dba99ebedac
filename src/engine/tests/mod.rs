//! State-machine tests: scripted watch changes and a fake clock, asserting statuses, the
//! stabilization window, the deadline and the verdict.

use std::time::Duration;

use serde_json::Value;

use super::model::{Detail, Moment, ObjectKey, Outcome, Status};
use super::testing::{fixture, fixture_key, load};
use super::tracker::{Change, Config, Tracker};

const POD_READY: &str = fixture!("pod-ready.yaml");
const POD_CREATING: &str = fixture!("pod-container-creating.yaml");
const POD_IMAGE_PULL: &str = fixture!("pod-image-pull-error.yaml");
const POD_CRASHLOOP: &str = fixture!("pod-crashloop.yaml");
const POD_UNSCHEDULABLE: &str = fixture!("pod-unschedulable.yaml");

fn at(secs: f64) -> Moment {
    Moment::from_secs_f64(secs)
}

fn config(window_secs: u64) -> Config {
    Config {
        stabilization: Duration::from_secs(window_secs),
        timeout: Some(Duration::from_secs(300)),
        wait_for_jobs: true,
        settle_on_error: true,
        health_rules: Default::default(),
    }
}

fn one(yaml: &str) -> Value {
    load(yaml).remove(0)
}

/// The single pod of a fixture, renamed to the stand-alone pod these tests track.
fn web_pod(yaml: &str) -> Value {
    let mut pod = one(yaml);
    pod["metadata"]["name"] = "web-7c9d8b6f5d-h2jxk".into();
    pod["metadata"]["uid"] = "0c5e2a91-4f7b-4b8e-a1d2-6f3c9e8b7a10".into();
    pod
}

fn pod_key() -> ObjectKey {
    fixture_key("Pod", "web-7c9d8b6f5d-h2jxk")
}

fn tracking_pod(window_secs: u64) -> Tracker {
    let mut tracker = Tracker::new(config(window_secs));
    tracker.track(pod_key(), None);
    tracker
}

fn feed(tracker: &mut Tracker, yaml: &str, secs: f64) {
    tracker.observe(Change::Modified(web_pod(yaml)), at(secs));
}

fn status_of(tracker: &Tracker, key: &ObjectKey) -> Status {
    tracker.status(key).expect("tracked").status
}

#[test]
fn success_is_declared_after_the_window() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_READY, 0.0);
    tracker.tick(at(9.9));
    assert!(tracker.verdict().is_none());
    tracker.tick(at(10.0));
    let verdict = tracker.verdict().expect("verdict after the window");
    assert_eq!((verdict.outcome, verdict.at), (Outcome::Success, at(10.0)));
    assert!(
        verdict.reason.contains("held it for 10.0s"),
        "{}",
        verdict.reason
    );
}

#[test]
fn window_zero_decides_at_the_first_settled_state() {
    let mut tracker = tracking_pod(0);
    feed(&mut tracker, POD_CREATING, 0.0);
    assert!(tracker.verdict().is_none());
    feed(&mut tracker, POD_READY, 2.5);
    let verdict = tracker.verdict().expect("verdict at once");
    assert_eq!((verdict.outcome, verdict.at), (Outcome::Success, at(2.5)));
}

#[test]
fn a_flap_restarts_the_window() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_READY, 0.0);
    feed(&mut tracker, POD_CREATING, 5.0);
    feed(&mut tracker, POD_READY, 6.0);
    tracker.tick(at(10.0));
    assert!(
        tracker.verdict().is_none(),
        "the flap at 5s must restart the window"
    );
    tracker.tick(at(15.9));
    assert!(tracker.verdict().is_none());
    tracker.tick(at(16.0));
    assert_eq!(tracker.verdict().unwrap().outcome, Outcome::Success);
    assert_eq!(tracker.verdict().unwrap().at, at(16.0));
}

#[test]
fn a_message_change_alone_does_not_restart_the_window() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_CRASHLOOP, 0.0);
    feed(
        &mut tracker,
        &POD_CRASHLOOP.replace("restartCount: 3", "restartCount: 4"),
        6.0,
    );
    tracker.tick(at(10.0));
    assert_eq!(
        tracker.verdict().expect("held since 0s").outcome,
        Outcome::Error
    );
}

#[test]
fn transient_image_pull_error_that_recovers_inside_the_window_is_not_an_error() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_CREATING, 0.0);
    feed(&mut tracker, POD_IMAGE_PULL, 1.0);
    assert_eq!(status_of(&tracker, &pod_key()), Status::Error);
    feed(&mut tracker, POD_CREATING, 4.0);
    feed(&mut tracker, POD_READY, 6.0);
    tracker.tick(at(11.0));
    assert!(
        tracker.verdict().is_none(),
        "the error did not hold for the window"
    );
    tracker.tick(at(16.0));
    assert_eq!(tracker.verdict().unwrap().outcome, Outcome::Success);
}

#[test]
fn crash_loop_alternating_with_running_settles_as_error_within_one_window() {
    let running = fixture!("pod-crashloop-running-between-crashes.yaml");
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_CRASHLOOP, 0.0);
    for (i, secs) in [2.0, 4.0, 6.0, 8.0].into_iter().enumerate() {
        feed(
            &mut tracker,
            if i % 2 == 0 { running } else { POD_CRASHLOOP },
            secs,
        );
        assert_eq!(status_of(&tracker, &pod_key()), Status::Error, "at {secs}s");
    }
    tracker.tick(at(10.0));
    let verdict = tracker.verdict().expect("settled within one window");
    assert_eq!((verdict.outcome, verdict.at), (Outcome::Error, at(10.0)));
}

#[test]
fn crash_loop_ready_between_crashes_settles_as_error_within_one_window() {
    // No readiness probe: the kubelet reports the container ready during each short run.
    let ready = fixture!("pod-crashloop-ready-between-crashes.yaml");
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_CRASHLOOP, 0.0);
    for (i, secs) in [2.0, 4.0, 6.0, 8.0].into_iter().enumerate() {
        feed(
            &mut tracker,
            if i % 2 == 0 { ready } else { POD_CRASHLOOP },
            secs,
        );
        assert_eq!(status_of(&tracker, &pod_key()), Status::Error, "at {secs}s");
    }
    tracker.tick(at(10.0));
    let verdict = tracker.verdict().expect("settled within one window");
    assert_eq!((verdict.outcome, verdict.at), (Outcome::Error, at(10.0)));
}

#[test]
fn a_crashed_container_ready_for_half_a_window_has_recovered() {
    let ready = fixture!("pod-crashloop-ready-between-crashes.yaml");
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_CRASHLOOP, 0.0);
    feed(&mut tracker, ready, 1.0);
    assert_eq!(status_of(&tracker, &pod_key()), Status::Error);
    let message = &tracker.status(&pod_key()).unwrap().message;
    assert!(message.contains("not yet stable"), "{message}");
    assert_eq!(
        tracker.next_wakeup(),
        Some(at(6.0)),
        "when readiness has held long enough"
    );
    tracker.tick(at(5.9));
    assert_eq!(status_of(&tracker, &pod_key()), Status::Error);
    tracker.tick(at(6.0));
    assert_eq!(
        status_of(&tracker, &pod_key()),
        Status::Success,
        "recovered"
    );
    tracker.tick(at(15.9));
    assert!(
        tracker.verdict().is_none(),
        "the recovery restarted the window"
    );
    tracker.tick(at(16.0));
    assert_eq!(tracker.verdict().unwrap().outcome, Outcome::Success);
}

#[test]
fn terminated_between_crashes_keeps_the_crash_loop_reason_in_the_message() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_CRASHLOOP, 0.0);
    let mut terminated = web_pod(POD_CRASHLOOP);
    let status = &mut terminated["status"]["containerStatuses"][0];
    status["state"] = serde_json::json!({"terminated": {"exitCode": 1, "reason": "Error"}});
    tracker.observe(Change::Modified(terminated), at(2.0));
    let message = &tracker.status(&pod_key()).unwrap().message;
    assert!(
        message.starts_with("CrashLoopBackOff (exit 1) in container \"web\""),
        "{message}"
    );
}

#[test]
fn running_between_crashes_keeps_the_crash_loop_reason_in_the_message() {
    let running = fixture!("pod-crashloop-running-between-crashes.yaml");
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_CRASHLOOP, 0.0);
    feed(&mut tracker, running, 2.0);
    let message = &tracker.status(&pod_key()).unwrap().message;
    assert!(
        message.starts_with("CrashLoopBackOff (exit 1) in container \"web\""),
        "{message}"
    );
}

#[test]
fn an_error_held_through_the_window_is_the_verdict() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_IMAGE_PULL, 0.0);
    tracker.tick(at(9.0));
    assert!(tracker.verdict().is_none());
    tracker.tick(at(10.0));
    let verdict = tracker.verdict().unwrap();
    assert_eq!(verdict.outcome, Outcome::Error);
    assert_eq!(verdict.failed, vec![pod_key()]);
}

#[test]
fn a_pod_ready_then_crashing_inside_the_window_is_an_error() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_READY, 0.0);
    feed(&mut tracker, POD_CRASHLOOP, 5.0);
    tracker.tick(at(10.0));
    assert!(
        tracker.verdict().is_none(),
        "no Success: the crash restarted the window"
    );
    tracker.tick(at(15.0));
    assert_eq!(tracker.verdict().unwrap().outcome, Outcome::Error);
}

#[test]
fn the_verdict_is_final() {
    let mut tracker = tracking_pod(0);
    feed(&mut tracker, POD_READY, 0.0);
    feed(&mut tracker, POD_CRASHLOOP, 1.0);
    assert_eq!(tracker.verdict().unwrap().outcome, Outcome::Success);
    assert_eq!(tracker.verdict().unwrap().at, at(0.0));
}

#[test]
fn deadline_times_out_what_is_in_progress_and_lists_what_was_never_found() {
    let mut tracker = Tracker::new(Config {
        timeout: Some(Duration::from_secs(30)),
        ..config(10)
    });
    let missing = fixture_key("Deployment", "api");
    tracker.track(pod_key(), Some(1));
    tracker.track(missing.clone(), Some(1));
    feed(&mut tracker, POD_CREATING, 1.0);
    assert_eq!(
        tracker.snapshot(at(1.0)).objects[1].status.detail,
        Some(Detail::NotFound)
    );
    tracker.tick(at(29.9));
    assert!(tracker.verdict().is_none());
    tracker.tick(at(30.2));
    let verdict = tracker.verdict().unwrap().clone();
    assert_eq!((verdict.outcome, verdict.at), (Outcome::TimedOut, at(30.0)));
    assert_eq!(verdict.timed_out, vec![pod_key()]);
    assert_eq!(verdict.never_found, vec![missing.clone()]);
    assert!(
        verdict.reason.contains("Pod/web-7c9d8b6f5d-h2jxk"),
        "{}",
        verdict.reason
    );
    assert!(verdict.reason.contains("never found"), "{}", verdict.reason);
    let snapshot = tracker.snapshot(at(30.2));
    assert_eq!(snapshot.application, Status::TimedOut);
    assert!(
        snapshot
            .objects
            .iter()
            .all(|o| o.status.status == Status::TimedOut)
    );
    assert!(
        snapshot.objects[0]
            .status
            .message
            .starts_with("ContainerCreating")
    );
}

#[test]
fn objects_stay_timed_out_when_changes_arrive_after_the_deadline() {
    let mut tracker = Tracker::new(Config {
        timeout: Some(Duration::from_secs(30)),
        ..config(10)
    });
    tracker.track(pod_key(), None);
    feed(&mut tracker, POD_CREATING, 1.0);
    tracker.tick(at(30.0));
    feed(&mut tracker, POD_CREATING, 31.0);
    assert_eq!(status_of(&tracker, &pod_key()), Status::TimedOut);
}

#[test]
fn deadline_with_an_error_pending_its_window_is_an_error() {
    let mut tracker = Tracker::new(Config {
        timeout: Some(Duration::from_secs(30)),
        ..config(10)
    });
    tracker.track(pod_key(), None);
    feed(&mut tracker, POD_CRASHLOOP, 25.0);
    tracker.tick(at(30.0));
    assert_eq!(tracker.verdict().unwrap().outcome, Outcome::Error);
}

#[test]
fn no_timeout_means_no_deadline() {
    let mut tracker = Tracker::new(Config {
        timeout: None,
        ..config(10)
    });
    tracker.track(pod_key(), None);
    feed(&mut tracker, POD_CREATING, 0.0);
    tracker.tick(at(100_000.0));
    assert!(tracker.verdict().is_none());
    assert_eq!(tracker.snapshot(at(5.0)).deadline_left, None);
}

#[test]
fn job_counts_as_success_when_created_without_wait_for_jobs() {
    let mut tracker = Tracker::new(Config {
        wait_for_jobs: false,
        ..config(0)
    });
    let job = fixture_key("Job", "migrate");
    tracker.track(job.clone(), Some(1));
    for object in load(fixture!("job-running.yaml")) {
        tracker.observe(Change::Added(object), at(1.0));
    }
    assert_eq!(status_of(&tracker, &job), Status::Success);
    assert_eq!(tracker.verdict().unwrap().outcome, Outcome::Success);
}

#[test]
fn job_is_awaited_with_wait_for_jobs() {
    let mut tracker = Tracker::new(config(0));
    let job = fixture_key("Job", "migrate");
    tracker.track(job.clone(), Some(1));
    for object in load(fixture!("job-running.yaml")) {
        tracker.observe(Change::Added(object), at(1.0));
    }
    assert_eq!(status_of(&tracker, &job), Status::InProgress);
    tracker.observe(
        Change::Modified(one(fixture!("job-complete.yaml"))),
        at(5.0),
    );
    assert_eq!(tracker.verdict().unwrap().outcome, Outcome::Success);
}

#[test]
fn object_deleted_after_being_seen_is_an_error() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_READY, 0.0);
    tracker.observe(Change::Deleted(web_pod(POD_READY)), at(3.0));
    let status = tracker.status(&pod_key()).unwrap();
    assert_eq!(
        (status.status, status.detail.clone()),
        (Status::Error, Some(Detail::Deleted))
    );
}

#[test]
fn completed_job_removed_by_ttl_stays_success() {
    let mut tracker = Tracker::new(config(10));
    let job = fixture_key("Job", "migrate");
    tracker.track(job.clone(), Some(1));
    tracker.observe(Change::Added(one(fixture!("job-complete.yaml"))), at(1.0));
    tracker.observe(Change::Deleted(one(fixture!("job-complete.yaml"))), at(2.0));
    let status = tracker.status(&job).unwrap();
    assert_eq!(
        (status.status, status.detail.clone()),
        (Status::Success, Some(Detail::Deleted))
    );
    assert!(
        status
            .message
            .ends_with("deleted afterwards (ttlSecondsAfterFinished)")
    );
    tracker.tick(at(11.0));
    assert_eq!(tracker.verdict().unwrap().outcome, Outcome::Success);
}

#[test]
fn running_job_deleted_is_an_error() {
    let mut tracker = Tracker::new(config(10));
    let job = fixture_key("Job", "migrate");
    tracker.track(job.clone(), Some(1));
    let running = load(fixture!("job-running.yaml")).remove(0);
    tracker.observe(Change::Added(running.clone()), at(1.0));
    tracker.observe(Change::Deleted(running), at(2.0));
    assert_eq!(status_of(&tracker, &job), Status::Error);
}

#[test]
fn children_arriving_before_their_parent_are_linked() {
    let mut tracker = Tracker::new(config(10));
    let deployment = fixture_key("Deployment", "web");
    tracker.track(deployment.clone(), Some(3));
    let mut objects = load(fixture!("deployment-new-pods-crashloop.yaml"));
    objects.reverse(); // pods first, then the ReplicaSet, then the Deployment
    for object in objects {
        tracker.observe(Change::Added(object), at(1.0));
    }
    let status = tracker.status(&deployment).unwrap();
    assert_eq!(status.status, Status::Error);
    assert!(
        status.message.contains("CrashLoopBackOff"),
        "{}",
        status.message
    );
    assert!(status.message.contains("\"web\""), "{}", status.message);
}

#[test]
fn a_child_change_recomputes_its_tracked_ancestor() {
    let mut tracker = Tracker::new(config(10));
    let deployment = fixture_key("Deployment", "web");
    tracker.track(deployment.clone(), Some(3));
    for object in load(fixture!("deployment-complete.yaml")) {
        tracker.observe(Change::Added(object), at(1.0));
    }
    assert_eq!(status_of(&tracker, &deployment), Status::Success);
    tracker.observe(Change::Modified(web_pod(POD_CRASHLOOP)), at(2.0));
    assert_eq!(status_of(&tracker, &deployment), Status::Error);
    let chain = tracker
        .status(&deployment)
        .unwrap()
        .children
        .clone()
        .unwrap()
        .worst
        .unwrap();
    assert_eq!(chain.links.last().unwrap().name, "web-7c9d8b6f5d-h2jxk");
    assert_eq!(chain.container.unwrap().restart_count, 3);
}

#[test]
fn unrelated_objects_do_not_disturb_tracked_ones() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_READY, 0.0);
    let mut stranger = one(POD_CRASHLOOP);
    stranger["metadata"]["name"] = "other-5d8f7-abcde".into();
    stranger["metadata"]["uid"] = "99999999-9999-4999-8999-999999999999".into();
    stranger["metadata"]["ownerReferences"] = Value::Array(Vec::new());
    tracker.observe(Change::Added(stranger), at(5.0));
    tracker.tick(at(10.0));
    assert_eq!(tracker.verdict().unwrap().outcome, Outcome::Success);
}

#[test]
fn tracking_after_the_object_arrived_uses_it() {
    let mut tracker = Tracker::new(config(10));
    tracker.observe(Change::Added(web_pod(POD_READY)), at(0.0));
    tracker.track(pod_key(), None);
    assert_eq!(status_of(&tracker, &pod_key()), Status::Success);
    assert_eq!(tracker.snapshot(at(0.0)).objects[0].status.detail, None);
}

#[test]
fn untracking_removes_the_object_from_the_roll_up() {
    let mut tracker = tracking_pod(10);
    let other = fixture_key("Deployment", "api");
    tracker.track(other.clone(), None);
    feed(&mut tracker, POD_READY, 0.0);
    assert_eq!(tracker.application(), Status::InProgress);
    tracker.untrack(&other);
    assert_eq!(tracker.application(), Status::Success);
    assert!(!tracker.is_tracked(&other));
}

#[test]
fn unschedulable_never_escalates() {
    let mut tracker = Tracker::new(Config {
        timeout: None,
        ..config(0)
    });
    let key = fixture_key("Pod", "big-7f6d5c4b3-9xk2m");
    tracker.track(key.clone(), None);
    tracker.observe(Change::Added(one(POD_UNSCHEDULABLE)), at(0.0));
    tracker.tick(at(3600.0));
    assert_eq!(status_of(&tracker, &key), Status::InProgress);
}

#[test]
fn snapshot_reports_the_countdowns_and_the_roll_up() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_READY, 2.0);
    let snapshot = tracker.snapshot(at(5.0));
    assert_eq!(snapshot.application, Status::Success);
    assert_eq!(snapshot.window_left, Some(Duration::from_secs(7)));
    assert_eq!(snapshot.deadline_left, Some(Duration::from_secs(295)));
    assert_eq!(snapshot.objects[0].since, at(2.0));
    assert_eq!(tracker.next_wakeup(), Some(at(12.0)));
}

#[test]
fn roll_up_is_error_if_any_error_else_in_progress_if_any() {
    let mut tracker = tracking_pod(10);
    let job = fixture_key("Job", "migrate");
    tracker.track(job.clone(), Some(1));
    feed(&mut tracker, POD_READY, 0.0);
    assert_eq!(tracker.application(), Status::InProgress);
    feed(&mut tracker, POD_CRASHLOOP, 1.0);
    assert_eq!(tracker.application(), Status::Error);
}

#[test]
fn generation_from_the_apply_is_awaited() {
    let mut tracker = Tracker::new(config(0));
    let deployment = fixture_key("Deployment", "web");
    tracker.track(deployment.clone(), Some(4));
    for object in load(fixture!("deployment-complete.yaml")) {
        tracker.observe(Change::Added(object), at(1.0));
    }
    assert_eq!(status_of(&tracker, &deployment), Status::InProgress);
    assert!(tracker.verdict().is_none());
}

#[test]
fn without_settling_on_error_only_success_settles_and_errors_count_at_the_deadline() {
    let mut tracker = Tracker::new(Config {
        timeout: Some(Duration::from_secs(30)),
        settle_on_error: false,
        ..config(10)
    });
    tracker.track(pod_key(), None);
    feed(&mut tracker, POD_IMAGE_PULL, 0.0);
    tracker.tick(at(20.0));
    assert!(
        tracker.verdict().is_none(),
        "an Error does not settle the run"
    );
    tracker.tick(at(30.0));
    assert_eq!(
        tracker.verdict().unwrap().outcome,
        Outcome::Error,
        "at the deadline it is the verdict"
    );

    let mut tracker = Tracker::new(Config {
        settle_on_error: false,
        ..config(10)
    });
    tracker.track(pod_key(), None);
    feed(&mut tracker, POD_IMAGE_PULL, 0.0);
    feed(&mut tracker, POD_READY, 5.0);
    tracker.tick(at(15.0));
    assert_eq!(
        tracker.verdict().unwrap().outcome,
        Outcome::Success,
        "fixed before the deadline"
    );
}

const FAILED_MOUNT: &str = fixture!("deployment-pod-failed-mount.yaml");

fn web_deployment() -> ObjectKey {
    fixture_key("Deployment", "web")
}

/// The Deployment, ReplicaSet and pod of the failed-mount fixture, without its events.
fn failed_mount_objects() -> (Vec<Value>, Value) {
    let (events, objects): (Vec<Value>, Vec<Value>) = load(FAILED_MOUNT)
        .into_iter()
        .partition(|o| o["kind"] == "Event");
    let warning = events
        .into_iter()
        .find(|e| e["type"] == "Warning")
        .expect("a Warning event in the fixture");
    (objects, warning)
}

fn tracking_failed_mount(window_secs: u64, objects: Vec<Value>, at_secs: f64) -> Tracker {
    let mut tracker = Tracker::new(config(window_secs));
    tracker.track(web_deployment(), Some(1));
    for object in objects {
        tracker.observe(Change::Added(object), at(at_secs));
    }
    tracker
}

#[test]
fn a_failed_mount_is_progress_until_it_lasted_the_window_then_an_error_held_for_another() {
    let (objects, warning) = failed_mount_objects();
    let mut tracker = tracking_failed_mount(5, objects, 0.5);
    assert_eq!(status_of(&tracker, &web_deployment()), Status::InProgress);
    tracker.observe(Change::Added(warning.clone()), at(2.0));
    let status = tracker.status(&web_deployment()).unwrap();
    assert_eq!(status.status, Status::InProgress, "a retry may still work");
    assert!(status.message.contains("FailedMount"), "{}", status.message);
    assert_eq!(tracker.next_wakeup(), Some(at(7.0)), "when it has lasted");
    tracker.tick(at(6.9));
    assert_eq!(status_of(&tracker, &web_deployment()), Status::InProgress);
    tracker.tick(at(7.0));
    let status = tracker.status(&web_deployment()).unwrap();
    assert_eq!(status.status, Status::Error);
    assert!(
        status.message.contains("FailedMount") && status.message.contains("absent-secret"),
        "{}",
        status.message
    );
    // The kubelet repeats it: a rising count changes nothing.
    let mut repeated = warning;
    repeated["count"] = 5.into();
    repeated["lastTimestamp"] = "2024-05-02T09:12:40Z".into();
    tracker.observe(Change::Modified(repeated), at(9.0));
    tracker.tick(at(11.9));
    assert!(tracker.verdict().is_none());
    tracker.tick(at(12.0));
    let verdict = tracker.verdict().expect("the error held for the window");
    assert_eq!(verdict.outcome, Outcome::Error);
    assert_eq!(verdict.failed, vec![web_deployment()]);
}

#[test]
fn a_failed_mount_that_works_on_a_retry_within_the_window_is_not_a_failure() {
    let (objects, warning) = failed_mount_objects();
    let mut pod = objects.iter().find(|o| o["kind"] == "Pod").unwrap().clone();
    let mut tracker = tracking_failed_mount(5, objects, 0.5);
    tracker.observe(Change::Added(warning), at(1.0));
    // The Secret appeared: the kubelet's next try mounts it and the container starts.
    pod["status"]["containerStatuses"][0]["state"] =
        serde_json::json!({"running": {"startedAt": "2024-05-02T09:12:34Z"}});
    tracker.observe(Change::Modified(pod), at(4.0));
    let status = tracker.status(&web_deployment()).unwrap();
    assert!(
        !status.message.contains("FailedMount"),
        "{}",
        status.message
    );
    tracker.tick(at(6.0));
    tracker.tick(at(20.0));
    assert_eq!(status_of(&tracker, &web_deployment()), Status::InProgress);
    assert!(tracker.verdict().is_none(), "never an Error");
}

#[test]
fn window_zero_makes_a_failed_mount_an_error_at_once() {
    let (objects, warning) = failed_mount_objects();
    let mut tracker = tracking_failed_mount(0, objects, 0.5);
    tracker.observe(Change::Added(warning), at(1.0));
    let verdict = tracker.verdict().expect("no debouncing asked for");
    assert_eq!((verdict.outcome, verdict.at), (Outcome::Error, at(1.0)));
}

#[test]
fn an_event_arriving_before_its_pod_is_timed_from_when_the_pod_is_seen() {
    let (objects, warning) = failed_mount_objects();
    let mut tracker = Tracker::new(config(5));
    tracker.track(web_deployment(), Some(1));
    tracker.observe(Change::Added(warning), at(0.1));
    for object in objects {
        tracker.observe(Change::Added(object), at(0.5));
    }
    tracker.tick(at(5.4));
    assert_eq!(status_of(&tracker, &web_deployment()), Status::InProgress);
    tracker.tick(at(5.5));
    assert_eq!(status_of(&tracker, &web_deployment()), Status::Error);
}

#[test]
fn a_deleted_event_no_longer_counts() {
    let (objects, warning) = failed_mount_objects();
    let mut tracker = tracking_failed_mount(5, objects, 0.5);
    tracker.observe(Change::Added(warning.clone()), at(1.0));
    tracker.tick(at(6.0));
    assert_eq!(status_of(&tracker, &web_deployment()), Status::Error);
    // A relist reports only the identity of what was deleted.
    let identity = serde_json::json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": warning["metadata"]["name"], "namespace": "shop",
                     "uid": warning["metadata"]["uid"]}});
    tracker.observe(Change::Deleted(identity), at(7.0));
    let status = tracker.status(&web_deployment()).unwrap();
    assert_eq!(status.status, Status::InProgress);
    assert!(
        !status.message.contains("FailedMount"),
        "{}",
        status.message
    );
}

#[test]
fn a_pod_created_after_a_create_failure_stops_its_clock() {
    let objects = load(fixture!("statefulset-failed-create-quota.yaml"));
    let key = fixture_key("StatefulSet", "db");
    let mut tracker = Tracker::new(config(5));
    tracker.track(key.clone(), Some(1));
    for object in objects {
        tracker.observe(Change::Added(object), at(0.5));
    }
    let status = tracker.status(&key).unwrap();
    assert_eq!(status.status, Status::InProgress);
    assert!(
        status.message.contains("exceeded quota"),
        "{}",
        status.message
    );
    // The quota was raised: db-0 is created.
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "db-0", "namespace": "shop", "uid": "db-0-uid",
                     "creationTimestamp": "2024-05-02T09:20:09Z",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                         "name": "db", "controller": true,
                         "uid": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}]},
        "status": {"phase": "Pending"}});
    tracker.observe(Change::Added(pod), at(3.0));
    tracker.tick(at(10.0));
    let status = tracker.status(&key).unwrap();
    assert_eq!(status.status, Status::InProgress);
    assert!(
        !status.message.contains("FailedCreate"),
        "{}",
        status.message
    );
}

#[test]
fn related_objects_are_the_object_its_descendants_and_their_claims() {
    let (mut objects, _) = failed_mount_objects();
    let pod = objects.iter_mut().find(|o| o["kind"] == "Pod").unwrap();
    pod["spec"]["volumes"].as_array_mut().unwrap().push(
        serde_json::json!({"name": "data", "persistentVolumeClaim": {"claimName": "data-web"}}),
    );
    let mut tracker = Tracker::new(config(5));
    tracker.track(web_deployment(), Some(1));
    for object in objects {
        tracker.observe(Change::Added(object), at(0.5));
    }
    let related = tracker.related_objects(&web_deployment());
    let expected: Vec<(String, String)> = [
        ("Deployment", "web"),
        ("PersistentVolumeClaim", "data-web"),
        ("Pod", "web-6b8f7d9c4d-x7k2m"),
        ("ReplicaSet", "web-6b8f7d9c4d"),
    ]
    .iter()
    .map(|(k, n)| (k.to_string(), n.to_string()))
    .collect();
    assert_eq!(related, expected);
}

#[test]
fn a_lost_connection_holds_the_verdict_and_the_window_starts_again_when_it_is_back() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_READY, 0.0);
    tracker.connection_lost(
        "watch of pods in namespace shop failed: connection refused",
        at(4.0),
    );
    let snapshot = tracker.snapshot(at(5.0));
    assert_eq!(snapshot.window_left, None, "no window while disconnected");
    assert_eq!(snapshot.connection.lost_since, Some(at(4.0)));
    assert_eq!(snapshot.connection.losses, 1);
    tracker.tick(at(10.0));
    assert!(
        tracker.verdict().is_none(),
        "no Success from what may be stale"
    );
    tracker.tick(at(20.0));
    assert!(tracker.verdict().is_none());
    tracker.connection_restored(at(21.0));
    let snapshot = tracker.snapshot(at(21.0));
    assert_eq!(snapshot.connection.lost_since, None);
    assert_eq!(snapshot.connection.last_outage, Some((at(4.0), at(21.0))));
    assert_eq!(snapshot.window_left, Some(Duration::from_secs(10)));
    tracker.tick(at(30.9));
    assert!(
        tracker.verdict().is_none(),
        "a whole window after it is back"
    );
    tracker.tick(at(31.0));
    let verdict = tracker.verdict().unwrap();
    assert_eq!((verdict.outcome, verdict.at), (Outcome::Success, at(31.0)));
}

#[test]
fn a_second_failing_watch_does_not_count_as_another_loss() {
    let mut tracker = tracking_pod(10);
    tracker.connection_lost("first", at(1.0));
    tracker.connection_lost("second", at(2.0));
    let connection = tracker.snapshot(at(3.0)).connection;
    assert_eq!(connection.losses, 1);
    assert_eq!(connection.lost_since, Some(at(1.0)));
    assert_eq!(connection.last_error.as_deref(), Some("first"));
}

#[test]
fn an_error_seen_before_the_loss_is_not_the_verdict_until_it_held_after_the_return() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_CRASHLOOP, 0.0);
    tracker.connection_lost("connection refused", at(5.0));
    tracker.tick(at(10.0));
    assert!(tracker.verdict().is_none());
    tracker.connection_restored(at(12.0));
    tracker.tick(at(21.9));
    assert!(tracker.verdict().is_none());
    tracker.tick(at(22.0));
    assert_eq!(tracker.verdict().unwrap().outcome, Outcome::Error);
}

#[test]
fn the_deadline_applies_while_disconnected_and_never_gives_success() {
    let mut tracker = Tracker::new(Config {
        timeout: Some(Duration::from_secs(30)),
        ..config(10)
    });
    tracker.track(pod_key(), None);
    feed(&mut tracker, POD_CREATING, 0.0);
    feed(&mut tracker, POD_READY, 15.0);
    tracker.connection_lost("connection refused", at(18.0));
    assert_eq!(tracker.next_wakeup(), Some(at(30.0)), "only the deadline");
    tracker.tick(at(30.0));
    let verdict = tracker.verdict().expect("the deadline still applies");
    assert_eq!(verdict.outcome, Outcome::TimedOut);
    assert!(
        verdict
            .reason
            .contains("the connection to the API server has been lost since 18.0s"),
        "{}",
        verdict.reason
    );
}

#[test]
fn unchanged_and_all_success_is_the_verdict_at_once() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_READY, 0.1);
    tracker.nothing_changed(at(0.3));
    let verdict = tracker.verdict().expect("no window for a no-op");
    assert_eq!((verdict.outcome, verdict.at), (Outcome::Success, at(0.3)));
    assert_eq!(
        verdict.reason,
        "nothing changed: all 1 objects were already applied and in Success"
    );
    assert_eq!(tracker.snapshot(at(0.3)).window_left, None);
}

#[test]
fn unchanged_but_in_progress_when_first_judged_keeps_the_normal_window() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_CREATING, 0.1);
    tracker.nothing_changed(at(0.3));
    assert!(tracker.verdict().is_none());
    feed(&mut tracker, POD_READY, 1.0);
    // Judged once: reaching Success later is a rollout to hold like any other.
    tracker.nothing_changed(at(1.1));
    assert!(tracker.verdict().is_none());
    tracker.tick(at(10.9));
    assert!(tracker.verdict().is_none());
    tracker.tick(at(11.0));
    let verdict = tracker.verdict().expect("after the window");
    assert_eq!((verdict.outcome, verdict.at), (Outcome::Success, at(11.0)));
    assert!(
        verdict.reason.contains("held it for 10.0s"),
        "{}",
        verdict.reason
    );
}

#[test]
fn changed_keeps_the_normal_window() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_READY, 0.1);
    tracker.tick(at(0.3));
    assert!(tracker.verdict().is_none(), "no shortcut unless unchanged");
    tracker.tick(at(10.1));
    let verdict = tracker.verdict().expect("after the window");
    assert_eq!(verdict.at, at(10.1));
    assert!(
        !verdict.reason.contains("nothing changed"),
        "{}",
        verdict.reason
    );
}

#[test]
fn unchanged_with_an_object_not_seen_yet_keeps_the_normal_window() {
    let mut tracker = tracking_pod(10);
    tracker.track(fixture_key("ConfigMap", "settings"), None);
    feed(&mut tracker, POD_READY, 0.1);
    tracker.nothing_changed(at(0.3));
    assert!(tracker.verdict().is_none());
}

#[test]
fn unchanged_while_the_connection_is_lost_keeps_the_normal_window() {
    let mut tracker = tracking_pod(10);
    feed(&mut tracker, POD_READY, 0.1);
    tracker.connection_lost("watch of Pods failed", at(0.2));
    tracker.nothing_changed(at(0.3));
    assert!(tracker.verdict().is_none());
}
