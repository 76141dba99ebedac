//! What shell completion looks up: the kubeconfig's context, cluster and user names, and, when
//! the cluster answers quickly, its namespaces and kinds. A completion must never hang nor print
//! an error into the shell, so every failure here is simply no candidates.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams};
use kube::config::Kubeconfig;
use kube::discovery::Discovery;

use super::client::{ConnectOptions, Connection, connect};
use super::discovery::UNQUALIFIED_GROUPS;

/// The longest a cluster lookup may take, connecting included: past it the shell gets nothing.
pub const CLUSTER_LOOKUP_LIMIT: Duration = Duration::from_millis(1500);

/// The names a kubeconfig defines, each list sorted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KubeconfigNames {
    pub contexts: Vec<String>,
    pub clusters: Vec<String>,
    pub users: Vec<String>,
}

/// The names in `path`, or in the kubeconfig kubectl reads (`$KUBECONFIG`, merged when it lists
/// several files, else `~/.kube/config`).
pub fn kubeconfig_names(path: Option<&Path>) -> KubeconfigNames {
    let config = match path {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    };
    let Ok(config) = config else {
        return KubeconfigNames::default();
    };
    let sorted = |mut names: Vec<String>| {
        names.sort();
        names.dedup();
        names
    };
    KubeconfigNames {
        contexts: sorted(config.contexts.into_iter().map(|c| c.name).collect()),
        clusters: sorted(config.clusters.into_iter().map(|c| c.name).collect()),
        users: sorted(config.auth_infos.into_iter().map(|u| u.name).collect()),
    }
}

/// The cluster's namespaces.
pub fn namespaces(options: &ConnectOptions) -> Vec<String> {
    look_up(options, |connection| async move {
        let list = Api::<Namespace>::all(connection.client)
            .list_metadata(&ListParams::default())
            .await
            .ok()?;
        Some(
            list.items
                .into_iter()
                .filter_map(|ns| ns.metadata.name)
                .collect(),
        )
    })
}

/// The kinds `watch --kind` accepts, from discovery: `Kind` and `plural` for the groups searched
/// without a group name (core, apps, batch, ...), `plural.group` for every group.
pub fn kinds(options: &ConnectOptions) -> Vec<String> {
    look_up(options, |connection| async move {
        let discovery = Discovery::new(connection.client).run().await.ok()?;
        let mut names = Vec::new();
        for group in discovery.groups() {
            for (resource, _) in group.recommended_resources() {
                if UNQUALIFIED_GROUPS.contains(&resource.group.as_str()) {
                    names.push(resource.kind.clone());
                    names.push(resource.plural.clone());
                }
                if !resource.group.is_empty() {
                    names.push(format!("{}.{}", resource.plural, resource.group));
                }
            }
        }
        Some(names)
    })
}

/// Runs `query` on a fresh connection within [`CLUSTER_LOOKUP_LIMIT`]; sorted, deduplicated
/// names, or none on any failure.
fn look_up<Q, Fut>(options: &ConnectOptions, query: Q) -> Vec<String>
where
    Q: FnOnce(Connection) -> Fut,
    Fut: Future<Output = Option<Vec<String>>>,
{
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    let options = ConnectOptions {
        request_timeout: Some(CLUSTER_LOOKUP_LIMIT),
        ..options.clone()
    };
    let names = runtime.block_on(async {
        tokio::time::timeout(CLUSTER_LOOKUP_LIMIT, async {
            query(connect(&options).await.ok()?).await
        })
        .await
    });
    // A connection still under way (a DNS lookup, say) is abandoned, not awaited.
    runtime.shutdown_background();
    let mut names = names.ok().flatten().unwrap_or_default();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconfig_names_are_listed_sorted_and_a_missing_file_lists_none() {
        let path = std::env::temp_dir().join(format!(
            "kstatus-completion-kubeconfig-{}",
            std::process::id()
        ));
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: {server: \
             'https://127.0.0.1:1'}\n- name: dev\n  cluster: {server: 'https://127.0.0.1:2'}\n\
             users:\n- name: admin\n  user: {}\ncontexts:\n- name: prod-admin\n  context: \
             {cluster: prod, user: admin}\n- name: dev-admin\n  context: {cluster: dev, user: \
             admin}\n",
        )
        .unwrap();
        let names = kubeconfig_names(Some(&path));
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            names,
            KubeconfigNames {
                contexts: vec!["dev-admin".into(), "prod-admin".into()],
                clusters: vec!["dev".into(), "prod".into()],
                users: vec!["admin".into()],
            }
        );
        assert_eq!(
            kubeconfig_names(Some(Path::new("/nonexistent/kubeconfig"))),
            KubeconfigNames::default()
        );
    }
}
