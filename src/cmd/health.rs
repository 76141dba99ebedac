//! Reading the user's health rule files (`--health-rules`, else `.kstatus/health.yaml` when
//! present) before anything is applied or watched: any problem is a usage error.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::HealthRules;
use crate::error::Error;

/// The file read from the current directory when no `--health-rules` is given.
pub const DEFAULT_FILE: &str = ".kstatus/health.yaml";

/// A rule file larger than this is refused unread: rules are a few lines each.
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The rules of the files given, or of [`DEFAULT_FILE`] when none is given and it exists.
pub fn load(given: &[PathBuf]) -> Result<Arc<HealthRules>, Error> {
    let default = Path::new(DEFAULT_FILE);
    let paths: Vec<&Path> = if given.is_empty() {
        default.is_file().then_some(default).into_iter().collect()
    } else {
        given.iter().map(PathBuf::as_path).collect()
    };
    let mut files = Vec::with_capacity(paths.len());
    let mut problems = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        match read(path) {
            Ok(text) => files.push((name, text)),
            Err(why) => problems.push(format!("{name}: cannot read: {why}")),
        }
    }
    if problems.is_empty() {
        match HealthRules::parse(&files) {
            Ok(rules) => return Ok(Arc::new(rules)),
            Err(found) => problems = found,
        }
    }
    Err(Error::usage(format!(
        "invalid health rules; nothing was applied or watched:\n{}",
        problems.join("\n")
    ))
    .with_hint(
        "each rule is apiVersion (group/version or group/*), kind, and CEL expressions current \
         (required), inProgress and failed, as in Flux's healthCheckExprs",
    ))
}

fn read(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if size > MAX_BYTES {
        return Err(format!(
            "it is {size} bytes, more than the {MAX_BYTES} allowed"
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
}
