//! The command line: clap definitions that are the single source of --help, man pages and
//! shell completions.

use std::path::PathBuf;
use std::sync::LazyLock;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum, ValueHint};

use crate::exit::Exit;

pub mod completion;
pub mod environment;

use environment::from_environment;

static EXIT_CODES_HELP: LazyLock<String> = LazyLock::new(Exit::help_table);

/// The field managers `apply` adopts by default: kubectl's client-side apply, and the manager the
/// server records for fields set before an object's first server-side apply.
pub const DEFAULT_ADOPTED_MANAGERS: [&str; 2] = ["kubectl-client-side-apply", "before-first-apply"];

/// The `--adopt` value that turns adoption off.
pub const ADOPT_NONE: &str = "none";

/// `diff` exits as `kubectl diff`: whether there are differences, or why it could not tell.
const DIFF_EXIT_CODES_HELP: &str = "Exit codes:
    0  no differences
    1  differences found
    2  usage or input error (bad flags, unreadable or invalid manifest); nothing was sent
    4  the API server rejected a dry-run apply (invalid, conflict, forbidden, denied)
    5  cluster unreachable, authentication failed, or API errors that retries could not overcome
   70  internal error: kstatus itself failed
";

/// Apply Kubernetes manifests and track every object and its children until the set is stable in
/// Success, stable in Error, or the timeout hits.
#[derive(Debug, Parser)]
#[command(
    name = "kstatus",
    version,
    about = "Apply Kubernetes manifests and track them live until they succeed, fail or time out",
    long_about = None,
    after_help = EXIT_CODES_HELP.as_str(),
    propagate_version = true,
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Server-side apply manifests, then track every object and its children to a verdict.
    #[command(after_help = EXIT_CODES_HELP.as_str())]
    Apply(ApplyArgs),

    /// Show what `apply` would change: a server-side dry-run apply of each object compared
    /// with the live object, as unified YAML diffs.
    #[command(after_help = DIFF_EXIT_CODES_HELP)]
    Diff(DiffArgs),

    /// Show the live status of a labelled application (or of the objects named in manifests).
    #[command(after_help = EXIT_CODES_HELP.as_str())]
    Watch(WatchArgs),

    /// Write shell completions or man pages (used to refresh completions/ and man/).
    #[command(hide = true)]
    Generate(GenerateArgs),
}

/// kubectl-compatible connection flags and output preferences, accepted by every subcommand.
#[derive(Debug, Args)]
#[command(mut_args = from_environment)]
pub struct GlobalArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config).
    #[arg(long, global = true, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use.
    #[arg(long, global = true, value_name = "NAME", add = completion::contexts())]
    pub context: Option<String>,

    /// The kubeconfig cluster to use.
    #[arg(long, global = true, value_name = "NAME", add = completion::clusters())]
    pub cluster: Option<String>,

    /// The kubeconfig user to use.
    #[arg(long, global = true, value_name = "NAME", add = completion::users())]
    pub user: Option<String>,

    /// Namespace for namespaced objects that do not name one (default: from the context).
    #[arg(short = 'n', long, global = true, value_name = "NAME", value_parser = parse_namespace,
          add = completion::namespaces())]
    pub namespace: Option<String>,

    /// How long to wait for a single API response (e.g. 30s; 0 = no limit; watches excluded).
    #[arg(long, global = true, value_name = "DURATION", value_parser = parse_duration)]
    pub request_timeout: Option<Duration>,

    /// When to use colour on the terminal (NO_COLOR, CLICOLOR_FORCE and TERM=dumb are honoured).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Debug logs on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides).
    #[arg(short = 'v', long = "verbose", global = true, action = ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Args)]
#[command(mut_args = from_environment)]
pub struct ApplyArgs {
    /// Manifest file, directory, or - for stdin (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH", required = true,
          value_hint = ValueHint::AnyPath)]
    pub filenames: Vec<PathBuf>,

    /// Recurse into subdirectories of directories given with -f.
    #[arg(short = 'R', long)]
    pub recursive: bool,

    /// Apply each -f as one step, in order: a step is applied only once the previous one
    /// reached Success; an Error or the timeout ends the run.
    #[arg(long)]
    pub steps: bool,

    #[command(flatten)]
    pub ssa: ServerSideApplyArgs,

    /// `server`: have the server validate the objects without persisting them; no tracking.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = DryRun::None)]
    pub dry_run: DryRun,

    #[command(flatten)]
    pub tracking: TrackingArgs,

    /// Count a Job as successful only once it completes (`--wait-for-jobs=false`: once created).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = ArgAction::Set,
          num_args = 0..=1, default_missing_value = "true",
          value_parser = BoolishValueParser::new())]
    pub wait_for_jobs: bool,

    /// Extra value to redact from everything kstatus prints (repeatable; the environment
    /// variable holds one value, commas included).
    #[arg(
        long,
        value_name = "VALUE",
        env = "KSTATUS_REDACT",
        hide_env_values = true
    )]
    pub redact: Vec<String>,

    /// After the verdict is Success, delete the objects of the --applyset set that the
    /// manifests no longer hold.
    #[arg(long)]
    pub prune: bool,

    /// The ApplySet (KEP-3659) the objects belong to: its parent Secret NAME in the namespace
    /// (`secrets/NAME` or `configmaps/NAME`); without --prune, only labels and records the set.
    #[arg(long, value_name = "NAME")]
    pub applyset: Option<String>,

    /// With --prune: delete the dropped objects right after the apply, while tracking, instead
    /// of after a Success verdict.
    #[arg(long)]
    pub prune_before_verdict: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// How objects are server-side applied, for real (`apply`) or as a dry run (`diff`).
#[derive(Debug, Args)]
pub struct ServerSideApplyArgs {
    /// Field manager name for server-side apply.
    #[arg(long, value_name = "NAME", default_value = "kstatus")]
    pub field_manager: String,

    /// Take ownership of fields another field manager owns instead of failing with a conflict.
    #[arg(long)]
    pub force_conflicts: bool,

    /// Take over the fields this field manager owns, e.g. those of an earlier `kubectl apply`
    /// (repeatable; giving it replaces the default list; `none`: adopt nothing).
    #[arg(long = "adopt", value_name = "MANAGER",
          default_values_t = DEFAULT_ADOPTED_MANAGERS.map(String::from))]
    pub adopt: Vec<String>,
}

impl ServerSideApplyArgs {
    /// The managers to adopt fields from: the `--adopt` values, none for `--adopt none`.
    pub fn adopted_managers(&self) -> Result<Vec<String>, String> {
        adopted_managers(&self.adopt)
    }
}

/// The managers to adopt fields from: the `--adopt` values, none for `--adopt none`.
fn adopted_managers(adopt: &[String]) -> Result<Vec<String>, String> {
    if adopt.iter().any(|m| m == ADOPT_NONE) {
        return match adopt.len() {
            1 => Ok(Vec::new()),
            _ => Err(format!(
                "--adopt {ADOPT_NONE} turns adoption off and cannot be combined with other \
                 --adopt values"
            )),
        };
    }
    if adopt.iter().any(|m| m.trim().is_empty()) {
        return Err("--adopt needs a field manager name".into());
    }
    Ok(adopt.to_vec())
}

/// `kstatus diff`: the manifest and server-side apply flags of `apply`, and the output format.
#[derive(Debug, Args)]
#[command(mut_args = from_environment)]
pub struct DiffArgs {
    /// Manifest file, directory, or - for stdin (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH", required = true,
          value_hint = ValueHint::AnyPath)]
    pub filenames: Vec<PathBuf>,

    /// Recurse into subdirectories of directories given with -f.
    #[arg(short = 'R', long)]
    pub recursive: bool,

    #[command(flatten)]
    pub ssa: ServerSideApplyArgs,

    /// Extra value to redact from everything kstatus prints (repeatable; the environment
    /// variable holds one value, commas included).
    #[arg(
        long,
        value_name = "VALUE",
        env = "KSTATUS_REDACT",
        hide_env_values = true
    )]
    pub redact: Vec<String>,

    /// Compare as `apply --applyset NAME` applies: every object labelled as part of the set.
    #[arg(long, value_name = "NAME")]
    pub applyset: Option<String>,

    /// `table`: unified diffs and a summary; `json`/`yaml`: the kstatus.dev/diff/v1 document.
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT",
          default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// Salt of the Secret fingerprints, so they compare across runs (default: random per run).
    /// It is never printed.
    #[arg(long, value_name = "VALUE", env = "KSTATUS_FINGERPRINT_SALT", hide_env_values = true,
          value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub fingerprint_salt: Option<String>,
}

#[derive(Debug, Args)]
#[command(mut_args = from_environment)]
pub struct WatchArgs {
    /// Label selector, e.g. app=shop (required unless -f or --by is given).
    #[arg(
        short = 'l',
        long,
        value_name = "SELECTOR",
        required_unless_present_any = ["filenames", "by"]
    )]
    pub selector: Option<String>,

    /// Dashboard: group the objects carrying this label by its value and namespace, one row
    /// per application, e.g. app.kubernetes.io/instance.
    #[arg(long, value_name = "LABEL", conflicts_with = "filenames")]
    pub by: Option<String>,

    /// Watch the objects named in these manifests without applying them (repeatable).
    #[arg(short = 'f', long = "filename", value_name = "PATH", value_hint = ValueHint::AnyPath)]
    pub filenames: Vec<PathBuf>,

    /// Recurse into subdirectories of directories given with -f.
    #[arg(short = 'R', long)]
    pub recursive: bool,

    /// Watch every namespace.
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,

    /// Additional kinds to watch, e.g. certificates.cert-manager.io (repeatable).
    #[arg(long = "kind", value_name = "KIND", add = completion::kinds())]
    pub kinds: Vec<String>,

    /// Extra value to redact from everything kstatus prints (repeatable; the environment
    /// variable holds one value, commas included).
    #[arg(
        long,
        value_name = "VALUE",
        env = "KSTATUS_REDACT",
        hide_env_values = true
    )]
    pub redact: Vec<String>,

    /// Print one snapshot and exit with the application status (0 Success, 1 Error, 3 In progress).
    #[arg(long, conflicts_with = "until")]
    pub once: bool,

    /// Wait until the application reaches this state, then exit like `apply`.
    #[arg(long, value_enum, value_name = "STATE")]
    pub until: Option<Until>,

    #[command(flatten)]
    pub tracking: TrackingArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// When a run ends.
#[derive(Debug, Args)]
pub struct TrackingArgs {
    /// Give up after this long; objects still in progress become Timed out (0 = no limit).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub timeout: Duration,

    /// How long a settled state must hold before it is the verdict (0 = the first settled state).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub stabilization: Duration,

    /// Follow the logs of tracked pods (current revision) while they are not Ready or are
    /// failing; plain lines `Pod/NAME CONTAINER | line`, the last few under the live table.
    #[arg(long)]
    pub logs: bool,

    /// CEL health rules for kinds, in the shape of Flux's healthCheckExprs (repeatable; they
    /// win over built-in rules; default: .kstatus/health.yaml when present).
    #[arg(long = "health-rules", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub health_rules: Vec<PathBuf>,
}

/// How results and progress are shown.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Format of the final report on stdout.
    #[arg(short = 'o', long = "output", value_enum, value_name = "FORMAT",
          default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// Progress on stderr: a live view on a terminal, or append-only timestamped lines.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,

    /// Also write a JUnit XML report (one test case per object) to this file.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub junit: Option<PathBuf>,

    /// Stream one JSON object per status change: `ndjson` on stdout (the final table then goes
    /// to stderr) or `ndjson=FILE`.
    #[arg(long, value_name = "ndjson[=FILE]", value_parser = parse_events)]
    pub events: Option<EventsTarget>,

    /// Salt of the Secret fingerprints, so they compare across runs and stored reports
    /// (default: random per run). It is never printed.
    #[arg(long, value_name = "VALUE", env = "KSTATUS_FINGERPRINT_SALT", hide_env_values = true,
          value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub fingerprint_salt: Option<String>,
}

/// Where the NDJSON event stream goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventsTarget {
    Stdout,
    File(PathBuf),
}

/// A namespace name as the API server accepts it, checked before anything is sent.
fn parse_namespace(input: &str) -> Result<String, String> {
    match crate::manifest::namespace_violation(input) {
        None => Ok(input.to_string()),
        Some(why) => Err(format!("not a valid namespace name: {why}")),
    }
}

fn parse_events(input: &str) -> Result<EventsTarget, String> {
    match input.split_once('=') {
        None if input == "ndjson" => Ok(EventsTarget::Stdout),
        Some(("ndjson", path)) if !path.is_empty() => Ok(EventsTarget::File(PathBuf::from(path))),
        _ => Err(format!("expected `ndjson` or `ndjson=FILE`, got {input:?}")),
    }
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[arg(value_enum)]
    pub what: GenerateWhat,

    /// Directory to write into.
    #[arg(value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub out_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateWhat {
    /// bash, zsh, fish, PowerShell and elvish completions.
    Completions,
    /// Man pages for kstatus and each subcommand.
    Man,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    None,
    Server,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Yaml,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// Live view when stderr is a terminal, plain lines otherwise.
    Auto,
    /// Append-only timestamped lines.
    Plain,
    /// No progress output.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Until {
    /// Every object is in Success.
    Success,
    /// The application is stable in Success or in Error.
    Settled,
}

/// The name kstatus runs under, which its help, usage and errors show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    Kstatus,
    /// The `kubectl-kstatus` binary, which kubectl runs as `kubectl kstatus`.
    KubectlPlugin,
}

impl Program {
    /// How the user invokes it.
    pub fn invocation(self) -> &'static str {
        match self {
            Program::Kstatus => "kstatus",
            Program::KubectlPlugin => "kubectl kstatus",
        }
    }

    /// The executable's name, which shells register completions for.
    pub fn binary(self) -> &'static str {
        match self {
            Program::Kstatus => "kstatus",
            Program::KubectlPlugin => "kubectl-kstatus",
        }
    }
}

impl Cli {
    /// The clap command as `program` shows it: usage lines name `program`'s invocation.
    pub fn command_for(program: Program) -> clap::Command {
        use clap::CommandFactory;
        Cli::command().bin_name(program.invocation())
    }

    /// Parses the command line with clap's own output (help, usage errors) coloured as
    /// `--color` says; clap decides `auto` itself from the terminal and NO_COLOR.
    pub fn parse_with_color<I, T>(program: Program, args: I) -> Cli
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::FromArgMatches;
        let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
        let choice = requested_color(&args)
            .or_else(|| requested_color_from(std::env::var_os(environment::env_var_for("color"))))
            .unwrap_or(ColorChoice::Auto);
        let command = Cli::command_for(program).color(match choice {
            ColorChoice::Always => clap::ColorChoice::Always,
            ColorChoice::Never => clap::ColorChoice::Never,
            ColorChoice::Auto => clap::ColorChoice::Auto,
        });
        let matches = environment::get_matches(command, &args);
        Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit())
    }
}

/// The `--color` value of its environment variable, if it holds one.
fn requested_color_from(variable: Option<std::ffi::OsString>) -> Option<ColorChoice> {
    ColorChoice::from_str(variable?.to_str()?, false).ok()
}

/// The `--color` value among raw arguments (the last one wins, as in clap).
fn requested_color(args: &[std::ffi::OsString]) -> Option<ColorChoice> {
    let mut choice = None;
    let mut iter = args.iter().map(|a| a.to_string_lossy());
    while let Some(arg) = iter.next() {
        let value = match arg.strip_prefix("--color") {
            Some("") => iter.next().map(|v| v.to_string()),
            Some(rest) => rest.strip_prefix('=').map(str::to_string),
            None => None,
        };
        match value.as_deref() {
            Some("always") => choice = Some(ColorChoice::Always),
            Some("never") => choice = Some(ColorChoice::Never),
            Some("auto") => choice = Some(ColorChoice::Auto),
            _ => {}
        }
    }
    choice
}

/// Parses durations the way kubectl does: `90s`, `5m`, `1h30m`, `500ms`, or `0`. A bare number
/// means seconds.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let text = input.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!(
                "invalid duration {input:?}: expected a number before {rest:?}"
            ));
        }
        let number: f64 = rest[..digits].parse().map_err(|_| {
            format!(
                "invalid duration {input:?}: bad number {:?}",
                &rest[..digits]
            )
        })?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => {
                return Err(format!(
                    "invalid duration {input:?}: missing unit (ms, s, m, h)"
                ));
            }
            unit => return Err(format!("invalid duration {input:?}: unknown unit {unit:?}")),
        };
        total += Duration::from_secs_f64(number * seconds_per_unit);
        rest = &rest[unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_parse_like_kubectl() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("5x").unwrap_err().contains("unknown unit"));
        assert!(
            parse_duration("m")
                .unwrap_err()
                .contains("expected a number")
        );
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn apply_defaults_match_the_design() {
        let cli = Cli::try_parse_from(["kstatus", "apply", "-f", "x.yaml"]).unwrap();
        let Command::Apply(apply) = cli.command else {
            panic!("not apply")
        };
        assert_eq!(apply.tracking.timeout, Duration::from_secs(300));
        assert_eq!(apply.tracking.stabilization, Duration::from_secs(10));
        assert!(apply.wait_for_jobs);
        assert_eq!(apply.ssa.field_manager, "kstatus");
        assert_eq!(apply.dry_run, DryRun::None);
        assert!(!apply.ssa.force_conflicts);
        assert_eq!(
            apply.ssa.adopted_managers().unwrap(),
            ["kubectl-client-side-apply", "before-first-apply"]
        );
    }

    fn adopt_flags(values: &[&str]) -> Result<Vec<String>, String> {
        let mut args = vec!["kstatus", "apply", "-f", "x"];
        for value in values {
            args.extend(["--adopt", value]);
        }
        let Command::Apply(apply) = Cli::try_parse_from(args).unwrap().command else {
            panic!("not apply")
        };
        apply.ssa.adopted_managers()
    }

    #[test]
    fn adopt_replaces_the_defaults_and_none_turns_it_off() {
        assert_eq!(adopt_flags(&["helm"]), Ok(vec!["helm".to_string()]));
        assert_eq!(
            adopt_flags(&["helm", "kubectl-client-side-apply"]),
            Ok(vec![
                "helm".to_string(),
                "kubectl-client-side-apply".to_string()
            ])
        );
        assert_eq!(adopt_flags(&["none"]), Ok(Vec::new()));
        assert!(
            adopt_flags(&["none", "helm"])
                .unwrap_err()
                .contains("cannot be combined")
        );
        assert!(
            adopt_flags(&[" "])
                .unwrap_err()
                .contains("needs a field manager")
        );
    }

    #[test]
    fn wait_for_jobs_false_is_accepted_like_kubectl_booleans() {
        let cli =
            Cli::try_parse_from(["kstatus", "apply", "-f", "x", "--wait-for-jobs=false"]).unwrap();
        let Command::Apply(apply) = cli.command else {
            panic!("not apply")
        };
        assert!(!apply.wait_for_jobs);
    }

    #[test]
    fn global_flags_work_after_the_subcommand() {
        let cli =
            Cli::try_parse_from(["kstatus", "apply", "-f", "x", "-n", "shop", "-vv"]).unwrap();
        assert_eq!(cli.global.namespace.as_deref(), Some("shop"));
        assert_eq!(cli.global.verbose, 2);
    }

    #[test]
    fn watch_needs_a_selector_or_manifests() {
        assert!(Cli::try_parse_from(["kstatus", "watch"]).is_err());
        assert!(Cli::try_parse_from(["kstatus", "watch", "-l", "app=shop"]).is_ok());
        assert!(Cli::try_parse_from(["kstatus", "watch", "-f", "app.yaml"]).is_ok());
    }

    #[test]
    fn watch_by_needs_no_selector_and_excludes_manifests() {
        let by = "app.kubernetes.io/instance";
        let parsed = Cli::try_parse_from(["kstatus", "watch", "-A", "--by", by, "--once"])
            .expect("--by alone selects");
        let Command::Watch(args) = parsed.command else {
            panic!("watch parses as watch");
        };
        assert_eq!(args.by.as_deref(), Some(by));
        assert!(args.selector.is_none());
        assert!(Cli::try_parse_from(["kstatus", "watch", "--by", by, "-l", "env=prod"]).is_ok());
        assert!(Cli::try_parse_from(["kstatus", "watch", "--by", by, "-f", "app.yaml"]).is_err());
    }

    #[test]
    fn color_flag_is_found_before_parsing() {
        let args = |list: &[&str]| {
            list.iter()
                .map(std::ffi::OsString::from)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            requested_color(&args(&["kstatus", "--color", "never", "apply"])),
            Some(ColorChoice::Never)
        );
        assert_eq!(
            requested_color(&args(&["kstatus", "apply", "--color=always"])),
            Some(ColorChoice::Always)
        );
        assert_eq!(requested_color(&args(&["kstatus", "apply"])), None);
    }

    #[test]
    fn kstatus_color_colours_clap_output_when_no_color_flag_is_given() {
        let from = |value: &str| requested_color_from(Some(value.into()));
        assert_eq!(from("never"), Some(ColorChoice::Never));
        assert_eq!(from("always"), Some(ColorChoice::Always));
        assert_eq!(from("purple"), None);
        assert_eq!(requested_color_from(None), None);
    }

    #[test]
    fn events_take_ndjson_with_an_optional_file() {
        assert_eq!(parse_events("ndjson"), Ok(EventsTarget::Stdout));
        assert_eq!(
            parse_events("ndjson=/tmp/e.ndjson"),
            Ok(EventsTarget::File("/tmp/e.ndjson".into()))
        );
        assert!(parse_events("json").is_err());
        assert!(parse_events("ndjson=").is_err());
    }

    /// Every flag of apply, diff and watch, the global ones included, is read from the variable
    /// the rule names: a new flag without one fails here.
    #[test]
    fn every_apply_diff_and_watch_flag_has_its_environment_variable() {
        let mut command = Cli::command();
        command.build();
        let mut checked = 0;
        for name in ["apply", "diff", "watch"] {
            let sub = command
                .find_subcommand(name)
                .expect("the subcommand exists");
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                let long = arg
                    .get_long()
                    .unwrap_or_else(|| panic!("{name} {id} has no long name to name its variable"));
                let env = arg.get_env().map(|env| env.to_string_lossy().into_owned());
                assert_eq!(
                    env,
                    Some(environment::env_var_for(long)),
                    "{name} --{long} is not read from the environment"
                );
                checked += 1;
            }
        }
        assert!(checked > 40, "only {checked} flags walked");
    }

    #[test]
    fn switches_take_booleans_and_repeatable_flags_take_lists_from_the_environment() {
        let mut command = Cli::command();
        command.build();
        let apply = command.find_subcommand("apply").expect("apply exists");
        let arg = |long: &str| {
            apply
                .get_arguments()
                .find(|arg| arg.get_long() == Some(long))
                .unwrap_or_else(|| panic!("--{long} exists"))
        };
        // clap keeps value parsers to itself: what a switch accepts is tested through the
        // binary (tests/cli.rs); here, that the switches are the ones read as booleans.
        for long in [
            "prune",
            "steps",
            "recursive",
            "force-conflicts",
            "prune-before-verdict",
        ] {
            assert!(
                matches!(arg(long).get_action(), ArgAction::SetTrue),
                "--{long}"
            );
            assert!(arg(long).get_env().is_some(), "--{long}");
        }
        assert_eq!(
            arg("filename").get_value_delimiter(),
            Some(environment::LIST_DELIMITER)
        );
        // A redacted value may hold commas: its variable is one value, and never shown.
        assert_eq!(arg("redact").get_value_delimiter(), None);
        assert!(arg("redact").is_hide_env_values_set());
        assert!(arg("fingerprint-salt").is_hide_env_values_set());
    }

    #[test]
    fn wait_for_jobs_takes_the_booleans_of_the_environment_too() {
        for (value, expected) in [("0", false), ("1", true), ("no", false), ("true", true)] {
            let flag = format!("--wait-for-jobs={value}");
            let cli = Cli::try_parse_from(["kstatus", "apply", "-f", "x", &flag]).unwrap();
            let Command::Apply(apply) = cli.command else {
                panic!("not apply")
            };
            assert_eq!(apply.wait_for_jobs, expected, "{flag}");
        }
        assert!(
            Cli::try_parse_from(["kstatus", "apply", "-f", "x", "--wait-for-jobs=maybe"]).is_err()
        );
    }

    #[test]
    fn filenames_separated_by_commas_are_several_files() {
        let cli = Cli::try_parse_from(["kstatus", "apply", "-f", "a.yaml,b.yaml", "-f", "c"])
            .expect("parses");
        let Command::Apply(apply) = cli.command else {
            panic!("not apply")
        };
        assert_eq!(
            apply.filenames,
            [PathBuf::from("a.yaml"), "b.yaml".into(), "c".into()]
        );
    }

    #[test]
    fn all_namespaces_conflicts_with_namespace() {
        assert!(Cli::try_parse_from(["kstatus", "watch", "-l", "a=b", "-A", "-n", "x"]).is_err());
    }
}
