//! The run state machine: observes the changes the watches report, clock ticks and the state
//! of the connection to the API server, keeps every tracked object's status, rolls them up,
//! runs the stabilization window and the deadline, and fixes the verdict the moment it is known.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::engine::node::Node;

use super::children::{self, Store};
use super::health::HealthRules;
use super::json;
use super::kinds;
use super::logs::{self, PodToFollow};
use super::model::{
    ConnectionState, Detail, Moment, ObjectKey, ObjectStatus, Outcome, Status, Verdict,
};
use super::reduce;
use super::relevance::{Belonging, Relevance};
use super::rules::{self, Context, PodHistory};
use super::slots::Slots;

/// How a run judges its objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// How long a settled state (all Success, or any Error) must hold; zero ends the run at the
    /// first settled state.
    pub stabilization: Duration,
    /// Deadline measured from the run's start; `None` waits forever.
    pub timeout: Option<Duration>,
    /// Whether Jobs must complete (true) or count as Success once created (false).
    pub wait_for_jobs: bool,
    /// Whether an Error settles the run (apply, `watch --until settled`) or only all-Success
    /// does (`watch --until success`: errors may still be fixed before the deadline).
    pub settle_on_error: bool,
    /// The user's health rules (`--health-rules`), ahead of every built-in rule.
    pub health_rules: Arc<HealthRules>,
}

/// A change to one object, as a watch reports it. Added and Modified are handled alike: both
/// carry the latest snapshot of the object. (A Kubernetes Event object arrives as the change of
/// an object like any other.)
#[derive(Debug, Clone)]
pub enum Change {
    Added(Value),
    Modified(Value),
    Deleted(Value),
}

/// How many objects the engine holds (see [`Tracker::held`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub kept: usize,
    pub waiting: usize,
    pub strangers: usize,
}

/// One tracked object in a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackedObject {
    pub key: ObjectKey,
    /// Shared with the tracker: a snapshot of 10,000 objects, taken for every frame, copies
    /// no messages.
    #[serde(flatten)]
    pub status: Arc<ObjectStatus>,
    /// When the status (not the message) last changed.
    pub since: Moment,
}

/// Everything a renderer needs at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    pub at: Moment,
    /// Tracked objects in the order they were tracked.
    pub objects: Vec<TrackedObject>,
    /// Error if any object is in Error, else Timed out if any timed out, else In progress if any
    /// is in progress, else Success.
    pub application: Status,
    /// Time left in the stabilization window, while a settled state is holding.
    pub window_left: Option<Duration>,
    /// Time left until the deadline.
    pub deadline_left: Option<Duration>,
    pub verdict: Option<Verdict>,
    /// Whether the watches are live; while they are not, no verdict is reached.
    pub connection: ConnectionState,
}

#[derive(Debug, Clone)]
struct Tracked {
    key: ObjectKey,
    expected_generation: Option<i64>,
    seen: bool,
    deleted: bool,
    /// A Job that reached Success: its later deletion (TTL controller) is not a failure.
    finished_job: bool,
    status: Arc<ObjectStatus>,
    since: Moment,
}

/// The status engine of one run. Feed it with [`Tracker::observe`] and [`Tracker::tick`];
/// read it with [`Tracker::snapshot`] and [`Tracker::verdict`].
#[derive(Debug, Clone)]
pub struct Tracker {
    config: Config,
    store: Store,
    /// What belongs to the run, what waits for its owner, and the strangers' UIDs.
    relevance: Relevance,
    pods: PodHistory,
    /// Objects stopped by a Warning event ([`rules::blocking_warning`]): since when, per UID.
    /// They are in Error only once it has stood for the stabilization window.
    warned_since: HashMap<String, Moment>,
    /// The UIDs in `warned_since` whose Warning event has stood for the window.
    lasting_warnings: HashSet<String>,
    /// In the order objects were first tracked in (the order they are shown), kept when
    /// one leaves.
    tracked: Slots<Tracked>,
    /// The position each tracked object has in `tracked`.
    index: HashMap<ObjectKey, usize>,
    /// How many tracked objects are in each status, kept with every status change: whether the
    /// run has settled is asked after every change, and walking thousands of objects each time
    /// made taking in a large apply quadratic.
    counts: StatusCounts,
    settled_since: Option<Moment>,
    deadline_passed: bool,
    verdict: Option<Verdict>,
    latest: Moment,
    connection: ConnectionState,
    /// Whether [`Tracker::nothing_changed`] has judged the run (it judges once).
    judged_unchanged: bool,
    /// The status last given to an object: the next one judged the same shares it, so the
    /// 10,000 pods of a listing that are all "Running" hold one status, not 10,000 copies.
    last_judged: Option<Arc<ObjectStatus>>,
}

impl Tracker {
    pub fn new(config: Config) -> Tracker {
        Tracker {
            // A crashed container counts as recovered once ready for half the window: shorter
            // than the window, so one crash followed by a real recovery beats the error's own
            // window; long enough that the brief ready spells of a crash loop (a real kubelet
            // reports a probe-less container ready while it runs) never count.
            pods: PodHistory::new(config.stabilization / 2),
            config,
            store: Store::new(),
            relevance: Relevance::default(),
            warned_since: HashMap::new(),
            lasting_warnings: HashSet::new(),
            tracked: Slots::default(),
            index: HashMap::new(),
            counts: StatusCounts::default(),
            settled_since: None,
            deadline_passed: false,
            verdict: None,
            latest: Moment::START,
            connection: ConnectionState::default(),
            judged_unchanged: false,
            last_judged: None,
        }
    }

    /// Starts tracking an object, typically right after its apply returned `generation`
    /// (`None` when the object was not applied by this run). Tracking an object already
    /// tracked updates the generation it must reach.
    pub fn track(&mut self, key: ObjectKey, expected_generation: Option<i64>) {
        let now = self.latest;
        let position = match self.index.get(&key) {
            Some(&position) => {
                self.slot(position).expected_generation = expected_generation;
                position
            }
            None => {
                self.counts.add(not_found().status);
                let position = self.tracked.push(Tracked {
                    key: key.clone(),
                    expected_generation,
                    seen: false,
                    deleted: false,
                    finished_job: false,
                    status: Arc::new(not_found()),
                    since: now,
                });
                self.index.insert(key, position);
                position
            }
        };
        // Seen before it was tracked, while waiting for its owner: it belongs now.
        if let Some(waiting) = self.relevance.take_waiting(&self.tracked[position].key) {
            self.arrive(vec![waiting], now);
        }
        let seen = self.store.get(&self.tracked[position].key).is_some();
        self.slot(position).seen |= seen;
        self.recompute(&[position], now);
        // A new member changes the set being judged, so a holding window starts over.
        self.after_update(true, now);
    }

    /// Stops tracking an object (watch mode: it no longer matches the selector).
    pub fn untrack(&mut self, key: &ObjectKey) {
        let Some(position) = self.index.remove(key) else {
            return;
        };
        // Its place is left empty and the others stay put until the empty places outnumber
        // them: a namespace deleted under `watch -l` is not quadratic in its size.
        if let Some(removed) = self.tracked.remove(position) {
            self.counts.remove(removed.status.status);
        }
        if let Some(moves) = self.tracked.compact() {
            for position in self.index.values_mut() {
                *position = moves[*position].expect("the index names tracked objects only");
            }
        }
        self.after_update(true, self.latest);
    }

    /// Makes a tracked object hold the key its snapshot is stored under, whose strings are the
    /// store's: a key built from a watched object's own text (as `watch -l` tracks) is then
    /// freed, and 10,000 pods are named once, not twice.
    fn share_key(&mut self, position: usize, stored: ObjectKey) {
        if self.tracked[position].key.same_as(&stored) {
            return;
        }
        self.index.remove(&stored);
        self.index.insert(stored.clone(), position);
        self.slot(position).key = stored;
    }

    fn slot(&mut self, position: usize) -> &mut Tracked {
        self.tracked
            .get_mut(position)
            .expect("the index names tracked slots only")
    }

    pub fn is_tracked(&self, key: &ObjectKey) -> bool {
        self.index.contains_key(key)
    }

    /// Takes in one change observed at `now`. What belongs to nothing tracked is dropped
    /// ([`Relevance`]); a child is kept reduced to what rules read ([`reduce::child`]).
    pub fn observe(&mut self, change: Change, now: Moment) {
        self.latest = self.latest.max(now);
        // A deadline that passed before this change is judged on the state it found.
        self.decide(now);
        match change {
            Change::Added(object) | Change::Modified(object) => {
                let Some(key) = ObjectKey::of(&object) else {
                    return;
                };
                // A user's rule may read any field of the objects it judges.
                let judged_by_user =
                    self.index.contains_key(&key) && self.config.health_rules.judges(&object, &key);
                let object = if judged_by_user {
                    object
                } else {
                    reduce::child(object, &key)
                };
                let object = self.store.compact(object);
                self.arrive(vec![object], now);
            }
            Change::Deleted(object) => {
                let object = self.store.compact(object);
                self.relevance.forget(&object);
                self.apply(object, true, now);
            }
        }
    }

    /// Judges arrivals (and the objects they release) one by one.
    fn arrive(&mut self, mut queue: Vec<Node>, now: Moment) {
        while let Some(object) = queue.pop() {
            let Some(key) = ObjectKey::of_node(&object) else {
                continue;
            };
            let index = &self.index;
            let belonging =
                self.relevance
                    .classify(&object, &key, |k| index.contains_key(k), &self.store);
            let uid = json::uid(&object).map(str::to_string);
            match belonging {
                Belonging::Kept => {
                    self.apply(object, false, now);
                    if let Some(uid) = uid {
                        queue.extend(self.relevance.release(&uid));
                    }
                }
                Belonging::Stranger => {
                    // Kept before, a stranger now (its owner changed): it leaves the store.
                    if self.store.get(&key).is_some() {
                        self.apply(object, true, now);
                    }
                    if let Some(uid) = uid {
                        queue.extend(self.relevance.stranger(&uid, &key));
                    }
                }
                Belonging::AwaitingOwner(owner) => {
                    self.relevance.wait(object, owner, now);
                }
            }
        }
    }

    /// Stores (or removes) one kept object and re-judges what it affects.
    fn apply(&mut self, object: Node, deleted: bool, now: Moment) {
        let Some(key) = ObjectKey::of_node(&object) else {
            return;
        };
        // A deletion carries only the object's identity: its owners are in the stored copy.
        let object = match self.store.get(&key) {
            Some(stored) if deleted && json::uid(stored) == json::uid(&object) => stored.clone(),
            _ => object,
        };
        let affected = self.affected(&object, &key);
        // What a Warning event or a new pod may stop or free: the object, its owners, and the
        // object an Event is about (looked up before a deleted Event leaves the store).
        let mut warned = vec![key.clone()];
        warned.extend(self.store.owner_keys(&object));
        if children::is_event(&key) {
            warned.extend(self.store.subject_of_event(&object).cloned());
        }
        if deleted {
            if self.store.remove(&object).is_none() {
                return;
            }
            if let Some(uid) = json::uid(&object) {
                self.pods.forget(uid);
                self.warned_since.remove(uid);
            }
            if let Some(&position) = self.index.get(&key) {
                let tracked = self.slot(position);
                tracked.deleted = tracked.seen;
            }
        } else {
            if key.group.is_empty() && &*key.kind == "Pod" {
                self.pods.observe(&object, now);
            }
            let stored = self.store.upsert(object);
            if let Some(&position) = self.index.get(&key) {
                let tracked = self.slot(position);
                tracked.seen = true;
                tracked.deleted = false;
                if let Some(stored) = stored {
                    self.share_key(position, stored);
                }
            }
        }
        self.time_warnings(&warned, now);
        let changed = self.recompute(&affected, now);
        self.after_update(changed, now);
    }

    /// Declares the run's watches as (group, kind, namespace) (`None`: every namespace): an
    /// owner of a kind none of them covers never arrives, so its children are strangers at once.
    pub fn watching(&mut self, scopes: impl IntoIterator<Item = (String, String, Option<String>)>) {
        self.relevance.watching(scopes);
    }

    /// The watch of this kind has listed: an owner it did not list is not coming.
    pub fn listed(&mut self, group: &str, kind: &str, namespace: Option<&str>, now: Moment) {
        let scope = (
            group.to_string(),
            kind.to_string(),
            namespace.map(str::to_string),
        );
        self.relevance.listed(scope, now);
    }

    /// Whether the child watches must list again: an object taken for a stranger turned out to
    /// belong (it now matches the selector), and what it owns was dropped.
    pub fn take_relist_request(&mut self) -> bool {
        self.relevance.take_relist_request()
    }

    /// How many objects the engine holds: kept (the store), waiting for their owner, and
    /// strangers remembered by UID. Memory follows the first two.
    pub fn held(&self) -> Held {
        Held {
            kept: self.store.len(),
            waiting: self.relevance.waiting_count(),
            strangers: self.relevance.stranger_count(),
        }
    }

    /// Lets time pass: expires Warning events that have stood long enough, crash recoveries
    /// that have held, the stabilization window and the deadline.
    pub fn tick(&mut self, now: Moment) {
        self.latest = self.latest.max(now);
        let given_up = self.relevance.expire(now);
        if !given_up.is_empty() {
            self.arrive(given_up, now);
        }
        let lasting_warnings = self.warnings_lasting_at(now);
        let recovered = self.pods.expire(now);
        let mut changed = false;
        if lasting_warnings != self.lasting_warnings || recovered {
            let everything: Vec<usize> = self.tracked.positions().collect();
            changed = self.recompute(&everything, now);
        }
        self.after_update(changed, now);
    }

    /// The connection to the API server was lost at `now` (a watch failed): what the engine
    /// knows may be stale from now on, so the stabilization window stops and no settled verdict
    /// is reached until [`Tracker::connection_restored`]. The deadline still applies.
    pub fn connection_lost(&mut self, reason: impl Into<String>, now: Moment) {
        self.latest = self.latest.max(now);
        if self.connection.lost_since.is_none() {
            self.connection.lost_since = Some(now);
            self.connection.losses += 1;
            self.connection.last_error = Some(reason.into());
        }
        self.after_update(true, now);
    }

    /// Every watch has listed again at `now`: the state is current again. A settled state must
    /// then hold for a whole window from this moment, since nobody saw it hold while the
    /// connection was lost.
    pub fn connection_restored(&mut self, now: Moment) {
        self.latest = self.latest.max(now);
        if let Some(since) = self.connection.lost_since.take() {
            self.connection.last_outage = Some((since, now));
        }
        self.after_update(true, now);
    }

    /// The run's apply changed nothing (every object kept its resourceVersion) and `now` is the
    /// first moment its state is complete (every watch has listed). If every tracked object has
    /// been seen and is Success, that is the verdict at once: no rollout was started, so a
    /// window would only wait for nothing. Otherwise the window and deadline rules go on as for
    /// any run. Only the first call judges: a state that was not all Success then does not
    /// become a no-op later.
    pub fn nothing_changed(&mut self, now: Moment) {
        self.latest = self.latest.max(now);
        self.decide(now);
        if std::mem::replace(&mut self.judged_unchanged, true) || self.verdict.is_some() {
            return;
        }
        let all_success = self
            .tracked
            .values()
            .all(|t| t.seen && t.status.status == Status::Success);
        if self.tracked.is_empty() || !all_success || self.connection.lost_since.is_some() {
            return;
        }
        let count = self.tracked.len();
        self.verdict = Some(Verdict {
            outcome: Outcome::Success,
            reason: format!(
                "nothing changed: all {count} objects were already applied and in Success"
            ),
            at: now,
            failed: Vec::new(),
            timed_out: Vec::new(),
            never_found: Vec::new(),
        });
    }

    /// The verdict, once known; it never changes afterwards.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.verdict.as_ref()
    }

    /// The status of one tracked object.
    pub fn status(&self, key: &ObjectKey) -> Option<&ObjectStatus> {
        self.index
            .get(key)
            .map(|&position| &*self.tracked[position].status)
    }

    /// The earliest moment at which a tick could change something (window end, deadline, a
    /// recovery or a Warning event that has held long enough), so callers can sleep until then.
    pub fn next_wakeup(&self) -> Option<Moment> {
        if self.verdict.is_some() {
            return None;
        }
        let window_end = self
            .settled_since
            .map(|since| since.after(self.config.stabilization));
        let deadline = self.config.timeout.map(Moment);
        let recovery_end = self.pods.next_expiry();
        let owner_given_up = self.relevance.next_expiry();
        let warning_end = self
            .warned_since
            .iter()
            .filter(|(uid, _)| !self.lasting_warnings.contains(*uid))
            .map(|(_, since)| since.after(self.config.stabilization))
            .min();
        [
            window_end,
            deadline,
            recovery_end,
            warning_end,
            owner_given_up,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub fn snapshot(&self, now: Moment) -> Snapshot {
        let objects: Vec<TrackedObject> = self
            .tracked
            .values()
            .map(|t| TrackedObject {
                key: t.key.clone(),
                status: Arc::clone(&t.status),
                since: t.since,
            })
            .collect();
        let window_left = match (&self.verdict, self.settled_since) {
            (None, Some(since)) => Some(since.after(self.config.stabilization).since(now)),
            _ => None,
        };
        Snapshot {
            at: now,
            application: self.application(),
            objects,
            window_left,
            deadline_left: self
                .config
                .timeout
                .map(|timeout| Moment(timeout).since(now)),
            verdict: self.verdict.clone(),
            connection: self.connection.clone(),
        }
    }

    /// The objects whose Warning events explain a tracked object, as (kind, name) in its
    /// namespace: the object, everything it owns (recursively), and the claims its pods mount.
    pub fn related_objects(&self, key: &ObjectKey) -> Vec<(String, String)> {
        let mut related = vec![(key.kind.to_string(), key.name.to_string())];
        let Some(object) = self.store.get(key) else {
            return related;
        };
        let mut frontier = vec![object];
        let mut visited = HashSet::new();
        while let Some(current) = frontier.pop() {
            if !json::uid(current).is_some_and(|uid| visited.insert(uid.to_string())) {
                continue;
            }
            for kind in ["ReplicaSet", "Pod", "Job"] {
                for child in self.store.owned(current, kind) {
                    related.push((kind.to_string(), json::name(child).to_string()));
                    frontier.push(child);
                }
            }
            if json::kind(current) == "Pod" {
                for volume in json::array_at(current, &["spec", "volumes"]) {
                    if let Some(claim) =
                        json::str_at(volume, &["persistentVolumeClaim", "claimName"])
                    {
                        related.push(("PersistentVolumeClaim".to_string(), claim.to_string()));
                    }
                }
            }
        }
        related.sort();
        related.dedup();
        related
    }

    /// The pods whose logs `--logs` follows now: see [`logs::pods_to_follow`].
    pub fn pods_to_follow(&self) -> Vec<PodToFollow> {
        let ctx = Context::new(&self.store, &self.pods, &self.lasting_warnings);
        let roots: Vec<&Node> = self
            .tracked
            .values()
            .filter_map(|t| self.store.get(&t.key))
            .collect();
        logs::pods_to_follow(&roots, &ctx)
    }

    /// The application roll-up.
    pub fn application(&self) -> Status {
        self.counts.worst().unwrap_or(Status::Success)
    }

    /// Tracked objects whose subtree contains this object: walk up ownerReferences (from the
    /// object an Event is about, for an Event).
    fn affected(&self, object: &Node, key: &ObjectKey) -> Vec<usize> {
        // What a rule consults without owning it (a StorageClass, for pending claims) may
        // change any object's status.
        if kinds::is_consulted(&key.group, &key.kind) {
            return self.tracked.positions().collect();
        }
        let mut found = Vec::new();
        let mut visited = HashSet::new();
        let mut frontier = vec![key.clone()];
        frontier.extend(self.store.owner_keys(object));
        if children::is_event(key) {
            frontier.extend(self.store.subject_of_event(object).cloned());
        }
        while let Some(current) = frontier.pop() {
            if !visited.insert(current.clone()) {
                continue;
            }
            if let Some(&position) = self.index.get(&current) {
                found.push(position);
            }
            if let Some(stored) = self.store.get(&current) {
                frontier.extend(self.store.owner_keys(stored));
            }
        }
        found
    }

    /// Starts or stops the clock of each object's blocking Warning event.
    fn time_warnings(&mut self, keys: &[ObjectKey], now: Moment) {
        for key in keys {
            let Some(object) = self.store.get(key) else {
                continue;
            };
            let Some(uid) = json::uid(object) else {
                continue;
            };
            if rules::blocking_warning(object, &self.store).is_some() {
                self.warned_since.entry(uid.to_string()).or_insert(now);
            } else {
                self.warned_since.remove(uid);
            }
        }
    }

    /// Objects whose blocking Warning event has stood for the stabilization window: the kubelet
    /// and controllers retry quickly at first, so by then a retry did not get past it.
    fn warnings_lasting_at(&self, now: Moment) -> HashSet<String> {
        self.warned_since
            .iter()
            .filter(|(_, since)| now.since(**since) >= self.config.stabilization)
            .map(|(uid, _)| uid.clone())
            .collect()
    }

    /// Re-evaluates the given tracked objects; true when any status (not message) changed.
    fn recompute(&mut self, positions: &[usize], now: Moment) -> bool {
        self.lasting_warnings = self.warnings_lasting_at(now);
        let mut changed = false;
        for &position in positions {
            let tracked = &self.tracked[position];
            let mut status = match self.store.get(&tracked.key) {
                Some(object) => {
                    let ctx = Context {
                        store: &self.store,
                        expected_generation: tracked.expected_generation,
                        wait_for_jobs: self.config.wait_for_jobs,
                        pods: &self.pods,
                        lasting_warnings: &self.lasting_warnings,
                        health_rules: &self.config.health_rules,
                    };
                    rules::evaluate(object, &ctx)
                }
                None if tracked.deleted && tracked.finished_job => {
                    if tracked.status.detail == Some(Detail::Deleted) {
                        ObjectStatus::clone(&tracked.status)
                    } else {
                        ObjectStatus::success(format!(
                            "{}; deleted afterwards (ttlSecondsAfterFinished)",
                            tracked.status.message
                        ))
                        .with_detail(Detail::Deleted)
                    }
                }
                None if tracked.deleted => {
                    ObjectStatus::error("Deleted after it was created").with_detail(Detail::Deleted)
                }
                None => not_found(),
            };
            if self.deadline_passed && status.status == Status::InProgress {
                status.status = Status::TimedOut;
            }
            let tracked = self
                .tracked
                .get_mut(position)
                .expect("the index names tracked slots only");
            let is_job = &*tracked.key.kind == "Job" && &*tracked.key.group == "batch";
            if is_job && status.status == Status::Success && status.detail.is_none() {
                tracked.finished_job = true;
            }
            if tracked.status.status != status.status {
                changed = true;
                tracked.since = now;
                self.counts.remove(tracked.status.status);
                self.counts.add(status.status);
            }
            if *tracked.status != status {
                tracked.status = match self.last_judged.take() {
                    Some(last) if *last == status => last,
                    _ => Arc::new(status),
                };
                self.last_judged = Some(Arc::clone(&tracked.status));
            }
        }
        changed
    }

    /// All Success, or any Error, as seen through live watches.
    fn is_settled(&self) -> bool {
        if self.connection.lost_since.is_some() {
            return false;
        }
        let count = |status| self.counts.of(status);
        !self.tracked.is_empty()
            && ((self.config.settle_on_error && count(Status::Error) > 0)
                || count(Status::Success) == self.tracked.len())
    }

    fn after_update(&mut self, changed: bool, now: Moment) {
        if self.verdict.is_some() {
            return;
        }
        let settled = self.is_settled();
        if !settled {
            self.settled_since = None;
        } else if changed || self.settled_since.is_none() {
            self.settled_since = Some(now);
        }
        self.decide(now);
    }

    fn decide(&mut self, now: Moment) {
        if self.verdict.is_some() {
            return;
        }
        let deadline = self.config.timeout.map(Moment);
        if let Some(since) = self.settled_since {
            let end = since.after(self.config.stabilization);
            if now >= end && deadline.is_none_or(|deadline| end <= deadline) {
                self.verdict = Some(self.settled_verdict(end));
                return;
            }
        }
        if let Some(deadline) = deadline
            && now >= deadline
        {
            self.deadline_passed = true;
            for tracked in self.tracked.values_mut() {
                if tracked.status.status == Status::InProgress {
                    Arc::make_mut(&mut tracked.status).status = Status::TimedOut;
                    tracked.since = deadline;
                    self.counts.remove(Status::InProgress);
                    self.counts.add(Status::TimedOut);
                }
            }
            self.verdict = Some(self.deadline_verdict(deadline));
        }
    }

    fn keys_where(&self, keep: impl Fn(&Tracked) -> bool) -> Vec<ObjectKey> {
        self.tracked
            .values()
            .filter(|t| keep(t))
            .map(|t| t.key.clone())
            .collect()
    }

    fn settled_verdict(&self, at: Moment) -> Verdict {
        let failed = self.keys_where(|t| t.status.status == Status::Error);
        let held = if self.config.stabilization.is_zero() {
            String::new()
        } else {
            format!(" and held it for {}", Moment(self.config.stabilization))
        };
        let (outcome, reason) = if failed.is_empty() {
            let count = self.tracked.len();
            (
                Outcome::Success,
                format!("all {count} objects reached Success{held}"),
            )
        } else {
            (Outcome::Error, format!("{} in Error{held}", list(&failed)))
        };
        Verdict {
            outcome,
            reason,
            at,
            failed,
            timed_out: Vec::new(),
            never_found: Vec::new(),
        }
    }

    fn deadline_verdict(&self, at: Moment) -> Verdict {
        let failed = self.keys_where(|t| t.status.status == Status::Error);
        let timed_out = self.keys_where(|t| t.status.status == Status::TimedOut && t.seen);
        let never_found = self.keys_where(|t| !t.seen);
        let mut parts = Vec::new();
        if !failed.is_empty() {
            parts.push(format!("{} in Error", list(&failed)));
        }
        if !timed_out.is_empty() {
            parts.push(format!("{} still in progress", list(&timed_out)));
        }
        if !never_found.is_empty() {
            parts.push(format!("{} never found", list(&never_found)));
        }
        let lost = self.connection.lost_since;
        let outcome = if !failed.is_empty() {
            Outcome::Error
        } else if !timed_out.is_empty() || !never_found.is_empty() {
            Outcome::TimedOut
        } else if lost.is_some() {
            // What was last seen may have changed since: never a Success from stale state.
            parts.push("all objects were in Success when last seen".to_string());
            Outcome::TimedOut
        } else {
            parts.push("all objects in Success, stabilization window not complete".to_string());
            Outcome::Success
        };
        if let Some(since) = lost {
            parts.push(format!(
                "the connection to the API server has been lost since {since}"
            ));
        }
        let reason = format!("deadline of {} reached: {}", at, parts.join("; "));
        Verdict {
            outcome,
            reason,
            at,
            failed,
            timed_out,
            never_found,
        }
    }
}

/// Tracked objects per status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct StatusCounts([usize; 4]);

impl StatusCounts {
    /// Worst first: the roll-up is the first status any object is in.
    const WORST_FIRST: [Status; 4] = [
        Status::Error,
        Status::TimedOut,
        Status::InProgress,
        Status::Success,
    ];

    fn add(&mut self, status: Status) {
        self.0[status as usize] += 1;
    }

    fn remove(&mut self, status: Status) {
        self.0[status as usize] -= 1;
    }

    fn of(&self, status: Status) -> usize {
        self.0[status as usize]
    }

    fn worst(&self) -> Option<Status> {
        Self::WORST_FIRST.into_iter().find(|&s| self.of(s) > 0)
    }
}

fn not_found() -> ObjectStatus {
    ObjectStatus::in_progress("Not found yet").with_detail(Detail::NotFound)
}

fn list(keys: &[ObjectKey]) -> String {
    let names: Vec<String> = keys.iter().map(ToString::to_string).collect();
    format!(
        "{} object{} ({})",
        keys.len(),
        if keys.len() == 1 { "" } else { "s" },
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn config_map(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}")}})
    }

    fn key(name: &str) -> ObjectKey {
        ObjectKey::of(&config_map(name)).expect("a ConfigMap has a key")
    }

    fn recounted(tracker: &Tracker) -> StatusCounts {
        let mut counts = StatusCounts::default();
        for tracked in tracker.tracked.values() {
            counts.add(tracked.status.status);
        }
        counts
    }

    #[test]
    fn status_counts_follow_every_change_and_judge_the_run_as_a_walk_would() {
        let mut tracker = Tracker::new(Config {
            stabilization: Duration::from_secs(10),
            timeout: Some(Duration::from_secs(30)),
            wait_for_jobs: true,
            settle_on_error: true,
            health_rules: Default::default(),
        });
        let at = Moment::from_secs_f64;
        for name in ["a", "b", "c"] {
            tracker.track(key(name), None);
        }
        assert_eq!(tracker.counts, recounted(&tracker));
        tracker.observe(Change::Added(config_map("a")), at(1.0));
        tracker.observe(Change::Added(config_map("b")), at(1.0));
        assert_eq!(tracker.counts, recounted(&tracker));
        assert_eq!(tracker.counts.of(Status::Success), 2);
        assert!(!tracker.is_settled(), "c is not found yet");

        tracker.observe(Change::Deleted(config_map("b")), at(2.0));
        assert_eq!(tracker.counts, recounted(&tracker));
        assert_eq!(tracker.application(), Status::Error);
        assert!(tracker.is_settled(), "an Error settles the run");

        tracker.untrack(&key("b"));
        assert_eq!(tracker.counts, recounted(&tracker));
        assert_eq!(tracker.application(), Status::InProgress);
        assert!(!tracker.is_settled());

        tracker.tick(at(31.0));
        assert_eq!(tracker.counts, recounted(&tracker));
        assert_eq!(tracker.counts.of(Status::TimedOut), 1);
        assert_eq!(tracker.application(), Status::TimedOut);
        assert_eq!(
            tracker.verdict().map(|v| v.never_found.clone()),
            Some(vec![key("c")])
        );
    }

    #[test]
    fn untracking_keeps_the_others_in_order_and_findable() {
        let mut tracker = Tracker::new(Config {
            stabilization: Duration::from_secs(10),
            timeout: None,
            wait_for_jobs: true,
            settle_on_error: true,
            health_rules: Default::default(),
        });
        let at = Moment::from_secs_f64;
        for name in ["a", "b", "c", "d"] {
            tracker.track(key(name), None);
        }
        tracker.untrack(&key("b"));
        tracker.untrack(&key("a"));
        tracker.track(key("e"), None);
        tracker.track(key("b"), None);
        let order = |tracker: &Tracker| -> Vec<String> {
            let snapshot = tracker.snapshot(at(1.0));
            snapshot
                .objects
                .iter()
                .map(|o| o.key.name.to_string())
                .collect()
        };
        assert_eq!(order(&tracker), ["c", "d", "e", "b"]);
        // Each one is still found by its key: its changes reach it.
        for name in ["c", "d", "e", "b"] {
            tracker.observe(Change::Added(config_map(name)), at(1.0));
            assert!(tracker.is_tracked(&key(name)));
        }
        assert_eq!(tracker.counts.of(Status::Success), 4);
        assert_eq!(tracker.counts, recounted(&tracker));
        assert!(!tracker.is_tracked(&key("a")));
    }

    #[test]
    fn untracking_most_objects_squeezes_their_places_out_and_keeps_the_rest_findable() {
        let mut tracker = Tracker::new(Config {
            stabilization: Duration::from_secs(10),
            timeout: None,
            wait_for_jobs: true,
            settle_on_error: true,
            health_rules: Default::default(),
        });
        let at = Moment::from_secs_f64;
        let names: Vec<String> = (0..300).map(|i| format!("cm-{i}")).collect();
        for name in &names {
            tracker.track(key(name), None);
        }
        // Every third one stays: once the holes outnumber the objects, the list is squeezed.
        for (i, name) in names.iter().enumerate() {
            if i % 3 != 0 {
                tracker.untrack(&key(name));
            }
        }
        assert_eq!(tracker.tracked.len(), 100);
        // Without squeezing, the last one kept would still be at 297.
        assert!(tracker.tracked.positions().all(|p| p < 200), "squeezed");
        let kept: Vec<&String> = names.iter().step_by(3).collect();
        let shown: Vec<String> = (tracker.snapshot(at(1.0)).objects.iter())
            .map(|o| o.key.name.to_string())
            .collect();
        assert_eq!(shown.iter().collect::<Vec<_>>(), kept);
        for name in &kept {
            tracker.observe(Change::Added(config_map(name)), at(1.0));
            assert_eq!(tracker.status(&key(name)).unwrap().status, Status::Success);
        }
        assert_eq!(tracker.counts.of(Status::Success), 100);
        assert_eq!(tracker.counts, recounted(&tracker));
    }

    #[test]
    fn a_tracked_object_holds_the_key_its_snapshot_is_stored_under() {
        let mut tracker = Tracker::new(Config {
            stabilization: Duration::from_secs(10),
            timeout: None,
            wait_for_jobs: true,
            settle_on_error: true,
            health_rules: Default::default(),
        });
        // As `watch -l` tracks: a key built from the object's own text, before it is stored.
        let own = key("a");
        tracker.track(own.clone(), None);
        tracker.observe(Change::Added(config_map("a")), Moment::from_secs_f64(1.0));
        let (stored, _) = tracker.store.get_key_value(&own).expect("stored");
        assert!(!stored.same_as(&own));
        assert!(tracker.tracked[0].key.same_as(stored));
        let (indexed, _) = tracker.index.get_key_value(&own).unwrap();
        assert!(indexed.same_as(stored));
        // An update keeps the stored key.
        tracker.observe(
            Change::Modified(config_map("a")),
            Moment::from_secs_f64(2.0),
        );
        let (again, _) = tracker.store.get_key_value(&own).unwrap();
        assert!(again.same_as(&tracker.tracked[0].key));
    }

    #[test]
    fn objects_judged_alike_share_one_status() {
        let mut tracker = Tracker::new(Config {
            stabilization: Duration::from_secs(10),
            timeout: None,
            wait_for_jobs: true,
            settle_on_error: true,
            health_rules: Default::default(),
        });
        for name in ["a", "b", "c"] {
            tracker.track(key(name), None);
            tracker.observe(Change::Added(config_map(name)), Moment::from_secs_f64(1.0));
        }
        let snapshot = tracker.snapshot(Moment::from_secs_f64(1.0));
        let [a, b, c] = &snapshot.objects[..] else {
            panic!("three objects")
        };
        assert_eq!(a.status.status, Status::Success);
        assert!(Arc::ptr_eq(&a.status, &b.status) && Arc::ptr_eq(&b.status, &c.status));
        // A shared status changes for one object only.
        tracker.observe(Change::Deleted(config_map("b")), Moment::from_secs_f64(2.0));
        let snapshot = tracker.snapshot(Moment::from_secs_f64(2.0));
        let statuses: Vec<Status> = snapshot.objects.iter().map(|o| o.status.status).collect();
        assert_eq!(statuses, [Status::Success, Status::Error, Status::Success]);
    }
}
