//! PersistentVolumeClaim and PersistentVolume: bound or available is done; a claim whose
//! StorageClass waits for the first consumer is done too.

use crate::engine::node::Node;

use super::context::Context;
use crate::engine::json;
use crate::engine::kinds::STORAGE_CLASS;
use crate::engine::model::{ObjectKey, ObjectStatus};

pub fn persistent_volume_claim(object: &Node, ctx: &Context) -> ObjectStatus {
    let phase = json::str_at(object, &["status", "phase"]).unwrap_or("Pending");
    match phase {
        "Bound" => {
            let volume = json::str_at(object, &["spec", "volumeName"]).unwrap_or("");
            ObjectStatus::success(format!("Bound to volume {volume}"))
        }
        "Lost" => ObjectStatus::error("Lost: the bound PersistentVolume no longer exists"),
        _ if waits_for_first_consumer(object, ctx) => {
            ObjectStatus::success("Pending until the first pod using it is scheduled")
                .with_note("WaitForFirstConsumer: binds when a pod that uses it is scheduled")
        }
        _ => ObjectStatus::in_progress(format!("{phase}: waiting for a volume to be bound")),
    }
}

/// Whether the claim's StorageClass (if the caller watches StorageClasses) delays binding.
/// A claim with a selected node is past that point and waits for its provisioner.
fn waits_for_first_consumer(claim: &Node, ctx: &Context) -> bool {
    if json::annotation(claim, "volume.kubernetes.io/selected-node").is_some() {
        return false;
    }
    let Some(class) = json::str_at(claim, &["spec", "storageClassName"]) else {
        return false;
    };
    let key = ObjectKey::new(STORAGE_CLASS.group, STORAGE_CLASS.kind, None, class);
    ctx.store
        .get(&key)
        .and_then(|sc| json::str_at(sc, &["volumeBindingMode"]))
        == Some("WaitForFirstConsumer")
}

pub fn persistent_volume(object: &Node) -> ObjectStatus {
    let phase = json::str_at(object, &["status", "phase"]).unwrap_or("Pending");
    match phase {
        "Failed" => {
            let message = json::str_at(object, &["status", "message"]).unwrap_or("");
            ObjectStatus::error(format!("Failed: {message}"))
        }
        "Pending" => ObjectStatus::in_progress("Pending"),
        other => ObjectStatus::success(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::model::{ObjectKey, Status};
    use crate::engine::testing::fixture;
    use crate::engine::testing::{evaluate_fixture, fixture_key};

    #[test]
    fn pvc_bound_is_success() {
        let status = evaluate_fixture(
            fixture!("pvc-bound.yaml"),
            &fixture_key("PersistentVolumeClaim", "data"),
        );
        assert_eq!(status.status, Status::Success);
    }

    #[test]
    fn pvc_pending_with_wait_for_first_consumer_is_success_with_note() {
        let status = evaluate_fixture(
            fixture!("pvc-wait-for-first-consumer.yaml"),
            &fixture_key("PersistentVolumeClaim", "data"),
        );
        assert_eq!(status.status, Status::Success, "{}", status.message);
        assert!(status.note.unwrap().starts_with("WaitForFirstConsumer"));
    }

    #[test]
    fn pvc_pending_with_immediate_binding_is_in_progress() {
        let yaml = fixture!("pvc-wait-for-first-consumer.yaml").replace(
            "volumeBindingMode: WaitForFirstConsumer",
            "volumeBindingMode: Immediate",
        );
        let status = evaluate_fixture(&yaml, &fixture_key("PersistentVolumeClaim", "data"));
        assert_eq!(status.status, Status::InProgress);
    }

    #[test]
    fn pvc_lost_is_an_error() {
        let yaml = fixture!("pvc-bound.yaml").replace("phase: Bound", "phase: Lost");
        let status = evaluate_fixture(&yaml, &fixture_key("PersistentVolumeClaim", "data"));
        assert_eq!(status.status, Status::Error);
    }

    #[test]
    fn pv_failed_is_an_error_and_available_is_success() {
        let key = ObjectKey::new("", "PersistentVolume", None, "pv-nfs-1");
        let status = evaluate_fixture(fixture!("pv-failed.yaml"), &key);
        assert_eq!(status.status, Status::Error);
        assert!(status.message.contains("recycle"), "{}", status.message);
        let yaml = fixture!("pv-failed.yaml").replace("phase: Failed", "phase: Available");
        assert_eq!(evaluate_fixture(&yaml, &key).status, Status::Success);
        let yaml = fixture!("pv-failed.yaml").replace("phase: Failed", "phase: Pending");
        assert_eq!(evaluate_fixture(&yaml, &key).status, Status::InProgress);
    }
}
