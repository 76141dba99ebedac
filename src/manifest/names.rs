//! The rules the Kubernetes API server applies to object names and namespaces, so that a bad
//! name stops the run before anything is sent instead of half-way through an apply.

/// How the API server validates the name of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// RFC 1123 label: Namespaces, and every `metadata.namespace`.
    Label,
    /// RFC 1035 label (starts with a letter): Services.
    ServiceLabel,
    /// RFC 1123 subdomain, at most `max` characters (253, or 52 for CronJobs).
    Subdomain { max: usize },
    /// Only what a URL path segment needs: kinds the server validates no further (RBAC) and
    /// kinds kstatus does not know, which may be served by an API that allows more.
    PathSegment,
}

const LABEL_MAX: usize = 63;
const SUBDOMAIN_MAX: usize = 253;
/// The CronJob controller names each Job after its CronJob plus an 11-character suffix, and
/// Job names must stay within 63 characters.
const CRONJOB_MAX: usize = 52;

impl NameRule {
    /// The rule the API server applies to names of `kind` in API group `group`.
    pub fn for_kind(group: &str, kind: &str) -> NameRule {
        let subdomain = NameRule::Subdomain { max: SUBDOMAIN_MAX };
        match (group, kind) {
            ("", "Namespace") => NameRule::Label,
            ("", "Service") => NameRule::ServiceLabel,
            ("batch", "CronJob") => NameRule::Subdomain { max: CRONJOB_MAX },
            (
                "",
                "ConfigMap"
                | "Secret"
                | "Pod"
                | "PodTemplate"
                | "ServiceAccount"
                | "PersistentVolumeClaim"
                | "PersistentVolume"
                | "ReplicationController"
                | "Endpoints"
                | "LimitRange"
                | "ResourceQuota"
                | "Node",
            )
            | (
                "apps",
                "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ControllerRevision",
            )
            | ("extensions", "Deployment" | "DaemonSet" | "ReplicaSet" | "Ingress")
            | ("batch", "Job")
            | ("networking.k8s.io", "Ingress" | "IngressClass" | "NetworkPolicy")
            | ("autoscaling", "HorizontalPodAutoscaler")
            | ("storage.k8s.io", "StorageClass")
            | ("scheduling.k8s.io", "PriorityClass")
            | ("apiextensions.k8s.io", "CustomResourceDefinition") => subdomain,
            _ => NameRule::PathSegment,
        }
    }

    /// Why `value` breaks this rule, in plain words; None when it is valid.
    pub fn violation(self, value: &str) -> Option<String> {
        let (max, valid) = match self {
            NameRule::PathSegment => {
                let valid = !matches!(value, "." | "..") && !value.contains(['/', '%']);
                return (!valid).then(|| {
                    "it must not be \".\" or \"..\" and must not contain '/' or '%'".to_string()
                });
            }
            NameRule::Label => (LABEL_MAX, is_label(value)),
            NameRule::ServiceLabel => (
                LABEL_MAX,
                is_label(value) && value.starts_with(|c: char| c.is_ascii_lowercase()),
            ),
            NameRule::Subdomain { max } => (max, value.split('.').all(is_label)),
        };
        let length = value.chars().count();
        if valid && length > max {
            return Some(format!(
                "it is {length} characters long, at most {max} are allowed"
            ));
        }
        if valid {
            return None;
        }
        let shape = match self {
            NameRule::Label => {
                "it must consist of lower case letters, digits and '-', start and end with a \
                 letter or digit"
            }
            NameRule::ServiceLabel => {
                "it must consist of lower case letters, digits and '-', start with a letter and \
                 end with a letter or digit"
            }
            _ => {
                "it must consist of lower case letters, digits, '-' and '.', start and end with a \
                 letter or digit, and have a letter or digit on both sides of every '.'"
            }
        };
        Some(format!("{shape} (at most {max} characters)"))
    }
}

/// One RFC 1123 label without its length limit: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
fn is_label(part: &str) -> bool {
    let alphanumeric = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let bytes = part.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) => {
            alphanumeric(first)
                && alphanumeric(last)
                && bytes.iter().all(|&c| alphanumeric(c) || c == b'-')
        }
        _ => false,
    }
}

/// Why `value` cannot be a namespace name; None when it can.
pub fn namespace_violation(value: &str) -> Option<String> {
    NameRule::Label.violation(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subdomain() -> NameRule {
        NameRule::for_kind("apps", "Deployment")
    }

    #[test]
    fn kinds_get_the_rule_the_api_server_applies() {
        assert_eq!(NameRule::for_kind("", "Namespace"), NameRule::Label);
        assert_eq!(NameRule::for_kind("", "Service"), NameRule::ServiceLabel);
        for (group, kind) in [
            ("", "ConfigMap"),
            ("", "Secret"),
            ("", "Pod"),
            ("", "ServiceAccount"),
            ("", "PersistentVolumeClaim"),
            ("apps", "Deployment"),
            ("apps", "StatefulSet"),
            ("apps", "DaemonSet"),
            ("apps", "ReplicaSet"),
            ("batch", "Job"),
            ("networking.k8s.io", "Ingress"),
            ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ] {
            assert_eq!(
                NameRule::for_kind(group, kind),
                NameRule::Subdomain { max: 253 },
                "{group}/{kind}"
            );
        }
        assert_eq!(
            NameRule::for_kind("batch", "CronJob"),
            NameRule::Subdomain { max: 52 }
        );
        for (group, kind) in [
            ("rbac.authorization.k8s.io", "Role"),
            ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
            ("example.com", "Widget"),
            ("", "Widget"),
            ("apps.example.com", "Deployment"),
        ] {
            assert_eq!(
                NameRule::for_kind(group, kind),
                NameRule::PathSegment,
                "{group}/{kind}"
            );
        }
    }

    #[test]
    fn labels_allow_lower_case_letters_digits_and_inner_dashes_up_to_63() {
        for valid in ["a", "0", "web-1", "1st", &"a".repeat(63)] {
            assert_eq!(NameRule::Label.violation(valid), None, "{valid}");
        }
        for invalid in ["", "Web", "web_1", "-web", "web-", "a.b", "ünï", "web 1"] {
            let why = NameRule::Label.violation(invalid).expect(invalid);
            assert_eq!(
                why,
                "it must consist of lower case letters, digits and '-', start and end with a \
                 letter or digit (at most 63 characters)"
            );
        }
        assert_eq!(
            NameRule::Label.violation(&"a".repeat(64)).unwrap(),
            "it is 64 characters long, at most 63 are allowed"
        );
    }

    #[test]
    fn service_names_start_with_a_letter() {
        assert_eq!(NameRule::ServiceLabel.violation("web"), None);
        assert_eq!(NameRule::ServiceLabel.violation(&"s".repeat(63)), None);
        assert!(
            NameRule::ServiceLabel
                .violation("1web")
                .unwrap()
                .contains("start with a letter")
        );
        assert!(NameRule::ServiceLabel.violation(&"s".repeat(64)).is_some());
    }

    #[test]
    fn subdomains_are_dot_separated_labels_up_to_253() {
        let max = format!("{}.{}", "a".repeat(126), "b".repeat(126));
        assert_eq!(max.len(), 253);
        for valid in [
            "web",
            "web.example.com",
            "a-1.b-2",
            "0.0",
            &"a".repeat(253),
            &max,
        ] {
            assert_eq!(subdomain().violation(valid), None, "{valid}");
        }
        for invalid in ["", "Bad_Name!", "a..b", "a.-b", ".a", "a.", "web/1", "a_b"] {
            assert_eq!(
                subdomain().violation(invalid).as_deref(),
                Some(
                    "it must consist of lower case letters, digits, '-' and '.', start and end \
                     with a letter or digit, and have a letter or digit on both sides of every \
                     '.' (at most 253 characters)"
                ),
                "{invalid}"
            );
        }
        assert_eq!(
            subdomain().violation(&"a".repeat(254)).unwrap(),
            "it is 254 characters long, at most 253 are allowed"
        );
    }

    #[test]
    fn cronjob_names_leave_room_for_the_job_suffix() {
        let cronjob = NameRule::for_kind("batch", "CronJob");
        assert_eq!(cronjob.violation(&"c".repeat(52)), None);
        assert_eq!(
            cronjob.violation(&"c".repeat(53)).unwrap(),
            "it is 53 characters long, at most 52 are allowed"
        );
    }

    #[test]
    fn path_segments_refuse_only_what_breaks_a_url() {
        for valid in ["Admin_Role", "system:aggregate-to-edit", "a b", "ünï"] {
            assert_eq!(NameRule::PathSegment.violation(valid), None, "{valid}");
        }
        for invalid in [".", "..", "a/b", "50%"] {
            assert_eq!(
                NameRule::PathSegment.violation(invalid).as_deref(),
                Some("it must not be \".\" or \"..\" and must not contain '/' or '%'"),
                "{invalid}"
            );
        }
    }

    #[test]
    fn namespaces_are_labels() {
        assert_eq!(namespace_violation("shop"), None);
        assert!(namespace_violation("Shop").is_some());
        assert!(namespace_violation(&"n".repeat(64)).is_some());
    }
}
