//! `kstatus generate`: shell completions and man pages rendered from the clap definition.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, GenerateArgs, GenerateWhat};
use crate::error::Error;
use crate::outcome::RunOutcome;

/// Every shell we ship completions for.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

pub fn run(args: &GenerateArgs) -> Result<RunOutcome, Error> {
    let files = match args.what {
        GenerateWhat::Completions => completion_files(),
        GenerateWhat::Man => man_pages(),
    };
    for (name, content) in files {
        write(&args.out_dir.join(name), &content)?;
    }
    Ok(RunOutcome::Success)
}

/// (file name, content) for each shell's completion script.
pub fn completion_files() -> Vec<(String, Vec<u8>)> {
    SHELLS
        .iter()
        .map(|&shell| {
            let mut cmd = Cli::command();
            let mut content = Vec::new();
            clap_complete::generate(shell, &mut cmd, "kstatus", &mut content);
            let name = match shell {
                Shell::Bash => "kstatus.bash".to_string(),
                Shell::Zsh => "_kstatus".to_string(),
                Shell::Fish => "kstatus.fish".to_string(),
                Shell::PowerShell => "_kstatus.ps1".to_string(),
                Shell::Elvish => "kstatus.elv".to_string(),
                other => format!("kstatus.{other}"),
            };
            (name, content)
        })
        .collect()
}

/// (file name, content) for `kstatus.1` and one page per visible subcommand.
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut pages = vec![("kstatus.1".to_string(), render_man(cmd.clone()))];
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("kstatus-{}", sub.get_name());
        let page = sub.clone().name(name.clone());
        pages.push((format!("{name}.1"), render_man(page)));
    }
    pages
}

fn render_man(cmd: clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut out)
        .expect("rendering a man page into memory cannot fail");
    out
}

fn write(path: &Path, content: &[u8]) -> Result<(), Error> {
    std::fs::write(path, content).map_err(|err| {
        Error::usage(format!("cannot write {}: {err}", path.display()))
            .with_hint("create the directory first, or choose a writable one")
            .with_source(err)
    })
}
