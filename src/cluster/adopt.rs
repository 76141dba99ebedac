//! Adoption of fields other field managers own (`kstatus apply --adopt`): the requests that hand
//! them to kstatus's manager and apply again.
//!
//! No request is spent on objects without such managers: the apply answer carries the object's
//! managedFields, and a conflict names the managers it is with. Two cases need more:
//!
//! - the apply succeeded and the answer shows an adoptable manager (an object last deployed with
//!   `kubectl apply`): rewrite managedFields, then apply again, so that fields the manifest no
//!   longer has are removed now rather than on the next run (2 more requests, once per object).
//!   The object is applied already, so if this fails it stays as it is and the run goes on;
//! - the apply conflicted, and only with adoptable managers: GET the object, rewrite
//!   managedFields, apply again (3 more requests). A conflict that also names another manager is
//!   reported as it is, and nothing is adopted. `before-first-apply` cannot be merged (see
//!   `ssa::adoption`), so its conflicting fields are taken by a forced apply that carries the
//!   resourceVersion just read: the server refuses it if anything changed in between.
//!
//! The rewrite is a JSON patch that also puts back the resourceVersion it was computed from, so
//! the server refuses it with 409 if the object changed in between (then it is computed again).
//! If the apply after a rewrite is rejected, the previous managedFields are put back. A server
//! dry run adopts nothing; it validates with the conflicting fields forced, which is what the
//! real run would persist.

use kube::Api;
use kube::api::{DynamicObject, Patch, PatchParams};
use serde_json::{Value, json};

use super::apply::{Applied, ApplyOptions, send};
use crate::ssa::adoption::{BEFORE_FIRST_APPLY, adopt, adoptable_managers, manager_in_conflict};

/// How often the hand-over starts again from a fresh GET after the object changed under it.
const ATTEMPTS: usize = 3;

/// Turns the answer to a first apply into what applying the object did, adopting on the way.
pub(super) async fn settle(
    api: &Api<DynamicObject>,
    name: &str,
    body: &Value,
    options: &ApplyOptions,
    first: Result<Value, kube::Error>,
) -> Result<Applied, kube::Error> {
    match first {
        Ok(object) => {
            let managers = adoptable_managers(
                managed_fields(&object),
                &options.adopt,
                &options.field_manager,
            );
            if managers.is_empty() || options.dry_run {
                return Ok(Applied {
                    object,
                    adopted: managers,
                    not_adopted: None,
                });
            }
            match take_over(api, name, body, options, object.clone(), false).await {
                Ok((object, adopted)) => Ok(Applied {
                    object,
                    adopted,
                    not_adopted: None,
                }),
                Err(err) => Ok(Applied {
                    object,
                    adopted: Vec::new(),
                    not_adopted: Some(format!(
                        "could not adopt fields from {} (they stay shared with it): {}",
                        managers.join(", "),
                        super::describe(&err)
                    )),
                }),
            }
        }
        Err(err) => {
            let Some(managers) = conflicting_managers(&err) else {
                return Err(err);
            };
            if !managers.iter().all(|m| options.adopt.contains(m)) {
                return Err(err);
            }
            if options.dry_run {
                let object = send(api, name, body, options, true).await?;
                return Ok(Applied {
                    object,
                    adopted: managers,
                    not_adopted: None,
                });
            }
            let current = get(api, name).await?;
            let force = managers.iter().any(|m| m == BEFORE_FIRST_APPLY);
            let (object, mut adopted) = take_over(api, name, body, options, current, force).await?;
            if force && !adopted.iter().any(|m| m == BEFORE_FIRST_APPLY) {
                adopted.push(BEFORE_FIRST_APPLY.into());
            }
            Ok(Applied {
                object,
                adopted,
                not_adopted: None,
            })
        }
    }
}

/// Merges the adoptable managers' entries of `current` into ours, then applies `body` again:
/// forced, with the resourceVersion as precondition, when `force` (the conflicts left are then
/// with `before-first-apply` only). Returns the applied object and the managers merged.
async fn take_over(
    api: &Api<DynamicObject>,
    name: &str,
    body: &Value,
    options: &ApplyOptions,
    mut current: Value,
    force: bool,
) -> Result<(Value, Vec<String>), kube::Error> {
    let mut adopted: Vec<String> = Vec::new();
    let mut attempt = 1;
    loop {
        let previous = managed_fields(&current).to_vec();
        let mut resource_version = current["metadata"]["resourceVersion"].clone();
        let rewrite = adopt(&previous, &options.adopt, &options.field_manager);
        if let Some(adoption) = &rewrite {
            match write_managed_fields(
                api,
                name,
                &adoption.managed_fields,
                &resource_version,
                options,
            )
            .await
            {
                Ok(written) => resource_version = written,
                Err(err) if is_stale(&err) && attempt < ATTEMPTS => {
                    attempt += 1;
                    current = get(api, name).await?;
                    continue;
                }
                Err(err) => return Err(err),
            }
            for manager in &adoption.from {
                if !adopted.contains(manager) {
                    adopted.push(manager.clone());
                }
            }
        }
        let mut request = body.clone();
        if force && let Some(metadata) = request["metadata"].as_object_mut() {
            metadata.insert("resourceVersion".into(), resource_version.clone());
        }
        match send(
            api,
            name,
            &request,
            options,
            force || options.force_conflicts,
        )
        .await
        {
            Ok(object) => return Ok((object, adopted)),
            Err(err) if force && is_stale(&err) && attempt < ATTEMPTS => {
                attempt += 1;
                current = get(api, name).await?;
            }
            Err(err) => {
                if rewrite.is_some() {
                    // Best effort: the rejection is what the user needs to see.
                    let _ = write_managed_fields(api, name, &previous, &resource_version, options)
                        .await;
                }
                return Err(err);
            }
        }
    }
}

/// Replaces the object's managedFields if its resourceVersion is still `resource_version`;
/// returns the new resourceVersion.
async fn write_managed_fields(
    api: &Api<DynamicObject>,
    name: &str,
    managed_fields: &[Value],
    resource_version: &Value,
    options: &ApplyOptions,
) -> Result<Value, kube::Error> {
    // "replace" rather than "test" for the resourceVersion: a stale version then fails as a 409
    // conflict from storage, which says "changed meanwhile", not as an invalid patch.
    let patch = json!([
        {"op": "replace", "path": "/metadata/managedFields", "value": managed_fields},
        {"op": "replace", "path": "/metadata/resourceVersion", "value": resource_version},
    ]);
    let patch = serde_json::from_value(patch).map_err(kube::Error::SerdeError)?;
    let params = PatchParams {
        field_manager: Some(options.field_manager.clone()),
        ..PatchParams::default()
    };
    let written = api.patch(name, &params, &Patch::<()>::Json(patch)).await?;
    Ok(written
        .metadata
        .resource_version
        .map_or(Value::Null, Value::String))
}

async fn get(api: &Api<DynamicObject>, name: &str) -> Result<Value, kube::Error> {
    let object = api.get(name).await?;
    serde_json::to_value(object).map_err(kube::Error::SerdeError)
}

fn managed_fields(object: &Value) -> &[Value] {
    object["metadata"]["managedFields"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// A 409 that is not about field managers: the object changed since it was read.
fn is_stale(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(status) if status.code == 409)
        && conflicting_managers(err).is_none()
}

/// The managers a server-side apply conflict is with, each once; None for any other error, or
/// when a conflict cause cannot be read (then nothing is adopted).
fn conflicting_managers(err: &kube::Error) -> Option<Vec<String>> {
    let kube::Error::Api(status) = err else {
        return None;
    };
    if status.code != 409 {
        return None;
    }
    let mut managers: Vec<String> = Vec::new();
    for cause in &status.details.as_ref()?.causes {
        if cause.reason != "FieldManagerConflict" {
            continue;
        }
        let manager = manager_in_conflict(&cause.message)?;
        if !managers.contains(&manager) {
            managers.push(manager);
        }
    }
    (!managers.is_empty()).then_some(managers)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A server-side apply conflict as the v1.20 API server words it.
    fn conflict(causes: serde_json::Value) -> kube::Error {
        let status = serde_json::from_value(json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": "Apply failed with conflicts", "reason": "Conflict",
            "details": {"causes": causes}, "code": 409
        }))
        .expect("a Status");
        kube::Error::Api(Box::new(status))
    }

    #[test]
    fn a_conflict_names_each_manager_once() {
        let err = conflict(json!([
            {"reason": "FieldManagerConflict",
             "message": "conflict with \"kubectl-client-side-apply\" using v1", "field": ".data.mode"},
            {"reason": "FieldManagerConflict",
             "message": "conflict with \"kubectl-client-side-apply\" using v1", "field": ".data.size"},
            {"reason": "FieldManagerConflict", "message": "conflict with \"other-team\"",
             "field": ".data.team"}
        ]));
        assert_eq!(
            conflicting_managers(&err),
            Some(vec![
                "kubectl-client-side-apply".to_string(),
                "other-team".to_string()
            ])
        );
        assert!(!is_stale(&err));
    }

    #[test]
    fn an_unreadable_cause_adopts_nothing() {
        let err = conflict(json!([
            {"reason": "FieldManagerConflict",
             "message": "conflict with \"kubectl-client-side-apply\" using v1", "field": ".data.mode"},
            {"reason": "FieldManagerConflict", "message": "some future wording", "field": ".data.x"}
        ]));
        assert_eq!(conflicting_managers(&err), None);
    }

    #[test]
    fn a_changed_object_is_stale_not_a_field_conflict() {
        let err = conflict(json!([]));
        assert_eq!(conflicting_managers(&err), None);
        assert!(is_stale(&err));
        let not_found = serde_json::from_value(json!({
            "status": "Failure", "message": "not found", "reason": "NotFound", "code": 404
        }))
        .expect("a Status");
        let not_found = kube::Error::Api(Box::new(not_found));
        assert_eq!(conflicting_managers(&not_found), None);
        assert!(!is_stale(&not_found));
    }
}
