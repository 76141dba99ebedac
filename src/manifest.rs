//! Loading manifests: reading files, directories and stdin, splitting documents, validating and
//! ordering them while keeping each document's file and line. No cluster access.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use serde_saphyr::Spanned;

use crate::error::{Error, ManifestProblem};

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

    fn is_namespace(&self) -> bool {
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
            let mut text = String::new();
            match stdin.read_to_string(&mut text) {
                Ok(_) => collect(
                    parse_source("<stdin>", &text),
                    &mut manifests,
                    &mut problems,
                ),
                Err(err) => problems.push(problem("<stdin>", format!("cannot read stdin: {err}"))),
            }
            continue;
        }
        match files_of(input, recursive) {
            Ok(files) => {
                for file in files {
                    let source = file.display().to_string();
                    match std::fs::read_to_string(&file) {
                        Ok(text) => {
                            collect(parse_source(&source, &text), &mut manifests, &mut problems)
                        }
                        Err(err) => problems.push(problem(&source, format!("cannot read: {err}"))),
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
        Err(Error::Manifest { problems })
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

/// Splits one source's text into validated manifests. YAML 1.1-style octal (`0644`) is read as
/// kubectl reads it.
pub fn parse_source(source: &str, text: &str) -> Result<Vec<Manifest>, Vec<ManifestProblem>> {
    let options = serde_saphyr::options! { legacy_octal_numbers: true };
    let documents: Vec<Spanned<Value>> =
        serde_saphyr::from_str_multiple_with_options(text, options).map_err(|err| {
            let line = err.location().map(|l| l.line()).unwrap_or(1);
            let document = document_index_at(text, line);
            let column = err.location().map(|l| format!(" at column {}", l.column()));
            vec![problem(
                &format!("{source}:{line} (document {document})"),
                format!(
                    "invalid YAML{}: {}",
                    column.unwrap_or_default(),
                    yaml_reason(&err)
                ),
            )]
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
            match validate(&item) {
                Ok(()) => out.push(Manifest {
                    origin: item_origin,
                    object: item,
                }),
                Err(message) => problems.push(problem(&item_origin.to_string(), message)),
            }
        }
        return;
    }
    match validate(&value) {
        Ok(()) => out.push(Manifest {
            origin,
            object: value,
        }),
        Err(message) => problems.push(problem(&origin.to_string(), message)),
    }
}

fn validate(value: &Value) -> Result<(), String> {
    let Some(object) = value.as_object() else {
        return Err(format!(
            "expected a Kubernetes object (a mapping), found {}",
            type_name(value)
        ));
    };
    let field = |name: &str| {
        object
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
    };
    let kind = field("kind");
    let what = kind.map(|k| format!("{k}: ")).unwrap_or_default();
    if field("apiVersion").is_none() {
        return Err(format!("{what}missing apiVersion"));
    }
    let Some(_) = kind else {
        return Err("missing kind".into());
    };
    let metadata = object.get("metadata").and_then(Value::as_object);
    let name = metadata
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty());
    if name.is_none() {
        let generate = metadata.is_some_and(|m| m.contains_key("generateName"));
        let hint = if generate {
            " (generateName is not supported by apply)"
        } else {
            ""
        };
        return Err(format!("{what}missing metadata.name{hint}"));
    }
    if let Some(ns) = metadata.and_then(|m| m.get("namespace"))
        && !ns.is_string()
    {
        return Err(format!("{what}metadata.namespace must be a string"));
    }
    Ok(())
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// The parser's reason without the position (the location already says it) or library advice.
fn yaml_reason(err: &serde_saphyr::Error) -> String {
    let text = err.to_string();
    let first = text.lines().next().unwrap_or_default().trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let reason = match first.strip_prefix("line ") {
        Some(rest) => rest
            .split_once(": ")
            .map(|(_, reason)| reason)
            .unwrap_or(rest),
        None => first,
    };
    reason
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(reason)
        .to_string()
}

/// 1-based index of the document containing `line`: one more than the number of `---`
/// separators above it, not counting a separator that opens the first document.
fn document_index_at(text: &str, line: u64) -> usize {
    let mut separators = 0;
    let mut content_seen = false;
    for (i, raw) in text.lines().enumerate() {
        if i as u64 + 1 >= line {
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
            problems.push(problem(
                &manifest.origin.to_string(),
                format!("{} is also defined at {first}", manifest.display_name()),
            ));
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

/// Secret values this input applies (decoded `data` and `stringData`), to be redacted from
/// everything kstatus prints. Values shorter than 4 characters are left out: redacting "1" or
/// "on" everywhere would make output unreadable without protecting anything.
pub fn secret_values(manifests: &[Manifest]) -> Vec<String> {
    const MIN_LEN: usize = 4;
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
    // Each line of a multi-line value can appear on its own in logs and events.
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

/// Standard base64 with padding, as Kubernetes uses for Secret data; None when invalid or not
/// UTF-8 (binary values cannot appear in printed text as such).
fn decode_base64(encoded: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut bit_count = 0;
    let mut bytes = Vec::with_capacity(encoded.len() * 3 / 4);
    for c in encoded.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let sextet = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(sextet);
        bit_count += 6;
        if bit_count >= 8 {
            bit_count -= 8;
            bytes.push((bits >> bit_count) as u8);
            bits &= (1 << bit_count) - 1;
        }
    }
    String::from_utf8(bytes).ok()
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
            ["app.yaml:4 (document 1): invalid YAML at column 1: duplicate mapping key: kind"]
        );
    }

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
}
