//! The engine's compact form of a JSON object snapshot: what the store keeps of every object.
//! A `serde_json::Value` spends a B-tree node of ~600 bytes on every map however small, and a
//! string allocation on every key; a reduced pod took 11 KB that way. Here maps are exact-sized
//! slices of entries and every string (keys and values) is shared through an [`Interner`], so
//! the same pod takes about 2 KB. Read-only once built: the engine replaces snapshots, it never
//! edits them.

use std::collections::HashSet;
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
    Array(Box<[Node]>),
    Object(Box<[(Text, Node)]>),
}

static NULL: Node = Node::Null;

impl Node {
    /// The compact copy of a snapshot, its strings taken from (and added to) `interner`.
    pub fn from_value(value: Value, interner: &mut Interner) -> Node {
        match value {
            Value::Null => Node::Null,
            Value::Bool(flag) => Node::Bool(flag),
            Value::Number(number) => match (number.as_i64(), number.as_u64()) {
                (Some(int), _) => Node::Int(int),
                (None, Some(uint)) => Node::UInt(uint),
                _ => Node::Float(number.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(text) => Node::String(interner.intern(&text)),
            Value::Array(items) => Node::Array(
                items
                    .into_iter()
                    .map(|item| Node::from_value(item, interner))
                    .collect(),
            ),
            Value::Object(entries) => Node::Object(
                entries
                    .into_iter()
                    .map(|(key, item)| (interner.intern(&key), Node::from_value(item, interner)))
                    .collect(),
            ),
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

/// The set of strings the stored snapshots share. Thousands of pods repeat the same keys,
/// namespace, phase, condition types and timestamps; each text is kept once. Texts no snapshot
/// holds any more are dropped as the set grows, so a long watch does not accumulate the names
/// of every pod it ever saw.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    texts: HashSet<Text>,
    /// The size at which the next sweep runs.
    sweep_at: usize,
}

/// Below this many texts, sweeping is not worth it.
const FIRST_SWEEP: usize = 4096;

impl Interner {
    pub fn intern(&mut self, text: &str) -> Text {
        if let Some(shared) = self.texts.get(text) {
            return shared.clone();
        }
        if self.texts.len() >= self.sweep_at.max(FIRST_SWEEP) {
            self.sweep();
        }
        let shared: Text = Arc::from(text);
        self.texts.insert(shared.clone());
        shared
    }

    /// Drops the texts only the interner holds; the next sweep waits until the set has doubled,
    /// so interning stays amortised constant time.
    fn sweep(&mut self) {
        self.texts.retain(|text| Arc::strong_count(text) > 1);
        self.texts.shrink_to_fit();
        self.sweep_at = self.texts.len() * 2;
    }

    pub fn len(&self) -> usize {
        self.texts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
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
        // metadata, name, namespace, shop, web-1, web-2
        assert_eq!(interner.len(), 6);
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
