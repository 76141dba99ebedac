//! Service and Ingress: done once they exist, except a LoadBalancer Service, which waits for
//! its address.

use crate::engine::node::Node;

use crate::engine::json;
use crate::engine::model::ObjectStatus;

fn load_balancer_addresses(object: &Node) -> Vec<&str> {
    json::array_at(object, &["status", "loadBalancer", "ingress"])
        .iter()
        .filter_map(|entry| {
            json::str_at(entry, &["ip"])
                .or_else(|| json::str_at(entry, &["hostname"]))
                .filter(|address| !address.is_empty())
        })
        .collect()
}

pub fn service(object: &Node) -> ObjectStatus {
    let kind = json::str_at(object, &["spec", "type"]).unwrap_or("ClusterIP");
    if kind != "LoadBalancer" {
        return ObjectStatus::success(format!("Service type {kind}"));
    }
    let mut addresses = load_balancer_addresses(object);
    addresses.extend(
        json::array_at(object, &["spec", "externalIPs"])
            .iter()
            .filter_map(Node::as_str),
    );
    if addresses.is_empty() {
        ObjectStatus::in_progress("Waiting for load balancer address...")
    } else {
        ObjectStatus::success(format!("Load balancer address: {}", addresses.join(", ")))
    }
}

pub fn ingress(object: &Node) -> ObjectStatus {
    let addresses = load_balancer_addresses(object);
    if addresses.is_empty() {
        ObjectStatus::success("Created")
    } else {
        ObjectStatus::success(format!("Address: {}", addresses.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::model::Status;
    use crate::engine::testing::fixture;
    use crate::engine::testing::{evaluate_fixture, fixture_key};

    #[test]
    fn cluster_ip_service_is_success_on_existence() {
        let status = evaluate_fixture(
            fixture!("service-cluster-ip.yaml"),
            &fixture_key("Service", "web"),
        );
        assert_eq!(status.status, Status::Success);
    }

    #[test]
    fn load_balancer_without_address_is_in_progress() {
        let status = evaluate_fixture(
            fixture!("service-lb-pending.yaml"),
            &fixture_key("Service", "shop"),
        );
        assert_eq!(status.status, Status::InProgress);
        assert_eq!(status.message, "Waiting for load balancer address...");
    }

    #[test]
    fn load_balancer_with_address_is_success() {
        let yaml = fixture!("service-lb-pending.yaml").replace(
            "loadBalancer: {}",
            "loadBalancer:\n    ingress:\n    - ip: 203.0.113.10",
        );
        let status = evaluate_fixture(&yaml, &fixture_key("Service", "shop"));
        assert_eq!(
            (status.status, status.message.as_str()),
            (Status::Success, "Load balancer address: 203.0.113.10")
        );
    }

    #[test]
    fn ingress_is_success_on_existence() {
        let status = evaluate_fixture(fixture!("ingress.yaml"), &fixture_key("Ingress", "web"));
        assert_eq!(status.status, Status::Success);
    }
}
