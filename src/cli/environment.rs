//! Flags from the environment: the `KSTATUS_<FLAG>` rule, and parsing in which the command line
//! wins over those variables and an invalid value names the variable it came from.

use std::ffi::OsString;

use clap::builder::BoolishValueParser;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, ArgMatches, Command};

/// The prefix of the environment variables that set flags.
const PREFIX: &str = "KSTATUS_";

/// Separates the values of a repeatable flag given in one environment variable.
pub const LIST_DELIMITER: char = ',';

/// The environment variable that sets the flag `--long`: `KSTATUS_` and the long name in upper
/// case, `-` as `_` (`--request-timeout` is `KSTATUS_REQUEST_TIMEOUT`).
pub fn env_var_for(long: &str) -> String {
    format!("{PREFIX}{}", long.to_ascii_uppercase().replace('-', "_"))
}

/// CI systems configure through variables: every flag of apply, diff and watch (and the global
/// ones) is read from its `KSTATUS_<FLAG>` when the command line does not give it. A switch takes
/// a boolean there (`true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`) and a repeatable flag several
/// values separated by commas, so the command line accepts `-f a.yaml,b.yaml` too. A flag that
/// already names its variable keeps it and its own settings.
pub fn from_environment(arg: Arg) -> Arg {
    let Some(long) = arg.get_long() else {
        return arg;
    };
    if arg.get_env().is_some() {
        return arg;
    }
    let env = env_var_for(long);
    let arg = arg.env(env);
    match arg.get_action() {
        ArgAction::SetTrue => arg.value_parser(BoolishValueParser::new()),
        ArgAction::Append => arg.value_delimiter(LIST_DELIMITER),
        _ => arg,
    }
}

/// Parses `args` with `command`. A flag given on the command line wins over a variable even where
/// the two would conflict (`watch -A` with `KSTATUS_NAMESPACE` set): the variable is then
/// ignored. An invalid value from a variable is a usage error naming the variable.
pub fn get_matches(command: Command, args: &[OsString]) -> ArgMatches {
    let mut overridden: Vec<String> = Vec::new();
    loop {
        let command = without_env_of(command.clone(), &overridden);
        let err = match command.clone().try_get_matches_from(args) {
            Ok(matches) => return matches,
            Err(err) => err,
        };
        if err.kind() == ErrorKind::ArgumentConflict
            && let Some(long) = conflicting_env_flag(&command, &err, args)
            && !overridden.contains(&long)
        {
            overridden.push(long);
            continue;
        }
        blaming_the_variable(command, err, args).exit();
    }
}

/// `command` with the variables of these long flags ignored, in every subcommand.
fn without_env_of(command: Command, longs: &[String]) -> Command {
    if longs.is_empty() {
        return command;
    }
    let ignore = |arg: Arg| match arg.get_long() {
        Some(long) if longs.iter().any(|l| l == long) => arg.env(None),
        _ => arg,
    };
    command
        .mut_args(ignore)
        .mut_subcommands(move |sub| sub.mut_args(ignore))
}

/// Of two conflicting flags, one given on the command line, the other set only by its variable:
/// the latter's long name.
fn conflicting_env_flag(command: &Command, err: &clap::Error, args: &[OsString]) -> Option<String> {
    let mut named: Vec<&str> = Vec::new();
    if let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) {
        named.push(arg);
    }
    match err.get(ContextKind::PriorArg) {
        Some(ContextValue::String(arg)) => named.push(arg),
        Some(ContextValue::Strings(list)) => named.extend(list.iter().map(String::as_str)),
        _ => {}
    }
    let named: Vec<&Arg> = named
        .into_iter()
        .filter_map(|shown| find_arg(command, shown))
        .collect();
    // Two variables in conflict stay an error, as the two flags would be.
    if !named.iter().any(|arg| given_on_command_line(arg, args)) {
        return None;
    }
    named
        .into_iter()
        .find(|arg| set_only_by_env(arg, args))
        .and_then(|arg| arg.get_long().map(str::to_string))
}

/// An invalid value that came from a variable: the same error, saying which variable.
fn blaming_the_variable(mut command: Command, err: clap::Error, args: &[OsString]) -> clap::Error {
    if !matches!(
        err.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return err;
    }
    let (Some(ContextValue::String(shown)), Some(ContextValue::String(value))) = (
        err.get(ContextKind::InvalidArg),
        err.get(ContextKind::InvalidValue),
    ) else {
        return err;
    };
    let Some(arg) = find_arg(&command, shown) else {
        return err;
    };
    let Some(env) = arg.get_env().map(|env| env.to_string_lossy().into_owned()) else {
        return err;
    };
    let from_env = std::env::var_os(&env).is_some_and(|set| {
        set.to_string_lossy()
            .split(LIST_DELIMITER)
            .any(|part| part == value)
            || set.to_string_lossy() == value.as_str()
    });
    if !from_env || !set_only_by_env(arg, args) {
        return err;
    }
    let message = err.render().to_string();
    let first_line = message.lines().next().unwrap_or_default();
    let what = first_line.strip_prefix("error: ").unwrap_or(first_line);
    let message = format!("environment variable {env}: {what}");
    // The usage line of the subcommand run, as clap's own errors show it.
    command.build();
    let subcommand = args.iter().skip(1).find_map(|token| {
        command
            .find_subcommand(token)
            .map(|sub| sub.get_name().to_string())
    });
    match subcommand.and_then(|name| command.find_subcommand_mut(name)) {
        Some(sub) => sub.error(err.kind(), message),
        None => command.error(err.kind(), message),
    }
}

/// The argument clap shows as `shown` (`--timeout <DURATION>`, `--prune`), in the command or any
/// subcommand.
fn find_arg<'a>(command: &'a Command, shown: &str) -> Option<&'a Arg> {
    // A counted flag is shown as `--verbose...`.
    let flag = shown.split([' ', '=']).next()?.trim_end_matches('.');
    let long = flag.strip_prefix("--");
    let short = flag.strip_prefix('-').and_then(|s| s.chars().next());
    let matches = |arg: &&Arg| match long {
        Some(long) => arg.get_long() == Some(long),
        None => short.is_some() && arg.get_short() == short,
    };
    command.get_arguments().find(matches).or_else(|| {
        command
            .get_subcommands()
            .find_map(|sub| sub.get_arguments().find(matches))
    })
}

/// Whether `arg`'s variable is set and the command line does not give the flag.
fn set_only_by_env(arg: &Arg, args: &[OsString]) -> bool {
    let Some(env) = arg.get_env() else {
        return false;
    };
    std::env::var_os(env).is_some() && !given_on_command_line(arg, args)
}

/// Whether the raw command line names `arg` (`--long`, `--long=…`, `-s`, `-s…`).
fn given_on_command_line(arg: &Arg, args: &[OsString]) -> bool {
    args.iter()
        .skip(1)
        .map(|a| a.to_string_lossy())
        .any(|token| {
            if let Some(rest) = token.strip_prefix("--") {
                let name = rest.split('=').next().unwrap_or_default();
                return arg.get_long() == Some(name);
            }
            let short = token.strip_prefix('-').and_then(|s| s.chars().next());
            short.is_some() && arg.get_short() == short
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_named_from_the_long_flag() {
        assert_eq!(env_var_for("timeout"), "KSTATUS_TIMEOUT");
        assert_eq!(env_var_for("request-timeout"), "KSTATUS_REQUEST_TIMEOUT");
        assert_eq!(env_var_for("filename"), "KSTATUS_FILENAME");
    }

    #[test]
    fn a_flag_is_found_by_its_long_or_short_form_on_the_command_line() {
        let namespace = Arg::new("namespace").short('n').long("namespace");
        let line = |tokens: &[&str]| tokens.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(given_on_command_line(
            &namespace,
            &line(&["kstatus", "-n", "shop"])
        ));
        assert!(given_on_command_line(
            &namespace,
            &line(&["kstatus", "--namespace=shop"])
        ));
        assert!(given_on_command_line(
            &namespace,
            &line(&["kstatus", "-nshop"])
        ));
        assert!(!given_on_command_line(
            &namespace,
            &line(&["kstatus", "--namespaces"])
        ));
        assert!(!given_on_command_line(
            &namespace,
            &line(&["kstatus", "-A"])
        ));
    }
}
