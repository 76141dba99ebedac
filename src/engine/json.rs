//! Lenient readers for object snapshots: every field optional, numbers accepted as integers or
//! numeric strings, conditions looked up by type. Rules never index JSON directly.

use crate::engine::node::Node;

/// The value at a path of object keys, if every step exists.
pub fn at<'a>(value: &'a Node, path: &[&str]) -> Option<&'a Node> {
    path.iter()
        .try_fold(value, |current, step| current.get(step))
}

pub fn str_at<'a>(value: &'a Node, path: &[&str]) -> Option<&'a str> {
    at(value, path).and_then(Node::as_str)
}

/// An integer at a path; numeric strings count too (some controllers store them that way).
pub fn int_at(value: &Node, path: &[&str]) -> Option<i64> {
    as_int(at(value, path)?)
}

pub fn as_int(value: &Node) -> Option<i64> {
    match value {
        Node::Int(int) => Some(*int),
        Node::UInt(_) | Node::Float(_) => value.as_f64().map(|f| f as i64),
        Node::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

pub fn bool_at(value: &Node, path: &[&str]) -> Option<bool> {
    match at(value, path)? {
        Node::Bool(flag) => Some(*flag),
        Node::String(text) => text.parse().ok(),
        _ => None,
    }
}

pub fn array_at<'a>(value: &'a Node, path: &[&str]) -> &'a [Node] {
    at(value, path).and_then(Node::as_array).unwrap_or_default()
}

pub fn name(object: &Node) -> &str {
    str_at(object, &["metadata", "name"]).unwrap_or("")
}

pub fn uid(object: &Node) -> Option<&str> {
    str_at(object, &["metadata", "uid"])
}

pub fn kind(object: &Node) -> &str {
    str_at(object, &["kind"]).unwrap_or("")
}

pub fn annotation<'a>(object: &'a Node, key: &str) -> Option<&'a str> {
    str_at(object, &["metadata", "annotations", key])
}

pub fn label<'a>(object: &'a Node, key: &str) -> Option<&'a str> {
    str_at(object, &["metadata", "labels", key])
}

pub fn is_terminating(object: &Node) -> bool {
    at(object, &["metadata", "deletionTimestamp"]).is_some_and(|stamp| !stamp.is_null())
}

/// One entry of `status.conditions`.
#[derive(Debug, Clone, Copy)]
pub struct Condition<'a> {
    pub status: &'a str,
    pub reason: Option<&'a str>,
    pub message: Option<&'a str>,
    pub observed_generation: Option<i64>,
}

impl Condition<'_> {
    pub fn is_true(&self) -> bool {
        self.status.eq_ignore_ascii_case("True")
    }

    pub fn is_false(&self) -> bool {
        self.status.eq_ignore_ascii_case("False")
    }

    pub fn reason(&self) -> &str {
        self.reason.unwrap_or("")
    }

    /// "Reason: message", or whichever of the two exists.
    pub fn describe(&self) -> String {
        match (
            self.reason.filter(|r| !r.is_empty()),
            self.message.filter(|m| !m.is_empty()),
        ) {
            (Some(reason), Some(message)) => format!("{reason}: {message}"),
            (Some(reason), None) => reason.to_string(),
            (None, Some(message)) => message.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// The condition of a type in `status.conditions`.
pub fn condition<'a>(object: &'a Node, kind: &str) -> Option<Condition<'a>> {
    condition_in(array_at(object, &["status", "conditions"]), kind)
}

pub fn condition_in<'a>(conditions: &'a [Node], kind: &str) -> Option<Condition<'a>> {
    let found = conditions
        .iter()
        .find(|c| c.get("type").and_then(Node::as_str) == Some(kind))?;
    Some(Condition {
        status: str_at(found, &["status"]).unwrap_or("Unknown"),
        reason: str_at(found, &["reason"]),
        message: str_at(found, &["message"]),
        observed_generation: int_at(found, &["observedGeneration"]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::node::node;

    #[test]
    fn numbers_may_be_strings() {
        let object = node!({"status": {"observedGeneration": "3", "replicas": 2, "bad": "x"}});
        assert_eq!(int_at(&object, &["status", "observedGeneration"]), Some(3));
        assert_eq!(int_at(&object, &["status", "replicas"]), Some(2));
        assert_eq!(int_at(&object, &["status", "bad"]), None);
        assert_eq!(int_at(&object, &["status", "missing"]), None);
    }

    #[test]
    fn conditions_are_found_by_type() {
        let object = node!({"status": {"conditions": [
            {"type": "Available", "status": "True"},
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "message": "ReplicaSet \"web-1\" has timed out progressing."}]}});
        let progressing = condition(&object, "Progressing").unwrap();
        assert!(progressing.is_false());
        assert_eq!(
            progressing.describe(),
            "ProgressDeadlineExceeded: ReplicaSet \"web-1\" has timed out progressing."
        );
        assert!(condition(&object, "Available").unwrap().is_true());
        assert!(condition(&object, "ReplicaFailure").is_none());
    }

    #[test]
    fn null_deletion_timestamp_is_not_terminating() {
        assert!(!is_terminating(
            &node!({"metadata": {"deletionTimestamp": null}})
        ));
        assert!(is_terminating(
            &node!({"metadata": {"deletionTimestamp": "2024-05-01T10:00:00Z"}})
        ));
    }
}
