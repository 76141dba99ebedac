//! `kstatus watch`: live status of a labelled application or of the objects in manifests.

use crate::cli::{GlobalArgs, WatchArgs};
use crate::error::Error;
use crate::exit::Exit;

/// Not implemented yet: refuses before contacting any cluster.
pub fn run(_global: &GlobalArgs, _args: &WatchArgs) -> Result<Exit, Error> {
    Err(Error::NotImplemented { command: "watch" })
}
