//! Adoption of fields: rewriting `metadata.managedFields` so that the fields other field
//! managers own (kubectl's client-side apply, above all) become owned by our server-side apply
//! manager, and reading which managers a server-side apply conflict names.
//!
//! This follows what kubectl does when it moves an object from client-side to server-side apply
//! (client-go's `csaupgrade`): the adopted managers' field sets are merged into our `Apply`
//! entry (or the first adopted entry becomes our `Apply` entry when we have none), and their
//! entries are removed. Only entries for the object itself are touched, never a subresource's.
//!
//! `before-first-apply` is never merged: the server records under that name every field an
//! object held at its first server-side apply, allocated ones included (a Service's cluster IP,
//! replicas an autoscaler set). Owning those would make the next apply remove them, which the
//! server refuses or, worse, does. Its fields are taken one conflict at a time instead (see
//! `cluster::adopt`).

use serde_json::{Map, Value};

/// The manager the server names for the fields an object held before its first server-side
/// apply.
pub const BEFORE_FIRST_APPLY: &str = "before-first-apply";

/// The result of an adoption: what to write into `metadata.managedFields`, and from whom.
#[derive(Debug, Clone, PartialEq)]
pub struct Adoption {
    pub managed_fields: Vec<Value>,
    /// The managers whose fields were taken over, each once, in the order found.
    pub from: Vec<String>,
}

/// The managers among `adopt` whose entries for the object itself can be merged into ours, each
/// once.
pub fn adoptable_managers(managed_fields: &[Value], adopt: &[String], ours: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for entry in managed_fields {
        if is_adoptable(entry, adopt, ours) {
            let name = manager(entry).to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names
}

/// Hands the fields of the managers in `adopt` to `ours`, as an `Apply` entry. None when no entry
/// of those managers is present (nothing to do).
///
/// An adopted entry recorded for another API version than our entry is dropped rather than
/// merged: field paths may differ between versions, and an unowned field neither conflicts nor
/// is removed by a later apply.
pub fn adopt(managed_fields: &[Value], adopt: &[String], ours: &str) -> Option<Adoption> {
    let from = adoptable_managers(managed_fields, adopt, ours);
    if from.is_empty() {
        return None;
    }
    let mut entries = managed_fields.to_vec();
    let target = match entries.iter().position(|e| is_our_apply_entry(e, ours)) {
        Some(index) => index,
        None => {
            let index = entries
                .iter()
                .position(|e| is_adoptable(e, adopt, ours))
                .expect("an adoptable entry exists");
            let entry = entries[index].as_object_mut()?;
            entry.insert("manager".into(), Value::String(ours.into()));
            entry.insert("operation".into(), Value::String("Apply".into()));
            index
        }
    };
    let target_version = entries[target]["apiVersion"].clone();
    let mut fields = fields_of(&entries[target]);
    for entry in &entries {
        if is_adoptable(entry, adopt, ours) && entry["apiVersion"] == target_version {
            union(&mut fields, &fields_of(entry));
        }
    }
    let target_entry = entries[target].as_object_mut()?;
    target_entry.insert("fieldsType".into(), Value::String("FieldsV1".into()));
    target_entry.insert("fieldsV1".into(), Value::Object(fields));
    let managed_fields = entries
        .into_iter()
        .filter(|entry| !is_adoptable(entry, adopt, ours))
        .collect();
    Some(Adoption {
        managed_fields,
        from,
    })
}

/// The field manager a server-side apply conflict cause names. The server words each cause
/// `conflict with "NAME"` (an `Apply` manager) or `conflict with "NAME" using GROUP/VERSION` (an
/// `Update` manager), with NAME quoted Go-style.
pub fn manager_in_conflict(cause_message: &str) -> Option<String> {
    let quoted = cause_message.strip_prefix("conflict with ")?;
    if !quoted.starts_with('"') {
        return None;
    }
    let mut escaped = false;
    let end = quoted
        .char_indices()
        .skip(1)
        .find(|&(_, c)| {
            let closes = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            closes
        })?
        .0;
    serde_json::from_str(&quoted[..=end]).ok()
}

fn manager(entry: &Value) -> &str {
    entry["manager"].as_str().unwrap_or_default()
}

/// Entries for a subresource (`status`, `scale`) carry its name; servers before 1.22 record none.
fn on_object_itself(entry: &Value) -> bool {
    entry["subresource"].as_str().unwrap_or_default().is_empty()
}

fn is_adoptable(entry: &Value, adopt: &[String], ours: &str) -> bool {
    let name = manager(entry);
    name != ours
        && name != BEFORE_FIRST_APPLY
        && adopt.iter().any(|a| a == name)
        && on_object_itself(entry)
}

fn is_our_apply_entry(entry: &Value, ours: &str) -> bool {
    manager(entry) == ours && entry["operation"] == "Apply" && on_object_itself(entry)
}

/// The field set of an entry: a trie whose keys are path elements (`f:spec`, `k:{...}`, `.`).
fn fields_of(entry: &Value) -> Map<String, Value> {
    entry["fieldsV1"].as_object().cloned().unwrap_or_default()
}

/// Set union of two field tries: the union of their keys, merged level by level. The server
/// writes every key canonically, so equal path elements are equal strings.
fn union(into: &mut Map<String, Value>, other: &Map<String, Value>) {
    for (key, value) in other {
        match (into.get_mut(key), value) {
            (Some(Value::Object(mine)), Value::Object(theirs)) => union(mine, theirs),
            (Some(_), _) => {}
            (None, _) => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    const CSA: &str = "kubectl-client-side-apply";

    fn defaults() -> Vec<String> {
        vec![CSA.to_string(), "before-first-apply".to_string()]
    }

    /// managedFields of a Deployment created by `kubectl apply` on v1.20.2: kubectl's `Update`
    /// entry (defaulted fields included) and the controller's status entry.
    fn after_kubectl_apply() -> Vec<Value> {
        serde_json::from_str(include_str!(
            "../../tests/fixtures/managed-fields/kubectl-applied-deployment.json"
        ))
        .expect("fixture parses")
    }

    fn entry<'a>(entries: &'a [Value], manager: &str) -> Option<&'a Value> {
        entries.iter().find(|e| e["manager"] == manager)
    }

    #[test]
    fn kubectl_entry_becomes_our_apply_entry_when_we_have_none() {
        let before = after_kubectl_apply();
        let adoption = adopt(&before, &defaults(), "kstatus").expect("something to adopt");
        assert_eq!(adoption.from, vec![CSA.to_string()]);
        let ours = entry(&adoption.managed_fields, "kstatus").expect("our entry");
        assert_eq!(ours["operation"], "Apply");
        assert_eq!(ours["apiVersion"], "apps/v1");
        assert_eq!(ours["fieldsType"], "FieldsV1");
        // Every field kubectl owned is ours now.
        assert_eq!(ours["fieldsV1"], entry(&before, CSA).unwrap()["fieldsV1"]);
        assert!(entry(&adoption.managed_fields, CSA).is_none());
        // The controller's entry is untouched.
        assert_eq!(
            entry(&adoption.managed_fields, "kube-controller-manager"),
            entry(&before, "kube-controller-manager")
        );
        assert_eq!(adoption.managed_fields.len(), before.len());
    }

    #[test]
    fn kubectl_fields_merge_into_our_existing_apply_entry() {
        let mut before = after_kubectl_apply();
        before.push(json!({
            "manager": "kstatus", "operation": "Apply", "apiVersion": "apps/v1",
            "time": "2024-01-01T00:00:00Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {"f:team": {}}},
                         "f:spec": {"f:replicas": {}}}
        }));
        let adoption = adopt(&before, &defaults(), "kstatus").expect("something to adopt");
        let ours = entry(&adoption.managed_fields, "kstatus").unwrap();
        assert_eq!(ours["time"], "2024-01-01T00:00:00Z");
        // Ours kept, kubectl's added, shared levels merged rather than replaced.
        let metadata = &ours["fieldsV1"]["f:metadata"];
        assert_eq!(metadata["f:labels"]["f:team"], json!({}));
        assert_eq!(
            metadata["f:annotations"]["f:kubectl.kubernetes.io/last-applied-configuration"],
            json!({})
        );
        assert_eq!(ours["fieldsV1"]["f:spec"]["f:replicas"], json!({}));
        assert_eq!(
            ours["fieldsV1"]["f:spec"]["f:revisionHistoryLimit"],
            json!({})
        );
        let image = &ours["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"web\"}"]
            ["f:image"];
        assert_eq!(image, &json!({}));
        assert!(entry(&adoption.managed_fields, CSA).is_none());
        assert_eq!(adoption.managed_fields.len(), before.len() - 1);
    }

    #[test]
    fn several_managers_are_merged_and_named_once() {
        let fields = |path: &str| json!({ path: {} });
        let before = vec![
            json!({"manager": CSA, "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": fields("f:data")}),
            json!({"manager": "helm", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": fields("f:binaryData")}),
            json!({"manager": CSA, "operation": "Update", "apiVersion": "v1", "subresource": "", "fieldsType": "FieldsV1", "fieldsV1": fields("f:immutable")}),
            json!({"manager": "other-team", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": fields("f:metadata")}),
        ];
        let adopt_list = vec![CSA.to_string(), "helm".to_string()];
        let adoption = adopt(&before, &adopt_list, "kstatus").unwrap();
        assert_eq!(adoption.from, vec![CSA.to_string(), "helm".to_string()]);
        assert_eq!(adoption.managed_fields.len(), 2);
        assert_eq!(
            adoption.managed_fields[0]["fieldsV1"],
            json!({"f:data": {}, "f:binaryData": {}, "f:immutable": {}})
        );
        assert_eq!(adoption.managed_fields[1], before[3]);
    }

    #[test]
    fn nothing_to_adopt_means_no_rewrite() {
        let before = after_kubectl_apply();
        assert_eq!(adopt(&before, &[], "kstatus"), None);
        assert_eq!(adopt(&before, &["helm".to_string()], "kstatus"), None);
        assert!(adoptable_managers(&before, &[], "kstatus").is_empty());
        assert_eq!(adopt(&[], &defaults(), "kstatus"), None);
    }

    #[test]
    fn subresource_entries_and_our_own_entries_are_never_adopted() {
        let before = vec![
            json!({"manager": CSA, "operation": "Update", "apiVersion": "apps/v1", "subresource": "status", "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {}}}),
            json!({"manager": "kstatus", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}}),
        ];
        let adopt_list = vec![CSA.to_string(), "kstatus".to_string()];
        assert_eq!(adopt(&before, &adopt_list, "kstatus"), None);
        assert!(adoptable_managers(&before, &adopt_list, "kstatus").is_empty());
    }

    #[test]
    fn entries_of_another_api_version_are_dropped_not_merged() {
        let before = vec![
            json!({"manager": "kstatus", "operation": "Apply", "apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}),
            json!({"manager": CSA, "operation": "Update", "apiVersion": "extensions/v1beta1", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:paused": {}}}}),
        ];
        let adoption = adopt(&before, &defaults(), "kstatus").unwrap();
        assert_eq!(adoption.managed_fields, vec![before[0].clone()]);
        assert_eq!(adoption.from, vec![CSA.to_string()]);
    }

    #[test]
    fn before_first_apply_is_never_merged() {
        // What the server recorded for a Service at its first server-side apply: merging it
        // would make kstatus own (and the next apply remove) the allocated cluster IP.
        let before = vec![json!({
            "manager": BEFORE_FIRST_APPLY, "operation": "Update", "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:clusterIP": {}, "f:clusterIPs": {}, "f:selector": {}}}
        })];
        assert_eq!(adopt(&before, &defaults(), "kstatus"), None);
        assert!(adoptable_managers(&before, &defaults(), "kstatus").is_empty());
        let mut with_kubectl = before.clone();
        with_kubectl.push(json!({
            "manager": CSA, "operation": "Update", "apiVersion": "v1",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {}}
        }));
        let adoption = adopt(&with_kubectl, &defaults(), "kstatus").unwrap();
        assert_eq!(adoption.from, vec![CSA.to_string()]);
        assert_eq!(adoption.managed_fields[0], before[0]);
    }

    #[test]
    fn conflict_causes_name_their_manager() {
        assert_eq!(
            manager_in_conflict(r#"conflict with "kubectl-client-side-apply" using apps/v1"#),
            Some(CSA.to_string())
        );
        assert_eq!(
            manager_in_conflict(r#"conflict with "other-team""#),
            Some("other-team".to_string())
        );
        assert_eq!(
            manager_in_conflict(r#"conflict with "odd \"name\"" using v1"#),
            Some(r#"odd "name""#.to_string())
        );
        assert_eq!(manager_in_conflict("field is immutable"), None);
        assert_eq!(manager_in_conflict("conflict with other-team"), None);
        assert_eq!(manager_in_conflict(r#"conflict with "unterminated"#), None);
    }
}
