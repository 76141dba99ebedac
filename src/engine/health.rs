//! User health rules (`--health-rules`, `.kstatus/health.yaml`): CEL expressions in the shape of
//! a Flux Kustomization's `healthCheckExprs`, parsed and compiled once before a run, then judging
//! the objects of their group and kind ahead of every built-in rule. Pure: the caller reads the
//! files.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use cel::objects::{Key, Map};
use cel::{Context, Env, ExecutionError, Program};
use serde::Deserialize;
use serde_json::Value;

use super::node::Node;
use serde_saphyr::Spanned;

use super::model::{ObjectKey, ObjectStatus};

/// The rules of a run, in the order their files and entries were given.
#[derive(Default)]
pub struct HealthRules {
    rules: Vec<HealthRule>,
    env: Option<Arc<Env>>,
}

/// A run without rules: what a [`super::rules::Context`] consults unless told otherwise.
pub static NO_RULES: HealthRules = HealthRules {
    rules: Vec::new(),
    env: None,
};

/// One entry: the objects it judges and its expressions.
pub struct HealthRule {
    /// The file as the user named it.
    file: String,
    /// 1-based position in its file.
    index: usize,
    group: String,
    /// `None` for a `*` version: every version.
    version: Option<String>,
    kind: String,
    in_progress: Option<Expression>,
    failed: Option<Expression>,
    current: Expression,
}

/// A compiled CEL expression and its text.
struct Expression {
    field: &'static str,
    text: String,
    program: Program,
}

/// An entry as written; every field optional so that what is missing is reported by rule.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawRule {
    api_version: Option<String>,
    kind: Option<String>,
    current: Option<String>,
    in_progress: Option<String>,
    failed: Option<String>,
}

/// How one evaluation came out.
enum Evaluation {
    True,
    False,
    Broken(String),
}

impl HealthRules {
    /// Parses and compiles the rule files, given as (name, text) in order. Every problem found
    /// is returned, each naming the file, line, rule and expression.
    pub fn parse(files: &[(String, String)]) -> Result<HealthRules, Vec<String>> {
        let env = Arc::new(environment());
        let mut rules = Vec::new();
        let mut problems = Vec::new();
        for (file, text) in files {
            match parse_file(&env, file, text) {
                Ok(parsed) => rules.extend(parsed),
                Err(found) => problems.extend(found),
            }
        }
        for (i, rule) in rules.iter().enumerate() {
            if let Some(earlier) = rules[..i].iter().find(|r| r.same_target(rule)) {
                problems.push(format!(
                    "{}: rule {} ({}): judges the same objects as {}; keep one",
                    rule.file,
                    rule.index,
                    rule.kind,
                    earlier.name()
                ));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(HealthRules {
            env: (!rules.is_empty()).then_some(env),
            rules,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The (group, kind) of every rule.
    pub fn kinds(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.rules.iter().map(|r| (r.group.clone(), r.kind.clone()))
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// The rule for this object: one naming its version wins over a `*` one.
    pub fn find(&self, object: &Node, key: &ObjectKey) -> Option<&HealthRule> {
        self.find_version(object.get("apiVersion")?.as_str()?, key)
    }

    /// Whether a rule judges this object as it arrives from the API server.
    pub fn judges(&self, object: &Value, key: &ObjectKey) -> bool {
        let api_version = object.get("apiVersion").and_then(Value::as_str);
        api_version.is_some_and(|v| self.find_version(v, key).is_some())
    }

    fn find_version(&self, api_version: &str, key: &ObjectKey) -> Option<&HealthRule> {
        if self.rules.is_empty() {
            return None;
        }
        let version = api_version.rsplit('/').next().unwrap_or(api_version);
        let of_kind = |r: &&HealthRule| *r.group == *key.group && *r.kind == *key.kind;
        let mut matching = self.rules.iter().filter(of_kind);
        let exact = matching
            .clone()
            .find(|r| r.version.as_deref() == Some(version));
        exact.or_else(|| matching.find(|r| r.version.is_none()))
    }

    /// Judges `object` by its rule, if one matches: see [`HealthRule::judge`].
    pub fn judge(
        &self,
        object: &Node,
        key: &ObjectKey,
        generation_lag: Option<(i64, Option<i64>)>,
    ) -> Option<ObjectStatus> {
        let rule = self.find(object, key)?;
        let env = self.env.as_ref()?;
        Some(rule.judge(env, object, generation_lag))
    }
}

impl HealthRule {
    /// `rule 2 of rules.yaml`
    pub fn name(&self) -> String {
        format!("rule {} of {}", self.index, self.file)
    }

    /// `Widget.example.com`, or `Pod` for the core group.
    fn group_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    fn same_target(&self, other: &HealthRule) -> bool {
        self.group == other.group && self.kind == other.kind && self.version == other.version
    }

    /// Flux's order: a controller that has not observed the current generation is in
    /// progress; then the first of `inProgress`, `failed`, `current` that is true decides. A
    /// field the expression reads that the object lacks makes it false; any other evaluation
    /// error is the object's Error, naming the rule and the expression.
    fn judge(
        &self,
        env: &Arc<Env>,
        object: &Node,
        generation_lag: Option<(i64, Option<i64>)>,
    ) -> ObjectStatus {
        let judged = |status: ObjectStatus| {
            status.judged_by(format!("{} ({})", self.name(), self.group_kind()))
        };
        if let Some((wanted, observed)) = generation_lag {
            let observed = observed.map_or("none".to_string(), |g| g.to_string());
            return judged(ObjectStatus::in_progress(format!(
                "Waiting for the controller to observe generation {wanted} (observed {observed}; {})",
                self.name()
            )));
        }
        let context = variables(env, object);
        let steps = [
            (
                self.in_progress.as_ref(),
                ObjectStatus::in_progress as fn(String) -> _,
            ),
            (self.failed.as_ref(), ObjectStatus::error),
            (Some(&self.current), ObjectStatus::success),
        ];
        for (expression, status) in steps {
            let Some(expression) = expression else {
                continue;
            };
            match expression.evaluate(&context) {
                Evaluation::True => {
                    return judged(status(format!("{expression} ({})", self.name())));
                }
                Evaluation::False => {}
                Evaluation::Broken(why) => {
                    return judged(ObjectStatus::error(format!(
                        "{} cannot evaluate {expression}: {why}",
                        self.name()
                    )));
                }
            }
        }
        judged(ObjectStatus::in_progress(format!(
            "waiting for {} ({})",
            self.current,
            self.name()
        )))
    }
}

impl Expression {
    fn evaluate(&self, context: &Context<'_, '_>) -> Evaluation {
        match self.program.execute(context) {
            Ok(cel::Value::Bool(true)) => Evaluation::True,
            Ok(cel::Value::Bool(false)) => Evaluation::False,
            Ok(other) => Evaluation::Broken(format!(
                "it returned {}, not a bool",
                describe_value(&other)
            )),
            Err(err) if self.is_missing_field(&err) => Evaluation::False,
            Err(err) => Evaluation::Broken(err.to_string()),
        }
    }

    /// Errors that only say a field (or list element) the expression reads is not there (yet):
    /// a status a controller has not written is not a broken rule.
    fn is_missing_field(&self, err: &ExecutionError) -> bool {
        match err {
            ExecutionError::NoSuchKey(_) | ExecutionError::IndexOutOfBounds(_) => true,
            // An absent top-level field, not an unknown function.
            ExecutionError::UndeclaredReference(name) => {
                self.program.references().has_variable(name.as_str())
            }
            _ => false,
        }
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.text)
    }
}

/// Flux's environment as far as the crate has it: the standard library, optional syntax
/// (`status.?phase.orValue('')`) and the strings and encoders extensions (plus lists).
fn environment() -> Env {
    let mut env = Env::stdlib();
    for extension in [
        cel::extensions::strings,
        cel::extensions::encoders,
        cel::extensions::lists,
    ] {
        env.add_extension(extension)
            .expect("the extensions add to the standard library");
    }
    env
}

fn parse_file(env: &Env, file: &str, text: &str) -> Result<Vec<HealthRule>, Vec<String>> {
    let options = serde_saphyr::options! { with_snippet: false };
    let raw: Option<Vec<Spanned<RawRule>>> = serde_saphyr::from_str_with_options(text, options)
        .map_err(|err| {
            let at = err
                .location()
                .map_or(String::new(), |l| format!(":{}:{}", l.line(), l.column()));
            let message = err.without_snippet().to_string();
            // The location is named first, as for manifests.
            let message = match message.rfind(" at line ") {
                Some(end) => &message[..end],
                None => &message,
            };
            let shape = if message.contains("unknown field") {
                ""
            } else {
                " (expected a list of rules, each with apiVersion, kind, current and optionally \
                 inProgress and failed)"
            };
            vec![format!("{file}{at}: {message}{shape}")]
        })?;
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    for (i, spanned) in raw.unwrap_or_default().into_iter().enumerate() {
        let line = spanned.referenced.line();
        match compile_rule(env, file, i + 1, spanned.value) {
            Ok(rule) => rules.push(rule),
            Err(found) => problems.extend(found.into_iter().map(|p| format!("{file}:{line}: {p}"))),
        }
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(problems)
    }
}

fn compile_rule(
    env: &Env,
    file: &str,
    index: usize,
    raw: RawRule,
) -> Result<HealthRule, Vec<String>> {
    let kind = raw.kind.clone().filter(|k| !k.trim().is_empty());
    let who = format!("rule {index} ({})", kind.as_deref().unwrap_or("no kind"));
    let mut problems = Vec::new();
    if kind.is_none() {
        problems.push(format!("{who}: kind is required"));
    }
    let target = match raw.api_version.as_deref().map(str::trim) {
        None | Some("") => {
            problems.push(format!(
                "{who}: apiVersion is required (group/version, e.g. example.com/v1 or \
                 example.com/* for every version)"
            ));
            None
        }
        Some(api_version) => match split_api_version(api_version) {
            Ok(target) => Some(target),
            Err(why) => {
                problems.push(format!("{who}: apiVersion {api_version:?} {why}"));
                None
            }
        },
    };
    let mut compile = |field: &'static str, text: Option<String>| -> Option<Expression> {
        let text = text.filter(|t| !t.trim().is_empty())?;
        match env.compile(&text) {
            Ok(program) => Some(Expression {
                field,
                text,
                program,
            }),
            Err(errors) => {
                let why: Vec<String> = errors
                    .errors
                    .iter()
                    .map(|e| format!("column {}: {}", e.pos.1, e.msg))
                    .collect();
                problems.push(format!(
                    "{who}: {field} does not compile: {text}: {}",
                    why.join("; ")
                ));
                None
            }
        }
    };
    let has_current = raw.current.as_deref().is_some_and(|t| !t.trim().is_empty());
    let current = compile("current", raw.current);
    let in_progress = compile("inProgress", raw.in_progress);
    let failed = compile("failed", raw.failed);
    if !has_current {
        problems.push(format!(
            "{who}: current is required (the CEL expression that is true once the object is \
             healthy)"
        ));
    }
    match (kind, target, current) {
        (Some(kind), Some((group, version)), Some(current)) if problems.is_empty() => {
            Ok(HealthRule {
                file: file.to_string(),
                index,
                group,
                version,
                kind,
                in_progress,
                failed,
                current,
            })
        }
        _ => Err(problems),
    }
}

/// `example.com/v1` → (`example.com`, `v1`); `v1` → core; `example.com/*` → every version.
fn split_api_version(api_version: &str) -> Result<(String, Option<String>), String> {
    let (group, version) = match api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    };
    if group.contains('*') || version.contains('/') || version.is_empty() {
        return Err("must be group/version, e.g. example.com/v1 or example.com/*".into());
    }
    let version = (version != "*").then(|| version.to_string());
    Ok((group.to_string(), version))
}

/// The object's top-level fields as variables, as Flux passes them; `metadata`, `spec` and
/// `status` are empty maps when absent, so `has(status.phase)` is false rather than an error.
fn variables<'a>(env: &Arc<Env>, object: &Node) -> Context<'a, 'a> {
    let mut context = Context::with_env(Arc::clone(env));
    for field in ["metadata", "spec", "status"] {
        context.add_variable_from_value(field, empty_map());
    }
    if let Some(fields) = object.as_object() {
        for (name, value) in fields {
            context.add_variable_from_value(name.to_string(), to_cel(value));
        }
    }
    context
}

fn empty_map() -> cel::Value {
    cel::Value::Map(Map {
        map: Arc::new(HashMap::new()),
    })
}

/// JSON to CEL. Integers are `int` (Kubernetes' int64), so `status.replicas == 3` compares
/// like with like.
fn to_cel(value: &Node) -> cel::Value {
    match value {
        Node::Null => cel::Value::Null,
        Node::Bool(flag) => cel::Value::Bool(*flag),
        Node::Int(int) => cel::Value::Int(*int),
        Node::UInt(uint) => cel::Value::UInt(*uint),
        Node::Float(float) => cel::Value::Float(*float),
        Node::String(text) => cel::Value::String(Arc::new(text.to_string())),
        Node::Array(items) => cel::Value::List(Arc::new(items.iter().map(to_cel).collect())),
        Node::Object(fields) => cel::Value::Map(Map {
            map: Arc::new(
                fields
                    .iter()
                    .map(|(k, v)| (Key::String(Arc::new(k.to_string())), to_cel(v)))
                    .collect(),
            ),
        }),
    }
}

/// A result's type and a short rendering, for a rule that returned no bool.
fn describe_value(value: &cel::Value) -> String {
    match value {
        cel::Value::String(text) => format!("the string {text:?}"),
        cel::Value::Int(int) => format!("the int {int}"),
        cel::Value::UInt(uint) => format!("the uint {uint}"),
        cel::Value::Float(float) => format!("the double {float}"),
        cel::Value::Null => "null".to_string(),
        cel::Value::List(_) => "a list".to_string(),
        cel::Value::Map(_) => "a map".to_string(),
        other => format!("{other:?}"),
    }
}

// Compiled programs compare and print by their source: what the user wrote is what identifies
// a rule (the engine's `Config` is compared and printed in tests).
impl PartialEq for HealthRules {
    fn eq(&self, other: &Self) -> bool {
        self.rules.len() == other.rules.len()
            && self.rules.iter().zip(&other.rules).all(|(a, b)| a == b)
    }
}

impl Eq for HealthRules {}

impl PartialEq for HealthRule {
    fn eq(&self, other: &Self) -> bool {
        let text = |e: &Option<Expression>| e.as_ref().map(|e| e.text.clone());
        self.file == other.file
            && self.index == other.index
            && self.same_target(other)
            && self.current.text == other.current.text
            && text(&self.in_progress) == text(&other.in_progress)
            && text(&self.failed) == text(&other.failed)
    }
}

impl fmt::Debug for HealthRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.rules).finish()
    }
}

impl fmt::Debug for HealthRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.group_kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Status;
    use crate::engine::testing::evaluate_fixture_with_rules;

    const WIDGET_RULES: &str = "\
- apiVersion: example.com/v1
  kind: Widget
  inProgress: status.phase == 'Pending'
  failed: status.phase == 'Broken'
  current: status.phase == 'Ready'
";

    fn rules(text: &str) -> HealthRules {
        HealthRules::parse(&[("rules.yaml".to_string(), text.to_string())])
            .unwrap_or_else(|problems| panic!("{problems:#?}"))
    }

    fn problems(text: &str) -> Vec<String> {
        HealthRules::parse(&[("rules.yaml".to_string(), text.to_string())])
            .expect_err("the rules are refused")
    }

    fn widget(status: &str) -> String {
        format!(
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {{name: blue, namespace: shop, \
             generation: 1}}\n{status}"
        )
    }

    fn judge(rules: &HealthRules, yaml: &str) -> ObjectStatus {
        let object: Value = serde_saphyr::from_str(yaml).unwrap();
        let key = ObjectKey::of(&object).unwrap();
        evaluate_fixture_with_rules(yaml, &key, rules)
    }

    #[test]
    fn a_valid_file_parses_every_rule_in_order() {
        let parsed = rules(
            "- apiVersion: cert-manager.io/v1\n  kind: Certificate\n  current: \
             status.conditions.exists(c, c.type == 'Ready' && c.status == 'True')\n\
             - apiVersion: example.com/*\n  kind: Widget\n  current: has(status.phase)\n",
        );
        assert_eq!(parsed.len(), 2);
        assert_eq!(
            format!("{parsed:?}"),
            "[rule 1 of rules.yaml (Certificate.cert-manager.io), rule 2 of rules.yaml \
             (Widget.example.com)]"
        );
        assert!(rules("").is_empty(), "an empty file has no rules");
    }

    #[test]
    fn a_rule_without_current_or_kind_is_refused_by_file_line_and_rule() {
        let found = problems(
            "- apiVersion: example.com/v1\n  kind: Widget\n  failed: status.phase == 'Broken'\n\
             - apiVersion: example.com/v1\n  current: 'true'\n",
        );
        assert_eq!(
            found,
            [
                "rules.yaml:1: rule 1 (Widget): current is required (the CEL expression that is \
                 true once the object is healthy)",
                "rules.yaml:4: rule 2 (no kind): kind is required",
            ]
        );
        let found = problems("- kind: Widget\n  current: 'true'\n");
        assert!(found[0].starts_with("rules.yaml:1: rule 1 (Widget): apiVersion is required"));
    }

    #[test]
    fn an_unknown_field_is_refused_with_its_line() {
        let found = problems("- apiVersion: example.com/v1\n  kind: Widget\n  curent: 'true'\n");
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("rules.yaml:3:"), "{}", found[0]);
        assert!(found[0].contains("curent"), "{}", found[0]);
    }

    #[test]
    fn bad_yaml_is_refused_with_file_and_line() {
        let found = problems("- apiVersion: example.com/v1\n  kind: [Widget\n");
        assert!(found[0].starts_with("rules.yaml:"), "{}", found[0]);
        let found = problems("apiVersion: example.com/v1\nkind: Widget\n");
        assert!(
            found[0].contains("expected a list of rules"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn an_expression_that_does_not_compile_names_file_rule_and_expression() {
        let found = problems(
            "- apiVersion: example.com/v1\n  kind: Widget\n  current: 'true'\n  failed: \
             status.phase == \n",
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0].starts_with(
                "rules.yaml:1: rule 1 (Widget): failed does not compile: status.phase ==: column"
            ),
            "{}",
            found[0]
        );
    }

    #[test]
    fn a_bad_api_version_and_duplicate_rules_are_refused() {
        let found = problems("- apiVersion: '*/v1'\n  kind: Widget\n  current: 'true'\n");
        assert!(found[0].contains("must be group/version"), "{}", found[0]);
        let twice = format!("{WIDGET_RULES}{WIDGET_RULES}");
        let found = problems(&twice);
        assert_eq!(
            found,
            [
                "rules.yaml: rule 2 (Widget): judges the same objects as rule 1 of rules.yaml; keep one"
            ]
        );
    }

    #[test]
    fn a_version_wildcard_matches_every_version_and_a_named_version_wins() {
        let parsed = rules(
            "- apiVersion: example.com/*\n  kind: Widget\n  current: 'true'\n\
             - apiVersion: example.com/v2\n  kind: Widget\n  current: 'false'\n",
        );
        let v1 = judge(&parsed, &widget(""));
        assert_eq!(v1.status, Status::Success, "{}", v1.message);
        assert_eq!(v1.message, "current: true (rule 1 of rules.yaml)");
        let v2 = judge(
            &parsed,
            &widget("").replace("example.com/v1", "example.com/v2"),
        );
        assert_eq!(v2.status, Status::InProgress, "{}", v2.message);
        assert!(
            v2.message.contains("rule 2 of rules.yaml"),
            "{}",
            v2.message
        );
        // A named version judges only that version.
        let only_v2 = rules("- apiVersion: example.com/v2\n  kind: Widget\n  current: 'false'\n");
        let v1 = judge(&only_v2, &widget(""));
        assert!(
            !v1.judged_by.as_deref().unwrap_or("").contains("rules.yaml"),
            "no rule judges v1: {:?} {}",
            v1.judged_by,
            v1.message
        );
    }

    #[test]
    fn failed_beats_current_and_in_progress_beats_both_as_in_flux() {
        let both = rules(
            "- apiVersion: example.com/v1\n  kind: Widget\n  failed: status.phase == 'Broken'\n  \
             current: has(status.phase)\n  inProgress: has(status.pending)\n",
        );
        let broken = judge(&both, &widget("status: {phase: Broken}\n"));
        assert_eq!(broken.status, Status::Error);
        assert_eq!(
            broken.message,
            "failed: status.phase == 'Broken' (rule 1 of rules.yaml)"
        );
        assert_eq!(
            broken.judged_by.as_deref(),
            Some("rule 1 of rules.yaml (Widget.example.com)")
        );
        let pending = judge(&both, &widget("status: {phase: Broken, pending: true}\n"));
        assert_eq!(pending.status, Status::InProgress);
        assert_eq!(
            pending.message,
            "inProgress: has(status.pending) (rule 1 of rules.yaml)"
        );
        let ready = judge(&both, &widget("status: {phase: Ready}\n"));
        assert_eq!(
            (ready.status, ready.message.as_str()),
            (
                Status::Success,
                "current: has(status.phase) (rule 1 of rules.yaml)"
            )
        );
    }

    #[test]
    fn when_none_is_true_the_message_names_the_awaited_expression_and_rule() {
        let status = judge(
            &rules(WIDGET_RULES),
            &widget("status: {phase: Provisioning}\n"),
        );
        assert_eq!(status.status, Status::InProgress);
        assert_eq!(
            status.message,
            "waiting for current: status.phase == 'Ready' (rule 1 of rules.yaml)"
        );
    }

    #[test]
    fn a_missing_field_counts_as_false() {
        // No status at all, a missing key, a missing list element, an absent top-level field.
        let parsed = rules(
            "- apiVersion: example.com/v1\n  kind: Widget\n  failed: status.conditions[0].status \
             == 'False' || data.x == 'y'\n  current: status.phase == 'Ready'\n",
        );
        let status = judge(&parsed, &widget(""));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
        let status = judge(&parsed, &widget("status: {conditions: []}\n"));
        assert_eq!(status.status, Status::InProgress, "{}", status.message);
        let status = judge(&parsed, &widget("status: {phase: Ready}\n"));
        assert_eq!(status.status, Status::Success, "{}", status.message);
    }

    #[test]
    fn a_type_error_makes_the_object_an_error_naming_rule_expression_and_cause() {
        let parsed = rules(
            "- apiVersion: example.com/v1\n  kind: Widget\n  current: status.replicas > 'three'\n",
        );
        let status = judge(&parsed, &widget("status: {replicas: 3}\n"));
        assert_eq!(status.status, Status::Error);
        assert!(
            status.message.starts_with(
                "rule 1 of rules.yaml cannot evaluate current: status.replicas > 'three': "
            ),
            "{}",
            status.message
        );
        let not_bool =
            rules("- apiVersion: example.com/v1\n  kind: Widget\n  current: status.phase\n");
        let status = judge(&not_bool, &widget("status: {phase: Ready}\n"));
        assert_eq!(status.status, Status::Error);
        assert!(
            status
                .message
                .ends_with("it returned the string \"Ready\", not a bool"),
            "{}",
            status.message
        );
        let unknown_function =
            rules("- apiVersion: example.com/v1\n  kind: Widget\n  current: nosuch(status)\n");
        let status = judge(&unknown_function, &widget("status: {phase: Ready}\n"));
        assert_eq!(status.status, Status::Error, "{}", status.message);
    }

    #[test]
    fn integers_compare_as_ints_and_optional_syntax_works() {
        let parsed = rules(
            "- apiVersion: example.com/v1\n  kind: Widget\n  current: status.readyReplicas == \
             spec.replicas && status.?phase.orValue('') == '' && 'A'.lowerAscii() == 'a' && \
             base64.encode(b'a') == 'YQ=='\n",
        );
        let status = judge(
            &parsed,
            &widget("spec: {replicas: 2}\nstatus: {readyReplicas: 2}\n"),
        );
        assert_eq!(status.status, Status::Success, "{}", status.message);
    }

    #[test]
    fn a_controller_behind_the_generation_is_in_progress_whatever_the_rule_says() {
        let yaml = widget("status: {phase: Ready, observedGeneration: 1}\n")
            .replace("generation: 1", "generation: 2");
        let status = judge(&rules(WIDGET_RULES), &yaml);
        assert_eq!(status.status, Status::InProgress);
        assert_eq!(
            status.message,
            "Waiting for the controller to observe generation 2 (observed 1; rule 1 of rules.yaml)"
        );
    }

    #[test]
    fn a_user_rule_wins_over_the_built_in_rule_of_its_kind() {
        let parsed = rules(
            "- apiVersion: apps/v1\n  kind: Deployment\n  failed: \
             metadata.labels.tier == 'broken'\n  current: 'true'\n",
        );
        let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop, \
                    labels: {tier: broken}}\nspec: {replicas: 1}\n";
        let status = judge(&parsed, yaml);
        assert_eq!(status.status, Status::Error, "{}", status.message);
        assert_eq!(
            status.judged_by.as_deref(),
            Some("rule 1 of rules.yaml (Deployment.apps)")
        );
        // Without the rule, the built-in Deployment rule judges it.
        let built_in = judge(&HealthRules::default(), yaml);
        assert_eq!(built_in.status, Status::InProgress, "{}", built_in.message);
        assert_eq!(built_in.judged_by, None);
    }

    /// The example of the README's "Health rules (CEL)" section parses and judges as it says.
    #[test]
    fn the_readme_example_judges_certificates_and_widgets() {
        let readme = include_str!("../../README.md");
        let start = readme
            .find("# .kstatus/health.yaml\n")
            .expect("the README has the example");
        let text = &readme[start..];
        let text = &text[..text.find("```").expect("the example ends")];
        let parsed = HealthRules::parse(&[(".kstatus/health.yaml".into(), text.into())])
            .unwrap_or_else(|problems| panic!("{problems:#?}"));
        let certificate = |conditions: &str| {
            format!(
                "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {{name: web, \
                 namespace: shop, generation: 1}}\nstatus:\n  conditions: {conditions}\n"
            )
        };
        let issued = judge(&parsed, &certificate("[{type: Ready, status: 'True'}]"));
        assert_eq!(issued.status, Status::Success, "{}", issued.message);
        let failed = judge(
            &parsed,
            &certificate(
                "[{type: Ready, status: 'False'}, {type: Issuing, status: 'False', reason: Failed}]",
            ),
        );
        assert_eq!(failed.status, Status::Error, "{}", failed.message);
        let issuing = judge(&parsed, &certificate("[{type: Ready, status: 'False'}]"));
        assert_eq!(issuing.status, Status::InProgress, "{}", issuing.message);
        let widget = |status: &str| {
            judge(
                &parsed,
                &widget(status).replace("example.com/v1", "example.com/v1beta2"),
            )
        };
        let provisioning = widget("status: {phase: Provisioning}\n");
        assert_eq!(
            provisioning.message,
            "inProgress: status.phase in ['Pending', 'Provisioning'] (rule 2 of \
             .kstatus/health.yaml)"
        );
        assert_eq!(widget("status: {phase: Broken}\n").status, Status::Error);
        assert_eq!(widget("status: {phase: Ready}\n").status, Status::Success);
    }
}
