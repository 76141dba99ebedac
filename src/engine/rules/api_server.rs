//! Kinds the API server itself brings to life: Namespace, CustomResourceDefinition and
//! APIService.

use crate::engine::node::Node;

use crate::engine::json::{self, Condition};
use crate::engine::model::ObjectStatus;

pub fn namespace(object: &Node) -> ObjectStatus {
    match json::str_at(object, &["status", "phase"]) {
        Some("Active") => ObjectStatus::success("Active"),
        Some("Terminating") => {
            ObjectStatus::error("Namespace is terminating; objects cannot be created in it")
        }
        _ => ObjectStatus::in_progress("Waiting for the namespace to become active..."),
    }
}

pub fn custom_resource_definition(object: &Node) -> ObjectStatus {
    if let Some(names) = json::condition(object, "NamesAccepted").filter(Condition::is_false) {
        return ObjectStatus::error(format!("Names not accepted: {}", names.describe()));
    }
    match json::condition(object, "Established") {
        Some(established) if established.is_true() => ObjectStatus::success("Established"),
        Some(established) => ObjectStatus::in_progress(format!(
            "Waiting for the CRD to be established: {}",
            established.describe()
        )),
        None => ObjectStatus::in_progress("Waiting for the CRD to be established..."),
    }
}

pub fn api_service(object: &Node) -> ObjectStatus {
    match json::condition(object, "Available") {
        Some(available) if available.is_true() => ObjectStatus::success("Available"),
        Some(available) => ObjectStatus::in_progress(format!(
            "Available={}: {}",
            available.status,
            available.describe()
        )),
        None => ObjectStatus::in_progress("Waiting to be processed..."),
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::model::{ObjectKey, Status};
    use crate::engine::testing::evaluate_fixture;
    use crate::engine::testing::fixture;

    #[test]
    fn namespace_active_is_success() {
        let key = ObjectKey::new("", "Namespace", None, "shop");
        let yaml =
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\nstatus: {phase: Active}\n";
        assert_eq!(evaluate_fixture(yaml, &key).status, Status::Success);
    }

    #[test]
    fn crd_established_is_success() {
        let key = ObjectKey::new(
            "apiextensions.k8s.io",
            "CustomResourceDefinition",
            None,
            "widgets.example.com",
        );
        let status = evaluate_fixture(fixture!("crd-established.yaml"), &key);
        assert_eq!(status.status, Status::Success);
        let yaml = fixture!("crd-established.yaml").replacen(
            "status: \"True\"\n    type: Established",
            "status: \"False\"\n    type: Established",
            1,
        );
        assert_eq!(evaluate_fixture(&yaml, &key).status, Status::InProgress);
    }

    #[test]
    fn crd_names_not_accepted_is_an_error() {
        let key = ObjectKey::new(
            "apiextensions.k8s.io",
            "CustomResourceDefinition",
            None,
            "widgets.example.com",
        );
        let status = evaluate_fixture(fixture!("crd-names-not-accepted.yaml"), &key);
        assert_eq!(status.status, Status::Error);
        assert!(
            status.message.contains("MultipleNameConflicts"),
            "{}",
            status.message
        );
    }

    #[test]
    fn api_service_available_or_not() {
        let key = ObjectKey::new(
            "apiregistration.k8s.io",
            "APIService",
            None,
            "v1beta1.metrics.k8s.io",
        );
        let status = evaluate_fixture(fixture!("apiservice-unavailable.yaml"), &key);
        assert_eq!(status.status, Status::InProgress);
        assert!(
            status.message.contains("MissingEndpoints"),
            "{}",
            status.message
        );
        let yaml = fixture!("apiservice-unavailable.yaml")
            .replace("status: \"False\"", "status: \"True\"");
        assert_eq!(evaluate_fixture(&yaml, &key).status, Status::Success);
    }
}
