//! Built-in rules for popular operators' custom resources (Argo Rollouts, cert-manager, Flux,
//! External Secrets, Knative, Crossplane, KEDA): their status shapes say more, or say it
//! differently, than the generic conditions of `custom`. Each verdict names the rule.

use crate::engine::node::Node;

use super::context::Context;
use super::custom;
use crate::engine::json::{self, Condition};
use crate::engine::model::{ObjectKey, ObjectStatus};

/// The built-in rule's status of a custom resource, `None` when no built-in rule knows it.
pub fn judge(object: &Node, key: &ObjectKey, ctx: &Context) -> Option<ObjectStatus> {
    type Rule = fn(&Node, &Context) -> ObjectStatus;
    let rule: Rule = match (&*key.group, &*key.kind) {
        ("argoproj.io", "Rollout") => rollout,
        ("cert-manager.io", "Certificate") => certificate,
        ("cert-manager.io", "Issuer" | "ClusterIssuer") => issuer,
        ("kustomize.toolkit.fluxcd.io", "Kustomization")
        | ("helm.toolkit.fluxcd.io", "HelmRelease")
        | (
            "source.toolkit.fluxcd.io",
            "GitRepository" | "OCIRepository" | "HelmRepository" | "HelmChart" | "Bucket",
        ) => flux,
        ("external-secrets.io", "ExternalSecret") => external_secret,
        ("serving.knative.dev", "Service") => knative_service,
        ("keda.sh", "ScaledObject" | "ScaledJob") => keda,
        _ if is_crossplane(object, key) => {
            return Some(judged(
                object,
                ctx,
                crossplane,
                "built-in rule for Crossplane",
            ));
        }
        _ => return None,
    };
    let judge = format!("built-in rule for {}.{}", key.kind, key.group);
    Some(judged(object, ctx, rule, &judge))
}

/// Stale status is In progress before any rule looks at it; the rule names itself.
fn judged(
    object: &Node,
    ctx: &Context,
    rule: fn(&Node, &Context) -> ObjectStatus,
    judge: &str,
) -> ObjectStatus {
    let status = custom::stale_status(object, ctx).unwrap_or_else(|| rule(object, ctx));
    named(status, judge)
}

/// The message says which rule judged, and so does the report's `judgedBy`.
fn named(mut status: ObjectStatus, judge: &str) -> ObjectStatus {
    status.message = if status.message.is_empty() {
        format!("({judge})")
    } else {
        format!("{} ({judge})", status.message)
    };
    status.judged_by(judge)
}

/// Rules run after [`custom::stale_status`]: every condition they read is of the current
/// generation, so a missing one is all they wait for.
fn waiting_for(kind: &str) -> ObjectStatus {
    ObjectStatus::in_progress(format!("Waiting for the {kind} condition"))
}

fn with_reason(prefix: &str, condition: &Condition) -> String {
    let described = condition.describe();
    if described.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}: {described}")
    }
}

/// Argo Rollouts: `status.phase` (Healthy, Progressing, Paused, Degraded), `status.abort`, and a
/// `status.observedGeneration` that is a string (a numeric one since v1.0; a spec hash before,
/// which cannot be compared and is ignored).
fn rollout(object: &Node, _ctx: &Context) -> ObjectStatus {
    if json::at(object, &["status"]).is_none() {
        return ObjectStatus::in_progress("Waiting for the rollout controller to report status");
    }
    let message = json::str_at(object, &["status", "message"]).unwrap_or("");
    if json::bool_at(object, &["status", "abort"]) == Some(true) {
        return ObjectStatus::error(join("Rollout aborted", message));
    }
    let pauses: Vec<&str> = json::array_at(object, &["status", "pauseConditions"])
        .iter()
        .filter_map(|p| json::str_at(p, &["reason"]))
        .collect();
    let paused = !pauses.is_empty()
        || json::bool_at(object, &["spec", "paused"]) == Some(true)
        || json::bool_at(object, &["status", "controllerPause"]) == Some(true);
    match json::str_at(object, &["status", "phase"]).unwrap_or("") {
        "Healthy" => ObjectStatus::success(join("Healthy", message)),
        "Degraded" => ObjectStatus::error(join("Degraded", message)),
        "Paused" => ObjectStatus::in_progress(paused_message(&pauses, message)),
        _ if paused => ObjectStatus::in_progress(paused_message(&pauses, message)),
        "" => ObjectStatus::in_progress("Waiting for the rollout's phase"),
        phase => ObjectStatus::in_progress(join(phase, message)),
    }
}

fn paused_message(pauses: &[&str], message: &str) -> String {
    let head = if pauses.is_empty() {
        "Paused".to_string()
    } else {
        format!("Paused ({})", pauses.join(", "))
    };
    // Argo repeats the pause reason as the message; say it once.
    let message = if pauses.contains(&message) {
        ""
    } else {
        message
    };
    join(
        &format!("{head}, waiting to be resumed or promoted"),
        message,
    )
}

fn join(head: &str, message: &str) -> String {
    if message.is_empty() {
        head.to_string()
    } else {
        format!("{head}: {message}")
    }
}

/// cert-manager Certificate: Ready of the current generation (cert-manager stamps
/// `observedGeneration` on each condition, not on the status), an issuance under way
/// (Issuing=True), a failed one (Issuing=False reason Failed, or `lastFailureTime`).
fn certificate(object: &Node, _ctx: &Context) -> ObjectStatus {
    if let Some(issuing) = json::condition(object, "Issuing") {
        if issuing.is_true() {
            return ObjectStatus::in_progress(with_reason("Issuing", &issuing));
        }
        if issuing.is_false() && issuing.reason() == "Failed" {
            return ObjectStatus::error(failed_issuance(object, &issuing.describe()));
        }
    }
    let Some(condition) = json::condition(object, "Ready") else {
        return waiting_for("Ready");
    };
    if condition.is_true() {
        return ObjectStatus::success(with_reason("Ready", &condition));
    }
    if json::at(object, &["status", "lastFailureTime"]).is_some() {
        return ObjectStatus::error(failed_issuance(object, &condition.describe()));
    }
    ObjectStatus::in_progress(with_reason(
        &format!("Ready={}", condition.status),
        &condition,
    ))
}

fn failed_issuance(object: &Node, why: &str) -> String {
    let attempts = json::int_at(object, &["status", "failedIssuanceAttempts"]);
    let head = match attempts {
        Some(n) if n > 1 => format!("Issuance failed ({n} attempts)"),
        _ => "Issuance failed".to_string(),
    };
    join(&head, why)
}

/// cert-manager Issuer and ClusterIssuer: Ready of the current generation; Ready=False with an
/// error reason (`ErrInitIssuer`, `ErrRegisterACMEAccount`, ...) is an Error.
fn issuer(object: &Node, _ctx: &Context) -> ObjectStatus {
    let Some(condition) = json::condition(object, "Ready") else {
        return waiting_for("Ready");
    };
    let reason = condition.reason();
    if condition.is_true() {
        ObjectStatus::success(with_reason("Ready", &condition))
    } else if condition.is_false()
        && (reason.starts_with("Err") || reason.contains("Error") || reason.contains("Failed"))
    {
        ObjectStatus::error(with_reason("Ready=False", &condition))
    } else {
        ObjectStatus::in_progress(with_reason(
            &format!("Ready={}", condition.status),
            &condition,
        ))
    }
}

/// Flux: a reconcile requested by `reconcile.fluxcd.io/requestedAt` and not yet handled, the
/// generation observed, then Stalled, Ready and Reconciling as Flux sets them: a failed attempt
/// leaves Ready=False (with Reconciling reason ProgressingWithRetry while Flux retries), which
/// is an Error as `flux reconcile` says; Ready=False for a dependency not ready is a wait.
fn flux(object: &Node, _ctx: &Context) -> ObjectStatus {
    let suspended = json::bool_at(object, &["spec", "suspend"]) == Some(true);
    let status = flux_status(object);
    if suspended && status.status != crate::engine::model::Status::Success {
        let message = format!("{} (suspended: spec.suspend is true)", status.message);
        return ObjectStatus { message, ..status };
    }
    status
}

fn flux_status(object: &Node) -> ObjectStatus {
    if let Some(requested) = json::annotation(object, "reconcile.fluxcd.io/requestedAt")
        && json::str_at(object, &["status", "lastHandledReconcileAt"]) != Some(requested)
    {
        return ObjectStatus::in_progress(format!(
            "Waiting for the reconcile requested at {requested} to be handled"
        ));
    }
    if let Some(stalled) = json::condition(object, "Stalled").filter(Condition::is_true) {
        return ObjectStatus::error(with_reason("Stalled", &stalled));
    }
    let Some(condition) = json::condition(object, "Ready") else {
        return waiting_for("Ready");
    };
    if condition.is_true() {
        return ObjectStatus::success(with_reason("Ready", &condition));
    }
    let reconciling = json::condition(object, "Reconciling").filter(Condition::is_true);
    let retrying = reconciling.is_some_and(|r| r.reason() == "ProgressingWithRetry");
    if condition.is_false()
        && condition.reason() != "DependencyNotReady"
        && (reconciling.is_none() || retrying)
    {
        return ObjectStatus::error(with_reason("Ready=False", &condition));
    }
    match reconciling {
        Some(reconciling) if !condition.is_false() => {
            ObjectStatus::in_progress(with_reason("Reconciling", &reconciling))
        }
        _ => ObjectStatus::in_progress(with_reason(
            &format!("Ready={}", condition.status),
            &condition,
        )),
    }
}

/// External Secrets ExternalSecret: Ready (SecretSynced, or SecretSyncedError: an Error), and
/// `status.syncedResourceVersion` (`<generation>-<hash>`) for the generation last synced.
fn external_secret(object: &Node, ctx: &Context) -> ObjectStatus {
    let synced = json::str_at(object, &["status", "syncedResourceVersion"])
        .and_then(|version| version.split('-').next())
        .and_then(|generation| generation.parse::<i64>().ok());
    if let (Some(synced), Some(wanted)) = (synced, ctx.wanted_generation(object))
        && synced < wanted
    {
        return ObjectStatus::in_progress(format!(
            "Waiting for the secret to be synced for generation {wanted} (synced {synced})"
        ));
    }
    let Some(condition) = json::condition(object, "Ready") else {
        return waiting_for("Ready");
    };
    if condition.is_true() {
        let refreshed = json::str_at(object, &["status", "refreshTime"]);
        let base = with_reason("Ready", &condition);
        return ObjectStatus::success(match refreshed {
            Some(time) => format!("{base} (refreshed {time})"),
            None => base,
        });
    }
    if condition.is_false() && condition.reason() == "SecretSyncedError" {
        return ObjectStatus::error(with_reason("Ready=False", &condition));
    }
    ObjectStatus::in_progress(with_reason(
        &format!("Ready={}", condition.status),
        &condition,
    ))
}

/// Reasons Knative gives when a revision cannot become ready (as opposed to not yet).
fn is_knative_failure(reason: &str) -> bool {
    matches!(
        reason,
        "RevisionFailed"
            | "ContainerMissing"
            | "ProgressDeadlineExceeded"
            | "ImagePullBackOff"
            | "ErrImagePull"
            | "CrashLoopBackOff"
            | "RouteNotOwned"
            | "ConfigurationNotOwned"
            | "NotOwned"
    ) || reason.starts_with("ExitCode")
}

/// Knative Serving Service: Ready, ConfigurationsReady and RoutesReady of the observed
/// generation. Unknown means not yet (helm#32066 returned before it); False is an Error only
/// with a reason that says a revision cannot become ready.
fn knative_service(object: &Node, _ctx: &Context) -> ObjectStatus {
    let Some(condition) = json::condition(object, "Ready") else {
        return waiting_for("Ready");
    };
    if condition.is_true() {
        let url = json::str_at(object, &["status", "url"]);
        return ObjectStatus::success(match url {
            Some(url) => format!("Ready at {url}"),
            None => "Ready".to_string(),
        });
    }
    let parts = ["ConfigurationsReady", "RoutesReady"]
        .map(|kind| json::condition(object, kind).map(|c| (kind, c)));
    let failing = parts
        .iter()
        .flatten()
        .find(|(_, c)| c.is_false() && is_knative_failure(c.reason()));
    if condition.is_false() && is_knative_failure(condition.reason()) {
        return ObjectStatus::error(with_reason("Ready=False", &condition));
    }
    if let Some((kind, part)) = failing {
        return ObjectStatus::error(with_reason(&format!("{kind}=False"), part));
    }
    let pending = parts.iter().flatten().find(|(_, c)| !c.is_true());
    match pending {
        Some((kind, part)) if condition.describe().is_empty() => {
            ObjectStatus::in_progress(with_reason(&format!("{kind}={}", part.status), part))
        }
        _ => ObjectStatus::in_progress(with_reason(
            &format!("Ready={}", condition.status),
            &condition,
        )),
    }
}

/// Groups of Crossplane itself whose kinds are not claims or managed resources (packages,
/// compositions, definitions) and keep their own conditions or none.
const CROSSPLANE_SYSTEM_GROUPS: &[&str] = &[
    "pkg.crossplane.io",
    "meta.pkg.crossplane.io",
    "apiextensions.crossplane.io",
    "secrets.crossplane.io",
    "ops.crossplane.io",
    "protection.crossplane.io",
];

/// Kinds every provider serves that have no Synced or Ready condition.
const CROSSPLANE_CONFIG_KINDS: &[&str] = &[
    "ProviderConfig",
    "ProviderConfigUsage",
    "ClusterProviderConfig",
    "ClusterProviderConfigUsage",
    "StoreConfig",
];

const CROSSPLANE_REASONS: &[&str] = &["ReconcileSuccess", "ReconcileError", "ReconcilePaused"];

/// Claims, composite resources and managed resources: a managed resource by its group
/// (`*.crossplane.io`, `*.upbound.io`) or its `spec.forProvider`; a claim or composite (whose
/// group is the user's own) by its composition fields (`spec.compositionRef`,
/// `spec.compositionSelector`, v2's `spec.crossplane`), or once it reports a Synced condition
/// with one of Crossplane's reasons.
fn is_crossplane(object: &Node, key: &ObjectKey) -> bool {
    if CROSSPLANE_SYSTEM_GROUPS.contains(&&*key.group)
        || CROSSPLANE_CONFIG_KINDS.contains(&&*key.kind)
    {
        return false;
    }
    let in_group = key.group.ends_with(".crossplane.io") || key.group.ends_with(".upbound.io");
    // Fields only Crossplane uses (`resourceRef` is too common a name to tell).
    let spec_says = [
        "forProvider",
        "compositionRef",
        "compositionSelector",
        "crossplane",
    ]
    .iter()
    .any(|field| json::at(object, &["spec", field]).is_some());
    let synced_says = json::condition(object, "Synced")
        .is_some_and(|synced| CROSSPLANE_REASONS.contains(&synced.reason()));
    in_group || spec_says || synced_says
}

/// Crossplane: Synced=False is an Error (ReconcileError: the provider could not apply the
/// spec) unless paused; Ready=True with Synced=True is Success; any other Ready (Creating,
/// Unavailable, Waiting, Deleting) is In progress.
fn crossplane(object: &Node, _ctx: &Context) -> ObjectStatus {
    let Some(synced) = json::condition(object, "Synced") else {
        return waiting_for("Synced");
    };
    if synced.is_false() {
        return if synced.reason() == "ReconcilePaused" {
            ObjectStatus::in_progress(with_reason("Paused", &synced))
        } else {
            ObjectStatus::error(with_reason("Synced=False", &synced))
        };
    }
    let Some(ready) = json::condition(object, "Ready") else {
        return waiting_for("Ready");
    };
    if ready.is_true() && synced.is_true() {
        ObjectStatus::success("Synced and Ready")
    } else if !ready.is_true() {
        ObjectStatus::in_progress(with_reason(&format!("Ready={}", ready.status), &ready))
    } else {
        ObjectStatus::in_progress(with_reason(&format!("Synced={}", synced.status), &synced))
    }
}

/// KEDA ScaledObject and ScaledJob: Ready (False: the scaler or its target is misconfigured,
/// an Error), Fallback=True (the scaler is failing and fallback replicas are in use, an Error),
/// Paused and Active told in the message.
fn keda(object: &Node, _ctx: &Context) -> ObjectStatus {
    let Some(condition) = json::condition(object, "Ready") else {
        return waiting_for("Ready");
    };
    if condition.is_false() {
        return ObjectStatus::error(with_reason("Ready=False", &condition));
    }
    if !condition.is_true() {
        return ObjectStatus::in_progress(with_reason("Ready=Unknown", &condition));
    }
    if let Some(fallback) = json::condition(object, "Fallback").filter(Condition::is_true) {
        return ObjectStatus::error(with_reason("Fallback", &fallback));
    }
    let mut message = with_reason("Ready", &condition);
    if json::condition(object, "Paused").is_some_and(|p| p.is_true()) {
        message.push_str("; paused");
    } else if let Some(active) = json::condition(object, "Active") {
        message.push_str(if active.is_true() {
            "; active"
        } else {
            "; not active (no trigger is active)"
        });
    }
    ObjectStatus::success(message)
}

#[cfg(test)]
mod tests {
    use crate::engine::model::{ObjectKey, ObjectStatus, Status};
    use crate::engine::testing::evaluate_fixture_with;
    use crate::engine::testing::fixture;

    /// The object of `kind.group` in the fixture (namespace `shop` unless cluster-scoped),
    /// judged as if the apply had returned `applied`.
    fn judge(yaml: &str, kind: &str, group: &str, applied: Option<i64>) -> ObjectStatus {
        let value: serde_json::Value = serde_saphyr::from_str(yaml).expect("fixture parses");
        let key = ObjectKey::of(&value).expect("fixture has a key");
        assert_eq!((&*key.kind, &*key.group), (kind, group));
        evaluate_fixture_with(yaml, &key, applied, true)
    }

    fn assert_status(status: &ObjectStatus, expected: Status, words: &str) {
        assert_eq!(status.status, expected, "{}", status.message);
        assert!(status.message.contains(words), "{}", status.message);
        let judge = status.judged_by.as_deref().unwrap_or("");
        assert!(judge.starts_with("built-in rule for "), "{judge}");
        assert!(status.message.contains(judge), "{}", status.message);
    }

    fn rollout(yaml: &str, applied: Option<i64>) -> ObjectStatus {
        judge(yaml, "Rollout", "argoproj.io", applied)
    }

    #[test]
    fn rollout_healthy_with_string_observed_generation_is_success() {
        let status = rollout(fixture!("rollout-healthy.yaml"), Some(3));
        assert_status(&status, Status::Success, "Healthy");
        assert_eq!(
            status.judged_by.as_deref(),
            Some("built-in rule for Rollout.argoproj.io")
        );
    }

    #[test]
    fn rollout_with_stale_string_observed_generation_is_in_progress() {
        // helm#32615: the string "3" must still be compared with generation 4.
        let yaml = fixture!("rollout-healthy.yaml").replace("generation: 3", "generation: 4");
        let status = rollout(&yaml, Some(4));
        assert_status(
            &status,
            Status::InProgress,
            "observe generation 4 (observed 3)",
        );
        // The generation the apply returned counts even if the snapshot is older.
        let status = rollout(fixture!("rollout-healthy.yaml"), Some(4));
        assert_status(&status, Status::InProgress, "generation 4");
    }

    #[test]
    fn rollout_with_a_spec_hash_for_observed_generation_is_judged_by_phase() {
        let yaml = fixture!("rollout-healthy.yaml").replace(
            "observedGeneration: \"3\"",
            "observedGeneration: 7d9f8c6b5d",
        );
        assert_status(&rollout(&yaml, Some(3)), Status::Success, "Healthy");
    }

    #[test]
    fn rollout_degraded_is_an_error_with_its_message() {
        let status = rollout(fixture!("rollout-degraded.yaml"), Some(4));
        assert_status(&status, Status::Error, "Degraded: ProgressDeadlineExceeded");
    }

    #[test]
    fn rollout_aborted_is_an_error_whatever_its_phase() {
        let yaml = fixture!("rollout-degraded.yaml")
            .replace("phase: Degraded", "phase: Progressing\n  abort: true");
        assert_status(&rollout(&yaml, Some(4)), Status::Error, "Rollout aborted");
    }

    #[test]
    fn rollout_paused_or_progressing_is_in_progress() {
        let status = rollout(fixture!("rollout-paused.yaml"), Some(4));
        assert_status(&status, Status::InProgress, "Paused (CanaryPauseStep)");
        let yaml =
            fixture!("rollout-degraded.yaml").replace("phase: Degraded", "phase: Progressing");
        assert_status(&rollout(&yaml, Some(4)), Status::InProgress, "Progressing");
    }

    #[test]
    fn rollout_without_status_waits_for_the_controller() {
        let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\n\
                    metadata: {name: web, namespace: shop, generation: 1}\n";
        let status = rollout(yaml, Some(1));
        assert_status(&status, Status::InProgress, "rollout controller");
    }

    fn certificate(yaml: &str, applied: Option<i64>) -> ObjectStatus {
        judge(yaml, "Certificate", "cert-manager.io", applied)
    }

    #[test]
    fn certificate_ready_of_the_current_generation_is_success() {
        let status = certificate(fixture!("certificate-ready.yaml"), Some(2));
        assert_status(&status, Status::Success, "up to date");
    }

    #[test]
    fn certificate_ready_of_an_older_generation_is_in_progress() {
        // kapp#435: Ready=True stamped with generation 1 says nothing about generation 2.
        let yaml = fixture!("certificate-ready.yaml")
            .replace("observedGeneration: 2", "observedGeneration: 1");
        let status = certificate(&yaml, Some(2));
        assert_status(&status, Status::InProgress, "of generation 1");
    }

    #[test]
    fn certificate_issuing_is_in_progress() {
        let yaml = fixture!("certificate-issuance-failed.yaml")
            .replace(
                "reason: Failed\n    status: \"False\"",
                "reason: DoesNotExist\n    status: \"True\"",
            )
            .replace("failedIssuanceAttempts: 1\n", "")
            .replace("  lastFailureTime: \"2024-05-02T09:19:00Z\"\n", "");
        assert_status(&certificate(&yaml, Some(1)), Status::InProgress, "Issuing");
    }

    #[test]
    fn certificate_failed_issuance_is_an_error() {
        let status = certificate(fixture!("certificate-issuance-failed.yaml"), Some(1));
        assert_status(&status, Status::Error, "Issuance failed: Failed");
        // Without the Issuing condition, lastFailureTime still tells.
        let yaml =
            fixture!("certificate-issuance-failed.yaml").replace("type: Issuing", "type: Other");
        assert_status(
            &certificate(&yaml, Some(1)),
            Status::Error,
            "Issuance failed",
        );
    }

    #[test]
    fn certificate_not_ready_without_a_failure_is_in_progress() {
        let yaml =
            fixture!("certificate-ready.yaml").replace("status: \"True\"", "status: \"False\"");
        assert_status(
            &certificate(&yaml, Some(2)),
            Status::InProgress,
            "Ready=False",
        );
    }

    #[test]
    fn cluster_issuer_ready_is_success_and_an_error_reason_is_an_error() {
        let issuer = |yaml: &str| judge(yaml, "ClusterIssuer", "cert-manager.io", Some(1));
        assert_status(
            &issuer(fixture!("clusterissuer.yaml")),
            Status::Success,
            "registered",
        );
        let yaml = fixture!("clusterissuer.yaml")
            .replace(
                "reason: ACMEAccountRegistered",
                "reason: ErrRegisterACMEAccount",
            )
            .replace("status: \"True\"", "status: \"False\"");
        assert_status(&issuer(&yaml), Status::Error, "ErrRegisterACMEAccount");
        let stale = fixture!("clusterissuer.yaml").replace("generation: 1", "generation: 2");
        assert_status(
            &issuer(&stale),
            Status::InProgress,
            "condition Ready is of generation 1",
        );
    }

    fn kustomization(yaml: &str, applied: Option<i64>) -> ObjectStatus {
        judge(
            yaml,
            "Kustomization",
            "kustomize.toolkit.fluxcd.io",
            applied,
        )
    }

    #[test]
    fn flux_kustomization_ready_is_success() {
        let status = kustomization(fixture!("flux-kustomization-ready.yaml"), Some(2));
        assert_status(&status, Status::Success, "Applied revision");
    }

    #[test]
    fn flux_requested_reconcile_not_yet_handled_is_in_progress() {
        let yaml = fixture!("flux-kustomization-ready.yaml").replace(
            "reconcile.fluxcd.io/requestedAt: \"2024-05-02T09:17:30.123456789Z\"",
            "reconcile.fluxcd.io/requestedAt: \"2024-05-02T10:00:00Z\"",
        );
        let status = kustomization(&yaml, Some(2));
        assert_status(
            &status,
            Status::InProgress,
            "requested at 2024-05-02T10:00:00Z",
        );
    }

    #[test]
    fn flux_stale_generation_is_in_progress() {
        let status = kustomization(fixture!("flux-kustomization-ready.yaml"), Some(3));
        assert_status(&status, Status::InProgress, "generation 3");
    }

    #[test]
    fn flux_stalled_is_an_error_and_reconciling_in_progress() {
        let stalled = fixture!("flux-kustomization-ready.yaml").replace(
            "    type: Healthy",
            "    type: Healthy\n  - {type: Stalled, status: \"True\", reason: InvalidPath, \
             message: \"path ./apps not found\", observedGeneration: 2}",
        );
        assert_status(
            &kustomization(&stalled, Some(2)),
            Status::Error,
            "InvalidPath",
        );
        let reconciling = fixture!("flux-kustomization-ready.yaml")
            .replace(
                "status: \"True\"\n    type: Ready",
                "status: Unknown\n    type: Ready",
            )
            .replace(
                "    type: Healthy",
                "    type: Healthy\n  - {type: Reconciling, status: \"True\", reason: Progressing, \
                 message: \"Building manifests\", observedGeneration: 2}",
            );
        assert_status(
            &kustomization(&reconciling, Some(2)),
            Status::InProgress,
            "Building",
        );
    }

    #[test]
    fn flux_dependency_not_ready_is_in_progress() {
        let yaml = fixture!("flux-kustomization-ready.yaml").replace(
            "reason: ReconciliationSucceeded\n    status: \"True\"",
            "reason: DependencyNotReady\n    status: \"False\"",
        );
        assert_status(
            &kustomization(&yaml, Some(2)),
            Status::InProgress,
            "DependencyNotReady",
        );
    }

    #[test]
    fn flux_helm_release_failed_and_retrying_is_an_error() {
        let status = judge(
            fixture!("flux-helmrelease-failed.yaml"),
            "HelmRelease",
            "helm.toolkit.fluxcd.io",
            Some(3),
        );
        assert_status(&status, Status::Error, "UpgradeFailed");
    }

    #[test]
    fn flux_git_repository_is_judged_by_the_flux_rule() {
        let yaml = fixture!("flux-kustomization-ready.yaml")
            .replace(
                "kustomize.toolkit.fluxcd.io/v1",
                "source.toolkit.fluxcd.io/v1",
            )
            .replace("kind: Kustomization", "kind: GitRepository")
            .replace(
                "reason: ReconciliationSucceeded\n    status: \"True\"",
                "reason: GitOperationFailed\n    status: \"False\"",
            );
        let status = judge(&yaml, "GitRepository", "source.toolkit.fluxcd.io", Some(2));
        assert_status(&status, Status::Error, "GitOperationFailed");
    }

    fn external_secret(yaml: &str, applied: Option<i64>) -> ObjectStatus {
        judge(yaml, "ExternalSecret", "external-secrets.io", applied)
    }

    #[test]
    fn external_secret_synced_is_success() {
        let status = external_secret(fixture!("externalsecret-synced.yaml"), Some(2));
        assert_status(&status, Status::Success, "SecretSynced");
    }

    #[test]
    fn external_secret_sync_error_is_an_error() {
        let yaml = fixture!("externalsecret-synced.yaml")
            .replace(
                "reason: SecretSynced\n    status: \"True\"",
                "reason: SecretSyncedError\n    status: \"False\"",
            )
            .replace(
                "message: Secret was synced",
                "message: could not get secret data from provider",
            );
        let status = external_secret(&yaml, Some(2));
        assert_status(&status, Status::Error, "could not get secret data");
    }

    #[test]
    fn external_secret_synced_for_an_older_generation_is_in_progress() {
        let status = external_secret(fixture!("externalsecret-synced.yaml"), Some(3));
        assert_status(&status, Status::InProgress, "generation 3 (synced 2)");
    }

    fn knative(yaml: &str, applied: Option<i64>) -> ObjectStatus {
        judge(yaml, "Service", "serving.knative.dev", applied)
    }

    #[test]
    fn knative_service_ready_is_success() {
        let status = knative(fixture!("knative-service-ready.yaml"), Some(2));
        assert_status(&status, Status::Success, "http://hello.shop.example.com");
    }

    #[test]
    fn knative_service_ready_unknown_is_in_progress() {
        // helm#32066: not ready yet is not done.
        let yaml = fixture!("knative-service-ready.yaml").replace(
            "  - lastTransitionTime: \"2024-05-02T09:18:00Z\"\n    status: \"True\"\n    type: Ready",
            "  - lastTransitionTime: \"2024-05-02T09:18:00Z\"\n    reason: Deploying\n    \
             status: Unknown\n    type: Ready",
        );
        assert_status(&knative(&yaml, Some(2)), Status::InProgress, "Deploying");
    }

    #[test]
    fn knative_service_revision_failed_is_an_error() {
        let status = knative(fixture!("knative-service-revision-failed.yaml"), Some(2));
        assert_status(&status, Status::Error, "RevisionFailed");
        // False without a failure reason is still a wait.
        let yaml = fixture!("knative-service-revision-failed.yaml")
            .replace("reason: RevisionFailed", "reason: RevisionMissing");
        assert_status(
            &knative(&yaml, Some(2)),
            Status::InProgress,
            "RevisionMissing",
        );
    }

    #[test]
    fn knative_service_of_an_older_generation_is_in_progress() {
        let status = knative(fixture!("knative-service-ready.yaml"), Some(3));
        assert_status(&status, Status::InProgress, "generation 3");
    }

    #[test]
    fn crossplane_managed_resource_synced_and_ready_is_success() {
        let status = judge(
            fixture!("crossplane-bucket.yaml"),
            "Bucket",
            "s3.aws.upbound.io",
            Some(1),
        );
        assert_status(&status, Status::Success, "Synced and Ready");
        assert_eq!(
            status.judged_by.as_deref(),
            Some("built-in rule for Crossplane")
        );
        let creating = fixture!("crossplane-bucket.yaml").replace(
            "reason: Available\n    status: \"True\"",
            "reason: Creating\n    status: \"False\"",
        );
        let status = judge(&creating, "Bucket", "s3.aws.upbound.io", Some(1));
        assert_status(&status, Status::InProgress, "Creating");
    }

    #[test]
    fn crossplane_managed_resource_without_status_waits_for_synced() {
        let yaml = "apiVersion: s3.aws.upbound.io/v1beta1\nkind: Bucket\nmetadata: {name: b}\n\
                    spec: {forProvider: {region: eu-west-1}}\n";
        let status = judge(yaml, "Bucket", "s3.aws.upbound.io", Some(1));
        assert_status(&status, Status::InProgress, "Synced condition");
    }

    #[test]
    fn crossplane_claim_that_cannot_sync_is_an_error() {
        let status = judge(
            fixture!("crossplane-claim-error.yaml"),
            "PostgreSQLInstance",
            "platform.example.org",
            Some(1),
        );
        assert_status(
            &status,
            Status::Error,
            "ReconcileError: cannot compose resources",
        );
    }

    #[test]
    fn crossplane_claim_is_recognised_by_its_synced_reason_alone() {
        let yaml = fixture!("crossplane-claim-error.yaml").replace(
            "  compositionSelector:\n    matchLabels: {provider: aws}\n",
            "",
        );
        assert!(!yaml.contains("compositionSelector"));
        let status = judge(&yaml, "PostgreSQLInstance", "platform.example.org", Some(1));
        assert_status(&status, Status::Error, "ReconcileError");
    }

    #[test]
    fn a_resource_ref_alone_does_not_make_a_crossplane_resource() {
        let yaml = "apiVersion: example.com/v1\nkind: Binding\nmetadata: {name: b, namespace: shop}\n\
                    spec: {resourceRef: {name: x}}\n";
        let key = ObjectKey::new("example.com", "Binding", Some("shop"), "b");
        let status = evaluate_fixture_with(yaml, &key, Some(1), true);
        assert_eq!(status.judged_by.as_deref(), Some("existence"));
    }

    #[test]
    fn crossplane_provider_config_is_not_judged_by_the_crossplane_rule() {
        let yaml = "apiVersion: aws.upbound.io/v1beta1\nkind: ProviderConfig\nmetadata: {name: default}\n\
                    spec: {credentials: {source: IRSA}}\n";
        let key = ObjectKey::new("aws.upbound.io", "ProviderConfig", None, "default");
        let status = evaluate_fixture_with(yaml, &key, Some(1), true);
        assert_eq!(status.judged_by.as_deref(), Some("existence"));
    }

    fn keda(yaml: &str) -> ObjectStatus {
        judge(yaml, "ScaledObject", "keda.sh", Some(1))
    }

    #[test]
    fn keda_ready_is_success_and_says_active() {
        assert_status(
            &keda(fixture!("keda-scaledobject.yaml")),
            Status::Success,
            "; active",
        );
    }

    #[test]
    fn keda_not_ready_or_in_fallback_is_an_error() {
        let yaml = fixture!("keda-scaledobject.yaml").replace(
            "reason: ScaledObjectReady\n    status: \"True\"",
            "reason: ScaledObjectCheckFailed\n    status: \"False\"",
        );
        assert_status(&keda(&yaml), Status::Error, "ScaledObjectCheckFailed");
        let yaml = fixture!("keda-scaledobject.yaml").replace(
            "reason: NoFallbackFound\n    status: \"False\"",
            "reason: FallbackExists\n    status: \"True\"",
        );
        assert_status(&keda(&yaml), Status::Error, "Fallback");
    }

    #[test]
    fn keda_without_ready_is_in_progress() {
        let yaml = fixture!("keda-scaledobject.yaml").replace("type: Ready", "type: Other");
        assert_status(&keda(&yaml), Status::InProgress, "Ready condition");
    }
}
