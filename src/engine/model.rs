//! The engine's vocabulary: object keys, statuses, details, child chains, moments and verdicts.
//! Plain data only; everything the renderers show is built from these types.

use std::fmt;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use super::node::Node;

/// A point in time, measured from the start of the run. The engine never reads a clock: callers
/// pass moments in, and tests use any values they like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Moment(pub Duration);

impl Moment {
    pub const START: Moment = Moment(Duration::ZERO);

    pub fn from_secs_f64(secs: f64) -> Moment {
        Moment(Duration::from_secs_f64(secs))
    }

    /// Time elapsed since `earlier`, zero if `earlier` is in the future.
    pub fn since(self, earlier: Moment) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    pub fn after(self, span: Duration) -> Moment {
        Moment(self.0 + span)
    }
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}s", self.0.as_secs_f64())
    }
}

/// Identifies one Kubernetes object: API group (empty for core), kind, namespace, name.
/// The version is left out on purpose: beta and GA versions of a kind are the same object.
///
/// A key is one pointer: the tracker, the store, the owner index and the progress output each
/// hold every tracked object's key, so at 10,000 pods a clone must not copy four strings'
/// worth of pointers (and its strings are allocated once per object, not once per holder).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ObjectKey(Arc<KeyParts>);

/// What an [`ObjectKey`] names; read through the key (`key.kind`, `key.name`).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct KeyParts {
    pub group: Arc<str>,
    pub kind: Arc<str>,
    pub namespace: Option<Arc<str>>,
    pub name: Arc<str>,
}

impl std::ops::Deref for ObjectKey {
    type Target = KeyParts;

    fn deref(&self) -> &KeyParts {
        &self.0
    }
}

impl fmt::Debug for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectKey")
            .field("group", &self.group)
            .field("kind", &self.kind)
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .finish()
    }
}

/// The core group's name, shared by the keys of every Pod and Event.
static CORE_GROUP: LazyLock<Arc<str>> = LazyLock::new(|| Arc::from(""));

impl ObjectKey {
    pub fn new(group: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectKey {
        ObjectKey::from_parts(KeyParts {
            group: shared_group(group),
            kind: Arc::from(kind),
            namespace: namespace.map(Arc::from),
            name: Arc::from(name),
        })
    }

    pub fn from_parts(parts: KeyParts) -> ObjectKey {
        ObjectKey(Arc::new(parts))
    }

    /// Whether both are clones of one key (not only equal).
    pub fn same_as(&self, other: &ObjectKey) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The key of an object snapshot, from its apiVersion, kind and metadata; `None` when the
    /// snapshot lacks a kind or a name.
    pub fn of(object: &Value) -> Option<ObjectKey> {
        let api_version = object
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = object.get("kind").and_then(Value::as_str)?;
        let metadata = object.get("metadata")?;
        let name = metadata.get("name").and_then(Value::as_str)?;
        let namespace = metadata
            .get("namespace")
            .and_then(Value::as_str)
            .filter(|ns| !ns.is_empty());
        Some(ObjectKey::new(group_of(api_version), kind, namespace, name))
    }

    /// [`ObjectKey::of`] for a stored snapshot; the key shares the snapshot's strings.
    pub fn of_node(object: &Node) -> Option<ObjectKey> {
        let api_version = object.field("apiVersion").as_str().unwrap_or("");
        let kind = object.get("kind")?.as_text()?;
        let metadata = object.get("metadata")?;
        let name = metadata.get("name")?.as_text()?;
        let namespace = metadata
            .field("namespace")
            .as_text()
            .filter(|ns| !ns.is_empty());
        Some(ObjectKey::from_parts(KeyParts {
            group: shared_group(group_of(api_version)),
            kind: Arc::clone(kind),
            namespace: namespace.cloned(),
            name: Arc::clone(name),
        }))
    }
}

fn shared_group(group: &str) -> Arc<str> {
    match group {
        "" => Arc::clone(&CORE_GROUP),
        group => Arc::from(group),
    }
}

/// The API group of an apiVersion: "apps/v1" -> "apps", "v1" -> "".
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

impl ObjectKey {
    /// `Deployment/web` as kubectl prints it; kinds outside the core and built-in groups carry
    /// their group, `Widget.example.com/w`.
    pub fn kind_and_name(&self) -> String {
        if super::kinds::is_builtin_group(&self.group) {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}.{}/{}", self.kind, self.group, self.name)
        }
    }
}

impl fmt::Display for ObjectKey {
    /// `Deployment/web -n shop`: what a kubectl user would type to find the object.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.kind_and_name())?;
        if let Some(namespace) = &self.namespace {
            write!(f, " -n {namespace}")?;
        }
        Ok(())
    }
}

/// Where an object stands. Ordered from best to worst, so `max` picks the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Status {
    Success,
    InProgress,
    TimedOut,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::InProgress => "In progress",
            Status::Success => "Success",
            Status::Error => "Error",
            Status::TimedOut => "Timed out",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A supporting fact shown next to the status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Detail {
    /// The object has not been seen yet (not created, not visible, or its watch lags).
    NotFound,
    /// `metadata.deletionTimestamp` is set; the finalizers that still hold the object.
    Terminating { finalizers: Vec<String> },
    /// The object existed during the run and was deleted.
    Deleted,
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::NotFound => f.write_str("not found"),
            Detail::Terminating { finalizers } if finalizers.is_empty() => {
                f.write_str("terminating")
            }
            Detail::Terminating { finalizers } => {
                write!(f, "terminating (finalizers: {})", finalizers.join(", "))
            }
            Detail::Deleted => f.write_str("deleted"),
        }
    }
}

/// Which list of a pod spec a container comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ContainerRole {
    Init,
    /// An init container with `restartPolicy: Always` (native sidecar, Kubernetes 1.28+).
    Sidecar,
    Regular,
}

/// The state of a container as the kubelet last reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ContainerState {
    Waiting,
    Running,
    Terminated,
    Unknown,
}

/// The container at the end of a failure chain, with everything a failure card shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerDetail {
    pub name: String,
    pub role: ContainerRole,
    pub state: ContainerState,
    /// Waiting or terminated reason (e.g. CrashLoopBackOff, ErrImagePull, Error).
    pub reason: Option<String>,
    /// The kubelet's message for that reason.
    pub message: Option<String>,
    /// Exit code of the current termination, else of the last one.
    pub exit_code: Option<i64>,
    /// Reason of the last termination (e.g. OOMKilled), when the container restarted.
    pub last_termination_reason: Option<String>,
    pub restart_count: i64,
    pub ready: bool,
}

/// One object in a chain from a tracked parent down to the child that matters most.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainLink {
    pub kind: String,
    pub name: String,
    pub status: Status,
    pub message: String,
}

/// The worst descendant of a tracked object: the links below it (e.g. ReplicaSet, Pod) and,
/// when a container is to blame, that container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Chain {
    pub links: Vec<ChainLink>,
    pub container: Option<ContainerDetail>,
}

/// What the current children of a tracked object look like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ChildSummary {
    /// Children counted (current revision, not terminating).
    pub total: usize,
    pub succeeded: usize,
    pub failing: usize,
    /// The chain to the worst child, if any child exists.
    pub worst: Option<Chain>,
}

/// The status of one object at one moment, with the text a person reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectStatus {
    pub status: Status,
    pub message: String,
    pub detail: Option<Detail>,
    /// A caveat that does not change the status (e.g. "OnDelete: 2 pods on the old revision").
    pub note: Option<String>,
    /// Boxed: most objects (pods) have no children, and every tracked object holds a status.
    pub children: Option<Box<ChildSummary>>,
    /// What judged the object when it is not the kind's own built-in rule: a user's health
    /// rule, a rule of the operator pack, or only its existence (nothing to judge).
    pub judged_by: Option<String>,
}

impl ObjectStatus {
    pub fn new(status: Status, message: impl Into<String>) -> ObjectStatus {
        ObjectStatus {
            status,
            message: message.into(),
            detail: None,
            note: None,
            children: None,
            judged_by: None,
        }
    }

    pub fn success(message: impl Into<String>) -> ObjectStatus {
        ObjectStatus::new(Status::Success, message)
    }

    pub fn in_progress(message: impl Into<String>) -> ObjectStatus {
        ObjectStatus::new(Status::InProgress, message)
    }

    pub fn error(message: impl Into<String>) -> ObjectStatus {
        ObjectStatus::new(Status::Error, message)
    }

    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> ObjectStatus {
        self.note = Some(note.into());
        self
    }

    #[must_use]
    pub fn with_detail(mut self, detail: Detail) -> ObjectStatus {
        self.detail = Some(detail);
        self
    }

    #[must_use]
    pub fn judged_by(mut self, judge: impl Into<String>) -> ObjectStatus {
        self.judged_by = Some(judge.into());
        self
    }

    #[must_use]
    pub fn with_children(mut self, children: ChildSummary) -> ObjectStatus {
        self.children = Some(Box::new(children));
        self
    }
}

/// The connection to the API server as the watches experience it. While it is lost, what the
/// engine knows may be stale.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionState {
    /// How many times it was lost during the run.
    pub losses: u32,
    /// Since when it has been lost, while it is.
    pub lost_since: Option<Moment>,
    /// The error with which it was last lost.
    pub last_error: Option<String>,
    /// The last outage that ended: when it was lost and when it came back.
    pub last_outage: Option<(Moment, Moment)>,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Success,
    Error,
    TimedOut,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Success => "Success",
            Outcome::Error => "Error",
            Outcome::TimedOut => "Timed out",
        })
    }
}

/// The final answer of a run, fixed the moment it became known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub outcome: Outcome,
    /// One sentence saying why, e.g. "all 4 objects held Success for 10.0s".
    pub reason: String,
    /// When the verdict became known (end of the window, or the deadline).
    pub at: Moment,
    /// Objects in Error at that moment.
    pub failed: Vec<ObjectKey>,
    /// Objects still in progress at the deadline (seen at least once).
    pub timed_out: Vec<ObjectKey>,
    /// Objects never seen during the run.
    pub never_found: Vec<ObjectKey>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_displays_in_user_vocabulary() {
        assert_eq!(Status::InProgress.to_string(), "In progress");
        assert_eq!(Status::Success.to_string(), "Success");
        assert_eq!(Status::Error.to_string(), "Error");
        assert_eq!(Status::TimedOut.to_string(), "Timed out");
    }

    #[test]
    fn status_order_puts_error_worst() {
        assert!(Status::Error > Status::TimedOut);
        assert!(Status::TimedOut > Status::InProgress);
        assert!(Status::InProgress > Status::Success);
    }

    #[test]
    fn key_ignores_version_and_keeps_group() {
        let beta = json!({"apiVersion": "batch/v1beta1", "kind": "CronJob",
                          "metadata": {"name": "nightly", "namespace": "shop"}});
        let ga = json!({"apiVersion": "batch/v1", "kind": "CronJob",
                        "metadata": {"name": "nightly", "namespace": "shop"}});
        assert_eq!(ObjectKey::of(&beta), ObjectKey::of(&ga));
        assert_eq!(
            ObjectKey::of(&ga).unwrap().to_string(),
            "CronJob/nightly -n shop"
        );
        let core = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}});
        let key = ObjectKey::of(&core).unwrap();
        assert_eq!((&*key.group, key.namespace.as_deref()), ("", None));
    }
}
