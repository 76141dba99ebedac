//! Planning a run before any object is applied or watched, the same for `apply` and `watch -f`:
//! which namespace each object goes to (refusing one that contradicts -n), which kinds the
//! input's own CRDs define, duplicates once namespaces are known, the apply phases, and what the
//! timeout flag means. Pure: what the cluster serves is passed in.

use std::collections::HashMap;
use std::time::Duration;

use crate::error::ManifestProblem;
use crate::manifest::{Manifest, Origin};

/// Where namespaced objects that do not name a namespace go, and what -n said.
#[derive(Debug, Clone, Copy)]
pub struct Namespaces<'a> {
    /// `-n`, when given: an object naming another namespace is refused.
    pub flag: Option<&'a str>,
    /// -n, else the context's namespace.
    pub default: &'a str,
}

/// What a kind the server does not serve, but a CRD of the same input defines, is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputCrds {
    /// `apply`: served once the CRD is applied and established; resolved then.
    AppliedFirst,
    /// `watch -f`: nothing applies the CRD, so the kind is unknown like any other.
    Ignored,
}

/// The namespace of every manifest (None for cluster-scoped kinds), given whether the server
/// serves each one's kind and with which scope (`served[i]` for `manifests[i]`: Some(namespaced),
/// None when it does not serve it). Every problem is reported at once: unknown kinds, objects
/// naming another namespace than -n, and objects appearing twice.
pub fn namespaces(
    manifests: &[Manifest],
    served: &[Option<bool>],
    namespaces: Namespaces<'_>,
    input_crds: InputCrds,
) -> Result<Vec<Option<String>>, Vec<ManifestProblem>> {
    let defined_by_input = match input_crds {
        InputCrds::AppliedFirst => crd_kinds(manifests),
        InputCrds::Ignored => HashMap::new(),
    };
    let mut resolved = Vec::with_capacity(manifests.len());
    let mut problems = Vec::new();
    for (manifest, served) in manifests.iter().zip(served) {
        let scope = served.or_else(|| {
            defined_by_input
                .get(&(manifest.group().to_string(), manifest.kind().to_string()))
                .copied()
        });
        let namespace = match scope {
            Some(namespaced) => namespace_for(manifest, namespaced, namespaces),
            None => Err(manifest.unknown_kind()),
        };
        match namespace {
            Ok(namespace) => resolved.push(namespace),
            Err(problem) => {
                problems.push(problem);
                resolved.push(None);
            }
        }
    }
    problems.extend(find_duplicates(manifests, &resolved));
    if problems.is_empty() {
        Ok(resolved)
    } else {
        Err(problems)
    }
}

/// The namespace an object goes to: the manifest's, else -n, else the context's. An object
/// naming another namespace than -n is refused, as kubectl does.
pub fn namespace_for(
    manifest: &Manifest,
    namespaced: bool,
    namespaces: Namespaces<'_>,
) -> Result<Option<String>, ManifestProblem> {
    if !namespaced {
        return Ok(None);
    }
    match (manifest.namespace(), namespaces.flag) {
        (Some(own), Some(flag)) if own != flag => Err(ManifestProblem {
            location: manifest.origin.to_string(),
            message: format!(
                "{} names namespace \"{own}\" but -n is \"{flag}\"; remove -n or pass -n {own}",
                manifest.display_name()
            ),
        }),
        (Some(own), _) => Ok(Some(own.to_string())),
        (None, _) => Ok(Some(namespaces.default.to_string())),
    }
}

/// (group, kind) -> namespaced, for every CRD in the input.
fn crd_kinds(manifests: &[Manifest]) -> HashMap<(String, String), bool> {
    manifests
        .iter()
        .filter(|m| m.is_crd())
        .filter_map(|crd| {
            let spec = &crd.object["spec"];
            let group = spec["group"].as_str()?.to_string();
            let kind = spec["names"]["kind"].as_str()?.to_string();
            let namespaced = spec["scope"].as_str() != Some("Cluster");
            Some(((group, kind), namespaced))
        })
        .collect()
}

/// Objects that appear more than once, once their namespaces are resolved: `namespaces[i]` is
/// the namespace of `manifests[i]` (None for cluster-scoped kinds).
pub fn find_duplicates(
    manifests: &[Manifest],
    namespaces: &[Option<String>],
) -> Vec<ManifestProblem> {
    let mut first_seen: HashMap<(String, String, Option<String>, String), &Origin> = HashMap::new();
    let mut problems = Vec::new();
    for (manifest, namespace) in manifests.iter().zip(namespaces) {
        let key = (
            manifest.group().to_string(),
            manifest.kind().to_string(),
            namespace.clone(),
            manifest.name().to_string(),
        );
        if let Some(first) = first_seen.get(&key) {
            problems.push(ManifestProblem {
                location: manifest.origin.to_string(),
                message: format!("{} is also defined at {first}", manifest.display_name()),
            });
        } else {
            first_seen.insert(key, &manifest.origin);
        }
    }
    problems
}

/// Splits manifests (by index) into the two apply phases: Namespaces and
/// CustomResourceDefinitions first (so objects in them, and custom resources of them, can
/// apply), then everything else. Input order is kept within each phase.
pub fn apply_phases(manifests: &[Manifest]) -> (Vec<usize>, Vec<usize>) {
    let (mut first, rest): (Vec<usize>, Vec<usize>) =
        (0..manifests.len()).partition(|&i| manifests[i].is_namespace() || manifests[i].is_crd());
    // Namespaces before CRDs, so a namespaced CRD's resources find their namespace.
    first.sort_by_key(|&i| !manifests[i].is_namespace());
    (first, rest)
}

/// The run's deadline from `--timeout`: 0 means no limit.
pub fn deadline(timeout: Duration) -> Option<Duration> {
    Some(timeout).filter(|t| !t.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::parse_source;

    fn parse(text: &str) -> Vec<Manifest> {
        parse_source("app.yaml", text).expect("valid manifests")
    }

    fn messages(problems: Vec<ManifestProblem>) -> Vec<String> {
        problems
            .into_iter()
            .map(|p| format!("{}: {}", p.location, p.message))
            .collect()
    }

    const SHOP: Namespaces<'static> = Namespaces {
        flag: None,
        default: "shop",
    };

    #[test]
    fn duplicates_are_found_after_namespace_resolution() {
        let manifests = parse(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: \
             ConfigMap\nmetadata: {name: a, namespace: shop}\n---\napiVersion: v1\nkind: \
             ConfigMap\nmetadata: {name: a, namespace: other}\n",
        );
        let resolved: Vec<_> = manifests
            .iter()
            .map(|m| Some(m.namespace().unwrap_or("shop").to_string()))
            .collect();
        let found = find_duplicates(&manifests, &resolved);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location, "app.yaml:5 (document 2)");
        assert_eq!(
            found[0].message,
            "ConfigMap/a is also defined at app.yaml:1 (document 1)"
        );
        let as_written: Vec<_> = manifests
            .iter()
            .map(|m| m.namespace().map(String::from))
            .collect();
        assert!(find_duplicates(&manifests, &as_written).is_empty());
    }

    #[test]
    fn namespaces_and_crds_apply_first_in_input_order() {
        let manifests = parse(
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\n\
             apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: \
             widgets.example.com}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n\
             apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
        );
        let (first, rest) = apply_phases(&manifests);
        let names = |is: &[usize]| {
            is.iter()
                .map(|&i| manifests[i].display_name())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&first),
            [
                "Namespace/shop",
                "CustomResourceDefinition/widgets.example.com"
            ]
        );
        assert_eq!(names(&rest), ["Widget/w", "ConfigMap/c"]);
    }

    #[test]
    fn objects_go_to_their_own_namespace_else_the_default_and_cluster_kinds_to_none() {
        let manifests = parse(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: \
             ConfigMap\nmetadata: {name: b, namespace: admin}\n---\napiVersion: v1\nkind: \
             Namespace\nmetadata: {name: shop}\n",
        );
        let served = [Some(true), Some(true), Some(false)];
        let placed = namespaces(&manifests, &served, SHOP, InputCrds::AppliedFirst).unwrap();
        assert_eq!(
            placed,
            [Some("shop".to_string()), Some("admin".to_string()), None]
        );
    }

    #[test]
    fn a_namespace_other_than_the_flag_is_refused_with_every_other_problem() {
        let manifests = parse(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: admin}\n---\n\
             apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\napiVersion: v1\n\
             kind: ConfigMap\nmetadata: {name: c, namespace: shop}\n---\napiVersion: v1\nkind: \
             ConfigMap\nmetadata: {name: c}\n",
        );
        let flagged = Namespaces {
            flag: Some("shop"),
            default: "shop",
        };
        let served = [Some(true), None, Some(true), Some(true)];
        let problems = namespaces(&manifests, &served, flagged, InputCrds::Ignored).unwrap_err();
        assert_eq!(
            messages(problems),
            [
                "app.yaml:1 (document 1): ConfigMap/a names namespace \"admin\" but -n is \
                 \"shop\"; remove -n or pass -n admin",
                "app.yaml:5 (document 2): Widget/w: no matches for kind \"Widget\" in version \
                 \"example.com/v1\" on this cluster",
                "app.yaml:13 (document 4): ConfigMap/c is also defined at app.yaml:9 (document 3)",
            ]
        );
    }

    #[test]
    fn kinds_of_the_inputs_own_crds_wait_for_apply_but_not_for_watch() {
        let manifests = parse(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: \
             {name: widgets.example.com}\nspec:\n  group: example.com\n  scope: Namespaced\n  \
             names: {kind: Widget, plural: widgets}\n---\napiVersion: example.com/v1\nkind: \
             Widget\nmetadata: {name: w}\n",
        );
        let served = [Some(false), None];
        let placed = namespaces(&manifests, &served, SHOP, InputCrds::AppliedFirst).unwrap();
        assert_eq!(placed, [None, Some("shop".to_string())]);
        let problems = namespaces(&manifests, &served, SHOP, InputCrds::Ignored).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .message
                .starts_with("Widget/w: no matches for kind")
        );
    }

    #[test]
    fn a_zero_timeout_means_no_deadline() {
        assert_eq!(deadline(Duration::ZERO), None);
        assert_eq!(
            deadline(Duration::from_secs(300)),
            Some(Duration::from_secs(300))
        );
    }
}
