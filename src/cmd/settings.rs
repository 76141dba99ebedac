//! Resolves the output flags and the process environment (terminals, NO_COLOR, CLICOLOR_FORCE,
//! TERM, GitHub Actions, GitLab CI) once into the plain `OutputSettings` render works from.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{ColorChoice, EventsTarget, GlobalArgs, OutputArgs, OutputFormat, ProgressMode};
use crate::fingerprint::SaltOrigin;
use crate::render::settings::{EventsTo, Format, GitHubActions, OutputSettings, Progress, Stream};

/// The environment facts the output settings depend on, read once.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub no_color: bool,
    pub clicolor_force: bool,
    pub term_dumb: bool,
    pub stdout_terminal: bool,
    pub stderr_terminal: bool,
    /// `GITHUB_ACTIONS=true`.
    pub github_actions: bool,
    pub github_step_summary: Option<PathBuf>,
    /// `GITLAB_CI=true`.
    pub gitlab_ci: bool,
}

impl Environment {
    pub fn from_process() -> Self {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
        Environment {
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            clicolor_force: set("CLICOLOR_FORCE"),
            term_dumb: std::env::var("TERM").is_ok_and(|t| t == "dumb"),
            stdout_terminal: std::io::stdout().is_terminal(),
            stderr_terminal: std::io::stderr().is_terminal(),
            github_actions: std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true"),
            github_step_summary: std::env::var_os("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            gitlab_ci: std::env::var("GITLAB_CI").as_deref() == Ok("true"),
        }
    }
}

/// The settings of one subcommand's output in this process's environment.
pub fn resolve(command: &'static str, global: &GlobalArgs, args: &OutputArgs) -> OutputSettings {
    output_settings(command, global, args, &Environment::from_process())
}

/// The settings of one subcommand's output.
pub fn output_settings(
    command: &'static str,
    global: &GlobalArgs,
    args: &OutputArgs,
    env: &Environment,
) -> OutputSettings {
    let stream = |terminal: bool| Stream {
        color: use_color(global.color, env, terminal),
        terminal,
    };
    OutputSettings {
        command,
        format: match args.format {
            OutputFormat::Table => Format::Table,
            OutputFormat::Json => Format::Json,
            OutputFormat::Yaml => Format::Yaml,
        },
        progress: match args.progress {
            ProgressMode::None => Progress::Silent,
            ProgressMode::Plain => Progress::Plain,
            ProgressMode::Auto if env.stderr_terminal && !env.term_dumb => Progress::Live,
            ProgressMode::Auto => Progress::Plain,
        },
        stderr: stream(env.stderr_terminal),
        stdout: stream(env.stdout_terminal),
        github: env.github_actions.then(|| GitHubActions {
            step_summary: env.github_step_summary.clone(),
        }),
        gitlab: env.gitlab_ci,
        junit: args.junit.clone(),
        events: args.events.as_ref().map(|target| match target {
            EventsTarget::Stdout => EventsTo::Stdout,
            EventsTarget::File(path) => EventsTo::File(path.clone()),
        }),
        fingerprint_salt: match args.fingerprint_salt {
            Some(_) => SaltOrigin::Given,
            None => SaltOrigin::Random,
        },
    }
}

/// Whether to colour a stream: an explicit flag wins; otherwise NO_COLOR disables,
/// CLICOLOR_FORCE enables, and a terminal that is not `dumb` enables.
fn use_color(choice: ColorChoice, env: &Environment, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if env.no_color => false,
        ColorChoice::Auto if env.clicolor_force => true,
        ColorChoice::Auto => is_terminal && !env.term_dumb,
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn env(no_color: bool, force: bool, dumb: bool) -> Environment {
        Environment {
            no_color,
            clicolor_force: force,
            term_dumb: dumb,
            ..Environment::default()
        }
    }

    #[test]
    fn colour_decision_matrix() {
        use ColorChoice::*;
        assert!(use_color(Auto, &env(false, false, false), true));
        assert!(
            !use_color(Auto, &env(false, false, false), false),
            "not a terminal"
        );
        assert!(!use_color(Auto, &env(true, false, false), true), "NO_COLOR");
        assert!(
            !use_color(Auto, &env(true, true, false), true),
            "NO_COLOR beats CLICOLOR_FORCE"
        );
        assert!(
            use_color(Auto, &env(false, true, false), false),
            "CLICOLOR_FORCE in a pipe"
        );
        assert!(
            !use_color(Auto, &env(false, false, true), true),
            "TERM=dumb"
        );
        assert!(
            use_color(Always, &env(true, false, true), false),
            "the flag wins"
        );
        assert!(
            !use_color(Never, &env(false, true, false), true),
            "the flag wins"
        );
    }

    fn apply_settings(flags: &[&str], env: &Environment) -> OutputSettings {
        let cli = Cli::try_parse_from(
            ["kstatus", "apply", "-f", "x.yaml"]
                .iter()
                .chain(flags)
                .copied(),
        )
        .expect("valid flags");
        let Command::Apply(args) = &cli.command else {
            unreachable!("parsed as apply")
        };
        output_settings("apply", &cli.global, &args.output, env)
    }

    #[test]
    fn progress_is_live_only_on_a_terminal_that_is_not_dumb() {
        let terminal = Environment {
            stderr_terminal: true,
            ..Environment::default()
        };
        assert_eq!(apply_settings(&[], &terminal).progress, Progress::Live);
        let dumb = Environment {
            term_dumb: true,
            ..terminal.clone()
        };
        assert_eq!(apply_settings(&[], &dumb).progress, Progress::Plain);
        assert_eq!(
            apply_settings(&[], &Environment::default()).progress,
            Progress::Plain,
            "a pipe"
        );
        assert_eq!(
            apply_settings(&["--progress", "none"], &terminal).progress,
            Progress::Silent
        );
    }

    #[test]
    fn only_the_origin_of_the_fingerprint_salt_reaches_the_output() {
        let env = Environment::default();
        assert_eq!(
            apply_settings(&["--fingerprint-salt", "pepper"], &env).fingerprint_salt,
            SaltOrigin::Given
        );
        if std::env::var_os("KSTATUS_FINGERPRINT_SALT").is_none() {
            assert_eq!(
                apply_settings(&[], &env).fingerprint_salt,
                SaltOrigin::Random
            );
        }
    }

    #[test]
    fn streams_colour_separately_and_ci_sinks_are_named() {
        let env = Environment {
            stderr_terminal: true,
            github_actions: true,
            github_step_summary: Some("/tmp/summary.md".into()),
            ..Environment::default()
        };
        let settings = apply_settings(&["--events", "ndjson", "--junit", "out.xml"], &env);
        assert!(settings.stderr.color && !settings.stdout.color);
        assert_eq!(
            settings.github,
            Some(GitHubActions {
                step_summary: Some("/tmp/summary.md".into())
            })
        );
        assert_eq!(settings.events, Some(EventsTo::Stdout));
        assert_eq!(settings.junit, Some(PathBuf::from("out.xml")));
        assert_eq!(
            apply_settings(&[], &Environment::default()).github,
            None,
            "outside GitHub Actions"
        );
    }

    #[test]
    fn gitlab_ci_is_named_only_inside_gitlab() {
        let gitlab = Environment {
            gitlab_ci: true,
            ..Environment::default()
        };
        assert!(apply_settings(&[], &gitlab).gitlab);
        assert!(!apply_settings(&[], &Environment::default()).gitlab);
    }
}
