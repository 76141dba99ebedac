//! The engine's compact form of a JSON object snapshot: what the store keeps of every object.
//! A `serde_json::Value` spends a B-tree node of ~600 bytes on every map however small, and a
//! string allocation on every key; a reduced pod took 11 KB that way. Here maps are exact-sized
//! slices of entries, and every string and every array or map below the root is shared through
//! an [`Interner`]: the pods of one Deployment have the same spec, conditions and container
//! states, so what a pod adds is little more than its metadata (about 0.7 KB). Read-only once
//! built: the engine replaces snapshots, it never edits them.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde_json::Value;

/// A string shared by every node that holds the same text.
pub type Text = Arc<str>;

/// One JSON value. Objects keep their entries in the order the snapshot had them (serde_json's
/// sorted order); lookups scan them, which is what small maps want.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    Float(f64),
    String(Text),
    Array(Arc<[Node]>),
    Object(Arc<[(Text, Node)]>),
}

static NULL: Node = Node::Null;

impl Node {
    /// The compact copy of a snapshot, its strings and subtrees taken from (and added to)
    /// `interner`.
    pub fn from_value(value: Value, interner: &mut Interner) -> Node {
        match value {
            Value::Array(items) => Node::Array(
                items
                    .into_iter()
                    .map(|item| Node::shared(item, interner))
                    .collect(),
            ),
            Value::Object(entries) => Node::Object(
                entries
                    .into_iter()
                    .map(|(key, item)| (interner.intern(&key), Node::shared(item, interner)))
                    .collect(),
            ),
            scalar => Node::shared(scalar, interner),
        }
    }

    /// A value below the root: arrays and maps are built bottom-up from shared children, so
    /// the interner compares them by their children's identity, not by walking them.
    fn shared(value: Value, interner: &mut Interner) -> Node {
        match value {
            Value::Null => Node::Null,
            Value::Bool(flag) => Node::Bool(flag),
            Value::Number(number) => match (number.as_i64(), number.as_u64()) {
                (Some(int), _) => Node::Int(int),
                (None, Some(uint)) => Node::UInt(uint),
                _ => Node::Float(number.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(text) => Node::String(interner.intern(&text)),
            composite => {
                let tree = Node::from_value(composite, interner);
                interner.share(tree)
            }
        }
    }

    /// A snapshot built without sharing its strings with anything (tests, one-off judging).
    pub fn of(value: Value) -> Node {
        Node::from_value(value, &mut Interner::default())
    }

    /// Back to a `serde_json::Value` (tests edit fixtures that way).
    #[cfg(test)]
    pub fn to_value(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Bool(flag) => Value::Bool(*flag),
            Node::Int(int) => Value::from(*int),
            Node::UInt(uint) => Value::from(*uint),
            Node::Float(float) => Value::from(*float),
            Node::String(text) => Value::String(text.to_string()),
            Node::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Node::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(key, item)| (key.to_string(), item.to_value()))
                    .collect(),
            ),
        }
    }

    /// The value of a key of an object; `None` for a missing key or a non-object.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_object()?
            .iter()
            .find(|(name, _)| &**name == key)
            .map(|(_, item)| item)
    }

    /// Like [`Node::get`], with a missing key read as null (serde_json's `value[key]`).
    pub fn field(&self, key: &str) -> &Node {
        self.get(key).unwrap_or(&NULL)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::String(text) => Some(text),
            _ => None,
        }
    }

    /// The shared text itself, for callers that keep it.
    pub fn as_text(&self) -> Option<&Text> {
        match self {
            Node::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Node::Int(int) => Some(*int),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Node::Int(int) => Some(*int as f64),
            Node::UInt(uint) => Some(*uint as f64),
            Node::Float(float) => Some(*float),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Bool(flag) => Some(*flag),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Node]> {
        match self {
            Node::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[(Text, Node)]> {
        match self {
            Node::Object(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Node::Null)
    }
}

/// The strings and subtrees the stored snapshots share. Thousands of pods repeat the same keys,
/// namespace, phase, condition types and timestamps, and the pods of one Deployment the same
/// spec, conditions and container states; each is kept once. What no snapshot holds any more is
/// dropped as the sets grow, so a long watch does not accumulate every pod it ever saw.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    texts: HashSet<Text>,
    trees: HashSet<Tree>,
    /// The size at which the next sweep runs.
    sweep_at: usize,
}

/// Below this many texts and trees, sweeping is not worth it.
const FIRST_SWEEP: usize = 4096;

impl Interner {
    pub fn intern(&mut self, text: &str) -> Text {
        if let Some(shared) = self.texts.get(text) {
            return shared.clone();
        }
        self.sweep_when_grown();
        let shared: Text = Arc::from(text);
        self.texts.insert(shared.clone());
        shared
    }

    /// The shared copy of an array or map whose children are shared already.
    fn share(&mut self, node: Node) -> Node {
        let tree = Tree(node);
        if let Some(shared) = self.trees.get(&tree) {
            return shared.0.clone();
        }
        self.sweep_when_grown();
        self.trees.insert(tree.clone());
        tree.0
    }

    fn sweep_when_grown(&mut self) {
        if self.len() >= self.sweep_at.max(FIRST_SWEEP) {
            self.sweep();
        }
    }

    /// Drops what only the interner holds; the next sweep waits until the sets have doubled,
    /// so interning stays amortised constant time. Trees go first: a dropped tree may have
    /// held the last other reference to a text.
    fn sweep(&mut self) {
        self.trees.retain(Tree::is_held);
        self.trees.shrink_to_fit();
        self.texts.retain(|text| Arc::strong_count(text) > 1);
        self.texts.shrink_to_fit();
        self.sweep_at = self.len() * 2;
    }

    /// Texts and trees held.
    pub fn len(&self) -> usize {
        self.texts.len() + self.trees.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty() && self.trees.is_empty()
    }
}

/// An interned array or map. Its children are interned already, so two trees are the same
/// when their children are the same allocations: comparing and hashing look one level deep.
#[derive(Debug, Clone)]
struct Tree(Node);

impl Tree {
    /// Held by a snapshot (or a tree) besides the interner.
    fn is_held(&self) -> bool {
        match &self.0 {
            Node::Array(items) => Arc::strong_count(items) > 1,
            Node::Object(entries) => Arc::strong_count(entries) > 1,
            _ => false,
        }
    }
}

impl PartialEq for Tree {
    fn eq(&self, other: &Tree) -> bool {
        match (&self.0, &other.0) {
            (Node::Array(left), Node::Array(right)) => {
                left.len() == right.len() && left.iter().zip(right.iter()).all(|(l, r)| same(l, r))
            }
            (Node::Object(left), Node::Object(right)) => {
                left.len() == right.len()
                    && left
                        .iter()
                        .zip(right.iter())
                        .all(|((lk, l), (rk, r))| Arc::ptr_eq(lk, rk) && same(l, r))
            }
            _ => false,
        }
    }
}

impl Eq for Tree {}

impl Hash for Tree {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match &self.0 {
            Node::Array(items) => {
                state.write_u8(0);
                items.iter().for_each(|item| identity(item, state));
            }
            Node::Object(entries) => {
                state.write_u8(1);
                for (key, item) in entries.iter() {
                    state.write_usize(Arc::as_ptr(key).cast::<u8>() as usize);
                    identity(item, state);
                }
            }
            _ => {}
        }
    }
}

/// Two interned children are the same: scalars by value (floats by their bits, so NaN is
/// itself), strings and trees by allocation.
fn same(left: &Node, right: &Node) -> bool {
    match (left, right) {
        (Node::String(l), Node::String(r)) => Arc::ptr_eq(l, r),
        (Node::Array(l), Node::Array(r)) => Arc::ptr_eq(l, r),
        (Node::Object(l), Node::Object(r)) => Arc::ptr_eq(l, r),
        (Node::Float(l), Node::Float(r)) => l.to_bits() == r.to_bits(),
        (Node::Null, Node::Null) => true,
        (Node::Bool(l), Node::Bool(r)) => l == r,
        (Node::Int(l), Node::Int(r)) => l == r,
        (Node::UInt(l), Node::UInt(r)) => l == r,
        _ => false,
    }
}

/// Hashes an interned child the way [`same`] compares it.
fn identity<H: Hasher>(node: &Node, state: &mut H) {
    match node {
        Node::Null => state.write_u8(2),
        Node::Bool(flag) => state.write_u8(3 + u8::from(*flag)),
        Node::Int(int) => state.write_i64(*int),
        Node::UInt(uint) => state.write_u64(*uint),
        Node::Float(float) => state.write_u64(float.to_bits()),
        Node::String(text) => state.write_usize(Arc::as_ptr(text).cast::<u8>() as usize),
        Node::Array(items) => state.write_usize(Arc::as_ptr(items).cast::<u8>() as usize),
        Node::Object(entries) => state.write_usize(Arc::as_ptr(entries).cast::<u8>() as usize),
    }
}

/// `json!` for a [`Node`] (tests).
#[cfg(test)]
macro_rules! node {
    ($($json:tt)+) => {
        $crate::engine::node::Node::of(serde_json::json!($($json)+))
    };
}
#[cfg(test)]
pub(crate) use node;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_snapshot_reads_as_the_json_it_came_from() {
        let value = json!({"metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": 3, "ratio": 0.5, "big": u64::MAX, "paused": false, "selector": null},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        let node = Node::of(value.clone());
        assert_eq!(node.to_value(), value);
        assert_eq!(node.field("metadata").field("name").as_str(), Some("web"));
        assert_eq!(node.field("spec").field("replicas").as_i64(), Some(3));
        assert_eq!(node.field("spec").field("ratio").as_f64(), Some(0.5));
        assert_eq!(node.field("spec").field("big"), &Node::UInt(u64::MAX));
        assert_eq!(node.field("spec").field("paused").as_bool(), Some(false));
        assert!(node.field("spec").field("selector").is_null());
        assert!(node.field("spec").get("selector").is_some());
        assert!(node.field("spec").get("missing").is_none());
        assert!(node.field("missing").field("deeper").is_null());
        let conditions = node.field("status").field("conditions").as_array().unwrap();
        assert_eq!(conditions[0].field("type").as_str(), Some("Ready"));
    }

    #[test]
    fn snapshots_share_their_repeated_strings() {
        let mut interner = Interner::default();
        let pod = |name: &str| json!({"metadata": {"name": name, "namespace": "shop"}});
        let first = Node::from_value(pod("web-1"), &mut interner);
        let second = Node::from_value(pod("web-2"), &mut interner);
        let namespace = |node: &Node| node.field("metadata").field("namespace").as_text().cloned();
        assert!(Arc::ptr_eq(
            &namespace(&first).unwrap(),
            &namespace(&second).unwrap()
        ));
        // Texts: metadata, name, namespace, shop, web-1, web-2; trees: the two metadata maps.
        assert_eq!(interner.len(), 8);
    }

    #[test]
    fn snapshots_share_their_repeated_subtrees() {
        let mut interner = Interner::default();
        let pod = |name: &str, restarts: i64| {
            json!({"metadata": {"name": name, "labels": {"app": "web"}},
                "spec": {"containers": [{"name": "main"}], "ratio": 0.5},
                "status": {"phase": "Running", "containerStatuses": [
                    {"name": "main", "ready": true, "restartCount": restarts}]}})
        };
        let first = Node::from_value(pod("web-1", 0), &mut interner);
        let second = Node::from_value(pod("web-2", 0), &mut interner);
        let third = Node::from_value(pod("web-3", 2), &mut interner);
        let shared = |a: &Node, b: &Node, path: &[&str]| {
            let (a, b) = path
                .iter()
                .fold((a, b), |(a, b), key| (a.field(key), b.field(key)));
            match (a, b) {
                (Node::Object(a), Node::Object(b)) => Arc::ptr_eq(a, b),
                (Node::Array(a), Node::Array(b)) => Arc::ptr_eq(a, b),
                _ => panic!("{path:?} is not a tree"),
            }
        };
        assert!(shared(&first, &second, &["spec"]));
        assert!(shared(&first, &third, &["spec"]));
        assert!(shared(&first, &second, &["status"]));
        assert!(shared(&first, &third, &["metadata", "labels"]));
        assert!(!shared(&first, &second, &["metadata"]));
        assert!(!shared(&first, &third, &["status"]));
        assert!(!shared(&first, &third, &["status", "containerStatuses"]));
        // Shared or not, each reads as the JSON it came from.
        assert_eq!(third.to_value(), pod("web-3", 2));
        assert_eq!(second.to_value(), pod("web-2", 0));
    }

    #[test]
    fn equal_looking_scalars_of_other_types_are_not_shared() {
        let mut interner = Interner::default();
        let int = Node::from_value(json!({"list": [1]}), &mut interner);
        let float = Node::from_value(json!({"list": [1.0]}), &mut interner);
        let text = Node::from_value(json!({"list": ["1"]}), &mut interner);
        assert_eq!(int.to_value(), json!({"list": [1]}));
        assert_eq!(float.to_value(), json!({"list": [1.0]}));
        assert_eq!(text.to_value(), json!({"list": ["1"]}));
    }

    #[test]
    fn trees_no_snapshot_holds_are_dropped_as_the_set_grows() {
        let mut interner = Interner::default();
        let kept = Node::from_value(json!({"spec": {"replicas": -1}}), &mut interner);
        for i in 0..FIRST_SWEEP * 3 {
            drop(Node::from_value(
                json!({"spec": {"replicas": i}}),
                &mut interner,
            ));
        }
        assert!(interner.len() < FIRST_SWEEP * 2, "{} held", interner.len());
        let again = Node::from_value(json!({"spec": {"replicas": -1}}), &mut interner);
        match (kept.field("spec"), again.field("spec")) {
            (Node::Object(kept), Node::Object(again)) => assert!(Arc::ptr_eq(kept, again)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn texts_no_snapshot_holds_are_dropped_as_the_set_grows() {
        let mut interner = Interner::default();
        let kept = Node::from_value(json!({"name": "kept"}), &mut interner);
        for i in 0..FIRST_SWEEP * 3 {
            drop(Node::from_value(
                json!({"name": format!("gone-{i}")}),
                &mut interner,
            ));
        }
        assert!(
            interner.len() < FIRST_SWEEP * 2,
            "{} texts held",
            interner.len()
        );
        let again = Node::from_value(json!({"name": "kept"}), &mut interner);
        assert!(Arc::ptr_eq(
            kept.field("name").as_text().unwrap(),
            again.field("name").as_text().unwrap()
        ));
    }
}
