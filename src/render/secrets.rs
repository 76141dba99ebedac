//! How Secret fingerprints are shown: the progress lines, the block after the status table, the
//! NDJSON `secret` line, the JUnit `<system-out>`, the report's `secret` field, and the change
//! sentence that takes the place of a Secret's message in the results. Only fingerprints ever
//! reach this module.

use std::sync::Arc;

use serde::Serialize;
use serde_json::json;

use super::report::Report;
use super::steps::StepSection;
use crate::engine::{ObjectKey, Snapshot};
use crate::fingerprint::{
    Baseline, KeyReport, Ledger, SaltOrigin, SecretRecord, SeenChange, Source,
    describe_watched_change,
};

/// `secret` of a Secret's entry in the report.
#[derive(Debug, Clone, Serialize)]
pub struct SecretReport {
    pub keys: Vec<KeyReport>,
}

/// The progress line of an applied Secret: `Secret/db -n shop: Updated: password changed, …`.
pub fn applied_line(record: &SecretRecord) -> String {
    format!("{}: {}", record.object, record.sentence())
}

/// The progress line of a Secret that changed while watched:
/// `Secret/db -n shop: password changed (sha256:… → sha256:…)`.
pub fn seen_line(change: &SeenChange) -> String {
    format!(
        "{}: {}",
        change.object,
        describe_watched_change(&change.keys)
    )
}

/// The NDJSON line of a Secret compared (apply) or seen changing (watch).
pub fn event_line(object: &ObjectKey, keys: &[KeyReport], message: &str, time: &str) -> String {
    let value = json!({
        "type": "secret",
        "time": time,
        "object": {"apiGroup": object.group, "kind": object.kind,
                   "namespace": object.namespace, "name": object.name},
        "keys": keys,
        "message": message,
    });
    serde_json::to_string(&value).expect("events serialize")
}

/// The snapshot as the results show it: a Secret's message is its change sentence, when the
/// run compared it (an apply, or a change seen while watched) and it still exists.
pub fn annotate(snapshot: &Snapshot, ledger: &Ledger) -> Snapshot {
    let mut annotated = snapshot.clone();
    for object in &mut annotated.objects {
        let Some(record) = ledger.get(&object.key) else {
            continue;
        };
        let compared = record.source != Source::Watched || record.baseline != Baseline::Unknown;
        if compared && object.status.detail.is_none() {
            Arc::make_mut(&mut object.status).message = record.sentence();
        }
    }
    annotated
}

/// Each step's section as the results show it: [`annotate`] applied to its snapshot.
pub fn annotate_steps(steps: &[StepSection], ledger: &Ledger) -> Vec<StepSection> {
    steps
        .iter()
        .map(|step| StepSection {
            snapshot: annotate(&step.snapshot, ledger),
            ..step.clone()
        })
        .collect()
}

/// The block after the status table: every key of every Secret shown, with its fingerprint and
/// change; empty when the run showed no Secret.
pub fn table_block(snapshot: &Snapshot, ledger: &Ledger) -> String {
    let mut rows: Vec<[String; 4]> = Vec::new();
    for object in &snapshot.objects {
        let Some(record) = ledger.get(&object.key) else {
            continue;
        };
        for key in record.keys() {
            rows.push([
                object.key.to_string(),
                key.key.clone(),
                key.fingerprint.clone(),
                key.change
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
            ]);
        }
    }
    if rows.is_empty() {
        return String::new();
    }
    let salt = match ledger.origin() {
        SaltOrigin::Random => "random salt of this run",
        SaltOrigin::Given => "given salt",
    };
    let mut widths = [0usize; 3];
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row.iter()) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = format!("Secret fingerprints ({salt}):\n");
    for row in rows {
        let line = format!(
            "  {:w0$}  {:w1$}  {:w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The `<system-out>` text of a Secret's JUnit test case: one `key fingerprint change` line per
/// key, after the change sentence.
pub fn junit_output(snapshot: &Snapshot, ledger: &Ledger) -> Vec<(ObjectKey, String)> {
    snapshot
        .objects
        .iter()
        .filter_map(|object| {
            let record = ledger.get(&object.key)?;
            let mut text = format!("{}\n", record.sentence());
            for key in record.keys() {
                let change = key.change.map(|c| c.as_str()).unwrap_or_default();
                text.push_str(format!("{} {} {change}", key.key, key.fingerprint).trim_end());
                text.push('\n');
            }
            Some((object.key.clone(), text))
        })
        .collect()
}

/// Adds each Secret's keys and the salt's origin to a report built from the same snapshot.
pub fn add_to_report(report: &mut Report, ledger: &Ledger) {
    report.fingerprint_salt = Some(ledger.origin());
    for entry in &mut report.objects {
        let key = ObjectKey::new(
            &entry.api_group,
            &entry.kind,
            entry.namespace.as_deref(),
            &entry.name,
        );
        if let Some(record) = ledger.get(&key) {
            entry.secret = Some(SecretReport {
                keys: record.keys(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::engine::{Detail, Moment, ObjectStatus, Status, TrackedObject};
    use crate::fingerprint::{Fingerprints, Salt};
    use crate::outcome::RunOutcome;
    use crate::render::report;

    fn db() -> ObjectKey {
        ObjectKey::new("", "Secret", Some("shop"), "db")
    }

    fn snapshot() -> Snapshot {
        Snapshot {
            at: Moment(Duration::from_secs(3)),
            objects: vec![
                TrackedObject {
                    key: db(),
                    status: ObjectStatus::success("Created").into(),
                    since: Moment::default(),
                },
                TrackedObject {
                    key: ObjectKey::new("apps", "Deployment", Some("shop"), "web"),
                    status: ObjectStatus::success("Rollout complete").into(),
                    since: Moment::default(),
                },
            ],
            application: Status::Success,
            window_left: None,
            deadline_left: None,
            verdict: None,
            connection: Default::default(),
        }
    }

    fn prints(pairs: &[(&str, &str)]) -> Fingerprints {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn updated() -> Ledger {
        let mut ledger = Ledger::new(SaltOrigin::Given);
        ledger.applied(
            db(),
            Baseline::Held(prints(&[
                ("password", "sha256:111111111111"),
                ("user", "sha256:222222222222"),
            ])),
            prints(&[
                ("password", "sha256:999999999999"),
                ("user", "sha256:222222222222"),
            ]),
            false,
        );
        ledger
    }

    #[test]
    fn the_table_block_lists_every_key_with_fingerprint_and_change() {
        assert_eq!(
            table_block(&snapshot(), &updated()),
            "Secret fingerprints (given salt):\n  \
             Secret/db -n shop  password  sha256:999999999999  changed\n  \
             Secret/db -n shop  user      sha256:222222222222  unchanged\n"
        );
        assert_eq!(
            table_block(&snapshot(), &Ledger::new(SaltOrigin::Random)),
            ""
        );
        let mut watched = Ledger::new(SaltOrigin::Random);
        watched.observe(&db(), prints(&[("token", "sha256:333333333333")]));
        assert_eq!(
            table_block(&snapshot(), &watched),
            "Secret fingerprints (random salt of this run):\n  \
             Secret/db -n shop  token  sha256:333333333333\n"
        );
    }

    #[test]
    fn the_results_say_the_change_sentence_for_a_compared_secret() {
        let annotated = annotate(&snapshot(), &updated());
        assert_eq!(
            annotated.objects[0].status.message,
            "Updated: password changed, user unchanged"
        );
        assert_eq!(annotated.objects[1].status.message, "Rollout complete");
        let mut watched = Ledger::new(SaltOrigin::Random);
        watched.observe(&db(), prints(&[("token", "sha256:333333333333")]));
        assert_eq!(
            annotate(&snapshot(), &watched).objects[0].status.message,
            "Created",
            "nothing compared: the engine's message stays"
        );
        let mut gone = snapshot();
        gone.objects[0].status = ObjectStatus::error("deleted")
            .with_detail(Detail::Deleted)
            .into();
        assert_eq!(
            annotate(&gone, &updated()).objects[0].status.message,
            "deleted"
        );
    }

    #[test]
    fn each_step_section_says_the_change_sentence_too() {
        let step = StepSection {
            name: "01-db/".into(),
            index: 1,
            total: 2,
            outcome: Some(RunOutcome::Success),
            reason: "held".into(),
            elapsed: Duration::from_secs(2),
            snapshot: snapshot(),
            failures: Vec::new(),
            pending: Vec::new(),
        };
        let annotated = annotate_steps(&[step], &updated());
        assert_eq!(
            annotated[0].snapshot.objects[0].status.message,
            "Updated: password changed, user unchanged"
        );
        assert_eq!(annotated[0].name, "01-db/");
    }

    #[test]
    fn the_report_carries_each_key_and_the_salt_origin() {
        let mut built = report::build(&snapshot(), RunOutcome::Success, "all held", &[]);
        add_to_report(&mut built, &updated());
        let text = report::to_text(&report::to_value(&built), false);
        let expected = r#"{
  "application": "Success",
  "elapsedSeconds": 3.0,
  "fingerprintSalt": "given",
  "objects": [
    {
      "apiGroup": "",
      "kind": "Secret",
      "message": "Created",
      "name": "db",
      "namespace": "shop",
      "secret": {
        "keys": [
          {
            "change": "changed",
            "fingerprint": "sha256:999999999999",
            "key": "password"
          },
          {
            "change": "unchanged",
            "fingerprint": "sha256:222222222222",
            "key": "user"
          }
        ]
      },
      "status": "Success"
    },
    {
      "apiGroup": "apps",
      "kind": "Deployment",
      "message": "Rollout complete",
      "name": "web",
      "namespace": "shop",
      "status": "Success"
    }
  ],
  "outcome": "Success",
  "reason": "all held",
  "schema": "kstatus.dev/report/v1",
  "throttledRequests": 0
}
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn the_event_line_names_keys_fingerprints_and_changes() {
        let ledger = updated();
        let record = ledger.get(&db()).unwrap();
        assert_eq!(
            event_line(&db(), &record.keys(), &record.sentence(), "T1"),
            r#"{"keys":[{"change":"changed","fingerprint":"sha256:999999999999","key":"password"},{"change":"unchanged","fingerprint":"sha256:222222222222","key":"user"}],"message":"Updated: password changed, user unchanged","object":{"apiGroup":"","kind":"Secret","name":"db","namespace":"shop"},"time":"T1","type":"secret"}"#
        );
    }

    #[test]
    fn progress_lines_name_the_secret() {
        let ledger = updated();
        assert_eq!(
            applied_line(ledger.get(&db()).unwrap()),
            "Secret/db -n shop: Updated: password changed, user unchanged"
        );
        let mut watched = Ledger::new(SaltOrigin::Random);
        watched.observe(&db(), prints(&[("password", "sha256:111111111111")]));
        let change = watched
            .observe(&db(), prints(&[("password", "sha256:999999999999")]))
            .unwrap();
        assert_eq!(
            seen_line(&change),
            "Secret/db -n shop: password changed (sha256:111111111111 → sha256:999999999999)"
        );
    }

    #[test]
    fn junit_output_lists_the_keys_of_each_secret() {
        assert_eq!(
            junit_output(&snapshot(), &updated()),
            [(
                db(),
                "Updated: password changed, user unchanged\n\
                 password sha256:999999999999 changed\n\
                 user sha256:222222222222 unchanged\n"
                    .to_string()
            )]
        );
    }

    #[test]
    fn a_real_salt_gives_a_twelve_digit_fingerprint_in_every_output() {
        let salt = Salt::given("pepper");
        let mut ledger = Ledger::new(salt.origin());
        ledger.applied(
            db(),
            Baseline::New,
            prints(&[("password", &salt.fingerprint(b"hunter2"))]),
            false,
        );
        let block = table_block(&snapshot(), &ledger);
        assert!(
            block.contains("password  sha256:ca458f67a1e6  added"),
            "{block}"
        );
    }
}
