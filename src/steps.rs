//! `apply --steps`: each `-f` is one step, applied in order. What a step is (its name and its
//! manifests), loading every step up front, and the input checks that span steps.

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, ManifestProblem};
use crate::manifest::{self, Manifest};
use crate::plan;

/// One step: its name and which of the run's manifests (in input order) it applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The `-f` path as given (`01-db/`, `02-migrate.yaml`), `-` for stdin.
    pub name: String,
    /// Indexes into the run's manifests, all steps' manifests concatenated in step order.
    pub range: Range<usize>,
}

/// A step's name: the path exactly as given, so it reads as typed (a trailing `/` kept).
pub fn name_of(path: &Path) -> String {
    if manifest::is_stdin(path) {
        "-".to_string()
    } else {
        path.to_string_lossy().into_owned()
    }
}

/// Reads every step's manifests before anything is applied: every step must load, hold at
/// least one object, and no object may be in two steps. All steps' manifests come back
/// concatenated in step order, with the steps' ranges into them.
pub fn load(
    inputs: &[PathBuf],
    recursive: bool,
    stdin: &mut dyn Read,
) -> Result<(Vec<Manifest>, Vec<Step>), Error> {
    if inputs.iter().filter(|p| manifest::is_stdin(p)).count() > 1 {
        return Err(Error::manifest(vec![ManifestProblem {
            location: "-".into(),
            message: "stdin (-) can be given only once".into(),
        }]));
    }
    let mut manifests = Vec::new();
    let mut steps = Vec::new();
    let mut failed = Vec::new();
    for input in inputs {
        match manifest::load(std::slice::from_ref(input), recursive, stdin) {
            Ok(found) => {
                let start = manifests.len();
                manifests.extend(found);
                steps.push(Step {
                    name: name_of(input),
                    range: start..manifests.len(),
                });
            }
            Err(err) => failed.push(err),
        }
    }
    match failed.len() {
        0 => {}
        1 => return Err(failed.remove(0)),
        n => {
            return Err(Error::gather(
                ErrorKind::Manifest,
                format!("{n} steps have invalid manifests:"),
                failed,
            ));
        }
    }
    let problems = certain_duplicates(&manifests);
    if !problems.is_empty() {
        return Err(Error::manifest(problems));
    }
    Ok((manifests, steps))
}

/// Objects given twice with the same kind, name and written namespace (or none): the same
/// object whatever the cluster says, so refused before connecting. Duplicates that depend on
/// the default namespace are found once namespaces are resolved, as without steps.
fn certain_duplicates(manifests: &[Manifest]) -> Vec<ManifestProblem> {
    let written: Vec<Option<String>> = manifests
        .iter()
        .map(|m| m.namespace().map(str::to_string))
        .collect();
    plan::find_duplicates(manifests, &written)
}

/// Custom resources whose kind the cluster does not serve and only a CustomResourceDefinition
/// of a later step defines: their step would wait for a kind that cannot exist yet.
/// `unresolved` are the indexes of manifests whose kind is not served.
pub fn defined_too_late(
    manifests: &[Manifest],
    steps: &[Step],
    unresolved: &[usize],
) -> Vec<ManifestProblem> {
    let step_of = |i: usize| steps.iter().position(|s| s.range.contains(&i));
    let mut problems = Vec::new();
    for &i in unresolved {
        let manifest = &manifests[i];
        let defined_at = manifests.iter().position(|crd| {
            crd.is_crd()
                && crd.object["spec"]["group"].as_str() == Some(manifest.group())
                && crd.object["spec"]["names"]["kind"].as_str() == Some(manifest.kind())
        });
        let (Some(crd), Some(own)) = (defined_at, step_of(i)) else {
            continue;
        };
        if let Some(crd_step) = step_of(crd).filter(|&s| s > own) {
            problems.push(ManifestProblem {
                location: manifest.origin.to_string(),
                message: format!(
                    "{}: its kind is defined by {} in a later step ({}); move the \
                     CustomResourceDefinition to this step or an earlier one",
                    manifest.display_name(),
                    manifests[crd].display_name(),
                    steps[crd_step].name
                ),
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;

    fn dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "kstatus-steps-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(dir.join("01-db")).unwrap();
        dir
    }

    const CONFIG: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n";

    #[test]
    fn steps_are_named_after_their_paths_as_given() {
        assert_eq!(name_of(Path::new("01-db/")), "01-db/");
        assert_eq!(
            name_of(Path::new("deploy/02-migrate.yaml")),
            "deploy/02-migrate.yaml"
        );
        assert_eq!(name_of(Path::new("-")), "-");
    }

    #[test]
    fn every_step_is_loaded_in_order_with_its_range() {
        let dir = dir();
        std::fs::write(dir.join("01-db/a.yaml"), CONFIG).unwrap();
        std::fs::write(
            dir.join("01-db/b.yaml"),
            CONFIG.replace("settings", "other"),
        )
        .unwrap();
        let stdin_text = CONFIG.replace("settings", "from-stdin");
        let inputs = [dir.join("01-db/"), PathBuf::from("-")];
        let (manifests, steps) = load(&inputs, false, &mut stdin_text.as_bytes()).unwrap();
        assert_eq!(manifests.len(), 3);
        assert_eq!(steps[0].range, 0..2);
        assert_eq!(steps[0].name, format!("{}", dir.join("01-db/").display()));
        assert_eq!(
            steps[1],
            Step {
                name: "-".into(),
                range: 2..3
            }
        );
        assert_eq!(manifests[2].name(), "from-stdin");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn an_object_in_two_steps_is_refused_naming_both_locations() {
        let dir = dir();
        std::fs::write(dir.join("01-db/a.yaml"), CONFIG).unwrap();
        std::fs::write(
            dir.join("02.yaml"),
            format!("{CONFIG}---\n{CONFIG}").replacen("settings", "x", 1),
        )
        .unwrap();
        let err = load(
            &[dir.join("01-db"), dir.join("02.yaml")],
            false,
            &mut std::io::empty(),
        )
        .unwrap_err();
        assert_eq!(err.exit(), Exit::Usage);
        let message = err.to_string();
        assert!(
            message.contains("02.yaml:6 (document 2): ConfigMap/settings is also defined at ")
                && message.contains("01-db/a.yaml:1 (document 1)"),
            "{message}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn stdin_is_one_step_at_most() {
        let inputs = [PathBuf::from("-"), PathBuf::from("-")];
        let err = load(&inputs, false, &mut CONFIG.as_bytes()).unwrap_err();
        assert_eq!(err.to_string(), "-: stdin (-) can be given only once");
    }

    #[test]
    fn an_empty_or_unreadable_step_fails_before_anything() {
        let dir = dir();
        let err = load(
            &[dir.join("01-db"), dir.join("missing.yaml")],
            false,
            &mut std::io::empty(),
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("2 steps have invalid manifests:"),
            "{message}"
        );
        assert!(
            message.contains("no .yaml, .yml or .json files found"),
            "{message}"
        );
        assert!(message.contains("missing.yaml: cannot read"), "{message}");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_custom_resource_before_its_crd_step_is_refused() {
        let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n\
                   metadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  \
                   names:\n    kind: Widget\n    plural: widgets\n  scope: Namespaced\n";
        let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n";
        let mut manifests = manifest::parse_source("app.yaml", widget).unwrap();
        manifests.extend(manifest::parse_source("crd.yaml", crd).unwrap());
        let steps = [
            Step {
                name: "app.yaml".into(),
                range: 0..1,
            },
            Step {
                name: "crd.yaml".into(),
                range: 1..2,
            },
        ];
        let problems = defined_too_late(&manifests, &steps, &[0]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].location, "app.yaml:1 (document 1)");
        assert!(
            problems[0].message.contains("later step (crd.yaml)"),
            "{problems:?}"
        );
        // The other way round is what steps are for.
        manifests.swap(0, 1);
        let steps = [
            Step {
                name: "crd.yaml".into(),
                range: 0..1,
            },
            Step {
                name: "app.yaml".into(),
                range: 1..2,
            },
        ];
        assert!(defined_too_late(&manifests, &steps, &[1]).is_empty());
    }
}
