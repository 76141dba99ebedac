//! Loading manifests: reading files, directories and stdin, splitting documents and validating
//! them while keeping each document's file and line. No cluster access.

mod names;
mod yaml;

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde_json::{Map, Value};

use crate::error::{Error, ManifestProblem};
use names::NameRule;
pub use names::namespace_violation;
pub use yaml::Limits;

/// Where a manifest object came from, for error messages and CI annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file path as given (or found in a directory), or `<stdin>`.
    pub source: String,
    /// 1-based line where the document starts.
    pub line: u64,
    /// 1-based index of the document within its source.
    pub document: usize,
    /// 1-based index of the item when the document is a `kind: List`.
    pub item: Option<usize>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{} (document {}",
            self.source, self.line, self.document
        )?;
        if let Some(item) = self.item {
            write!(f, ", item {item}")?;
        }
        write!(f, ")")
    }
}

/// One Kubernetes object from the input, validated to have apiVersion, kind and metadata.name.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    pub origin: Origin,
    pub object: Value,
}

impl Manifest {
    pub fn api_version(&self) -> &str {
        self.object["apiVersion"].as_str().unwrap_or_default()
    }

    pub fn kind(&self) -> &str {
        self.object["kind"].as_str().unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// The namespace written in the manifest, if any.
    pub fn namespace(&self) -> Option<&str> {
        self.object["metadata"]["namespace"]
            .as_str()
            .filter(|ns| !ns.is_empty())
    }

    /// The API group: `apps` for `apps/v1`, empty for the core group (`v1`).
    pub fn group(&self) -> &str {
        self.api_version()
            .rsplit_once('/')
            .map(|(group, _)| group)
            .unwrap_or_default()
    }

    /// `Kind/name` as kubectl prints it, e.g. `Deployment/web`.
    pub fn display_name(&self) -> String {
        format!("{}/{}", self.kind(), self.name())
    }

    /// The problem to report when the cluster does not serve this object's kind, in kubectl's
    /// words.
    pub fn unknown_kind(&self) -> ManifestProblem {
        problem(
            &self.origin.to_string(),
            format!(
                "{}: no matches for kind \"{}\" in version \"{}\" on this cluster",
                self.display_name(),
                self.kind(),
                self.api_version()
            ),
        )
    }

    pub fn is_namespace(&self) -> bool {
        self.group().is_empty() && self.kind() == "Namespace"
    }

    pub fn is_crd(&self) -> bool {
        self.group() == "apiextensions.k8s.io" && self.kind() == "CustomResourceDefinition"
    }
}

/// Where manifests are read from: `-` is stdin.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads every document from `inputs` (files, directories, `-` for stdin), expands `kind: List`
/// documents and validates every object. Fails with every problem found, naming file and line.
pub fn load(
    inputs: &[PathBuf],
    recursive: bool,
    stdin: &mut dyn Read,
) -> Result<Vec<Manifest>, Error> {
    load_within(inputs, recursive, stdin, &Limits::DEFAULT)
}

fn load_within(
    inputs: &[PathBuf],
    recursive: bool,
    stdin: &mut dyn Read,
    limits: &Limits,
) -> Result<Vec<Manifest>, Error> {
    let mut manifests = Vec::new();
    let mut problems = Vec::new();
    let mut stdin_used = false;
    for input in inputs {
        if is_stdin(input) {
            if stdin_used {
                problems.push(problem("-", "stdin (-) can be given only once"));
                continue;
            }
            stdin_used = true;
            match read_stdin(stdin, limits) {
                Ok(text) => collect(
                    parse_source_within("<stdin>", &text, limits),
                    &mut manifests,
                    &mut problems,
                ),
                Err(p) => problems.push(p),
            }
            continue;
        }
        match files_of(input, recursive) {
            Ok(files) => {
                for file in files {
                    let source = file.display().to_string();
                    match read_file(&file, &source, limits) {
                        Ok(text) => collect(
                            parse_source_within(&source, &text, limits),
                            &mut manifests,
                            &mut problems,
                        ),
                        Err(p) => problems.push(p),
                    }
                }
            }
            Err(p) => problems.push(p),
        }
    }
    if problems.is_empty() && manifests.is_empty() {
        let given = inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        problems.push(problem(&given, "no objects found"));
    }
    if problems.is_empty() {
        Ok(manifests)
    } else {
        Err(Error::manifest(problems))
    }
}

fn collect(
    parsed: Result<Vec<Manifest>, Vec<ManifestProblem>>,
    manifests: &mut Vec<Manifest>,
    problems: &mut Vec<ManifestProblem>,
) {
    match parsed {
        Ok(found) => manifests.extend(found),
        Err(found) => problems.extend(found),
    }
}

fn problem(location: &str, message: impl Into<String>) -> ManifestProblem {
    ManifestProblem {
        location: location.to_string(),
        message: message.into(),
    }
}

/// A file's text, refused unread when larger than the limit.
fn read_file(path: &Path, source: &str, limits: &Limits) -> Result<String, ManifestProblem> {
    let cannot_read = |err: std::io::Error| problem(source, format!("cannot read: {err}"));
    let size = std::fs::metadata(path).map_err(cannot_read)?.len();
    if size > limits.bytes as u64 {
        return Err(problem(
            source,
            format!("input refused: {}", yaml::too_large(size as usize, limits)),
        ));
    }
    into_text(source, std::fs::read(path).map_err(cannot_read)?)
}

/// Stdin's text, refused when larger than the limit (the rest is drained unkept, to say how
/// large it was).
fn read_stdin(stdin: &mut dyn Read, limits: &Limits) -> Result<String, ManifestProblem> {
    let cannot_read = |err: std::io::Error| problem("<stdin>", format!("cannot read stdin: {err}"));
    let mut bytes = Vec::new();
    let kept = (&mut *stdin)
        .take(limits.bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if kept > limits.bytes {
        let rest = std::io::copy(stdin, &mut std::io::sink()).map_err(cannot_read)?;
        let size = kept + rest as usize;
        return Err(problem(
            "<stdin>",
            format!("input refused: {}", yaml::too_large(size, limits)),
        ));
    }
    into_text("<stdin>", bytes)
}

/// The bytes as text, or a problem naming the line of the first byte that is not UTF-8.
fn into_text(source: &str, bytes: Vec<u8>) -> Result<String, ManifestProblem> {
    String::from_utf8(bytes).map_err(|err| {
        let bytes = err.as_bytes();
        let valid = std::str::from_utf8(&bytes[..err.utf8_error().valid_up_to()]).unwrap_or("");
        let line = valid.matches('\n').count() as u64 + 1;
        let document = document_index_at(valid, line);
        let hint = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            " (it looks like UTF-16: save it as UTF-8)"
        } else {
            ""
        };
        problem(
            &format!("{source}:{line} (document {document})"),
            format!("not UTF-8 text{hint}"),
        )
    })
}

/// The manifest files named by `input`: the file itself, or the `.yaml`, `.yml` and `.json`
/// files of a directory in name order (with subdirectories when `recursive`).
fn files_of(input: &Path, recursive: bool) -> Result<Vec<PathBuf>, ManifestProblem> {
    let shown = input.display().to_string();
    let meta =
        std::fs::metadata(input).map_err(|err| problem(&shown, format!("cannot read: {err}")))?;
    if !meta.is_dir() {
        return Ok(vec![input.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut dirs = vec![input.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|err| problem(&dir.display().to_string(), format!("cannot read: {err}")))?;
        for entry in entries {
            let path = entry
                .map_err(|err| problem(&dir.display().to_string(), format!("cannot read: {err}")))?
                .path();
            if path.is_dir() {
                if recursive {
                    dirs.push(path);
                }
            } else if has_manifest_extension(&path) {
                files.push(path);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        let hint = if recursive {
            ""
        } else {
            " (use -R to include subdirectories)"
        };
        return Err(problem(
            &shown,
            format!("no .yaml, .yml or .json files found{hint}"),
        ));
    }
    Ok(files)
}

fn has_manifest_extension(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Splits one source's text into validated manifests.
pub fn parse_source(source: &str, text: &str) -> Result<Vec<Manifest>, Vec<ManifestProblem>> {
    parse_source_within(source, text, &Limits::DEFAULT)
}

fn parse_source_within(
    source: &str,
    text: &str,
    limits: &Limits,
) -> Result<Vec<Manifest>, Vec<ManifestProblem>> {
    let documents = yaml::parse_documents(text, limits).map_err(|failure| {
        let location = match failure.line {
            Some(line) => format!(
                "{source}:{line} (document {})",
                document_index_at(text, line)
            ),
            None => source.to_string(),
        };
        let what = match (failure.limit, failure.column) {
            (true, _) => "input refused".to_string(),
            (false, Some(column)) => format!("invalid YAML at column {column}"),
            (false, None) => "invalid YAML".to_string(),
        };
        vec![problem(&location, format!("{what}: {}", failure.message))]
    })?;

    let mut manifests = Vec::new();
    let mut problems = Vec::new();
    let mut document = 0;
    for spanned in documents {
        if spanned.value.is_null() {
            continue;
        }
        document += 1;
        let origin = Origin {
            source: source.to_string(),
            line: spanned.referenced.line().max(1),
            document,
            item: None,
        };
        expand(spanned.value, origin, &mut manifests, &mut problems);
    }
    if problems.is_empty() {
        Ok(manifests)
    } else {
        Err(problems)
    }
}

/// Validates one document, expanding `kind: List` (and `*List` with items) into its items.
fn expand(
    value: Value,
    origin: Origin,
    out: &mut Vec<Manifest>,
    problems: &mut Vec<ManifestProblem>,
) {
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind.ends_with("List") && value.get("items").is_some_and(Value::is_array) {
        let Value::Array(items) = value["items"].clone() else {
            unreachable!()
        };
        for (i, item) in items.into_iter().enumerate() {
            let item_origin = Origin {
                item: Some(i + 1),
                ..origin.clone()
            };
            keep_if_valid(item, item_origin, out, problems);
        }
        return;
    }
    keep_if_valid(value, origin, out, problems);
}

fn keep_if_valid(
    object: Value,
    origin: Origin,
    out: &mut Vec<Manifest>,
    problems: &mut Vec<ManifestProblem>,
) {
    let found = validate(&object);
    if found.is_empty() {
        out.push(Manifest { origin, object });
    } else {
        let location = origin.to_string();
        problems.extend(found.into_iter().map(|message| problem(&location, message)));
    }
}

/// Every problem with one object, in the order a reader fixes them; empty when it is valid.
fn validate(value: &Value) -> Vec<String> {
    let Some(object) = value.as_object() else {
        return vec![format!(
            "expected a Kubernetes object (a mapping), found {}",
            type_name(value)
        )];
    };
    let mut problems = Vec::new();
    let api_version = text_field(object, "apiVersion", "apiVersion", &mut problems);
    if api_version == Field::Missing {
        problems.push("missing apiVersion".into());
    }
    let kind = text_field(object, "kind", "kind", &mut problems);
    if kind == Field::Missing {
        problems.push("missing kind".into());
    }
    let no_metadata = Map::new();
    let metadata = match object.get("metadata") {
        None => &no_metadata,
        Some(Value::Object(metadata)) => metadata,
        Some(other) => {
            problems.push(format!(
                "metadata must be a mapping, found {}",
                type_name(other)
            ));
            return with_kind(problems, kind);
        }
    };
    let name = text_field(metadata, "name", "metadata.name", &mut problems);
    if name == Field::Missing {
        let hint = if metadata.contains_key("generateName") {
            " (generateName is not supported by apply)"
        } else {
            ""
        };
        problems.push(format!("missing metadata.name{hint}"));
    }
    if let Field::Text(namespace) =
        text_field(metadata, "namespace", "metadata.namespace", &mut problems)
        && let Some(why) = namespace_violation(namespace)
    {
        problems.push(format!(
            "metadata.namespace \"{namespace}\" is not a valid namespace name: {why}"
        ));
    }
    let mut problems = with_kind(problems, kind);
    if let (Field::Text(api_version), Field::Text(kind), Field::Text(name)) =
        (api_version, kind, name)
    {
        let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
        problems.extend(name_problem(object, group, kind, name));
    }
    problems
}

/// The problems, each prefixed with the kind when it is known (`ConfigMap: missing ...`).
fn with_kind(problems: Vec<String>, kind: Field) -> Vec<String> {
    match kind {
        Field::Text(kind) => problems
            .into_iter()
            .map(|p| format!("{kind}: {p}"))
            .collect(),
        _ => problems,
    }
}

/// A field that must be text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field<'a> {
    Text(&'a str),
    /// Absent or empty.
    Missing,
    /// Present but not text (a problem was recorded).
    Invalid,
}

/// `object[key]` as text; a value that is not text is a problem, named `shown`.
fn text_field<'a>(
    object: &'a Map<String, Value>,
    key: &str,
    shown: &str,
    problems: &mut Vec<String>,
) -> Field<'a> {
    let value = object.get(key);
    if let Some(Value::String(text)) = value
        && !text.trim().is_empty()
    {
        return Field::Text(text);
    }
    match value {
        None | Some(Value::String(_)) => Field::Missing,
        Some(other) => {
            let quote = if other.is_number() || other.is_boolean() {
                " (put it in quotes)"
            } else {
                ""
            };
            problems.push(format!(
                "{shown} must be a string, found {}{quote}",
                type_name(other)
            ));
            Field::Invalid
        }
    }
}

/// Why the API server would refuse `name` for this kind, if it would.
fn name_problem(
    object: &Map<String, Value>,
    group: &str,
    kind: &str,
    name: &str,
) -> Option<String> {
    let invalid =
        |why: String| format!("metadata.name \"{name}\" is not a valid {kind} name: {why}");
    if group == "apiextensions.k8s.io" && kind == "CustomResourceDefinition" {
        let spec = object.get("spec").unwrap_or(&Value::Null);
        if let (Some(plural), Some(crd_group)) =
            (spec["names"]["plural"].as_str(), spec["group"].as_str())
        {
            let expected = format!("{plural}.{crd_group}");
            if name != expected {
                return Some(invalid(format!(
                    "it must be spec.names.plural + \".\" + spec.group (\"{expected}\")"
                )));
            }
        }
    }
    NameRule::for_kind(group, kind).violation(name).map(invalid)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// 1-based index of the document containing `line`: one more than the number of `---`
/// separators above it (or on it: a separator starts its document), not counting a separator
/// that opens the first document.
fn document_index_at(text: &str, line: u64) -> usize {
    let mut separators = 0;
    let mut content_seen = false;
    for (i, raw) in text.lines().enumerate() {
        if i as u64 + 1 > line {
            break;
        }
        let trimmed = raw.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") {
            if content_seen {
                separators += 1;
            }
            content_seen = true;
        } else if !trimmed.is_empty() && !trimmed.trim_start().starts_with('#') {
            content_seen = true;
        }
    }
    separators + 1
}

/// Secret values this input applies (decoded `data` and `stringData`), to be redacted from
/// everything kstatus prints. Values shorter than 4 characters are left out: redacting "1" or
/// "on" everywhere would make output unreadable without protecting anything.
pub fn secret_values(manifests: &[Manifest]) -> Vec<String> {
    let mut values = Vec::new();
    for manifest in manifests
        .iter()
        .filter(|m| m.group().is_empty() && m.kind() == "Secret")
    {
        if let Some(data) = manifest.object.get("data").and_then(Value::as_object) {
            for encoded in data.values().filter_map(Value::as_str) {
                if let Some(decoded) = decode_base64(encoded) {
                    values.push(decoded);
                }
            }
        }
        if let Some(data) = manifest.object.get("stringData").and_then(Value::as_object) {
            values.extend(data.values().filter_map(Value::as_str).map(str::to_string));
        }
    }
    redactable(values)
}

/// The forms of Secret values worth redacting: each value and each line of a multi-line value
/// (a line can appear on its own in logs and events), without those shorter than 4 characters
/// (redacting "1" or "on" everywhere would make output unreadable without protecting anything).
pub fn redactable(mut values: Vec<String>) -> Vec<String> {
    const MIN_LEN: usize = 4;
    let lines: Vec<String> = values
        .iter()
        .flat_map(|v| v.lines().map(str::trim).map(str::to_string))
        .collect();
    values.extend(lines);
    values.retain(|v| v.chars().count() >= MIN_LEN);
    values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    values.dedup();
    values
}

/// A Secret `data` value decoded: standard base64 with padding, as Kubernetes uses; None when
/// invalid. Line breaks are skipped, as the API server skips them (a long value may be wrapped
/// in a YAML block scalar).
pub fn decode_secret_data(encoded: &str) -> Option<Vec<u8>> {
    let compact: String = encoded
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

/// A Secret `data` value as text; None when invalid or not UTF-8 (binary values cannot appear
/// in printed text as such).
fn decode_base64(encoded: &str) -> Option<String> {
    String::from_utf8(decode_secret_data(encoded)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<Manifest> {
        parse_source("app.yaml", text).expect("valid manifests")
    }

    fn problems(text: &str) -> Vec<String> {
        parse_source("app.yaml", text)
            .expect_err("invalid manifests")
            .into_iter()
            .map(|p| format!("{}: {}", p.location, p.message))
            .collect()
    }

    #[test]
    fn splits_documents_and_keeps_their_start_lines() {
        let manifests = parse(
            "# leading comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n\
             ---\n# only a comment\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
        );
        assert_eq!(manifests.len(), 2);
        assert_eq!(manifests[0].display_name(), "ConfigMap/a");
        assert_eq!(manifests[0].origin.line, 3);
        assert_eq!(manifests[1].display_name(), "Deployment/web");
        assert_eq!(manifests[1].origin.line, 11);
        assert_eq!(manifests[1].origin.document, 2);
        assert_eq!(manifests[1].group(), "apps");
        assert_eq!(manifests[0].group(), "");
    }

    #[test]
    fn legacy_octal_means_what_kubectl_means() {
        let manifests = parse(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes:\n  - name: v\n    \
             secret: {secretName: s, defaultMode: 0644}\n",
        );
        assert_eq!(
            manifests[0].object["spec"]["volumes"][0]["secret"]["defaultMode"],
            420
        );
    }

    #[test]
    fn json_documents_are_accepted() {
        let manifests =
            parse(r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}}"#);
        assert_eq!(manifests[0].display_name(), "Service/svc");
    }

    #[test]
    fn lists_are_expanded_with_item_positions() {
        let manifests = parse(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: \
             {name: a}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: b}\n",
        );
        let names: Vec<_> = manifests.iter().map(Manifest::display_name).collect();
        assert_eq!(names, ["ConfigMap/a", "Secret/b"]);
        assert_eq!(manifests[1].origin.item, Some(2));
        assert_eq!(
            manifests[1].origin.to_string(),
            "app.yaml:1 (document 1, item 2)"
        );
    }

    #[test]
    fn invalid_yaml_names_the_line_and_document() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\n\
                    kind: ConfigMap\nmetadata: {name: b}\n---\napiVersion: v1\nkind: [unclosed\n";
        let found = problems(text);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0],
            "app.yaml:10 (document 3): invalid YAML at column 7: unclosed bracket '['"
        );
    }

    #[test]
    fn missing_fields_are_reported_per_document() {
        let found = problems(
            "kind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n---\n\
             apiVersion: v1\nkind: Secret\nmetadata: {generateName: c-}\n---\n- just\n- a list\n",
        );
        assert_eq!(found.len(), 4, "{found:?}");
        assert_eq!(
            found[0],
            "app.yaml:1 (document 1): ConfigMap: missing apiVersion"
        );
        assert_eq!(found[1], "app.yaml:4 (document 2): missing kind");
        assert_eq!(
            found[2],
            "app.yaml:7 (document 3): Secret: missing metadata.name (generateName is not \
             supported by apply)"
        );
        assert!(found[3].ends_with("expected a Kubernetes object (a mapping), found a list"));
    }

    #[test]
    fn duplicate_keys_are_an_error() {
        let found =
            problems("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nkind: Secret\n");
        assert_eq!(
            found,
            [
                "app.yaml:4 (document 1): invalid YAML at column 1: duplicate key \"kind\" in one mapping"
            ]
        );
    }

    #[test]
    fn secret_values_are_decoded_for_redaction() {
        let manifests = parse(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  password: aHVudGVyMg==\n  \
             short: YQ==\nstringData:\n  token: \"line-one\\nline-two\"\n",
        );
        let values = secret_values(&manifests);
        assert!(values.contains(&"hunter2".to_string()), "{values:?}");
        assert!(values.contains(&"line-one".to_string()), "{values:?}");
        assert!(
            values.contains(&"line-one\nline-two".to_string()),
            "{values:?}"
        );
        assert!(
            !values.contains(&"a".to_string()),
            "too short to redact: {values:?}"
        );
        assert_eq!(
            values[0], "line-one\nline-two",
            "longest first, so it is replaced first"
        );
    }

    #[test]
    fn base64_decoding_matches_the_standard_alphabet() {
        assert_eq!(
            decode_base64("aGVsbG8gd29ybGQ=").as_deref(),
            Some("hello world")
        );
        assert_eq!(decode_base64("YWJj").as_deref(), Some("abc"));
        assert_eq!(decode_base64("not base64!"), None);
    }

    #[test]
    fn load_reads_directories_in_name_order_and_recurses_only_with_r() {
        let dir =
            std::env::temp_dir().join(format!("kstatus-manifest-test-{}", std::process::id()));
        let nested = dir.join("nested");
        std::fs::create_dir_all(&nested).unwrap();
        let cm =
            |name: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}}}\n");
        std::fs::write(dir.join("b.yaml"), cm("b")).unwrap();
        std::fs::write(dir.join("a.yml"), cm("a")).unwrap();
        std::fs::write(dir.join("notes.txt"), "not a manifest").unwrap();
        std::fs::write(nested.join("c.json"), cm("c")).unwrap();
        let names = |recursive| {
            load(std::slice::from_ref(&dir), recursive, &mut std::io::empty())
                .unwrap()
                .iter()
                .map(|m| m.name().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(false), ["a", "b"]);
        assert_eq!(names(true), ["a", "b", "c"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn load_reports_unreadable_files_and_empty_input() {
        let err = load(
            &[PathBuf::from("/no/such/file.yaml")],
            false,
            &mut std::io::empty(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/no/such/file.yaml: cannot read"),
            "{err}"
        );
        let err = load(&[PathBuf::from("-")], false, &mut "# nothing\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("no objects found"), "{err}");
    }

    #[test]
    fn load_reads_stdin() {
        let mut input =
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-stdin}\n".as_bytes();
        let manifests = load(&[PathBuf::from("-")], false, &mut input).unwrap();
        assert_eq!(manifests[0].origin.source, "<stdin>");
        assert_eq!(manifests[0].name(), "from-stdin");
    }

    fn object(api_version: &str, kind: &str, metadata: &str) -> String {
        format!("apiVersion: {api_version}\nkind: {kind}\nmetadata: {metadata}\n")
    }

    #[test]
    fn names_are_checked_by_the_rule_of_their_kind() {
        let valid = [
            object("apps/v1", "Deployment", "{name: web.v2-1}"),
            object("v1", "Service", &format!("{{name: {}}}", "s".repeat(63))),
            object("v1", "ConfigMap", &format!("{{name: {}}}", "c".repeat(253))),
            object(
                "batch/v1",
                "CronJob",
                &format!("{{name: {}}}", "c".repeat(52)),
            ),
            object(
                "rbac.authorization.k8s.io/v1",
                "ClusterRole",
                "{name: 'system:Edit_Me'}",
            ),
            object("example.com/v1", "Widget", "{name: Any_Thing}"),
        ];
        assert_eq!(parse(&valid.join("---\n")).len(), valid.len());

        let invalid = [
            object("apps/v1", "Deployment", "{name: Bad_Name!}"),
            object("v1", "Namespace", "{name: shop.prod}"),
            object("v1", "Service", "{name: 1web}"),
            object("v1", "Service", &format!("{{name: {}}}", "s".repeat(64))),
            object("v1", "ConfigMap", &format!("{{name: {}}}", "c".repeat(254))),
            object(
                "batch/v1",
                "CronJob",
                &format!("{{name: {}}}", "c".repeat(53)),
            ),
            object("rbac.authorization.k8s.io/v1", "Role", "{name: a/b}"),
            object("example.com/v1", "Widget", "{name: '..'}"),
        ];
        let found = problems(&invalid.join("---\n"));
        let expected = [
            "app.yaml:1 (document 1): metadata.name \"Bad_Name!\" is not a valid Deployment \
             name: it must consist of lower case letters, digits, '-' and '.', start and end with \
             a letter or digit, and have a letter or digit on both sides of every '.' (at most \
             253 characters)",
            "app.yaml:5 (document 2): metadata.name \"shop.prod\" is not a valid Namespace name: \
             it must consist of lower case letters, digits and '-', start and end with a letter \
             or digit (at most 63 characters)",
            "app.yaml:9 (document 3): metadata.name \"1web\" is not a valid Service name: it must \
             consist of lower case letters, digits and '-', start with a letter and end with a \
             letter or digit (at most 63 characters)",
            "is not a valid Service name: it is 64 characters long, at most 63 are allowed",
            "is not a valid ConfigMap name: it is 254 characters long, at most 253 are allowed",
            "is not a valid CronJob name: it is 53 characters long, at most 52 are allowed",
            "app.yaml:25 (document 7): metadata.name \"a/b\" is not a valid Role name: it must \
             not be \".\" or \"..\" and must not contain '/' or '%'",
            "app.yaml:29 (document 8): metadata.name \"..\" is not a valid Widget name",
        ];
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        for (found, expected) in found.iter().zip(expected) {
            assert!(found.contains(expected), "{found}\nlacks\n{expected}");
        }
    }

    #[test]
    fn namespaces_are_checked_wherever_they_are_written() {
        let found = problems(&format!(
            "{}---\n{}",
            object("v1", "ConfigMap", "{name: a, namespace: Shop_1}"),
            object("example.com/v1", "Widget", "{name: w, namespace: shop}"),
        ));
        assert_eq!(
            found,
            [
                "app.yaml:1 (document 1): ConfigMap: metadata.namespace \"Shop_1\" is not a valid \
              namespace name: it must consist of lower case letters, digits and '-', start and end \
              with a letter or digit (at most 63 characters)"
            ]
        );
    }

    #[test]
    fn crd_names_must_be_plural_dot_group() {
        let crd = |name: &str| {
            format!(
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: \
                 {{name: {name}}}\nspec:\n  group: example.com\n  names: {{plural: widgets, \
                 kind: Widget}}\n"
            )
        };
        assert_eq!(parse(&crd("widgets.example.com")).len(), 1);
        assert_eq!(
            problems(&crd("widget.example.com")),
            [
                "app.yaml:1 (document 1): metadata.name \"widget.example.com\" is not a valid \
              CustomResourceDefinition name: it must be spec.names.plural + \".\" + spec.group \
              (\"widgets.example.com\")"
            ]
        );
    }

    #[test]
    fn fields_of_the_wrong_type_are_named_with_what_was_found() {
        let found = problems(&format!(
            "{}---\n{}---\n{}---\n{}---\n{}",
            object("v1", "ConfigMap", "{name: null}"),
            object("v1", "ConfigMap", "{name: 123}"),
            object("v1", "[a]", "{name: a}"),
            object("v1", "ConfigMap", "[a]"),
            object("v1", "ConfigMap", "{name: a, namespace: {x: y}}"),
        ));
        assert_eq!(
            found,
            [
                "app.yaml:1 (document 1): ConfigMap: metadata.name must be a string, found null",
                "app.yaml:5 (document 2): ConfigMap: metadata.name must be a string, found a \
                 number (put it in quotes)",
                "app.yaml:9 (document 3): kind must be a string, found a list",
                "app.yaml:13 (document 4): ConfigMap: metadata must be a mapping, found a list",
                "app.yaml:17 (document 5): ConfigMap: metadata.namespace must be a string, found a \
                 mapping",
            ]
        );
    }

    #[test]
    fn every_problem_of_every_document_is_reported() {
        let found = problems(&format!(
            "{}---\n{}",
            object("v1", "ConfigMap", "{name: ok}"),
            "kind: Deployment\nmetadata: {name: Bad_Name, namespace: Bad_NS}\n"
        ));
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found[0].ends_with("Deployment: missing apiVersion"),
            "{found:#?}"
        );
        assert!(found[1].contains("\"Bad_NS\" is not a valid namespace name"));
    }

    #[test]
    fn list_items_are_checked_with_their_positions() {
        let found = problems(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: \
             {name: good}\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: Bad}\n",
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with(
                "app.yaml:1 (document 1, item 2): metadata.name \"Bad\" is not a valid Secret name"
            ),
            "{found:?}"
        );
    }

    #[test]
    fn text_that_is_not_utf8_names_its_line() {
        let bytes = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n".to_vec();
        let err = load_within(
            &[PathBuf::from("-")],
            false,
            &mut bytes.as_slice(),
            &Limits::DEFAULT,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "<stdin>:3 (document 1): not UTF-8 text");
        let utf16 = [0xFF, 0xFE, b'a', 0];
        let err = load(&[PathBuf::from("-")], false, &mut utf16.as_slice()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "<stdin>:1 (document 1): not UTF-8 text (it looks like UTF-16: save it as UTF-8)"
        );
    }

    #[test]
    fn sources_over_the_size_limit_are_refused_naming_their_size() {
        let limits = Limits {
            bytes: 1024,
            ..Limits::DEFAULT
        };
        let text = object("v1", "ConfigMap", "{name: a}").repeat(60);
        let err =
            load_within(&[PathBuf::from("-")], false, &mut text.as_bytes(), &limits).unwrap_err();
        assert_eq!(
            err.to_string(),
            "<stdin>: input refused: it is 2.99 KiB, more than the 1.00 KiB kstatus reads from \
             one file; split it into several files"
        );
        let path = std::env::temp_dir().join(format!("kstatus-size-{}.yaml", std::process::id()));
        std::fs::write(&path, &text).unwrap();
        let err = load_within(
            std::slice::from_ref(&path),
            false,
            &mut std::io::empty(),
            &limits,
        )
        .unwrap_err();
        std::fs::remove_file(&path).unwrap();
        assert!(
            err.to_string().ends_with(
                ": input refused: it is 2.99 KiB, more than the 1.00 KiB \
                                        kstatus reads from one file; split it into several files"
            ),
            "{err}"
        );
    }

    #[test]
    fn limit_breaches_are_refusals_not_syntax_errors() {
        let limits = Limits {
            documents: 2,
            ..Limits::DEFAULT
        };
        let text = object("v1", "ConfigMap", "{name: a}")
            .repeat(3)
            .replace("apiVersion", "---\napiVersion");
        let found = parse_source_within("app.yaml", &text, &limits).unwrap_err();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location, "app.yaml:9 (document 3)");
        assert!(
            found[0]
                .message
                .starts_with("input refused: more than 2 documents"),
            "{found:?}"
        );
    }
}
