//! Kubernetes label selectors (`app=shop,tier!=db,env in (a,b),!legacy`): parsing and matching,
//! for objects that arrive through a watch wider than the selector.

use std::collections::BTreeMap;

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed label selector; every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

impl Selector {
    /// Parses the kubectl `-l` syntax.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            requirements.push(parse_requirement(part)?);
        }
        Ok(Selector { requirements })
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| match r {
            Requirement::Equals(k, v) => labels.get(k) == Some(v),
            Requirement::NotEquals(k, v) => labels.get(k) != Some(v),
            Requirement::In(k, vs) => labels.get(k).is_some_and(|l| vs.contains(l)),
            Requirement::NotIn(k, vs) => labels.get(k).is_none_or(|l| !vs.contains(l)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::NotExists(k) => !labels.contains_key(k),
        })
    }

    /// This selector and the label `key` existing (`watch --by KEY`): what `-l` would be with
    /// `,KEY` appended, with `key` checked to be a label key and nothing more.
    pub fn and_exists(mut self, key: &str) -> Result<Self, String> {
        let key = valid_key(key).ok_or_else(|| format!("invalid label key {key:?}"))?;
        self.requirements.push(Requirement::Exists(key));
        Ok(self)
    }

    /// Matches the labels of an object snapshot.
    pub fn matches_object(&self, object: &serde_json::Value) -> bool {
        let labels: BTreeMap<String, String> = object["metadata"]["labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        self.matches(&labels)
    }
}

/// Splits on commas outside parentheses: `a in (x,y),b` has two requirements.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_requirement(part: &str) -> Result<Requirement, String> {
    let invalid = || format!("invalid label selector requirement {part:?}");
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement::NotExists(
            valid_key(key.trim()).ok_or_else(invalid)?,
        ));
    }
    for (operator, build) in [
        (
            "!=",
            Requirement::NotEquals as fn(String, String) -> Requirement,
        ),
        ("==", Requirement::Equals),
        ("=", Requirement::Equals),
    ] {
        if let Some((key, value)) = part.split_once(operator) {
            let key = valid_key(key.trim()).ok_or_else(invalid)?;
            return Ok(build(key, value.trim().to_string()));
        }
    }
    let words: Vec<&str> = part.splitn(2, char::is_whitespace).collect();
    if words.len() == 2 {
        let key = valid_key(words[0]).ok_or_else(invalid)?;
        let rest = words[1].trim();
        let (negated, list) = if let Some(list) = rest.strip_prefix("notin") {
            (true, list)
        } else if let Some(list) = rest.strip_prefix("in") {
            (false, list)
        } else {
            return Err(invalid());
        };
        let list = list.trim();
        let inner = list
            .strip_prefix('(')
            .and_then(|l| l.strip_suffix(')'))
            .ok_or_else(invalid)?;
        let values: Vec<String> = inner
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        return Ok(if negated {
            Requirement::NotIn(key, values)
        } else {
            Requirement::In(key, values)
        });
    }
    Ok(Requirement::Exists(valid_key(part).ok_or_else(invalid)?))
}

fn valid_key(key: &str) -> Option<String> {
    let ok = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    ok.then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn equality_and_inequality() {
        let s = Selector::parse("app=shop,tier!=db").unwrap();
        assert!(s.matches(&labels(&[("app", "shop"), ("tier", "web")])));
        assert!(s.matches(&labels(&[("app", "shop")])));
        assert!(!s.matches(&labels(&[("app", "shop"), ("tier", "db")])));
        assert!(!s.matches(&labels(&[("app", "other")])));
        assert!(
            Selector::parse("app==shop")
                .unwrap()
                .matches(&labels(&[("app", "shop")]))
        );
    }

    #[test]
    fn set_based_and_existence() {
        let s = Selector::parse(
            "env in (prod, staging),track notin (canary),app.kubernetes.io/name,!legacy",
        )
        .unwrap();
        let good = labels(&[("env", "prod"), ("app.kubernetes.io/name", "shop")]);
        assert!(s.matches(&good));
        let mut canary = good.clone();
        canary.insert("track".into(), "canary".into());
        assert!(!s.matches(&canary));
        let mut legacy = good.clone();
        legacy.insert("legacy".into(), "yes".into());
        assert!(!s.matches(&legacy));
        assert!(!s.matches(&labels(&[("env", "dev"), ("app.kubernetes.io/name", "x")])));
    }

    #[test]
    fn and_exists_requires_the_label_besides_the_selector() {
        let s = Selector::parse("env=prod")
            .unwrap()
            .and_exists("app.kubernetes.io/instance")
            .unwrap();
        assert!(s.matches(&labels(&[
            ("env", "prod"),
            ("app.kubernetes.io/instance", "shop")
        ])));
        assert!(!s.matches(&labels(&[("env", "prod")])));
        assert!(!s.matches(&labels(&[
            ("env", "dev"),
            ("app.kubernetes.io/instance", "shop")
        ])));
        assert!(Selector::default().and_exists("app=shop").is_err());
        assert!(Selector::default().and_exists("").is_err());
    }

    #[test]
    fn invalid_selectors_are_refused() {
        assert!(Selector::parse("app in prod").is_err());
        assert!(Selector::parse("a b c").is_err());
        assert!(Selector::parse("=x").is_err());
    }
}
