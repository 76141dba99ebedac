//! Resolving a manifest's apiVersion and kind to an API resource (plural, scope), one request per
//! group-version, cached. Works on servers without aggregated discovery (Kubernetes 1.20).

use std::collections::HashMap;

use kube::Client;
use kube::core::gvk::{GroupVersion, GroupVersionKind};
use kube::discovery::{ApiCapabilities, ApiResource, Scope};

use crate::engine::kinds::{self, KindInfo};

/// What the cluster serves for one kind.
#[derive(Debug, Clone)]
pub struct Resource {
    pub api: ApiResource,
    pub namespaced: bool,
}

impl Resource {
    /// A resource every supported server serves under this name (Pods, ReplicaSets, Jobs, ...),
    /// so no discovery request is needed for it.
    pub fn well_known(
        group: &str,
        version: &str,
        kind: &str,
        plural: &str,
        namespaced: bool,
    ) -> Self {
        let gvk = GroupVersionKind::gvk(group, version, kind);
        Resource {
            api: ApiResource::from_gvk_with_plural(&gvk, plural),
            namespaced,
        }
    }

    /// A kind of the table of kinds at its newest version, without asking the server: for
    /// kinds every supported server serves (Pods, ReplicaSets, Jobs, ...).
    pub fn of(known: &KindInfo) -> Self {
        Resource::well_known(
            known.group,
            known.newest_version(),
            known.kind,
            known.plural,
            known.namespaced(),
        )
    }
}

/// How waiting for a CustomResourceDefinition ended.
#[derive(Debug)]
pub enum CrdWait {
    Established,
    TimedOut,
    Failed(String),
}

/// Waits, by watching it, until the named CRD is Established (its kind is then being served).
pub async fn wait_crd_established(
    client: &Client,
    name: &str,
    timeout: std::time::Duration,
) -> CrdWait {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    use kube::runtime::wait::{await_condition, conditions};

    let api: kube::Api<CustomResourceDefinition> = kube::Api::all(client.clone());
    match tokio::time::timeout(
        timeout,
        await_condition(api, name, conditions::is_crd_established()),
    )
    .await
    {
        Ok(Ok(_)) => CrdWait::Established,
        Ok(Err(err)) => CrdWait::Failed(err.to_string()),
        Err(_) => CrdWait::TimedOut,
    }
}

/// The resource of a kind every supported server serves at `api_version`, from the table of
/// kinds; None when discovery must say (other versions, kinds that moved, custom resources).
fn built_in(api_version: &str, kind: &str) -> Option<Resource> {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let known = kinds::lookup(group, kind)?;
    (known.served_everywhere && known.newest_version() == version).then(|| Resource::of(known))
}

/// The API groups a kind named without its group (`--kind deployments`) is searched in.
pub const UNQUALIFIED_GROUPS: [&str; 7] = [
    "",
    "apps",
    "batch",
    "networking.k8s.io",
    "policy",
    "autoscaling",
    "storage.k8s.io",
];

/// A cache of group-version discoveries.
pub struct Resolver {
    client: Client,
    /// Resources per "group/version"; an empty map means the group-version is not served.
    served: HashMap<String, HashMap<String, Resource>>,
}

impl Resolver {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            served: HashMap::new(),
        }
    }

    /// The resource serving `kind` in `api_version`, or None when the server does not know it.
    /// Built-in kinds every supported server (1.16 and later) serves are resolved without a
    /// request.
    pub async fn resolve(
        &mut self,
        api_version: &str,
        kind: &str,
    ) -> Result<Option<Resource>, kube::Error> {
        if let Some(resource) = built_in(api_version, kind) {
            return Ok(Some(resource));
        }
        if !self.served.contains_key(api_version) {
            let found = self.discover(api_version).await?;
            self.served.insert(api_version.to_string(), found);
        }
        Ok(self.served[api_version].get(kind).cloned())
    }

    /// Forgets what was learned about `api_version`, so the next lookup asks again (a CRD for it
    /// was just established).
    pub fn forget(&mut self, api_version: &str) {
        self.served.remove(api_version);
    }

    /// A kind at the newest of its versions the server serves: kinds moved between versions
    /// over the releases (CronJob batch/v1beta1 -> batch/v1, ...).
    pub async fn resolve_newest(
        &mut self,
        known: &KindInfo,
    ) -> Result<Option<Resource>, kube::Error> {
        for version in known.versions {
            if let Some(resource) = self
                .resolve(&known.api_version(version), known.kind)
                .await?
            {
                return Ok(Some(resource));
            }
        }
        Ok(None)
    }

    /// A kind named on the command line as `kind`, `plural`, `kind.group` or `plural.group`
    /// (case-insensitive), at the group's preferred version. Without a group, the core group and
    /// the built-in workload groups are searched.
    pub async fn find(&self, name: &str) -> Result<Option<Resource>, kube::Error> {
        let (wanted, groups): (&str, Vec<&str>) = match name.split_once('.') {
            Some((wanted, group)) => (wanted, vec![group]),
            None => (name, UNQUALIFIED_GROUPS.to_vec()),
        };
        for group in groups {
            let found = match kube::discovery::group(&self.client, group).await {
                Ok(found) => found,
                Err(kube::Error::Api(status)) if status.code == 404 => continue,
                Err(kube::Error::Discovery(_)) => continue,
                Err(err) => return Err(err),
            };
            for (api, caps) in found.recommended_resources() {
                let matches = api.kind.eq_ignore_ascii_case(wanted)
                    || api.plural.eq_ignore_ascii_case(wanted);
                if matches {
                    let namespaced = matches!(caps.scope, Scope::Namespaced);
                    return Ok(Some(Resource { api, namespaced }));
                }
            }
        }
        Ok(None)
    }

    async fn discover(&self, api_version: &str) -> Result<HashMap<String, Resource>, kube::Error> {
        let Ok(gv) = api_version.parse::<GroupVersion>() else {
            return Ok(HashMap::new());
        };
        match kube::discovery::pinned_group(&self.client, &gv).await {
            Ok(group) => Ok(group
                .versioned_resources(&gv.version)
                .into_iter()
                .map(|(api, caps): (ApiResource, ApiCapabilities)| {
                    let namespaced = matches!(caps.scope, Scope::Namespaced);
                    (api.kind.clone(), Resource { api, namespaced })
                })
                .collect()),
            Err(kube::Error::Api(status)) if status.code == 404 => Ok(HashMap::new()),
            Err(err) => Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_kinds_resolve_with_scope_and_plural() {
        let namespace = built_in("v1", "Namespace").unwrap();
        assert!(!namespace.namespaced);
        assert_eq!(namespace.api.plural, "namespaces");
        let deployment = built_in("apps/v1", "Deployment").unwrap();
        assert!(deployment.namespaced);
        assert_eq!(
            (
                deployment.api.group.as_str(),
                deployment.api.version.as_str()
            ),
            ("apps", "v1")
        );
        // Kinds that moved between versions across releases are always discovered.
        assert!(built_in("batch/v1", "CronJob").is_none());
        assert!(built_in("extensions/v1beta1", "Deployment").is_none());
    }
}
