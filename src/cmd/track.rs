//! Tracking applied objects to a verdict: one watch per (kind, namespace) including child kinds
//! and one of Warning events per namespace, the engine fed from them (and told when a watch
//! fails and when every watch is live again) and ticked, progress rendered, failures explained,
//! the run's outcome decided.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;

use crate::cluster::client::Connection;
use crate::cluster::discovery::Resource;
use crate::cluster::inspect;
use crate::cluster::watch::{self, WatchTarget, WatchUpdate};
use crate::cmd::logs::PodLogs;
use crate::engine::failure::log_to_show;
use crate::engine::{Change, Config, Moment, ObjectKey, Snapshot, Status, TrackedObject, Tracker};
use crate::engine::{kinds, selectors};
use crate::error::Error;
use crate::fingerprint::{self, Salt};
use crate::manifest::Origin;
use crate::outcome::{RunOutcome, Signal};
use crate::render::card::{EventLine, Failure, LogTail};
use crate::render::output::{Conclusion, Output};
use crate::selector::Selector;

/// How often plain progress is refreshed when nothing changed (heartbeat, countdowns).
const IDLE_RENDER: Duration = Duration::from_secs(1);
/// How often the engine is ticked and the live view redrawn.
const TICK: Duration = Duration::from_millis(100);
/// Watch updates waiting for the engine: beyond this the watches wait (a list of a large
/// namespace is taken in at the engine's pace instead of queued in memory).
const WATCH_BACKLOG: usize = 256;
/// Warning events and log lines shown per failure card.
const CARD_EVENTS: usize = 8;
const CARD_LOG_LINES: i64 = 10;

/// An object tracked from the start (applied, or named in a manifest for `watch -f`).
pub struct KnownObject {
    pub key: ObjectKey,
    /// The generation the apply returned, to await its observation.
    pub generation: Option<i64>,
    /// The object as the apply returned it; None when only named (watch -f).
    pub initial: Option<Value>,
    pub origin: Option<Origin>,
}

impl KnownObject {
    /// An object as a server-side apply returned it.
    pub fn applied(object: Value, origin: Origin) -> Option<Self> {
        Some(KnownObject {
            key: ObjectKey::of(&object)?,
            generation: object["metadata"]["generation"].as_i64(),
            initial: Some(object),
            origin: Some(origin),
        })
    }
}

/// When the run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// At the verdict (apply, `watch --until`).
    Verdict,
    /// Once every watch has listed its objects: one snapshot (`watch --once`).
    Once,
    /// Only when interrupted (`watch`).
    Continuous,
}

/// Objects tracked as they appear: of these kinds, matching the selector, and not controlled
/// by another object (then they are children).
pub struct Discover {
    pub kinds: Vec<(String, String)>,
    pub selector: Selector,
    /// `watch --by LABEL`: each tracked object belongs to the application its LABEL names.
    pub group_by: Option<String>,
}

pub struct TrackPlan {
    pub known: Vec<KnownObject>,
    /// `watch -l`: which objects to track as they appear.
    pub discover: Option<Discover>,
    pub targets: Vec<WatchTarget>,
    /// How the engine judges the run, as the flags resolved it.
    pub config: Config,
    pub mode: Mode,
    /// When the run started: the deadline counts from here.
    pub started: Instant,
    /// Salts the fingerprints that replace Secret payloads as the watches receive them.
    pub salt: Salt,
    /// `--logs`: follow the logs of pods that are not Ready or are failing.
    pub logs: bool,
    /// The apply changed nothing: once every watch has listed, an all-Success state is the
    /// verdict at once ([`Tracker::nothing_changed`]).
    pub unchanged: bool,
}

/// Sleeps until the engine's next moment of interest (window end, deadline, grace), or for
/// ever when there is none.
async fn sleep_until_wakeup(tracker: &Tracker, started: Instant) {
    match tracker.next_wakeup() {
        // Never in the past: a wakeup the engine does not clear must not spin the loop.
        Some(moment) => {
            let at = (started + moment.0).max(Instant::now() + Duration::from_millis(10));
            tokio::time::sleep_until(at.into()).await;
        }
        None => std::future::pending().await,
    }
}

/// How the loop ended.
enum End {
    Verdict,
    Snapshot,
    Signal(Signal),
}

/// How long `watch --once` waits for its watches to list what they see.
const ONCE_SYNC_TIMEOUT: Duration = Duration::from_secs(60);

/// Where tracking ended: what a run concludes from (`apply --steps` keeps one per step).
pub struct Tracked {
    pub snapshot: Snapshot,
    pub outcome: RunOutcome,
    pub reason: String,
    pub failures: Vec<Failure>,
    pub origins: Vec<(ObjectKey, Origin)>,
}

pub async fn run(
    connection: &Connection,
    plan: TrackPlan,
    mut output: Output,
) -> Result<RunOutcome, Error> {
    let tracked = track(connection, &plan, &mut output).await?;
    output.conclude(&Conclusion {
        snapshot: &tracked.snapshot,
        outcome: tracked.outcome,
        reason: &tracked.reason,
        failures: &tracked.failures,
        origins: &tracked.origins,
        steps: &[],
    });
    Ok(tracked.outcome)
}

/// Tracks the plan's objects until the run ends (verdict, snapshot or signal), showing
/// progress; the conclusion is the caller's.
pub async fn track(
    connection: &Connection,
    plan: &TrackPlan,
    output: &mut Output,
) -> Result<Tracked, Error> {
    let mut tracker = Tracker::new(plan.config.clone());
    let now = || Moment(plan.started.elapsed());
    for known in &plan.known {
        tracker.track(known.key.clone(), known.generation);
    }
    for initial in plan.known.iter().filter_map(|f| f.initial.clone()) {
        tracker.observe(Change::Added(initial), now());
    }

    let targets = &plan.targets;
    tracker.watching(targets.iter().map(|t| {
        let api = &t.resource.api;
        (api.group.clone(), api.kind.clone(), t.namespace.clone())
    }));
    let (sender, mut updates) = mpsc::channel(WATCH_BACKLOG);
    let ingest = watch::Ingest {
        salt: plan.salt.clone(),
        kept_whole: Arc::new(plan.config.health_rules.kinds().collect()),
    };
    let mut watches = watch::spawn(&connection.watch_client, targets, &ingest, sender);
    let mut logs = PodLogs::new(connection, plan.logs);
    let mut forbidden: BTreeSet<usize> = BTreeSet::new();
    let mut listed: BTreeSet<usize> = BTreeSet::new();
    // Watches that failed and have not listed again: what they reported may be stale.
    let mut interrupted: BTreeSet<usize> = BTreeSet::new();

    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut terminate = signal_stream();
    let mut changed = true;
    let mut last_render = Instant::now();

    let end = loop {
        tokio::select! {
            Some(update) = updates.recv() => {
                changed = true;
                match update {
                    WatchUpdate::Upsert(object) => {
                        if let (Some(discover), Some(key)) = (&plan.discover, ObjectKey::of(&object))
                            && !tracker.is_tracked(&key)
                            && is_top_level(&object, &key, discover)
                        {
                            tracker.track(key, None);
                        }
                        secret_seen(&tracker, &object, output);
                        if let Some(discover) = &plan.discover {
                            join_application(output, &tracker, discover, &object);
                        }
                        tracker.observe(Change::Modified(object), now());
                    }
                    WatchUpdate::Delete(object) => {
                        let key = ObjectKey::of(&object);
                        tracker.observe(Change::Deleted(object), now());
                        // Watching a label: what is gone leaves the view.
                        if plan.discover.is_some() && let Some(key) = key {
                            tracker.untrack(&key);
                        }
                    }
                    WatchUpdate::Synced { target } => {
                        listed.insert(target);
                        let api = &targets[target].resource.api;
                        tracker.listed(&api.group, &api.kind, targets[target].namespace.as_deref(), now());
                        if interrupted.remove(&target) && interrupted.is_empty() {
                            tracker.connection_restored(now());
                        }
                    }
                    WatchUpdate::Failed { target, status: Some(403), .. } => {
                        // Forbidden stays forbidden: say so once and go on without that kind.
                        if forbidden.insert(target) {
                            output.warn(&forbidden_watch(&targets[target]));
                        }
                        listed.insert(target);
                        if interrupted.remove(&target) && interrupted.is_empty() {
                            tracker.connection_restored(now());
                        }
                        if !targets.is_empty() && forbidden.len() == targets.len() {
                            output.stop_progress();
                            return Err(Error::cluster("none of the watched kinds can be read: every list/watch was forbidden")
                                .with_hint("ask for get, list and watch permissions (RBAC) in this namespace, or use another --context"));
                        }
                    }
                    WatchUpdate::Failed { target, message, .. } => {
                        // The watch lists again after a backoff; until it has, hold the verdict.
                        if interrupted.is_empty() {
                            let what = targets[target].describe();
                            tracker.connection_lost(format!("watch of {what} failed: {message}"), now());
                        }
                        interrupted.insert(target);
                    }
                }
                if tracker.take_relist_request() {
                    relist_children(&watches, targets);
                }
                if plan.unchanged && listed.len() == targets.len() {
                    tracker.nothing_changed(now());
                }
                // Exit the moment the verdict is known, not at the next tick.
                if plan.mode == Mode::Verdict && tracker.verdict().is_some() {
                    output.progress(&tracker.snapshot(now()));
                    break End::Verdict;
                }
            }
            // The end of a stabilization window or the deadline, exactly when it falls.
            _ = sleep_until_wakeup(&tracker, plan.started) => {
                tracker.tick(now());
                if plan.mode == Mode::Verdict && tracker.verdict().is_some() {
                    output.progress(&tracker.snapshot(now()));
                    break End::Verdict;
                }
            }
            Some(event) = logs.next() => logs.handle(event, output),
            _ = ticker.tick() => {
                tracker.tick(now());
                if changed {
                    logs.follow(&tracker);
                }
                // Idle watching costs nothing: render after a change, for the live view's
                // spinner, or once a second for the heartbeat.
                if changed || output.is_live() || last_render.elapsed() >= IDLE_RENDER {
                    output.progress(&tracker.snapshot(now()));
                    changed = false;
                    last_render = Instant::now();
                }
                match plan.mode {
                    Mode::Verdict if tracker.verdict().is_some() => break End::Verdict,
                    Mode::Once if listed.len() == targets.len() => break End::Snapshot,
                    Mode::Once if now().0 > ONCE_SYNC_TIMEOUT => {
                        output.stop_progress();
                        let waiting: Vec<String> = (0..targets.len())
                            .filter(|i| !listed.contains(i))
                            .map(|i| targets[i].describe())
                            .collect();
                        return Err(Error::cluster(format!("could not list {} within {}s", waiting.join(", "), ONCE_SYNC_TIMEOUT.as_secs())));
                    }
                    _ => {}
                }
            }
            signal = terminate.recv() => {
                break End::Signal(signal.unwrap_or(Signal::Interrupt));
            }
        }
    };
    watches.abort_all();
    logs.stop(output);
    output.stop_progress();
    let snapshot = tracker.snapshot(now());
    // Nothing to judge, whether looked at once or waited for: an absent application must not
    // pass a check (`--until` would otherwise settle on an empty, vacuously healthy set).
    if !matches!(end, End::Signal(_)) && snapshot.objects.is_empty() {
        let group_by = plan.discover.as_ref().and_then(|d| d.group_by.as_deref());
        return Err(nothing_matched(targets, group_by));
    }
    let (outcome, reason) = conclude(&end, &tracker, &snapshot);
    let failures = if matches!(end, End::Signal(_)) {
        Vec::new()
    } else {
        gather_failures(connection, &tracker, &snapshot.objects).await
    };
    let origins: Vec<(ObjectKey, Origin)> = plan
        .known
        .iter()
        .filter_map(|f| Some((f.key.clone(), f.origin.clone()?)))
        .collect();
    Ok(Tracked {
        snapshot,
        outcome,
        reason,
        failures,
        origins,
    })
}

/// An object taken for a stranger belongs after all (its labels changed): the watches that
/// report children by owner, whatever their labels, list again so that what it owns is found.
fn relist_children(watches: &watch::Watches, targets: &[WatchTarget]) {
    for (index, target) in targets.iter().enumerate() {
        if target.label_selector.is_none() {
            watches.relist(index);
        }
    }
}

/// A tracked Secret's fingerprints, as a watch reports them, to the output (which says when
/// they change).
fn secret_seen(tracker: &Tracker, object: &Value, output: &mut Output) {
    if let (Some(key), Some(fingerprints)) = (ObjectKey::of(object), fingerprint::carried(object))
        && tracker.is_tracked(&key)
    {
        output.secret_seen(&key, fingerprints);
    }
}

/// The outcome and reason of a finished loop.
fn conclude(end: &End, tracker: &Tracker, snapshot: &Snapshot) -> (RunOutcome, String) {
    match (end, tracker.verdict()) {
        (End::Signal(signal), _) => (
            RunOutcome::Interrupted(*signal),
            signal.stopped_by().to_string(),
        ),
        (End::Verdict, Some(verdict)) => (
            RunOutcome::of_verdict(verdict.outcome),
            verdict.reason.clone(),
        ),
        (End::Snapshot, _) | (End::Verdict, None) => (
            RunOutcome::of_snapshot(snapshot.application),
            format!(
                "snapshot of {} object(s): application {}",
                snapshot.objects.len(),
                snapshot.application
            ),
        ),
    }
}

/// `watch` found nothing to judge: the selector matched no object where it looked, which
/// is a question to fix rather than an answer (as `kubectl wait -l` says of no match).
fn nothing_matched(targets: &[WatchTarget], group_by: Option<&str>) -> Error {
    let server_selector = targets.iter().find_map(|t| t.label_selector.as_deref());
    // With --by, the server selector is -l's and the label's: say them as the user gave them.
    let selector = match (server_selector, group_by) {
        (Some(selector), Some(label)) => match selector.strip_suffix(&format!(",{label}")) {
            Some(given) => format!(" carrying the label {label} with -l {given}"),
            None => format!(" carrying the label {label}"),
        },
        (Some(selector), None) => format!(" with -l {selector}"),
        (None, _) => String::new(),
    };
    let place = match targets.first().and_then(|t| t.namespace.as_deref()) {
        Some(namespace) => format!("in namespace {namespace}"),
        None => "in any namespace".to_string(),
    };
    Error::usage(format!("nothing matched: no objects{selector} {place}")).with_hint(
        "check the selector and the namespace (-n, or -A for every namespace); --kind adds kinds \
         beyond the common ones",
    )
}

/// Whether an object is one of the application's objects rather than a child or a stranger: of
/// a selected kind, matching the selector (child watches are wider), and controlled by nothing.
fn is_top_level(object: &Value, key: &ObjectKey, discover: &Discover) -> bool {
    let selected = discover
        .kinds
        .iter()
        .any(|(group, kind)| **group == *key.group && **kind == *key.kind)
        && discover.selector.matches_object(object);
    let controlled = object["metadata"]["ownerReferences"]
        .as_array()
        .is_some_and(|owners| {
            owners
                .iter()
                .any(|o| o["controller"].as_bool() == Some(true))
        });
    selected && !controlled
}

/// `watch --by`: files a tracked object under the application its label names now (labels
/// may change while watched). Children are not tracked: they count through their parent.
fn join_application(output: &mut Output, tracker: &Tracker, discover: &Discover, object: &Value) {
    let Some(label) = &discover.group_by else {
        return;
    };
    if let (Some(key), Some(application)) = (
        ObjectKey::of(object),
        object["metadata"]["labels"][label.as_str()].as_str(),
    ) && tracker.is_tracked(&key)
    {
        output.join_application(key, application.to_string());
    }
}

/// A forbidden watch as a person reads it: the permission that is missing.
fn forbidden_watch(target: &WatchTarget) -> String {
    let what = target.describe();
    let resource = if target.resource.api.group.is_empty() {
        target.resource.api.plural.clone()
    } else {
        format!(
            "{}.{}",
            target.resource.api.plural, target.resource.api.group
        )
    };
    format!(
        "cannot watch {what}: forbidden (needs list and watch on {resource}); continuing without it"
    )
}

/// SIGINT and SIGTERM as they arrive.
pub fn signal_stream() -> mpsc::UnboundedReceiver<Signal> {
    let (sender, receiver) = mpsc::unbounded_channel();
    let interrupt = sender.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = interrupt.send(Signal::Interrupt);
        }
    });
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate())
            && term.recv().await.is_some()
        {
            let _ = sender.send(Signal::Terminate);
        }
    });
    receiver
}

/// One watch per (kind, namespace): the given kinds, with the label selector, plus the kinds
/// their rules read (the table of kinds: a Deployment's ReplicaSets and Pods, a CronJob's Jobs,
/// a claim's StorageClass) without it: children are found by owner, and need not carry the
/// labels. Plus one watch of Warning events per namespace: some failures (a volume that cannot
/// be mounted, pods a controller cannot create) are reported nowhere else.
pub fn watch_targets(
    objects: &[(Resource, Option<String>)],
    label_selector: Option<&str>,
) -> Vec<WatchTarget> {
    let events = Resource::of(kinds::known(kinds::EVENT));

    let mut targets: Vec<WatchTarget> = Vec::new();
    let mut add = |resource: &Resource, namespace: Option<String>, selector: Option<&str>| {
        let namespace = if resource.namespaced { namespace } else { None };
        let existing = targets.iter_mut().find(|t| {
            t.resource.api.group == resource.api.group
                && t.resource.api.kind == resource.api.kind
                && t.namespace == namespace
        });
        match existing {
            // A kind watched both as a parent and as a child: the wider watch serves both.
            Some(target) if selector.is_none() => target.label_selector = None,
            Some(_) => {}
            None => targets.push(WatchTarget {
                resource: resource.clone(),
                namespace,
                label_selector: selector.map(str::to_string),
                field_selector: None,
            }),
        }
    };
    for (resource, namespace) in objects {
        add(resource, namespace.clone(), label_selector);
        let known = kinds::lookup(&resource.api.group, &resource.api.kind);
        for read in known.into_iter().flat_map(|k| k.reads()) {
            add(&Resource::of(read), namespace.clone(), None);
        }
    }
    let mut event_namespaces: Vec<Option<String>> = objects
        .iter()
        .filter(|(resource, _)| resource.namespaced)
        .map(|(_, namespace)| namespace.clone())
        .collect();
    event_namespaces.sort();
    event_namespaces.dedup();
    for namespace in event_namespaces {
        targets.push(WatchTarget {
            resource: events.clone(),
            namespace,
            label_selector: None,
            field_selector: Some("type=Warning".to_string()),
        });
    }
    targets
}

/// Narrows each child watch (Pods, ReplicaSets, Jobs of a namespace) to a label selector every
/// child of the applied objects carries, when there is one: the server then sends the
/// application's children, not the whole namespace's.
pub fn narrow_child_watches(targets: &mut [WatchTarget], known: &[KnownObject]) {
    for target in targets.iter_mut() {
        let api = &target.resource.api;
        let is_child_kind = matches!(
            (api.group.as_str(), api.kind.as_str()),
            ("", "Pod") | ("apps", "ReplicaSet") | ("batch", "Job")
        );
        if !is_child_kind || target.label_selector.is_some() || target.namespace.is_none() {
            continue;
        }
        let here: Vec<&Value> = known
            .iter()
            .filter(|k| k.key.namespace.as_deref() == target.namespace.as_deref())
            .filter_map(|k| k.initial.as_ref())
            .collect();
        // Every object must be known as applied: a name alone says nothing of labels.
        let named_only = known.iter().any(|k| {
            k.key.namespace.as_deref() == target.namespace.as_deref() && k.initial.is_none()
        });
        if !named_only {
            target.label_selector = selectors::children_selector(&here, (&api.group, &api.kind));
        }
    }
}

/// Events and log tails for every object in Error or Timed out. The events are those of the
/// object, of everything it owns and of the claims its pods mount.
async fn gather_failures(
    connection: &Connection,
    tracker: &Tracker,
    objects: &[TrackedObject],
) -> Vec<Failure> {
    let mut failures = Vec::new();
    for object in objects
        .iter()
        .filter(|o| matches!(o.status.status, Status::Error | Status::TimedOut))
    {
        let mut failure = Failure {
            object: object.clone(),
            events: Vec::new(),
            log: None,
            gather_errors: Vec::new(),
        };
        let Some(namespace) = object.key.namespace.clone() else {
            failures.push(failure);
            continue;
        };
        let chain = object
            .status
            .children
            .as_ref()
            .and_then(|c| c.worst.as_ref());
        let mut involved = tracker.related_objects(&object.key);
        if let Some(chain) = chain {
            involved.extend(chain.links.iter().map(|l| (l.kind.clone(), l.name.clone())));
        }
        match inspect::warning_events(&connection.client, &namespace, &involved, CARD_EVENTS).await
        {
            Ok(events) => {
                failure.events = events
                    .into_iter()
                    .map(|e| EventLine {
                        object: e.object,
                        reason: e.reason,
                        message: e.message,
                        count: e.count,
                    })
                    .collect();
            }
            Err(err) => failure.gather_errors.push(format!(
                "events unavailable: {}",
                crate::cluster::describe(&err)
            )),
        }
        if let Some(shown) = log_to_show(object) {
            match inspect::log_tail(
                &connection.client,
                &namespace,
                &shown.pod,
                &shown.container,
                shown.previous,
                CARD_LOG_LINES,
            )
            .await
            {
                Ok(text) => {
                    failure.log = Some(LogTail {
                        pod: shown.pod,
                        container: shown.container,
                        previous: shown.previous,
                        lines: text.lines().map(str::to_string).collect(),
                    });
                }
                Err(err) => failure.gather_errors.push(format!(
                    "log unavailable: {}",
                    crate::cluster::describe(&err)
                )),
            }
        }
        failures.push(failure);
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;

    /// Apply's defaults: a 10 s window and a 5 min deadline.
    fn config() -> Config {
        Config {
            stabilization: Duration::from_secs(10),
            timeout: Some(Duration::from_secs(300)),
            wait_for_jobs: true,
            settle_on_error: true,
            health_rules: Default::default(),
        }
    }

    #[test]
    fn an_interruption_says_what_stopped_the_run_once() {
        let tracker = Tracker::new(config());
        let snapshot = tracker.snapshot(Moment(Duration::from_secs(6)));
        let (outcome, reason) = conclude(&End::Signal(Signal::Interrupt), &tracker, &snapshot);
        assert_eq!(
            (outcome.exit(), outcome.label(), reason.as_str()),
            (
                Exit::Interrupted,
                "Interrupted",
                "stopped by Ctrl-C (SIGINT)"
            )
        );
        let (outcome, reason) = conclude(&End::Signal(Signal::Terminate), &tracker, &snapshot);
        assert_eq!(
            (outcome.exit(), reason.as_str()),
            (Exit::Terminated, "stopped by SIGTERM")
        );
    }

    fn deployment(ready: bool) -> Value {
        let condition = if ready { "True" } else { "False" };
        serde_json::json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "generation": 1, "uid": "u1"},
            "spec": {"replicas": 1},
            "status": {
                "observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
                "readyReplicas": if ready { 1 } else { 0 },
                "availableReplicas": if ready { 1 } else { 0 },
                "conditions": [{"type": "Available", "status": condition}]
            }
        })
    }

    #[test]
    fn a_snapshot_exits_with_the_application_status() {
        let mut tracker = Tracker::new(config());
        tracker.track(
            ObjectKey::new("apps", "Deployment", Some("shop"), "web"),
            None,
        );
        let at = Moment(Duration::from_secs(1));
        tracker.observe(Change::Modified(deployment(false)), at);
        let (outcome, reason) = conclude(&End::Snapshot, &tracker, &tracker.snapshot(at));
        assert_eq!(
            (outcome, outcome.exit(), outcome.label(), outcome.words()),
            (
                RunOutcome::InProgress,
                Exit::TimedOut,
                "InProgress",
                "In progress"
            )
        );
        assert_eq!(reason, "snapshot of 1 object(s): application In progress");
        tracker.observe(Change::Modified(deployment(true)), at);
        let (outcome, _) = conclude(&End::Snapshot, &tracker, &tracker.snapshot(at));
        assert_eq!(
            (outcome, outcome.exit()),
            (RunOutcome::Success, Exit::Success)
        );
    }

    #[test]
    fn a_verdict_ends_with_its_outcome_and_reason() {
        let mut tracker = Tracker::new(Config {
            timeout: Some(Duration::from_secs(5)),
            ..config()
        });
        tracker.track(
            ObjectKey::new("apps", "Deployment", Some("shop"), "web"),
            None,
        );
        tracker.observe(
            Change::Modified(deployment(false)),
            Moment(Duration::from_secs(1)),
        );
        let at = Moment(Duration::from_secs(6));
        tracker.tick(at);
        let verdict = tracker.verdict().expect("the deadline passed").clone();
        let (outcome, reason) = conclude(&End::Verdict, &tracker, &tracker.snapshot(at));
        assert_eq!(
            (outcome, outcome.exit(), outcome.label(), outcome.words()),
            (
                RunOutcome::TimedOut,
                Exit::TimedOut,
                "TimedOut",
                "Timed out"
            )
        );
        assert_eq!(reason, verdict.reason);
    }

    #[test]
    fn watch_once_finding_nothing_is_a_usage_error_naming_where_it_looked() {
        let deployments = Resource::well_known("apps", "v1", "Deployment", "deployments", true);
        let pods = Resource::well_known("", "v1", "Pod", "pods", true);
        let targets = watch_targets(
            &[
                (deployments, Some("shop".into())),
                (pods, Some("shop".into())),
            ],
            Some("app=web"),
        );
        let err = nothing_matched(&targets, None);
        assert_eq!(err.exit(), Exit::Usage);
        assert_eq!(
            err.to_string(),
            "nothing matched: no objects with -l app=web in namespace shop"
        );
        let everywhere: Vec<WatchTarget> = targets
            .into_iter()
            .map(|t| WatchTarget {
                namespace: None,
                ..t
            })
            .collect();
        assert!(
            nothing_matched(&everywhere, None)
                .to_string()
                .ends_with("in any namespace")
        );
    }

    #[test]
    fn watch_by_finding_nothing_names_the_label_as_given() {
        let deployments = Resource::well_known("apps", "v1", "Deployment", "deployments", true);
        let label = "app.kubernetes.io/instance";
        let by_only = watch_targets(&[(deployments.clone(), Some("shop".into()))], Some(label));
        assert_eq!(
            nothing_matched(&by_only, Some(label)).to_string(),
            "nothing matched: no objects carrying the label app.kubernetes.io/instance in \
             namespace shop"
        );
        let narrowed = watch_targets(
            &[(deployments, Some("shop".into()))],
            Some("env=prod,app.kubernetes.io/instance"),
        );
        assert_eq!(
            nothing_matched(&narrowed, Some(label)).to_string(),
            "nothing matched: no objects carrying the label app.kubernetes.io/instance with -l \
             env=prod in namespace shop"
        );
    }

    #[test]
    fn warning_events_are_watched_once_per_namespace() {
        let deployments = Resource::well_known("apps", "v1", "Deployment", "deployments", true);
        let services = Resource::well_known("", "v1", "Service", "services", true);
        let namespaces = Resource::well_known("", "v1", "Namespace", "namespaces", false);
        let targets = watch_targets(
            &[
                (deployments.clone(), Some("shop".into())),
                (services, Some("shop".into())),
                (deployments, Some("admin".into())),
                (namespaces, None),
            ],
            None,
        );
        let events: Vec<(Option<&str>, Option<&str>)> = targets
            .iter()
            .filter(|t| t.resource.api.kind == "Event")
            .map(|t| (t.namespace.as_deref(), t.field_selector.as_deref()))
            .collect();
        assert_eq!(
            events,
            [
                (Some("admin"), Some("type=Warning")),
                (Some("shop"), Some("type=Warning"))
            ]
        );
    }

    #[test]
    fn applied_deployments_narrow_the_child_watches_of_their_namespace_only() {
        let deployments = Resource::well_known("apps", "v1", "Deployment", "deployments", true);
        let mut targets = watch_targets(
            &[
                (deployments.clone(), Some("shop".into())),
                (deployments, Some("admin".into())),
            ],
            None,
        );
        let applied = |name: &str, ns: &str, labels: serde_json::Value| {
            KnownObject::applied(
                serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": name, "namespace": ns, "generation": 1},
                    "spec": {"selector": {"matchLabels": labels}}}),
                Origin {
                    source: "app.yaml".to_string(),
                    line: 1,
                    document: 1,
                    item: None,
                },
            )
            .unwrap()
        };
        let known = [
            applied("web", "shop", serde_json::json!({"app": "web"})),
            applied("api", "shop", serde_json::json!({"app": "api"})),
            applied("tool", "admin", serde_json::json!({})),
        ];
        narrow_child_watches(&mut targets, &known);
        let selectors: Vec<(String, Option<&str>, Option<&str>)> = targets
            .iter()
            .map(|t| {
                (
                    t.resource.api.kind.clone(),
                    t.namespace.as_deref(),
                    t.label_selector.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            selectors,
            [
                ("Deployment".to_string(), Some("shop"), None),
                (
                    "ReplicaSet".to_string(),
                    Some("shop"),
                    Some("app in (api,web)")
                ),
                ("Pod".to_string(), Some("shop"), Some("app in (api,web)")),
                ("Deployment".to_string(), Some("admin"), None),
                ("ReplicaSet".to_string(), Some("admin"), None),
                ("Pod".to_string(), Some("admin"), None),
                ("Event".to_string(), Some("admin"), None),
                ("Event".to_string(), Some("shop"), None),
            ]
        );
    }
}
