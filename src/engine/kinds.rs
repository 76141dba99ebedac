//! The kinds kstatus knows by name, in one table: group, kind, plural, scope, the versions a
//! server may serve, the kinds of the children a status rule reads, how the kind is judged and
//! whether `watch -l` looks at it. Discovery, watch planning, the status rules and display all
//! read it; a kind that is not in it is a custom resource. Pure data.

use Scope::{Cluster, Namespaced};

/// A kind without its version: beta and GA versions of a kind are the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupKind {
    pub group: &'static str,
    pub kind: &'static str,
}

impl GroupKind {
    pub const fn new(group: &'static str, kind: &'static str) -> GroupKind {
        GroupKind { group, kind }
    }
}

pub const POD: GroupKind = GroupKind::new("", "Pod");
pub const REPLICA_SET: GroupKind = GroupKind::new("apps", "ReplicaSet");
pub const JOB: GroupKind = GroupKind::new("batch", "Job");
pub const STORAGE_CLASS: GroupKind = GroupKind::new("storage.k8s.io", "StorageClass");
pub const EVENT: GroupKind = GroupKind::new("", "Event");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// How an object of the kind is judged: by its own status rule, as soon as it exists, or by the
/// conditions every well-behaved controller reports (the custom resource rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Pod,
    Job,
    CronJob,
    Service,
    Ingress,
    PersistentVolumeClaim,
    PersistentVolume,
    Namespace,
    CustomResourceDefinition,
    HorizontalPodAutoscaler,
    PodDisruptionBudget,
    ApiService,
    ExistsIsEnough,
    Conditions,
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct KindInfo {
    pub group: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub scope: Scope,
    /// The versions servers have served it under, newest first.
    pub versions: &'static [&'static str],
    /// Whether every supported server (Kubernetes 1.16 and later) serves the newest version, so
    /// resolving it needs no discovery request.
    pub served_everywhere: bool,
    /// Kinds of the objects it owns that its rule reads (found by owner, whatever their labels).
    pub children: &'static [GroupKind],
    /// Other kinds its rule reads (a claim's StorageClass decides whether it may stay Pending).
    pub consults: &'static [GroupKind],
    pub rule: Rule,
    /// Whether `watch -l` looks at it without `--kind`.
    pub watched_by_default: bool,
}

impl KindInfo {
    const fn new(
        group: &'static str,
        kind: &'static str,
        plural: &'static str,
        scope: Scope,
        versions: &'static [&'static str],
        rule: Rule,
    ) -> KindInfo {
        KindInfo {
            group,
            kind,
            plural,
            scope,
            versions,
            served_everywhere: false,
            children: &[],
            consults: &[],
            rule,
            watched_by_default: false,
        }
    }

    const fn served_everywhere(self) -> KindInfo {
        KindInfo {
            served_everywhere: true,
            ..self
        }
    }

    const fn children(self, children: &'static [GroupKind]) -> KindInfo {
        KindInfo { children, ..self }
    }

    const fn consults(self, consults: &'static [GroupKind]) -> KindInfo {
        KindInfo { consults, ..self }
    }

    const fn watched(self) -> KindInfo {
        KindInfo {
            watched_by_default: true,
            ..self
        }
    }

    pub fn group_kind(&self) -> GroupKind {
        GroupKind::new(self.group, self.kind)
    }

    pub fn namespaced(&self) -> bool {
        self.scope == Namespaced
    }

    /// Whether its desired state is reached once the API server accepted it.
    pub fn exists_is_enough(&self) -> bool {
        self.rule == Rule::ExistsIsEnough
    }

    /// `apps/v1`, `v1`: the apiVersion of one of its versions.
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    /// The newest version (every row has one).
    pub fn newest_version(&self) -> &'static str {
        self.versions[0]
    }

    /// Every kind whose objects tell how this one is doing: its children and what it consults.
    pub fn reads(&self) -> impl Iterator<Item = &'static KindInfo> + use<> {
        let children = self.children;
        let consults = self.consults;
        children
            .iter()
            .chain(consults)
            .map(|gk| lookup(gk.group, gk.kind).expect("every kind a rule reads is in the table"))
    }
}

use Rule as R;

/// Every kind kstatus knows. The kinds `watch -l` looks at come first, in the order it lists
/// them.
#[rustfmt::skip]
pub const KINDS: &[KindInfo] = &[
    KindInfo::new("apps", "Deployment", "deployments", Namespaced, &["v1"], R::Deployment).served_everywhere().children(&[REPLICA_SET, POD]).watched(),
    KindInfo::new("apps", "StatefulSet", "statefulsets", Namespaced, &["v1"], R::StatefulSet).served_everywhere().children(&[POD]).watched(),
    KindInfo::new("apps", "DaemonSet", "daemonsets", Namespaced, &["v1"], R::DaemonSet).served_everywhere().children(&[POD]).watched(),
    KindInfo::new("apps", "ReplicaSet", "replicasets", Namespaced, &["v1"], R::ReplicaSet).served_everywhere().children(&[POD]).watched(),
    KindInfo::new("", "Pod", "pods", Namespaced, &["v1"], R::Pod).served_everywhere().watched(),
    KindInfo::new("batch", "Job", "jobs", Namespaced, &["v1"], R::Job).served_everywhere().children(&[POD]).watched(),
    KindInfo::new("batch", "CronJob", "cronjobs", Namespaced, &["v1", "v1beta1"], R::CronJob).children(&[JOB, POD]).watched(),
    KindInfo::new("", "Service", "services", Namespaced, &["v1"], R::Service).served_everywhere().watched(),
    KindInfo::new("networking.k8s.io", "Ingress", "ingresses", Namespaced, &["v1", "v1beta1"], R::Ingress).watched(),
    KindInfo::new("", "PersistentVolumeClaim", "persistentvolumeclaims", Namespaced, &["v1"], R::PersistentVolumeClaim).served_everywhere().consults(&[STORAGE_CLASS]).watched(),
    KindInfo::new("autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers", Namespaced, &["v2", "v2beta2", "v1"], R::HorizontalPodAutoscaler).watched(),
    KindInfo::new("policy", "PodDisruptionBudget", "poddisruptionbudgets", Namespaced, &["v1", "v1beta1"], R::PodDisruptionBudget).watched(),
    KindInfo::new("", "ConfigMap", "configmaps", Namespaced, &["v1"], R::ExistsIsEnough).served_everywhere().watched(),
    KindInfo::new("", "Secret", "secrets", Namespaced, &["v1"], R::ExistsIsEnough).served_everywhere().watched(),
    // Core.
    KindInfo::new("", "Namespace", "namespaces", Cluster, &["v1"], R::Namespace).served_everywhere(),
    KindInfo::new("", "PersistentVolume", "persistentvolumes", Cluster, &["v1"], R::PersistentVolume).served_everywhere(),
    KindInfo::new("", "ServiceAccount", "serviceaccounts", Namespaced, &["v1"], R::ExistsIsEnough).served_everywhere(),
    KindInfo::new("", "Endpoints", "endpoints", Namespaced, &["v1"], R::ExistsIsEnough).served_everywhere(),
    KindInfo::new("", "LimitRange", "limitranges", Namespaced, &["v1"], R::ExistsIsEnough).served_everywhere(),
    KindInfo::new("", "ResourceQuota", "resourcequotas", Namespaced, &["v1"], R::ExistsIsEnough).served_everywhere(),
    KindInfo::new("", "PodTemplate", "podtemplates", Namespaced, &["v1"], R::ExistsIsEnough),
    KindInfo::new("", "Event", "events", Namespaced, &["v1"], R::Conditions).served_everywhere(),
    KindInfo::new("events.k8s.io", "Event", "events", Namespaced, &["v1", "v1beta1"], R::Conditions),
    // Workloads.
    KindInfo::new("apps", "ControllerRevision", "controllerrevisions", Namespaced, &["v1"], R::ExistsIsEnough),
    // Served only by servers older than kstatus supports, judged like their successors.
    KindInfo::new("extensions", "Deployment", "deployments", Namespaced, &["v1beta1"], R::Deployment).children(&[REPLICA_SET, POD]),
    KindInfo::new("extensions", "DaemonSet", "daemonsets", Namespaced, &["v1beta1"], R::DaemonSet).children(&[POD]),
    KindInfo::new("extensions", "ReplicaSet", "replicasets", Namespaced, &["v1beta1"], R::ReplicaSet).children(&[POD]),
    KindInfo::new("extensions", "Ingress", "ingresses", Namespaced, &["v1beta1"], R::Ingress),
    KindInfo::new("extensions", "NetworkPolicy", "networkpolicies", Namespaced, &["v1beta1"], R::ExistsIsEnough),
    // Networking.
    KindInfo::new("networking.k8s.io", "NetworkPolicy", "networkpolicies", Namespaced, &["v1"], R::ExistsIsEnough).served_everywhere(),
    KindInfo::new("networking.k8s.io", "IngressClass", "ingressclasses", Cluster, &["v1", "v1beta1"], R::ExistsIsEnough),
    KindInfo::new("discovery.k8s.io", "EndpointSlice", "endpointslices", Namespaced, &["v1", "v1beta1"], R::ExistsIsEnough),
    // Access control.
    KindInfo::new("rbac.authorization.k8s.io", "Role", "roles", Namespaced, &["v1"], R::ExistsIsEnough).served_everywhere(),
    KindInfo::new("rbac.authorization.k8s.io", "RoleBinding", "rolebindings", Namespaced, &["v1"], R::ExistsIsEnough).served_everywhere(),
    KindInfo::new("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", Cluster, &["v1"], R::ExistsIsEnough).served_everywhere(),
    KindInfo::new("rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", Cluster, &["v1"], R::ExistsIsEnough).served_everywhere(),
    KindInfo::new("certificates.k8s.io", "CertificateSigningRequest", "certificatesigningrequests", Cluster, &["v1", "v1beta1"], R::Conditions),
    // Storage.
    KindInfo::new("storage.k8s.io", "StorageClass", "storageclasses", Cluster, &["v1"], R::ExistsIsEnough).served_everywhere(),
    KindInfo::new("storage.k8s.io", "CSIDriver", "csidrivers", Cluster, &["v1", "v1beta1"], R::ExistsIsEnough),
    // Scheduling and nodes.
    KindInfo::new("scheduling.k8s.io", "PriorityClass", "priorityclasses", Cluster, &["v1"], R::ExistsIsEnough),
    KindInfo::new("node.k8s.io", "RuntimeClass", "runtimeclasses", Cluster, &["v1", "v1beta1"], R::ExistsIsEnough),
    KindInfo::new("coordination.k8s.io", "Lease", "leases", Namespaced, &["v1"], R::ExistsIsEnough),
    // The API server's own configuration.
    KindInfo::new("apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions", Cluster, &["v1", "v1beta1"], R::CustomResourceDefinition),
    KindInfo::new("apiregistration.k8s.io", "APIService", "apiservices", Cluster, &["v1"], R::ApiService),
    KindInfo::new("admissionregistration.k8s.io", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", Cluster, &["v1", "v1beta1"], R::ExistsIsEnough),
    KindInfo::new("admissionregistration.k8s.io", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", Cluster, &["v1", "v1beta1"], R::ExistsIsEnough),
    KindInfo::new("admissionregistration.k8s.io", "ValidatingAdmissionPolicy", "validatingadmissionpolicies", Cluster, &["v1", "v1beta1"], R::ExistsIsEnough),
    KindInfo::new("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding", "validatingadmissionpolicybindings", Cluster, &["v1", "v1beta1"], R::ExistsIsEnough),
    KindInfo::new("flowcontrol.apiserver.k8s.io", "FlowSchema", "flowschemas", Cluster, &["v1", "v1beta3", "v1beta2", "v1beta1"], R::ExistsIsEnough),
    KindInfo::new("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration", "prioritylevelconfigurations", Cluster, &["v1", "v1beta3", "v1beta2", "v1beta1"], R::ExistsIsEnough),
];

/// The row of a kind; None for custom resources (and kinds kstatus has no knowledge of).
pub fn lookup(group: &str, kind: &str) -> Option<&'static KindInfo> {
    KINDS.iter().find(|k| k.group == group && k.kind == kind)
}

/// The row of a kind named in code (a child, an Event): always present.
pub fn known(kind: GroupKind) -> &'static KindInfo {
    lookup(kind.group, kind.kind).expect("a kind named in code is in the table")
}

/// Whether a group is one of Kubernetes' own: its kinds show without the group
/// (`Deployment/web`), and any of its kinds missing here is judged by conditions. A group
/// outside them is a custom resource's, even if its kind is called "Deployment".
pub fn is_builtin_group(group: &str) -> bool {
    KINDS.iter().any(|k| k.group == group)
}

/// Whether an object of this kind can change the status of objects of other kinds it does not
/// belong to (a StorageClass decides whether claims may stay Pending).
pub fn is_consulted(group: &str, kind: &str) -> bool {
    KINDS
        .iter()
        .flat_map(|k| k.consults)
        .any(|c| c.group == group && c.kind == kind)
}

/// The kinds `watch -l` looks at without `--kind`.
pub fn watched_by_default() -> impl Iterator<Item = &'static KindInfo> {
    KINDS.iter().filter(|k| k.watched_by_default)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_kind_appears_once() {
        let mut seen = HashSet::new();
        for row in KINDS {
            assert!(
                seen.insert(row.group_kind()),
                "{}/{} twice",
                row.group,
                row.kind
            );
        }
    }

    #[test]
    fn every_kind_a_rule_reads_is_in_the_table_and_namespaced_like_its_parent() {
        for row in KINDS {
            for read in row.children.iter().chain(row.consults) {
                let child = lookup(read.group, read.kind)
                    .unwrap_or_else(|| panic!("{} reads {read:?}, not in the table", row.kind));
                if row.children.contains(read) {
                    // Owners and what they own share a namespace.
                    assert_eq!(child.scope, row.scope, "{} owns {}", row.kind, child.kind);
                }
            }
            assert!(!row.versions.is_empty(), "{} has no version", row.kind);
            assert!(
                row.plural.chars().all(|c| c.is_ascii_lowercase()),
                "{}",
                row.plural
            );
        }
        for code in [POD, REPLICA_SET, JOB, STORAGE_CLASS, EVENT] {
            assert!(known(code).served_everywhere, "{code:?}");
        }
    }

    #[test]
    fn every_rule_judges_some_kind() {
        let rules = [
            R::Deployment,
            R::ReplicaSet,
            R::StatefulSet,
            R::DaemonSet,
            R::Pod,
            R::Job,
            R::CronJob,
            R::Service,
            R::Ingress,
            R::PersistentVolumeClaim,
            R::PersistentVolume,
            R::Namespace,
            R::CustomResourceDefinition,
            R::HorizontalPodAutoscaler,
            R::PodDisruptionBudget,
            R::ApiService,
            R::ExistsIsEnough,
            R::Conditions,
        ];
        for rule in rules {
            assert!(
                KINDS.iter().any(|k| k.rule == rule),
                "{rule:?} judges nothing"
            );
        }
    }

    #[test]
    fn watch_looks_at_the_common_kinds_in_their_order() {
        let kinds: Vec<&str> = watched_by_default().map(|k| k.kind).collect();
        assert_eq!(
            kinds,
            [
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "ReplicaSet",
                "Pod",
                "Job",
                "CronJob",
                "Service",
                "Ingress",
                "PersistentVolumeClaim",
                "HorizontalPodAutoscaler",
                "PodDisruptionBudget",
                "ConfigMap",
                "Secret"
            ]
        );
        let cron_jobs = lookup("batch", "CronJob").unwrap();
        assert_eq!(cron_jobs.api_version("v1beta1"), "batch/v1beta1");
        assert!(
            !cron_jobs.served_everywhere,
            "CronJob moved to batch/v1 in 1.21"
        );
    }

    #[test]
    fn builtin_groups_and_what_exists_is_enough_for() {
        assert!(is_builtin_group(""));
        assert!(is_builtin_group("flowcontrol.apiserver.k8s.io"));
        assert!(!is_builtin_group("example.com"));
        assert!(!is_builtin_group("gateway.networking.k8s.io"));
        assert!(lookup("", "ConfigMap").unwrap().exists_is_enough());
        assert!(!lookup("apps", "Deployment").unwrap().exists_is_enough());
        assert!(lookup("example.com", "Deployment").is_none());
        assert!(is_consulted("storage.k8s.io", "StorageClass"));
        assert!(!is_consulted("", "Pod"));
        let deployment = lookup("apps", "Deployment").unwrap();
        let reads: Vec<&str> = deployment.reads().map(|k| k.kind).collect();
        assert_eq!(reads, ["ReplicaSet", "Pod"]);
    }
}
