//! Redaction, the boundary everything printed crosses: Secret values this run applied and
//! --redact values become `[redacted]` in every stream and file kstatus writes, in each form
//! render prints them (escaped for JSON, XML, Markdown and workflow commands) and across the
//! line breaks that wrapping puts into them.

use std::collections::BTreeSet;
use std::io::{self, Write};
use std::sync::{Arc, PoisonError, RwLock};

use regex::{Regex, RegexBuilder};

pub const REDACTED: &str = "[redacted]";

/// Finds every known secret value in text. Clones share what they know: a value learnt during
/// the run ([`Redactor::add`]) is hidden by every writer from then on.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    known: Arc<RwLock<Known>>,
}

#[derive(Debug, Default)]
struct Known {
    values: BTreeSet<String>,
    /// Every printed form of every value, longest first, so a value containing another is
    /// replaced whole; None when there is nothing to redact.
    pattern: Option<Regex>,
}

/// Large enough for a CA bundle's worth of lines; past it, wrapped forms are given up.
const PATTERN_SIZE_LIMIT: usize = 256 << 20;

impl Redactor {
    pub fn new(values: Vec<String>) -> Self {
        let redactor = Redactor::default();
        redactor.add(values);
        redactor
    }

    /// Hides these values too, from now on, in everything every clone redacts (values read
    /// from the cluster during the run). Values already known cost nothing.
    pub fn add(&self, values: Vec<String>) {
        let fresh: Vec<String> = {
            let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
            values
                .into_iter()
                .filter(|v| !v.is_empty() && !known.values.contains(v))
                .collect()
        };
        if fresh.is_empty() {
            return;
        }
        let mut known = self.known.write().unwrap_or_else(PoisonError::into_inner);
        known.values.extend(fresh);
        let mut values: Vec<String> = known.values.iter().cloned().collect();
        values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        known.pattern = Some(pattern(&values));
    }

    /// The text with every value replaced; `[redacted]` itself is left as it is, so text
    /// redacted twice reads as text redacted once.
    pub fn redact(&self, text: &str) -> String {
        let known = self.known.read().unwrap_or_else(PoisonError::into_inner);
        match &known.pattern {
            Some(pattern) => pattern.replace_all(text, REDACTED).into_owned(),
            None => text.to_string(),
        }
    }

    /// Redacts every string inside a JSON value, before it is serialized: a YAML report must
    /// quote `[redacted]`, which only its serializer knows how to do.
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => *s = self.redact(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.redact_json(v)),
            _ => {}
        }
    }
}

/// One alternation of `[redacted]` (first, so it is never redacted again) and every printed
/// form of every value, longest first; a form may be wrapped (a line break and indentation
/// between any two characters, any whitespace run for its spaces). Without room for wrapped
/// forms, the forms as they are.
fn pattern(values: &[String]) -> Regex {
    let mut forms: Vec<String> = values.iter().flat_map(|v| printed_forms(v)).collect();
    forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    forms.dedup();
    let build = |piece: fn(&str) -> String| {
        let alternatives: Vec<String> = std::iter::once(regex::escape(REDACTED))
            .chain(forms.iter().map(|form| piece(form)))
            .collect();
        RegexBuilder::new(&alternatives.join("|"))
            .size_limit(PATTERN_SIZE_LIMIT)
            .build()
    };
    build(wrappable)
        .or_else(|_| build(regex::escape))
        .expect("escaped literals always form a pattern")
}

/// The value as written, and as render escapes it for JSON, XML, Markdown table cells and
/// GitHub workflow commands.
fn printed_forms(value: &str) -> Vec<String> {
    let json = serde_json::to_string(value).expect("a string serializes");
    vec![
        value.to_string(),
        json[1..json.len() - 1].to_string(),
        super::junit::escape(value),
        super::github::markdown_cell(value),
        super::github::escape_data(value),
        super::github::escape_property(value),
    ]
}

/// A pattern for `form` wherever a wrap may have broken it: after any character, a line break
/// with the indentation around it; each run of whitespace, any run of whitespace.
fn wrappable(form: &str) -> String {
    let mut out = String::new();
    let mut chars = form.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            while chars.next_if(|c| c.is_whitespace()).is_some() {}
            out.push_str(r"\s+");
            continue;
        }
        out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
        if chars.peek().is_some_and(|next| !next.is_whitespace()) {
            out.push_str(r"(?:[ \t]*\r?\n[ \t]*)?");
        }
    }
    out
}

/// A writer that redacts what passes through it. Text is held until `flush` (or drop), so a
/// value written in pieces, or wrapped over several lines of one table, is found whole.
pub struct Redacting<W: Write> {
    inner: W,
    redactor: Redactor,
    pending: Vec<u8>,
}

impl<W: Write> Redacting<W> {
    pub fn new(inner: W, redactor: Redactor) -> Self {
        Redacting {
            inner,
            redactor,
            pending: Vec::new(),
        }
    }

    /// What this writer hides, for text that reaches the terminal another way (the live view).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Writes `text` and flushes it: one piece of output.
    pub fn emit(&mut self, text: &str) -> io::Result<()> {
        self.pending.extend_from_slice(text.as_bytes());
        self.flush()
    }
}

impl<W: Write> Write for Redacting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            let text = String::from_utf8_lossy(&pending);
            self.inner
                .write_all(self.redactor.redact(&text).as_bytes())?;
        }
        self.inner.flush()
    }
}

impl<W: Write> Drop for Redacting<W> {
    fn drop(&mut self) {
        let _ = self.flush();
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
    fn a_value_learnt_later_is_hidden_by_every_clone() {
        let redactor = Redactor::new(vec!["hunter2".into()]);
        let writer_copy = redactor.clone();
        assert_eq!(
            writer_copy.redact("old-pass hunter2"),
            "old-pass [redacted]"
        );
        redactor.add(vec!["old-pass".into(), "hunter2".into(), String::new()]);
        assert_eq!(
            writer_copy.redact("old-pass hunter2"),
            "[redacted] [redacted]"
        );
        let empty = Redactor::default();
        empty.add(vec!["s3cret".into()]);
        assert_eq!(empty.clone().redact("a s3cret"), "a [redacted]");
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

    #[test]
    fn finds_values_in_their_escaped_forms() {
        let redactor = Redactor::new(vec!["a\"b<c>%d|e".into()]);
        for printed in [
            r#"{"message":"x a\"b<c>%d|e y"}"#,
            "<failure>x a&quot;b&lt;c&gt;%d|e y</failure>",
            "| x a\"b<c>%d\\|e y |",
            "::error title=t::x a\"b<c>%25d|e y",
        ] {
            let redacted = redactor.redact(printed);
            assert!(
                redacted.contains("x [redacted] y"),
                "{printed} -> {redacted}"
            );
        }
    }

    #[test]
    fn finds_values_broken_by_wrapping() {
        let redactor = Redactor::new(vec!["correct horse".into(), "AKIAIOSFODNN7".into()]);
        assert_eq!(
            redactor.redact("password correct\n              horse, key AKIAIO\n    SFODNN7"),
            "password [redacted], key [redacted]"
        );
    }

    #[test]
    fn redacting_twice_is_redacting_once() {
        let redactor = Redactor::new(vec!["dact".into()]);
        let once = redactor.redact("token dact");
        assert_eq!(once, "token [redacted]");
        assert_eq!(redactor.redact(&once), once);
    }

    #[test]
    fn the_writer_redacts_what_was_written_in_pieces() {
        let mut out = Redacting::new(Vec::new(), Redactor::new(vec!["hunter22".into()]));
        write!(out, "pass hun").unwrap();
        write!(out, "ter22!").unwrap();
        out.flush().unwrap();
        assert_eq!(
            String::from_utf8(out.inner.clone()).unwrap(),
            "pass [redacted]!"
        );
    }
}
