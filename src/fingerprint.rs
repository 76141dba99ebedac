//! Secret fingerprints: the salt of a run, the salted SHA-256 of each key's value, what changed
//! between two sets of fingerprints, the sentences that say so, and the ledger of every Secret
//! a run applied or watched. Pure: no IO beyond drawing a random salt.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::engine::ObjectKey;

/// How a fingerprint starts; the rest is the first [`FINGERPRINT_HEX`] hex digits of the hash.
pub const FINGERPRINT_PREFIX: &str = "sha256:";
pub const FINGERPRINT_HEX: usize = 12;
/// Random salt length: as long as the hash, so guessing a short value from its fingerprint
/// needs the salt, which a random run never shows.
const RANDOM_SALT_BYTES: usize = 32;

/// Where the salt of a run came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SaltOrigin {
    /// Drawn for this run: fingerprints compare only within it.
    Random,
    /// `--fingerprint-salt` or `KSTATUS_FINGERPRINT_SALT`: fingerprints compare across runs.
    Given,
}

impl SaltOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            SaltOrigin::Random => "random",
            SaltOrigin::Given => "given",
        }
    }
}

/// Where the values a run fingerprints are handed over so that output can hide them (the
/// run's redactor): a Secret read from the cluster, by a watch or before an apply, may hold
/// values no manifest of the run carries (an old password a crashing pod still prints).
pub type ValueSink = Arc<dyn Fn(Vec<String>) + Send + Sync>;

/// The salt of one run. Its bytes are never printed: `Debug` shows only where it came from.
#[derive(Clone)]
pub struct Salt {
    bytes: Arc<[u8]>,
    origin: SaltOrigin,
    values: Option<ValueSink>,
}

impl PartialEq for Salt {
    fn eq(&self, other: &Salt) -> bool {
        self.bytes == other.bytes && self.origin == other.origin
    }
}

impl Eq for Salt {}

impl fmt::Debug for Salt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Salt({})", self.origin.as_str())
    }
}

impl Salt {
    /// The given salt, or a random one when none is given.
    pub fn resolve(given: Option<&str>) -> Salt {
        match given {
            Some(text) => Salt::given(text),
            None => Salt::random(),
        }
    }

    pub fn given(text: &str) -> Salt {
        Salt {
            bytes: text.as_bytes().into(),
            origin: SaltOrigin::Given,
            values: None,
        }
    }

    pub fn random() -> Salt {
        let mut bytes = [0u8; RANDOM_SALT_BYTES];
        // The OS generator only fails on platforms kstatus does not run on; a fixed salt
        // would still never print a value, only make fingerprints comparable across runs.
        if let Err(err) = getrandom::fill(&mut bytes) {
            tracing::warn!(%err, "no random salt available");
        }
        Salt {
            bytes: bytes.as_slice().into(),
            origin: SaltOrigin::Random,
            values: None,
        }
    }

    /// The same salt, handing every value it fingerprints through [`Salt::fingerprint_all`]
    /// to `sink`.
    #[must_use]
    pub fn with_value_sink(mut self, sink: ValueSink) -> Salt {
        self.values = Some(sink);
        self
    }

    /// The same salt without a value sink: its fingerprints hide nothing more.
    #[must_use]
    pub fn without_value_sink(&self) -> Salt {
        Salt {
            values: None,
            ..self.clone()
        }
    }

    /// The fingerprint of each (key, value), the values handed to the sink in one batch.
    pub fn fingerprint_all(
        &self,
        values: impl IntoIterator<Item = (String, Vec<u8>)>,
    ) -> Fingerprints {
        let mut fingerprints = Fingerprints::new();
        let mut texts = Vec::new();
        for (key, value) in values {
            fingerprints.insert(key, self.fingerprint(&value));
            if let Ok(text) = String::from_utf8(value) {
                texts.push(text);
            }
        }
        if let Some(sink) = &self.values
            && !texts.is_empty()
        {
            sink(texts);
        }
        fingerprints
    }

    pub fn origin(&self) -> SaltOrigin {
        self.origin
    }

    /// `sha256:` and the first 12 hex digits of SHA-256(salt ‖ value).
    pub fn fingerprint(&self, value: &[u8]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(&self.bytes);
        hasher.update(value);
        let digest = hasher.finalize();
        let mut out = String::from(FINGERPRINT_PREFIX);
        for byte in digest.iter().take(FINGERPRINT_HEX / 2) {
            out.push_str(&format!("{byte:02x}"));
        }
        out
    }
}

/// Key -> fingerprint of one Secret, in key order.
pub type Fingerprints = BTreeMap<String, String>;

/// Whether an object is a core Secret.
pub fn is_secret(object: &Value) -> bool {
    object["apiVersion"] == "v1" && object["kind"] == "Secret"
}

/// The fingerprint of every key of a Secret as written or as the API returns it: `data` values
/// are base64 (fingerprinted decoded; an invalid one as written), `stringData` values plain and,
/// as the API server merges them, winning over `data`. None for anything but a Secret.
pub fn of_secret(object: &Value, salt: &Salt) -> Option<Fingerprints> {
    if !is_secret(object) {
        return None;
    }
    // Keyed, so a stringData value replaces the data value of its key.
    let mut values: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    if let Some(data) = object.get("data").and_then(Value::as_object) {
        for (key, value) in data {
            let encoded = value.as_str().unwrap_or_default();
            let bytes = crate::manifest::decode_secret_data(encoded)
                .unwrap_or_else(|| encoded.as_bytes().to_vec());
            values.insert(key.clone(), bytes);
        }
    }
    if let Some(data) = object.get("stringData").and_then(Value::as_object) {
        for (key, value) in data {
            let text = value.as_str().unwrap_or_default();
            values.insert(key.clone(), text.as_bytes().to_vec());
        }
    }
    if holds_user_values(object) {
        Some(salt.fingerprint_all(values))
    } else {
        Some(salt.without_value_sink().fingerprint_all(values))
    }
}

/// Whether a Secret's values are worth hiding from output. Not those the cluster writes itself:
/// a service account token Secret holds the namespace's name and the cluster CA (hiding them
/// would blank every mention of the namespace), a Helm release Secret a compressed manifest
/// blob no pod prints.
fn holds_user_values(secret: &Value) -> bool {
    !matches!(
        secret["type"].as_str(),
        Some("kubernetes.io/service-account-token" | "helm.sh/release.v1")
    )
}

/// Replaces a Secret's payload by its fingerprints, where objects arrive from the cluster:
/// `data` then maps each key to its fingerprint and `stringData` is gone, so no value is held
/// past this point. Anything but a Secret is left as it is.
pub fn replace_payload(object: &mut Value, salt: &Salt) {
    let Some(fingerprints) = of_secret(object, salt) else {
        return;
    };
    if let Some(fields) = object.as_object_mut() {
        fields.remove("stringData");
        let data = fingerprints
            .into_iter()
            .map(|(key, fp)| (key, Value::String(fp)))
            .collect();
        fields.insert("data".into(), Value::Object(data));
    }
}

/// The fingerprints of a Secret whose payload [`replace_payload`] replaced.
pub fn carried(object: &Value) -> Option<Fingerprints> {
    if !is_secret(object) {
        return None;
    }
    let data = object.get("data").and_then(Value::as_object);
    Some(
        data.into_iter()
            .flatten()
            .filter_map(|(key, fp)| {
                let fp = fp.as_str()?;
                fp.starts_with(FINGERPRINT_PREFIX)
                    .then(|| (key.clone(), fp.to_string()))
            })
            .collect(),
    )
}

/// What happened to one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyChange {
    Added,
    Changed,
    Removed,
    Unchanged,
}

impl KeyChange {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyChange::Added => "added",
            KeyChange::Changed => "changed",
            KeyChange::Removed => "removed",
            KeyChange::Unchanged => "unchanged",
        }
    }
}

/// One key of a Secret as reported: its fingerprint (of a removed key: the one it had) and,
/// when a comparison was made, its change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyReport {
    pub key: String,
    pub fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<KeyChange>,
    /// The fingerprint before a change (not in the report: the progress line shows it).
    #[serde(skip)]
    pub previous: Option<String>,
}

/// Every key of `before` and `after` with its change, in key order.
pub fn compare(before: &Fingerprints, after: &Fingerprints) -> Vec<KeyReport> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .map(|key| {
            let (fingerprint, change, previous) = match (before.get(key), after.get(key)) {
                (None, Some(now)) => (now, KeyChange::Added, None),
                (Some(was), None) => (was, KeyChange::Removed, None),
                (Some(was), Some(now)) if was == now => (now, KeyChange::Unchanged, None),
                (Some(was), Some(now)) => (now, KeyChange::Changed, Some(was.clone())),
                (None, None) => unreachable!("the key comes from one of the maps"),
            };
            KeyReport {
                key: key.clone(),
                fingerprint: fingerprint.clone(),
                change: Some(change),
                previous,
            }
        })
        .collect()
}

/// What a Secret is compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// It did not exist before the apply.
    New,
    /// What the cluster held: before the apply, or when `watch` first saw it.
    Held(Fingerprints),
    /// Not known: `watch` saw no change, or the Secret could not be read before the apply.
    Unknown,
}

/// Whether the Secret was applied by this run (for real or as a server dry run) or only watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Applied { dry_run: bool },
    Watched,
}

/// One Secret of a run: what it is compared with and its fingerprints now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRecord {
    pub object: ObjectKey,
    pub source: Source,
    pub baseline: Baseline,
    pub current: Fingerprints,
}

impl SecretRecord {
    /// Each key with its fingerprint and, when there is a baseline, its change.
    pub fn keys(&self) -> Vec<KeyReport> {
        match &self.baseline {
            Baseline::New => compare(&Fingerprints::new(), &self.current),
            Baseline::Held(before) => compare(before, &self.current),
            Baseline::Unknown => self
                .current
                .iter()
                .map(|(key, fp)| KeyReport {
                    key: key.clone(),
                    fingerprint: fp.clone(),
                    change: None,
                    previous: None,
                })
                .collect(),
        }
    }

    /// `Created: password, user`, `Updated: password changed, user unchanged`,
    /// `Unchanged: 2 keys`; in a server dry run `Would be created: …`.
    pub fn sentence(&self) -> String {
        let keys = self.keys();
        let dry_run = self.source == Source::Applied { dry_run: true };
        let names = |keys: &[KeyReport]| -> String {
            if keys.is_empty() {
                "no keys".to_string()
            } else {
                keys.iter()
                    .map(|k| k.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let (verb, rest) = match (&self.baseline, self.source) {
            (Baseline::New, _) => ("Created", names(&keys)),
            (Baseline::Unknown, Source::Watched) => ("Keys", names(&keys)),
            (Baseline::Unknown, Source::Applied { .. }) => {
                ("Applied", format!("{} (not compared)", names(&keys)))
            }
            (Baseline::Held(_), source) => {
                if keys.iter().all(|k| k.change == Some(KeyChange::Unchanged)) {
                    ("Unchanged", count_keys(keys.len()))
                } else {
                    let verb = match source {
                        Source::Watched => "Changed",
                        Source::Applied { .. } => "Updated",
                    };
                    (verb, describe_changes(&keys))
                }
            }
        };
        if dry_run {
            let verb = match verb {
                "Unchanged" => "would stay unchanged".to_string(),
                other => format!("would be {}", other.to_lowercase()),
            };
            let mut verb = verb;
            verb[..1].make_ascii_uppercase();
            format!("{verb}: {rest}")
        } else {
            format!("{verb}: {rest}")
        }
    }
}

fn count_keys(n: usize) -> String {
    if n == 1 {
        "1 key".into()
    } else {
        format!("{n} keys")
    }
}

/// `password changed, token added, user unchanged`.
fn describe_changes(keys: &[KeyReport]) -> String {
    keys.iter()
        .map(|k| format!("{} {}", k.key, k.change.map_or("", KeyChange::as_str)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A change seen while a Secret was watched: `password changed (sha256:… → sha256:…)`,
/// `token added (sha256:…)`, `old removed (was sha256:…)`; unchanged keys are left out.
pub fn describe_watched_change(keys: &[KeyReport]) -> String {
    keys.iter()
        .filter_map(|k| match k.change? {
            KeyChange::Changed => Some(format!(
                "{} changed ({} → {})",
                k.key,
                k.previous.as_deref().unwrap_or("?"),
                k.fingerprint
            )),
            KeyChange::Added => Some(format!("{} added ({})", k.key, k.fingerprint)),
            KeyChange::Removed => Some(format!("{} removed (was {})", k.key, k.fingerprint)),
            KeyChange::Unchanged => None,
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A Secret whose fingerprints changed while tracked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenChange {
    pub object: ObjectKey,
    /// Every key compared with the fingerprints seen just before.
    pub keys: Vec<KeyReport>,
}

/// Every Secret of a run, in the order first met.
#[derive(Debug, Clone)]
pub struct Ledger {
    origin: SaltOrigin,
    records: Vec<SecretRecord>,
    /// A Secret could not be read before an apply; said once.
    pub unreadable_warned: bool,
}

impl Ledger {
    pub fn new(origin: SaltOrigin) -> Ledger {
        Ledger {
            origin,
            records: Vec::new(),
            unreadable_warned: false,
        }
    }

    pub fn origin(&self) -> SaltOrigin {
        self.origin
    }

    pub fn records(&self) -> &[SecretRecord] {
        &self.records
    }

    pub fn get(&self, object: &ObjectKey) -> Option<&SecretRecord> {
        self.records.iter().find(|r| &r.object == object)
    }

    /// An apply returned `after` for a Secret that held `baseline` just before.
    pub fn applied(
        &mut self,
        object: ObjectKey,
        baseline: Baseline,
        after: Fingerprints,
        dry_run: bool,
    ) -> &SecretRecord {
        let record = SecretRecord {
            object,
            source: Source::Applied { dry_run },
            baseline,
            current: after,
        };
        match self.records.iter().position(|r| r.object == record.object) {
            Some(i) => {
                self.records[i] = record;
                &self.records[i]
            }
            None => {
                self.records.push(record);
                self.records.last().expect("just pushed")
            }
        }
    }

    /// A tracked Secret as a watch reports it (its payload already fingerprints): the first
    /// sight is recorded; fingerprints that differ from the last ones seen are a change.
    pub fn observe(
        &mut self,
        object: &ObjectKey,
        fingerprints: Fingerprints,
    ) -> Option<SeenChange> {
        let Some(record) = self.records.iter_mut().find(|r| &r.object == object) else {
            self.records.push(SecretRecord {
                object: object.clone(),
                source: Source::Watched,
                baseline: Baseline::Unknown,
                current: fingerprints,
            });
            return None;
        };
        if record.current == fingerprints {
            return None;
        }
        let keys = compare(&record.current, &fingerprints);
        if record.baseline == Baseline::Unknown && record.source == Source::Watched {
            record.baseline = Baseline::Held(record.current.clone());
        }
        record.current = fingerprints;
        Some(SeenChange {
            object: object.clone(),
            keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> ObjectKey {
        ObjectKey::new("", "Secret", Some("shop"), "db")
    }

    fn prints(pairs: &[(&str, &str)]) -> Fingerprints {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_fingerprint_is_sha256_of_salt_then_value_cut_to_12_hex_digits() {
        let salt = Salt::given("pepper");
        // printf 'pepperhunter2' | sha256sum
        let expected = "sha256:ca458f67a1e6";
        let fingerprint = salt.fingerprint(b"hunter2");
        assert_eq!(fingerprint.len(), "sha256:".len() + 12);
        assert_eq!(fingerprint, expected);
    }

    #[test]
    fn the_same_salt_gives_the_same_fingerprint_and_another_salt_another() {
        let one = Salt::given("one");
        assert_eq!(one.fingerprint(b"v"), Salt::given("one").fingerprint(b"v"));
        assert_ne!(one.fingerprint(b"v"), Salt::given("two").fingerprint(b"v"));
        assert_ne!(one.fingerprint(b"v"), one.fingerprint(b"w"));
        let random = Salt::random();
        assert_eq!(random.origin(), SaltOrigin::Random);
        assert_ne!(random.fingerprint(b"v"), Salt::random().fingerprint(b"v"));
        assert_eq!(
            Salt::resolve(Some("one")).fingerprint(b"v"),
            one.fingerprint(b"v")
        );
    }

    #[test]
    fn the_salt_never_shows_in_debug_output() {
        assert_eq!(format!("{:?}", Salt::given("pepper")), "Salt(given)");
    }

    #[test]
    fn data_is_decoded_and_string_data_wins() {
        let salt = Salt::given("s");
        let secret = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
            "data": {"password": "aHVudGVy\nMg==", "user": "YWRtaW4="},
            "stringData": {"user": "root", "token": "t0k3n"}});
        let fingerprints = of_secret(&secret, &salt).unwrap();
        assert_eq!(fingerprints["password"], salt.fingerprint(b"hunter2"));
        assert_eq!(fingerprints["user"], salt.fingerprint(b"root"));
        assert_eq!(fingerprints["token"], salt.fingerprint(b"t0k3n"));
        let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}});
        assert_eq!(of_secret(&config_map, &salt), None);
    }

    #[test]
    fn on_arrival_a_secret_keeps_only_fingerprints() {
        let salt = Salt::given("s");
        let mut secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "shop"},
            "data": {"password": "aHVudGVyMg=="}, "stringData": {"token": "t0k3n"}});
        replace_payload(&mut secret, &salt);
        let text = secret.to_string();
        for value in ["hunter2", "aHVudGVyMg==", "t0k3n"] {
            assert!(!text.contains(value), "{value} in {text}");
        }
        assert!(secret.get("stringData").is_none());
        assert_eq!(
            carried(&secret).unwrap(),
            prints(&[
                ("password", &salt.fingerprint(b"hunter2")),
                ("token", &salt.fingerprint(b"t0k3n"))
            ])
        );
        let mut config_map = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}});
        replace_payload(&mut config_map, &salt);
        assert_eq!(config_map["data"]["a"], "b");
    }

    #[test]
    fn the_values_fingerprinted_on_arrival_go_to_the_sink_in_one_batch() {
        let received: Arc<std::sync::Mutex<Vec<Vec<String>>>> = Arc::default();
        let sink = Arc::clone(&received);
        let salt = Salt::given("s").with_value_sink(Arc::new(move |values| {
            sink.lock().unwrap().push(values);
        }));
        let mut secret = json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "namespace": "shop"},
            "data": {"password": "aHVudGVyMg=="}, "stringData": {"token": "t0k3n"}});
        replace_payload(&mut secret, &salt);
        assert_eq!(
            *received.lock().unwrap(),
            vec![vec!["hunter2".to_string(), "t0k3n".to_string()]]
        );
        assert_eq!(salt, Salt::given("s"), "the sink is not part of the salt");
        let mut token = json!({"apiVersion": "v1", "kind": "Secret",
            "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "default-token-x", "namespace": "shop"},
            "data": {"namespace": "c2hvcA=="}});
        replace_payload(&mut token, &salt);
        assert_eq!(token["data"]["namespace"], salt.fingerprint(b"shop"));
        assert_eq!(received.lock().unwrap().len(), 1, "not the cluster's own");
        let mut config_map = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}});
        replace_payload(&mut config_map, &salt);
        assert_eq!(received.lock().unwrap().len(), 1, "only Secrets");
    }

    #[test]
    fn comparison_names_every_key_with_its_change() {
        let before = prints(&[
            ("old", "sha256:0"),
            ("password", "sha256:1"),
            ("user", "sha256:2"),
        ]);
        let after = prints(&[
            ("password", "sha256:9"),
            ("token", "sha256:3"),
            ("user", "sha256:2"),
        ]);
        let keys = compare(&before, &after);
        let summary: Vec<(&str, &str, KeyChange)> = keys
            .iter()
            .map(|k| (k.key.as_str(), k.fingerprint.as_str(), k.change.unwrap()))
            .collect();
        assert_eq!(
            summary,
            [
                ("old", "sha256:0", KeyChange::Removed),
                ("password", "sha256:9", KeyChange::Changed),
                ("token", "sha256:3", KeyChange::Added),
                ("user", "sha256:2", KeyChange::Unchanged),
            ]
        );
        assert_eq!(keys[1].previous.as_deref(), Some("sha256:1"));
        assert_eq!(
            describe_watched_change(&keys),
            "old removed (was sha256:0), password changed (sha256:1 → sha256:9), token added (sha256:3)"
        );
    }

    fn record(baseline: Baseline, current: &[(&str, &str)], source: Source) -> SecretRecord {
        SecretRecord {
            object: key(),
            source,
            baseline,
            current: prints(current),
        }
    }

    #[test]
    fn sentences_say_what_an_apply_did() {
        let applied = Source::Applied { dry_run: false };
        let both = [("password", "sha256:9"), ("user", "sha256:2")];
        assert_eq!(
            record(Baseline::New, &both, applied).sentence(),
            "Created: password, user"
        );
        let before = prints(&[("password", "sha256:1"), ("user", "sha256:2")]);
        assert_eq!(
            record(Baseline::Held(before.clone()), &both, applied).sentence(),
            "Updated: password changed, user unchanged"
        );
        let grown = [("password", "sha256:1"), ("token", "sha256:3")];
        assert_eq!(
            record(Baseline::Held(before.clone()), &grown, applied).sentence(),
            "Updated: password unchanged, token added, user removed"
        );
        let same = [("password", "sha256:1"), ("user", "sha256:2")];
        assert_eq!(
            record(Baseline::Held(before.clone()), &same, applied).sentence(),
            "Unchanged: 2 keys"
        );
        assert_eq!(
            record(Baseline::Unknown, &both, applied).sentence(),
            "Applied: password, user (not compared)"
        );
        let dry = Source::Applied { dry_run: true };
        assert_eq!(
            record(Baseline::Held(before.clone()), &both, dry).sentence(),
            "Would be updated: password changed, user unchanged"
        );
        assert_eq!(
            record(Baseline::New, &both, dry).sentence(),
            "Would be created: password, user"
        );
        assert_eq!(
            record(Baseline::Held(before), &same, dry).sentence(),
            "Would stay unchanged: 2 keys"
        );
        assert_eq!(
            record(Baseline::New, &[], applied).sentence(),
            "Created: no keys"
        );
    }

    #[test]
    fn the_ledger_reports_a_change_seen_while_watched_once() {
        let mut ledger = Ledger::new(SaltOrigin::Given);
        let first = prints(&[("password", "sha256:1"), ("user", "sha256:2")]);
        assert_eq!(ledger.observe(&key(), first.clone()), None);
        assert_eq!(
            ledger.get(&key()).unwrap().sentence(),
            "Keys: password, user"
        );
        assert!(
            ledger
                .get(&key())
                .unwrap()
                .keys()
                .iter()
                .all(|k| k.change.is_none()),
            "no before known: no change"
        );
        assert_eq!(ledger.observe(&key(), first.clone()), None, "a resync");
        let second = prints(&[("password", "sha256:9"), ("user", "sha256:2")]);
        let seen = ledger.observe(&key(), second.clone()).expect("a change");
        assert_eq!(
            describe_watched_change(&seen.keys),
            "password changed (sha256:1 → sha256:9)"
        );
        assert_eq!(ledger.observe(&key(), second), None);
        assert_eq!(
            ledger.get(&key()).unwrap().sentence(),
            "Changed: password changed, user unchanged"
        );
    }

    #[test]
    fn after_an_apply_the_first_watch_event_is_no_change() {
        let mut ledger = Ledger::new(SaltOrigin::Random);
        let before = prints(&[("password", "sha256:1")]);
        let after = prints(&[("password", "sha256:9")]);
        ledger.applied(key(), Baseline::Held(before), after.clone(), false);
        assert_eq!(ledger.observe(&key(), after), None);
        assert_eq!(
            ledger.get(&key()).unwrap().sentence(),
            "Updated: password changed"
        );
        assert_eq!(ledger.records().len(), 1);
    }
}
