//! Objects as the watches parse them: only what the engine keeps of their kind
//! ([`reduce::Keep`]) is built, the rest is skipped in the parser. A page of 250 pods parsed
//! whole held 7 MB for a moment (a pod with its managed fields is ~30 KB as a
//! `serde_json::Value`); reduced while parsed it holds a fifth of that, and listing a namespace
//! of 10,000 pods no longer sets the process's peak memory. What is kept waits in the page as
//! compact JSON text (~1 KB a pod), not as a `Value` (~9 KB: a B-tree node for every map), and
//! becomes a `Value` one object at a time, as the watch hands it on.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::core::{ApiResource, DynamicResourceScope, Resource};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::engine::reduce::{Keep, Reduction};

/// Which fields of a kind a watch builds.
pub trait Parts: Send + Sync + 'static {
    const KEEP: &'static Keep;
}

/// Everything but the managed fields (a kind a user's rule judges, or one no rule reduces).
#[derive(Debug, Clone)]
pub struct Whole;

impl Parts for Whole {
    const KEEP: &'static Keep = &Keep::All;
}

/// What the rules read of a Pod.
#[derive(Debug, Clone)]
pub struct PodParts;

impl Parts for PodParts {
    const KEEP: &'static Keep = Reduction::Pod.keep();
}

/// A ReplicaSet or Job without its pod template.
#[derive(Debug, Clone)]
pub struct WithoutTemplate;

impl Parts for WithoutTemplate {
    const KEEP: &'static Keep = Reduction::WithoutTemplate.keep();
}

/// What the rules read of an Event.
#[derive(Debug, Clone)]
pub struct EventParts;

impl Parts for EventParts {
    const KEEP: &'static Keep = Reduction::Event.keep();
}

/// Metadata as parsed: managed fields are the largest part of most objects and nothing reads
/// them. The engine reduces the rest; the watch needs the resource version to resume.
const METADATA: Keep = Keep::Map {
    named: &[("managedFields", Keep::Drop)],
    rest: &Keep::All,
};

/// An object of a watch, as JSON text, with only the parts `P` keeps.
#[derive(Debug, Clone)]
pub struct Slim<P> {
    object: Box<str>,
    /// What the watch itself reads: resource version, name, namespace, uid.
    metadata: ObjectMeta,
    parts: PhantomData<P>,
}

impl<P> Slim<P> {
    pub fn into_value(self) -> Value {
        serde_json::from_str(&self.object).expect("the text serde_json wrote parses")
    }
}

impl<P: Parts + Clone + fmt::Debug> Resource for Slim<P> {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn kind(resource: &ApiResource) -> Cow<'_, str> {
        resource.kind.as_str().into()
    }

    fn group(resource: &ApiResource) -> Cow<'_, str> {
        resource.group.as_str().into()
    }

    fn version(resource: &ApiResource) -> Cow<'_, str> {
        resource.version.as_str().into()
    }

    fn api_version(resource: &ApiResource) -> Cow<'_, str> {
        resource.api_version.as_str().into()
    }

    fn plural(resource: &ApiResource) -> Cow<'_, str> {
        resource.plural.as_str().into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl<'de, P: Parts> Deserialize<'de> for Slim<P> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let object = deserializer.deserialize_map(ObjectVisitor(P::KEEP))?;
        let text = |field: &str| object["metadata"][field].as_str().map(str::to_string);
        let metadata = ObjectMeta {
            name: text("name"),
            namespace: text("namespace"),
            uid: text("uid"),
            resource_version: text("resourceVersion"),
            ..ObjectMeta::default()
        };
        Ok(Slim {
            object: serde_json::to_string(&object)
                .map_err(de::Error::custom)?
                .into_boxed_str(),
            metadata,
            parts: PhantomData,
        })
    }
}

/// The top level of an object: metadata by [`METADATA`], the rest by the kind's `Keep`.
struct ObjectVisitor(&'static Keep);

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a Kubernetes object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut fields: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(name) = fields.next_key::<String>()? {
            let keep = if name == "metadata" {
                Some(&METADATA)
            } else {
                self.0.field(&name)
            };
            match keep {
                Some(keep) => {
                    let value = fields.next_value_seed(Kept(keep))?;
                    object.insert(name, value);
                }
                None => {
                    fields.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(object))
    }
}

/// Parses one value keeping what a [`Keep`] says.
#[derive(Clone, Copy)]
struct Kept<'k>(&'k Keep);

impl<'de> DeserializeSeed<'de> for Kept<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        match self.0 {
            Keep::All => Value::deserialize(deserializer),
            _ => deserializer.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for Kept<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Ok(Value::from(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let keep = Kept(self.0.item());
        let mut kept = Vec::with_capacity(items.size_hint().unwrap_or(0));
        while let Some(item) = items.next_element_seed(keep)? {
            kept.push(item);
        }
        Ok(Value::Array(kept))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut fields: A) -> Result<Value, A::Error> {
        let mut kept = Map::new();
        while let Some(name) = fields.next_key::<String>()? {
            let keep = match self.0 {
                Keep::Each(item) => Some(*item),
                keep => keep.field(&name),
            };
            match keep {
                Some(keep) => {
                    let value = fields.next_value_seed(Kept(keep))?;
                    kept.insert(name, value);
                }
                None => {
                    fields.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(kept))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::ObjectKey;
    use crate::engine::reduce;
    use serde_json::json;

    fn a_real_pod() -> Value {
        json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "uid": "u1", "resourceVersion": "42",
                         "labels": {"app": "web"}, "annotations": {"a": "b"},
                         "managedFields": [{"manager": "kubelet", "fieldsV1": {"f:status": {}}}],
                         "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc", "uid": "rs"}]},
            "spec": {"nodeName": "n1", "restartPolicy": "Always",
                     "containers": [{"name": "app", "image": "busybox", "command": ["sh"],
                                     "env": [{"name": "A", "value": "b"}]}],
                     "volumes": [{"name": "token", "secret": {"secretName": "t"}},
                                 {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
                     "tolerations": [{"operator": "Exists", "tolerationSeconds": 300}]},
            "status": {"phase": "Running", "podIP": "10.0.0.1", "startTime": null,
                       "conditions": [{"type": "Ready", "status": "True",
                                       "lastTransitionTime": "2024-05-01T10:00:02Z"}],
                       "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0,
                                              "imageID": "sha256:x", "started": true,
                                              "state": {"running": {"startedAt": "t"}},
                                              "lastState": {"terminated": {"exitCode": 1,
                                                  "reason": "Error", "finishedAt": "t",
                                                  "signal": -9, "ratio": 0.5}}}]}})
    }

    #[test]
    fn a_pod_parsed_slim_is_the_reduced_pod_plus_what_the_watch_reads() {
        let pod = a_real_pod();
        let slim: Slim<PodParts> = serde_json::from_str(&pod.to_string()).unwrap();
        assert_eq!(slim.meta().resource_version.as_deref(), Some("42"));
        assert_eq!(slim.meta().uid.as_deref(), Some("u1"));
        assert_eq!(slim.meta().name.as_deref(), Some("web-1"));
        assert_eq!(slim.meta().namespace.as_deref(), Some("shop"));
        let parsed = slim.into_value();
        assert!(parsed["metadata"].get("managedFields").is_none());
        assert!(parsed["spec"].get("tolerations").is_none());
        assert!(parsed["status"].get("podIP").is_none());
        assert_eq!(
            parsed["status"]["containerStatuses"][0]["lastState"]["terminated"],
            json!({"exitCode": 1, "reason": "Error", "signal": -9, "ratio": 0.5})
        );
        // What the engine then keeps is exactly what it keeps of the whole pod.
        let key = ObjectKey::of(&pod).unwrap();
        assert_eq!(reduce::child(parsed, &key), reduce::child(pod, &key));
    }

    #[test]
    fn other_parts_keep_all_but_the_managed_fields() {
        let pod = a_real_pod();
        let whole: Slim<Whole> = serde_json::from_str(&pod.to_string()).unwrap();
        let mut expected = pod.clone();
        expected["metadata"]
            .as_object_mut()
            .unwrap()
            .remove("managedFields");
        assert_eq!(whole.into_value(), expected);

        let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-abc", "resourceVersion": "7", "managedFields": []},
            "spec": {"replicas": 3, "template": {"spec": {"containers": []}}},
            "status": {"replicas": 3}});
        let slim: Slim<WithoutTemplate> = serde_json::from_str(&rs.to_string()).unwrap();
        assert_eq!(
            slim.into_value(),
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": "web-abc", "resourceVersion": "7"},
                "spec": {"replicas": 3}, "status": {"replicas": 3}})
        );
    }

    #[test]
    fn an_event_is_parsed_without_its_reporter() {
        let event = json!({"apiVersion": "v1", "kind": "Event", "type": "Warning",
            "metadata": {"name": "e", "resourceVersion": "9", "managedFields": []},
            "involvedObject": {"kind": "Pod", "uid": "u1"}, "reason": "BackOff", "count": 3,
            "source": {"component": "kubelet"}, "reportingComponent": "kubelet"});
        let slim: Slim<EventParts> = serde_json::from_str(&event.to_string()).unwrap();
        assert_eq!(
            slim.into_value(),
            json!({"apiVersion": "v1", "kind": "Event", "type": "Warning",
                "metadata": {"name": "e", "resourceVersion": "9"},
                "involvedObject": {"kind": "Pod", "uid": "u1"}, "reason": "BackOff", "count": 3})
        );
    }

    #[test]
    fn a_list_page_of_slim_objects_parses() {
        let page = json!({"apiVersion": "v1", "kind": "PodList",
            "metadata": {"resourceVersion": "100", "continue": "abc"},
            "items": [a_real_pod(), a_real_pod()]});
        let list: kube::core::ObjectList<Slim<PodParts>> =
            serde_json::from_str(&page.to_string()).unwrap();
        assert_eq!(list.items.len(), 2);
        assert_eq!(list.metadata.continue_.as_deref(), Some("abc"));
    }
}
