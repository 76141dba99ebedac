//! Parsing one source's text into YAML documents within deliberate limits, and saying what is
//! wrong in manifest terms instead of the parser's.

use indicatif::{HumanBytes, HumanCount};
use serde_json::Value;
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{Error as YamlError, MessageFormatter, Spanned, UserMessageFormatter};

/// What kstatus accepts from one source (a file, or stdin). Set against hostile YAML, with room
/// for the largest real inputs: 50,000 manifests in 64 MiB load (in about 7 s, 450 MB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of text; loading takes about seven times as much memory.
    pub bytes: usize,
    /// Documents; a `---` storm costs memory per document even when they are empty.
    pub documents: usize,
    /// Scalars, lists and mappings: bounds the memory a dense input takes.
    pub values: usize,
    /// Lists and mappings nested in each other. The deepest real manifests (CRD schemas
    /// embedding pod specs) stay near 40; parsing takes stack for every level, and 100 levels
    /// stay well inside the main thread's 8 MiB even in a debug build.
    pub depth: usize,
    /// Values that aliases (`*name`) may expand to: generous for anchors reused as templates,
    /// small enough to stop an alias bomb (a few lines expanding to billions of values).
    pub alias_expansion: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        bytes: 128 * 1024 * 1024,
        documents: 100_000,
        values: 10_000_000,
        depth: 100,
        alias_expansion: 1_000_000,
    };
}

/// Why a source could not be parsed, and where (1-based line and column, when known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// True when the input was refused for a limit above rather than for its syntax.
    pub limit: bool,
    pub message: String,
}

/// Every document of `text`, each with the location where it starts. YAML 1.1-style octal
/// (`0644`) is read as kubectl reads it.
pub fn parse_documents(text: &str, limits: &Limits) -> Result<Vec<Spanned<Value>>, ParseFailure> {
    if text.len() > limits.bytes {
        return Err(ParseFailure {
            line: None,
            column: None,
            limit: true,
            message: too_large(text.len(), limits),
        });
    }
    let options = serde_saphyr::options! {
        legacy_octal_numbers: true,
        // Comments are never kept, so they need not be recorded (nor counted).
        emit_comments: false,
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: limits.alias_expansion,
        },
        budget: serde_saphyr::budget! {
            max_documents: limits.documents,
            max_nodes: limits.values,
            // Every value is one event, every list and mapping one more for its end.
            max_events: 2 * limits.values + 2 * limits.documents + 2,
            max_depth: limits.depth,
            max_total_scalar_bytes: limits.bytes,
            max_aliases: limits.alias_expansion,
            max_anchors: limits.alias_expansion,
            max_recorded_anchor_events: limits.alias_expansion,
            max_recorded_anchor_bytes: limits.bytes,
            // One anchor reused in many places is common (shared labels); the replay limit
            // above is what stops a bomb.
            enforce_alias_anchor_ratio: false,
        },
        // Messages are composed here, with the location, from the error itself.
        with_snippet: false,
    };
    serde_saphyr::from_str_multiple_with_options(text, options).map_err(|err| {
        let location = err.location();
        let (limit, message) = describe(&err, text.len(), limits);
        ParseFailure {
            line: location.map(|l| l.line()),
            column: location.map(|l| l.column()),
            limit,
            message,
        }
    })
}

/// The message for a source larger than the limit.
pub fn too_large(size: usize, limits: &Limits) -> String {
    format!(
        "it is {}, more than the {} kstatus reads from one file; split it into several files",
        HumanBytes(size as u64),
        HumanBytes(limits.bytes as u64)
    )
}

/// Whether a limit was hit, and what went wrong in manifest terms, without the position (the
/// caller names it).
fn describe(err: &YamlError, input_len: usize, limits: &Limits) -> (bool, String) {
    let err = match err.without_snippet() {
        YamlError::AliasError { error, .. } => error.as_ref(),
        other => other,
    };
    let refused = |what: String| {
        format!(
            "{what} (the input is {}); the limit protects against hostile YAML",
            HumanBytes(input_len as u64)
        )
    };
    let alias_bomb = || {
        refused(format!(
            "its aliases (*name) expand to more than {} values, as an alias bomb does",
            HumanCount(limits.alias_expansion as u64)
        ))
    };
    let limit = matches!(
        err,
        YamlError::Budget { .. }
            | YamlError::AliasReplayLimitExceeded { .. }
            | YamlError::AliasExpansionLimitExceeded { .. }
            | YamlError::AliasReplayStackDepthExceeded { .. }
            | YamlError::AliasReplayCounterOverflow { .. }
    );
    let message = match err {
        YamlError::Budget { breach, .. } => match breach {
            BudgetBreach::Documents { .. } => format!(
                "more than {} documents (the input is {}); split it into several files",
                HumanCount(limits.documents as u64),
                HumanBytes(input_len as u64)
            ),
            BudgetBreach::Depth { .. } => refused(format!(
                "lists and mappings are nested more than {} deep",
                limits.depth
            )),
            BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => refused(format!(
                "more than {} scalars, lists and mappings",
                HumanCount(limits.values as u64)
            )),
            BudgetBreach::ScalarBytes { .. } | BudgetBreach::InputBytes { .. } => {
                too_large(input_len, limits)
            }
            BudgetBreach::MergeKeys { .. } => refused("too many merge keys (<<)".to_string()),
            _ => alias_bomb(),
        },
        YamlError::AliasReplayLimitExceeded { .. }
        | YamlError::AliasExpansionLimitExceeded { .. }
        | YamlError::AliasReplayStackDepthExceeded { .. }
        | YamlError::AliasReplayCounterOverflow { .. } => alias_bomb(),
        YamlError::RecursiveReferencesRequireWeakTypes { .. } => {
            "an alias (*name) is used inside the value its anchor (&name) marks; a manifest \
             cannot refer to itself"
                .to_string()
        }
        YamlError::UnknownAnchor { .. } => {
            "an alias (*name) refers to an anchor (&name) that is not defined before it".to_string()
        }
        YamlError::NullIntoString { .. } => {
            "a mapping key is null (~, null or nothing); keys must be text, so put it in quotes"
                .to_string()
        }
        YamlError::Unexpected { expected, .. }
            if matches!(*expected, "string scalar" | "non-scalar key") =>
        {
            "a mapping key is a list or mapping; keys must be text".to_string()
        }
        YamlError::DuplicateMappingKey { key: Some(key), .. } => {
            format!("duplicate key \"{key}\" in one mapping")
        }
        YamlError::DuplicateMappingKey { key: None, .. } => {
            "duplicate key in one mapping".to_string()
        }
        YamlError::NonFiniteFloat { value, .. } => format!(
            "{value} is not a finite number, which JSON (and so Kubernetes) cannot carry; put it \
             in quotes if it is meant as text"
        ),
        YamlError::InvalidScalar { .. } => {
            "a value does not match its type tag (such as !!int or !!bool)".to_string()
        }
        YamlError::InvalidBinaryBase64 { .. } => "a !!binary value is not base64".to_string(),
        YamlError::BinaryNotUtf8 { .. }
        | YamlError::TaggedScalarCannotDeserializeIntoString { .. } => {
            "a tagged value cannot be read as text".to_string()
        }
        YamlError::MergeValueNotMapOrSeqOfMaps { .. } => {
            "a merge key (<<) must be followed by a mapping or a list of mappings".to_string()
        }
        YamlError::UnsupportedTag { tag, .. } => format!("unsupported tag {tag}"),
        YamlError::Eof { .. } => "the input ends in the middle of a value".to_string(),
        YamlError::InvalidUtf8Input => "the input is not UTF-8 text".to_string(),
        YamlError::ExternalMessage { msg, .. } if msg.contains("tabs disallowed") => {
            "a tab indents this line; YAML indentation must use spaces".to_string()
        }
        // The parser's own syntax messages ("unclosed quote", "mapping values are not allowed
        // in this context") are the usual YAML wording and are kept.
        other => UserMessageFormatter
            .format_message(other)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect(),
    };
    (limit, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(text: &str) -> ParseFailure {
        parse_documents(text, &Limits::DEFAULT).expect_err("must not parse")
    }

    #[test]
    fn ordinary_yaml_parses_with_start_lines() {
        let documents = parse_documents("a: 1\n---\nb: [x, z]\n", &Limits::DEFAULT).unwrap();
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[1].referenced.line(), 3);
        assert_eq!(documents[1].value["b"][1], "z");
    }

    #[test]
    fn library_wording_is_replaced_by_manifest_terms() {
        let cases = [
            (
                "data: &x [*x]\n",
                "an alias (*name) is used inside the value its anchor (&name) marks",
            ),
            (
                "a: *nowhere\n",
                "refers to an anchor (&name) that is not defined",
            ),
            (
                "data: {~: b}\n",
                "a mapping key is null (~, null or nothing)",
            ),
            ("data: {[a]: b}\n", "a mapping key is a list or mapping"),
            ("a: 1\na: 2\n", "duplicate key \"a\" in one mapping"),
            ("a: .nan\n", ".nan is not a finite number"),
            ("a: 1e999\n", "1e999 is not a finite number"),
            ("a: !!int abc\n", "does not match its type tag"),
            ("a: !!binary '@@@'\n", "a !!binary value is not base64"),
            (
                "a:\n  <<: 5\n",
                "a merge key (<<) must be followed by a mapping",
            ),
            ("a:\n\tb: 1\n", "YAML indentation must use spaces"),
        ];
        for (text, expected) in cases {
            let found = failure(text);
            assert!(
                found.message.contains(expected),
                "{text:?}: {:?} lacks {expected:?}",
                found.message
            );
            for internal in [
                "Option<",
                "weak recursion",
                "configured policy",
                "DuplicateKeyPolicy",
                "invalid u64",
                "string scalar",
                "budget breached",
            ] {
                assert!(!found.message.contains(internal), "{text:?}: {found:?}");
            }
            assert!(!found.limit && found.line.is_some(), "{text:?}: {found:?}");
        }
    }

    #[test]
    fn thousands_of_documents_load() {
        let text: String = (0..2_500)
            .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\n"))
            .collect();
        let documents = parse_documents(&text, &Limits::DEFAULT).unwrap();
        assert_eq!(documents.len(), 2_500);
    }

    #[test]
    fn more_documents_than_the_limit_are_refused() {
        let limits = Limits {
            documents: 10,
            ..Limits::DEFAULT
        };
        let at_limit = "---\na: 1\n".repeat(10);
        assert_eq!(parse_documents(&at_limit, &limits).unwrap().len(), 10);
        let found = parse_documents(&format!("{at_limit}---\na: 1\n"), &limits).unwrap_err();
        assert!(found.limit);
        assert_eq!(found.line, Some(21));
        assert_eq!(
            found.message,
            "more than 10 documents (the input is 99 B); split it into several files"
        );
    }

    #[test]
    fn an_alias_bomb_is_refused_naming_the_limit_and_the_size() {
        // Each level holds ten aliases of the one before: ten levels expand to 10^10 values.
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let previous = (b'a' + level - 1) as char;
            let name = (b'a' + level) as char;
            let aliases = vec![format!("*{previous}"); 10].join(", ");
            text.push_str(&format!("{name}: &{name} [{aliases}]\n"));
        }
        let limits = Limits {
            alias_expansion: 10_000,
            ..Limits::DEFAULT
        };
        let found = parse_documents(&text, &limits).unwrap_err();
        assert!(found.limit);
        assert_eq!(
            found.message,
            "its aliases (*name) expand to more than 10,000 values, as an alias bomb does (the \
             input is 460 B); the limit protects against hostile YAML"
        );
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused() {
        // kstatus parses on the main thread (8 MiB of stack); test threads have only 2 MiB.
        let parse_nested = |depth: usize| {
            let text = format!("{}{}\n", "[".repeat(depth), "]".repeat(depth));
            std::thread::Builder::new()
                .stack_size(8 * 1024 * 1024)
                .spawn(move || {
                    parse_documents(&text, &Limits::DEFAULT).map(|documents| documents.len())
                })
                .unwrap()
                .join()
                .unwrap()
        };
        assert_eq!(parse_nested(100), Ok(1));
        let found = parse_nested(101).unwrap_err();
        assert!(found.limit);
        assert_eq!(
            found.message,
            "lists and mappings are nested more than 100 deep (the input is 203 B); the limit \
             protects against hostile YAML"
        );
    }

    #[test]
    fn too_many_values_are_refused() {
        let limits = Limits {
            values: 100,
            ..Limits::DEFAULT
        };
        let text = format!("[{}]\n", vec!["x"; 100].join(", "));
        let found = parse_documents(&text, &limits).unwrap_err();
        assert_eq!(
            found.message,
            "more than 100 scalars, lists and mappings (the input is 301 B); the limit protects \
             against hostile YAML"
        );
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let limits = Limits {
            bytes: 1024,
            ..Limits::DEFAULT
        };
        let found = parse_documents(&"a".repeat(2048), &limits).unwrap_err();
        assert!(found.limit && found.line.is_none());
        assert_eq!(
            found.message,
            "it is 2.00 KiB, more than the 1.00 KiB kstatus reads from one file; split it into \
             several files"
        );
    }
}
