//! The objects `apply --prune --applyset` deleted: their section of the final table and the
//! `pruned[]` entries of the report.

use serde::Serialize;

/// Where the deletion of one pruned object ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PruneStatus {
    /// Deleted and gone.
    Pruned,
    /// `--dry-run=server`: the server would delete it; nothing was deleted.
    WouldPrune,
    /// Deletion requested, not yet gone (only while the run waits).
    Deleting,
    /// Still there at the deadline (terminating, e.g. on a finalizer).
    TimedOut,
    /// The deletion was refused (e.g. 403).
    Error,
}

impl PruneStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PruneStatus::Pruned => "Pruned",
            PruneStatus::WouldPrune => "WouldPrune",
            PruneStatus::Deleting => "Deleting",
            PruneStatus::TimedOut => "TimedOut",
            PruneStatus::Error => "Error",
        }
    }
}

/// One `pruned[]` entry of the report.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrunedObject {
    pub api_group: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub status: PruneStatus,
    pub message: String,
}

/// The table's "Pruned" section: one line per object; nothing when none was pruned.
pub fn table_block(pruned: &[PrunedObject]) -> String {
    if pruned.is_empty() {
        return String::new();
    }
    let mut text = format!("Pruned ({}):\n", pruned.len());
    for object in pruned {
        let namespace = object
            .namespace
            .as_deref()
            .map(|ns| format!(" -n {ns}"))
            .unwrap_or_default();
        text.push_str(&format!(
            "  {}/{}{namespace}  {}  {}\n",
            object.kind,
            object.name,
            object.status.as_str(),
            object.message
        ));
    }
    text
}

/// The NDJSON `pruned` event of one object, once its deletion ended.
pub fn event_line(object: &PrunedObject, time: &str) -> String {
    let value = serde_json::json!({
        "type": "pruned",
        "time": time,
        "object": {"apiGroup": object.api_group, "kind": object.kind,
                   "namespace": object.namespace, "name": object.name},
        "status": object.status,
        "message": object.message,
    });
    serde_json::to_string(&value).expect("events serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruned_section_lists_each_object_with_its_status() {
        let object = PrunedObject {
            api_group: String::new(),
            kind: "ConfigMap".into(),
            namespace: Some("shop".into()),
            name: "old".into(),
            status: PruneStatus::TimedOut,
            message: "terminating, waiting on finalizer example.com/hold".into(),
        };
        assert_eq!(
            table_block(std::slice::from_ref(&object)),
            "Pruned (1):\n  ConfigMap/old -n shop  TimedOut  terminating, waiting on finalizer example.com/hold\n"
        );
        assert_eq!(table_block(&[]), "");
        let json = serde_json::to_value(&object).unwrap();
        assert_eq!(json["apiGroup"], "");
        assert_eq!(json["status"], "TimedOut");
        assert_eq!(
            event_line(&object, "T1"),
            r#"{"message":"terminating, waiting on finalizer example.com/hold","object":{"apiGroup":"","kind":"ConfigMap","name":"old","namespace":"shop"},"status":"TimedOut","time":"T1","type":"pruned"}"#
        );
    }
}
