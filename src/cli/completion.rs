//! Dynamic completion of flag values through clap_complete's `COMPLETE=<shell>` protocol:
//! `--context`, `--cluster` and `--user` from the kubeconfig, `-n` and `--kind` from the cluster,
//! each read as the flags typed so far (`--kubeconfig`, `--context`, ...) select it.

use std::ffi::OsString;

use clap::{CommandFactory, FromArgMatches};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use super::{Cli, GlobalArgs};
use crate::cluster::client::ConnectOptions;
use crate::cluster::completion;

/// The index of the word being completed, which bash passes along.
const INDEX_VARIABLE: &str = "_CLAP_COMPLETE_INDEX";

pub fn contexts() -> ArgValueCandidates {
    ArgValueCandidates::new(|| offer(kubeconfig_names().contexts))
}

pub fn clusters() -> ArgValueCandidates {
    ArgValueCandidates::new(|| offer(kubeconfig_names().clusters))
}

pub fn users() -> ArgValueCandidates {
    ArgValueCandidates::new(|| offer(kubeconfig_names().users))
}

pub fn namespaces() -> ArgValueCandidates {
    ArgValueCandidates::new(|| offer(completion::namespaces(&typed_connection())))
}

pub fn kinds() -> ArgValueCandidates {
    ArgValueCandidates::new(|| offer(completion::kinds(&typed_connection())))
}

fn offer(names: Vec<String>) -> Vec<CompletionCandidate> {
    names.into_iter().map(CompletionCandidate::new).collect()
}

fn kubeconfig_names() -> completion::KubeconfigNames {
    completion::kubeconfig_names(typed_connection().kubeconfig.as_deref())
}

/// The connection the command line being completed selects (its variables included).
fn typed_connection() -> ConnectOptions {
    let words = words_before_the_cursor(std::env::args_os().collect());
    let Ok(matches) = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(words)
    else {
        return ConnectOptions::default();
    };
    let innermost = matches.subcommand().map_or(&matches, |(_, sub)| sub);
    GlobalArgs::from_arg_matches(innermost)
        .map(|global| crate::cmd::connect_options(&global))
        .unwrap_or_default()
}

/// In completion mode the shell runs `kstatus -- kstatus WORDS...`: the words typed before the
/// one being completed.
fn words_before_the_cursor(args: Vec<OsString>) -> Vec<OsString> {
    let Some(escape) = args.iter().position(|arg| arg == "--") else {
        return Vec::new();
    };
    let mut words = args[escape + 1..].to_vec();
    let cursor = std::env::var(INDEX_VARIABLE)
        .ok()
        .and_then(|index| index.parse::<usize>().ok())
        .unwrap_or(words.len().saturating_sub(1));
    words.truncate(cursor);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_before_the_one_completed_are_the_typed_command_line() {
        let args = ["kstatus", "--", "kstatus", "apply", "--context", "pro"]
            .map(OsString::from)
            .to_vec();
        // Without the bash index, the last word is the one completed.
        if std::env::var_os(INDEX_VARIABLE).is_none() {
            assert_eq!(
                words_before_the_cursor(args),
                ["kstatus", "apply", "--context"].map(OsString::from)
            );
        }
        assert!(words_before_the_cursor(vec!["kstatus".into()]).is_empty());
    }
}
