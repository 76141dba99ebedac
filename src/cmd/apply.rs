//! `kstatus apply`: load, validate, order, server-side apply, track, stabilize, report.

use crate::cli::{ApplyArgs, GlobalArgs};
use crate::error::Error;
use crate::exit::Exit;

/// Not implemented yet: refuses before touching any file or cluster, so nothing is applied.
pub fn run(_global: &GlobalArgs, _args: &ApplyArgs) -> Result<Exit, Error> {
    Err(Error::NotImplemented { command: "apply" })
}
