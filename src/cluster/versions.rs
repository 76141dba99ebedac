//! The resourceVersions of objects about to be applied, read with metadata-only lists (one per
//! kind and namespace, paged) instead of a GET per object: what tells an apply that changed
//! nothing.

use std::collections::{BTreeSet, HashMap};

use kube::Api;
use kube::api::{DynamicObject, ListParams};

use super::discovery::Resource;

/// Objects per list page.
const PAGE: u32 = 500;
/// Pages read per kind and namespace before giving up: past this many objects, reading them
/// all costs more than the stabilization window a no-op run would save.
const MAX_PAGES: usize = 10;

/// The resourceVersion of each object of `names` that exists, by name, from the lists of
/// `resource` in `namespace` (cluster-wide for a cluster-scoped kind). The lists stop as soon as
/// every name was found. `None` when the kind has more than `MAX_PAGES` pages of objects there
/// and some names were still not found: whether they exist is then unknown.
pub async fn resource_versions(
    client: &kube::Client,
    resource: &Resource,
    namespace: Option<&str>,
    names: &BTreeSet<String>,
) -> Result<Option<HashMap<String, String>>, kube::Error> {
    let api: Api<DynamicObject> = match namespace {
        Some(ns) if resource.namespaced => Api::namespaced_with(client.clone(), ns, &resource.api),
        _ => Api::all_with(client.clone(), &resource.api),
    };
    let mut found = HashMap::new();
    let mut params = ListParams::default().limit(PAGE);
    for _ in 0..MAX_PAGES {
        let page = api.list_metadata(&params).await?;
        for item in page.items {
            let (Some(name), Some(version)) = (item.metadata.name, item.metadata.resource_version)
            else {
                continue;
            };
            if names.contains(&name) {
                found.insert(name, version);
            }
        }
        if found.len() == names.len() {
            return Ok(Some(found));
        }
        match page.metadata.continue_.filter(|token| !token.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            // Listed to the end: the names not found do not exist.
            None => return Ok(Some(found)),
        }
    }
    Ok(None)
}
