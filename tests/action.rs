//! The GitHub Action (`action.yml`): it parses, each input names a flag `kstatus apply` has (in
//! the one clap definition), and its run step, executed by bash with a stand-in kstatus,
//! passes each input to that flag and reports the exit code as outputs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use kstatus::cli::{Cli, Command as Subcommand};
use kstatus::exit::Exit;
use serde::Deserialize;

const ACTION: &str = include_str!("../action.yml");

/// The input passed through as it is, not as one flag.
const PASS_THROUGH: &str = "args";

#[derive(Debug, Deserialize)]
struct Action {
    inputs: BTreeMap<String, Input>,
    outputs: BTreeMap<String, Output>,
    runs: Runs,
}

#[derive(Debug, Deserialize)]
struct Input {
    description: String,
    #[serde(default)]
    required: bool,
    default: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Output {
    value: String,
}

#[derive(Debug, Deserialize)]
struct Runs {
    using: String,
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
struct Step {
    id: Option<String>,
    name: String,
    run: Option<String>,
    shell: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

fn parse(text: &str) -> Action {
    serde_saphyr::from_str(text).unwrap_or_else(|err| panic!("action.yml: {err}"))
}

/// The step that runs kstatus apply.
fn apply_step(action: &Action) -> &Step {
    action
        .runs
        .steps
        .iter()
        .find(|step| step.id.as_deref() == Some("apply"))
        .expect("a step with id: apply")
}

/// Every long flag `kstatus apply` accepts, its own and the global ones.
fn apply_flags() -> BTreeSet<String> {
    let mut cli = Cli::command();
    cli.build();
    let apply = cli.find_subcommand("apply").expect("an apply subcommand");
    apply
        .get_arguments()
        .filter_map(|arg| arg.get_long())
        .map(|long| format!("--{long}"))
        .collect()
}

/// The flag an input's description names in backticks (`--timeout`).
fn flag_named(input: &Input) -> Option<String> {
    let flag = regex::Regex::new(r"`(--[a-z][a-z-]*)`").unwrap();
    flag.captures(&input.description)
        .map(|captures| captures[1].to_string())
}

/// Whether the script passes `flag` itself, not merely a longer flag starting with it.
fn passes(script: &str, flag: &str) -> bool {
    regex::Regex::new(&format!("{}([^a-z-]|$)", regex::escape(flag)))
        .unwrap()
        .is_match(script)
}

/// What is wrong with the action, in words; empty when nothing is.
fn problems(action: &Action) -> Vec<String> {
    let flags = apply_flags();
    let step = apply_step(action);
    let script = step.run.as_deref().unwrap_or_default();
    let mut problems = Vec::new();
    for (name, input) in &action.inputs {
        let passed_in = step
            .env
            .iter()
            .find(|(_, value)| value.as_str() == format!("${{{{ inputs.{name} }}}}"));
        let Some((variable, _)) = passed_in else {
            problems.push(format!("input {name} is not passed to the run step's env"));
            continue;
        };
        if !script.contains(&format!("${variable}")) {
            problems.push(format!(
                "the run step never reads {variable} (input {name})"
            ));
        }
        if name == PASS_THROUGH {
            continue;
        }
        match flag_named(input) {
            None => problems.push(format!("input {name} names no flag in its description")),
            Some(flag) if !flags.contains(&flag) => problems.push(format!(
                "input {name} names {flag}, which kstatus apply does not have"
            )),
            Some(flag) if !passes(script, &flag) => {
                problems.push(format!("the run step never passes {flag} (input {name})"))
            }
            Some(_) => {}
        }
    }
    for step in &action.runs.steps {
        if step.run.as_deref().is_some_and(|run| run.contains("${{")) {
            problems.push(format!(
                "step {:?} expands an expression inside its script: pass it through env",
                step.name
            ));
        }
        if step.run.is_some() && step.shell.as_deref() != Some("bash") {
            problems.push(format!("step {:?} needs shell: bash", step.name));
        }
    }
    problems
}

#[test]
fn the_action_parses_and_every_input_names_an_apply_flag() {
    let action = parse(ACTION);
    assert_eq!(action.runs.using, "composite");
    assert!(action.inputs["files"].required, "files is required");
    assert_eq!(problems(&action), Vec::<String>::new());
    for (name, output) in &action.outputs {
        assert_eq!(
            output.value,
            format!("${{{{ steps.apply.outputs.{name} }}}}"),
            "output {name}"
        );
    }
}

#[test]
fn an_input_naming_a_flag_apply_lacks_is_caught() {
    let renamed = ACTION.replace("(`--stabilization`)", "(`--stabilisation`)");
    assert_ne!(renamed, ACTION, "the description names its flag");
    assert_eq!(
        problems(&parse(&renamed)),
        ["input stabilization names --stabilisation, which kstatus apply does not have"]
    );
    let unpassed = ACTION.replace("args+=(--junit", "args+=(--junit-file");
    assert_eq!(
        problems(&parse(&unpassed)),
        ["the run step never passes --junit (input junit)"]
    );
}

/// A run of the action's apply step by bash, with a stand-in kstatus that records its
/// arguments and exits with `exit_code`.
struct StepRun {
    status: Option<i32>,
    arguments: Vec<String>,
    outputs: BTreeMap<String, String>,
    stdout: String,
}

fn run_apply_step(inputs: &[(&str, &str)], exit_code: u8) -> StepRun {
    let action = parse(ACTION);
    let step = apply_step(&action);
    let dir = scratch_dir();
    let tool_dir = dir.join("tool");
    std::fs::create_dir_all(tool_dir.join("bin")).unwrap();
    let recorded = dir.join("arguments");
    let stand_in = tool_dir.join("bin/kstatus");
    std::fs::write(
        &stand_in,
        format!(
            "#!/bin/sh\nfor arg in \"$@\"; do printf '%s\\0' \"$arg\"; done > '{}'\n\
             exit {exit_code}\n",
            recorded.display()
        ),
    )
    .unwrap();
    make_executable(&stand_in);
    let github_output = dir.join("github_output");
    std::fs::write(&github_output, "").unwrap();

    let mut command = Command::new("bash");
    command
        .arg("-e")
        .arg("-c")
        .arg(step.run.as_deref().unwrap())
        .current_dir(&dir)
        .env("GITHUB_OUTPUT", &github_output);
    for (variable, expression) in &step.env {
        let value = evaluate(expression, &action, inputs, &tool_dir);
        command.env(variable, value);
    }
    let output = command.output().unwrap();
    let arguments = std::fs::read(&recorded)
        .map(|bytes| {
            String::from_utf8(bytes)
                .unwrap()
                .split_terminator('\0')
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let outputs = std::fs::read_to_string(&github_output)
        .unwrap()
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    StepRun {
        status: output.status.code(),
        arguments,
        outputs,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
    }
}

/// The value GitHub gives an env expression of the apply step: an input as given or its
/// default, the tool directory of the locate step.
fn evaluate(expression: &str, action: &Action, inputs: &[(&str, &str)], tool_dir: &Path) -> String {
    let inner = expression
        .strip_prefix("${{")
        .and_then(|rest| rest.strip_suffix("}}"))
        .map(str::trim)
        .unwrap_or_else(|| panic!("an expression: {expression}"));
    if let Some(name) = inner.strip_prefix("inputs.") {
        return match inputs.iter().find(|(given, _)| *given == name) {
            Some((_, value)) => value.to_string(),
            None => action.inputs[name].default.clone().unwrap_or_default(),
        };
    }
    assert_eq!(
        inner, "steps.locate.outputs.dir",
        "an expression the test knows"
    );
    tool_dir.display().to_string()
}

fn scratch_dir() -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("kstatus-action-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn the_run_step_passes_each_input_to_its_flag() {
    let run = run_apply_step(
        &[
            ("files", "deploy/app.yaml\n  deploy/db/ extra.yaml\n"),
            ("namespace", "shop"),
            ("timeout", "2m"),
            ("stabilization", "5s"),
            ("steps", "true"),
            // Neither expanded nor split: it reaches kstatus as written.
            ("junit", "reports/$(id) junit.xml"),
            ("args", "--prune --applyset web"),
        ],
        0,
    );
    assert_eq!(run.status, Some(0), "{}", run.stdout);
    let cli =
        Cli::try_parse_from(std::iter::once("kstatus".to_string()).chain(run.arguments.clone()))
            .unwrap_or_else(|err| panic!("{err}: {:?}", run.arguments));
    let Subcommand::Apply(args) = &cli.command else {
        panic!("not apply: {:?}", run.arguments)
    };
    assert_eq!(
        args.filenames,
        ["deploy/app.yaml", "deploy/db/", "extra.yaml"].map(PathBuf::from)
    );
    assert_eq!(cli.global.namespace.as_deref(), Some("shop"));
    assert_eq!(args.tracking.timeout, Duration::from_secs(120));
    assert_eq!(args.tracking.stabilization, Duration::from_secs(5));
    assert!(args.steps);
    assert_eq!(
        args.output.junit,
        Some(PathBuf::from("reports/$(id) junit.xml"))
    );
    assert!(args.prune);
    assert_eq!(args.applyset.as_deref(), Some("web"));
    assert_eq!(run.outputs["exit-code"], "0");
    assert_eq!(run.outputs["outcome"], "success");
}

#[test]
fn inputs_left_empty_leave_kstatus_its_defaults() {
    let run = run_apply_step(&[("files", "app.yaml")], 0);
    assert_eq!(run.status, Some(0), "{}", run.stdout);
    assert_eq!(run.arguments, ["apply", "--filename", "app.yaml"]);
}

#[test]
fn a_steps_input_that_is_not_a_boolean_stops_before_kstatus() {
    let run = run_apply_step(&[("files", "app.yaml"), ("steps", "yes")], 0);
    assert_eq!(run.status, Some(2));
    assert!(run.arguments.is_empty(), "kstatus never ran");
    assert!(
        run.stdout
            .contains("::error title=kstatus action::the steps input must be true or false"),
        "{}",
        run.stdout
    );
    let empty = run_apply_step(&[("files", " \n ")], 0);
    assert_eq!(empty.status, Some(2));
    assert!(
        empty.stdout.contains("the files input names no manifest"),
        "{}",
        empty.stdout
    );
}

#[test]
fn the_step_fails_with_kstatus_and_names_every_exit_in_its_outputs() {
    let mut outcomes = BTreeSet::new();
    for exit in Exit::ALL {
        let run = run_apply_step(&[("files", "app.yaml")], exit.code());
        assert_eq!(run.status, Some(i32::from(exit.code())), "{exit:?}");
        assert_eq!(run.outputs["exit-code"], exit.code().to_string());
        let outcome = run.outputs["outcome"].clone();
        assert_ne!(outcome, "unknown", "{exit:?}");
        outcomes.insert(outcome);
    }
    assert_eq!(
        outcomes.len(),
        Exit::ALL.len(),
        "one word per exit: {outcomes:?}"
    );
    assert_eq!(
        run_apply_step(&[("files", "a.yaml")], 3).outputs["outcome"],
        "timed-out"
    );
}

#[derive(Debug, Deserialize)]
struct Workflow {
    jobs: BTreeMap<String, Job>,
}

#[derive(Debug, Deserialize)]
struct Job {
    steps: Vec<WorkflowStep>,
}

#[derive(Debug, Deserialize)]
struct WorkflowStep {
    uses: Option<String>,
    #[serde(default)]
    with: BTreeMap<String, String>,
}

#[test]
fn the_kind_job_of_ci_runs_the_action_with_inputs_it_has() {
    let action = parse(ACTION);
    let workflow: Workflow =
        serde_saphyr::from_str(include_str!("../.github/workflows/ci.yml")).unwrap();
    let job = &workflow.jobs["e2e-kind"];
    let step = job
        .steps
        .iter()
        .find(|step| step.uses.as_deref() == Some("./"))
        .expect("a step using ./");
    for name in step.with.keys() {
        assert!(action.inputs.contains_key(name), "no input {name}");
    }
    for file in step.with["files"].split_whitespace() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        assert!(path.is_file(), "{} exists", path.display());
    }
    assert!(step.with.contains_key("junit"));
}
