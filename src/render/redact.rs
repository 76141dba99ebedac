//! Redaction: Secret values this run applied (and --redact values) never reach the output.

/// Replaces every known secret value in text with `[redacted]`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a value containing another is replaced whole.
    values: Vec<String>,
}

pub const REDACTED: &str = "[redacted]";

impl Redactor {
    pub fn new(mut values: Vec<String>) -> Self {
        values.retain(|v| !v.is_empty());
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        values.dedup();
        Redactor { values }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), REDACTED);
            }
        }
        out
    }

    /// Redacts every string inside a JSON value (for the report).
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => *s = self.redact(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.redact_json(v)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_occurrence_longest_first() {
        let redactor = Redactor::new(vec!["hunter2".into(), "hunter2-admin".into()]);
        assert_eq!(
            redactor.redact("login hunter2-admin then hunter2"),
            "login [redacted] then [redacted]"
        );
    }

    #[test]
    fn redacts_inside_json() {
        let redactor = Redactor::new(vec!["s3cret".into()]);
        let mut value = serde_json::json!({"a": ["x s3cret"], "b": {"c": "s3cret"}, "n": 1});
        redactor.redact_json(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"a": ["x [redacted]"], "b": {"c": "[redacted]"}, "n": 1})
        );
    }
}
