//! No-op applies: the resourceVersion every object had just before the apply (one list per kind
//! and namespace), compared with the one the apply returned. When none changed, tracking is
//! told so and ends at once if everything is already Success.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures::{StreamExt, stream};
use serde_json::Value;

use super::Planned;
use crate::cluster::client::Connection;
use crate::cluster::versions::resource_versions;

/// Lists in flight at once.
const LIST_CONCURRENCY: usize = 8;

/// The resourceVersions before the apply, by manifest index; `None` when they are not all
/// known (a kind not served yet, a list that failed or was too long), which counts as changed.
pub(super) struct Before(Option<HashMap<usize, String>>);

impl Before {
    /// Nothing to compare with (a server dry run): the run counts as changed.
    pub(super) fn unknown() -> Before {
        Before(None)
    }

    /// Whether the apply changed none of the objects at `indexes`: each existed before and the
    /// server returned it with the same resourceVersion.
    pub(super) fn unchanged(
        &self,
        applied: &HashMap<usize, Value>,
        indexes: impl IntoIterator<Item = usize>,
    ) -> bool {
        let Some(before) = &self.0 else {
            return false;
        };
        let mut any = false;
        for i in indexes {
            any = true;
            let after = applied
                .get(&i)
                .and_then(|object| object["metadata"]["resourceVersion"].as_str());
            if after.is_none() || before.get(&i).map(String::as_str) != after {
                return false;
            }
        }
        any
    }
}

/// Reads the resourceVersions of the objects at `indexes` with one list per kind and namespace.
/// Failures are not reported: the run is then judged as any changed run.
pub(super) async fn read_before(
    connection: &Connection,
    planned: &[Planned<'_>],
    indexes: impl IntoIterator<Item = usize>,
) -> Before {
    // (group, version, plural, namespace) -> (name -> index)
    type ListKey = (String, String, String, Option<String>);
    let mut lists: BTreeMap<ListKey, BTreeMap<String, usize>> = BTreeMap::new();
    for i in indexes {
        // A kind not served yet is defined by a CRD of this input: its objects are new.
        let Some(resource) = &planned[i].resource else {
            return Before(None);
        };
        let api = &resource.api;
        let namespace = planned[i].namespace.clone().filter(|_| resource.namespaced);
        let key = (
            api.group.clone(),
            api.version.clone(),
            api.plural.clone(),
            namespace,
        );
        lists
            .entry(key)
            .or_default()
            .insert(planned[i].manifest.name().to_string(), i);
    }
    let reads = stream::iter(lists.values())
        .map(|by_name| async move {
            let first = *by_name.values().next().expect("a list has names");
            let resource = planned[first].resource.as_ref().expect("resolved above");
            let names: BTreeSet<String> = by_name.keys().cloned().collect();
            let namespace = planned[first].namespace.as_deref();
            let versions = resource_versions(&connection.client, resource, namespace, &names)
                .await
                .ok()
                .flatten()?;
            Some(
                by_name
                    .iter()
                    .filter_map(|(name, &i)| Some((i, versions.get(name)?.clone())))
                    .collect::<Vec<_>>(),
            )
        })
        .buffer_unordered(LIST_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let mut before = HashMap::new();
    for read in reads {
        let Some(versions) = read else {
            return Before(None);
        };
        before.extend(versions);
    }
    Before(Some(before))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(version: &str) -> Value {
        serde_json::json!({"metadata": {"name": "web", "resourceVersion": version}})
    }

    #[test]
    fn unchanged_only_when_every_version_is_the_same() {
        let before = Before(Some(HashMap::from([(0, "7".into()), (1, "9".into())])));
        let same = HashMap::from([(0, object("7")), (1, object("9"))]);
        assert!(before.unchanged(&same, 0..2));
        let one_changed = HashMap::from([(0, object("7")), (1, object("12"))]);
        assert!(!before.unchanged(&one_changed, 0..2));
    }

    #[test]
    fn a_new_object_or_unknown_versions_count_as_changed() {
        let before = Before(Some(HashMap::from([(0, "7".into())])));
        let applied = HashMap::from([(0, object("7")), (1, object("3"))]);
        assert!(!before.unchanged(&applied, 0..2), "index 1 did not exist");
        assert!(!Before::unknown().unchanged(&applied, 0..1));
        assert!(!before.unchanged(&applied, 0..0), "nothing applied");
    }
}
