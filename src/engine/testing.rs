//! Test support: loading fixtures (YAML or JSON, single objects or `kind: List`) and judging one
//! object from a fixture.

use std::collections::HashSet;

use serde_json::Value;

use super::children::Store;
use super::model::{ObjectKey, ObjectStatus};
use super::rules::{self, Context, PodHistory};

/// The text of a fixture in tests/fixtures/engine, built into the test binary.
macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/engine/",
            $name
        ))
    };
}
pub(crate) use fixture;

/// The objects of a fixture: a `kind: List` is expanded into its items.
pub fn load(text: &str) -> Vec<Value> {
    let value: Value = serde_saphyr::from_str(text).expect("fixture parses");
    if value.get("kind").and_then(Value::as_str) == Some("List") {
        value
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    } else {
        vec![value]
    }
}

/// The key of a namespaced object in the fixtures' namespace `shop` (built-in kinds only).
pub fn fixture_key(kind: &str, name: &str) -> ObjectKey {
    let group = match kind {
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => "apps",
        "Job" | "CronJob" => "batch",
        "Ingress" => "networking.k8s.io",
        _ => "",
    };
    let namespace = if kind == "Namespace" {
        None
    } else {
        Some("shop")
    };
    ObjectKey::new(group, kind, namespace, name)
}

pub fn evaluate_fixture(text: &str, key: &ObjectKey) -> ObjectStatus {
    evaluate_fixture_with(text, key, None, true)
}

/// Judges one object of a fixture with the user's health rules.
pub fn evaluate_fixture_with_rules(
    text: &str,
    key: &ObjectKey,
    health_rules: &super::health::HealthRules,
) -> ObjectStatus {
    let store = Store::from_objects(load(text));
    let pods = PodHistory::default();
    let lasting_warnings = HashSet::new();
    let object = store
        .get(key)
        .unwrap_or_else(|| panic!("{key} not in fixture"));
    let ctx = Context {
        health_rules,
        ..Context::new(&store, &pods, &lasting_warnings)
    };
    rules::evaluate(object, &ctx)
}

pub fn evaluate_fixture_with(
    text: &str,
    key: &ObjectKey,
    expected_generation: Option<i64>,
    wait_for_jobs: bool,
) -> ObjectStatus {
    let store = Store::from_objects(load(text));
    let pods = PodHistory::default();
    let lasting_warnings = HashSet::new();
    let object = store
        .get(key)
        .unwrap_or_else(|| panic!("{key} not in fixture"));
    let ctx = Context {
        expected_generation,
        wait_for_jobs,
        ..Context::new(&store, &pods, &lasting_warnings)
    };
    rules::evaluate(object, &ctx)
}
