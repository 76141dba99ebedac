//! A Secret's `stringData` sent as `data`: server-side apply of `stringData` is not idempotent
//! (the server never stores `stringData`, so every apply of it is a change that records a new
//! resourceVersion: kubernetes/kubernetes#96841), which would make no apply of such a Secret a
//! no-op. Sent base64-encoded under `data`, an unchanged Secret is an unchanged object.

use base64::Engine;
use serde_json::Value;

/// Moves a core Secret's `stringData` into `data`, base64-encoded; a key in both takes the
/// `stringData` value, as the server does. Anything else is left alone.
pub fn string_data_as_data(object: &mut Value) {
    let is_secret =
        object["apiVersion"].as_str() == Some("v1") && object["kind"].as_str() == Some("Secret");
    if !is_secret {
        return;
    }
    let Some(map) = object.as_object_mut() else {
        return;
    };
    let Some(Value::Object(strings)) = map.remove("stringData") else {
        return;
    };
    let data = map
        .entry("data")
        .or_insert_with(|| Value::Object(Default::default()));
    if !data.is_object() {
        *data = Value::Object(Default::default());
    }
    let data = data.as_object_mut().expect("made an object above");
    for (key, value) in strings {
        // A value that is not a string is the server's to reject, as it would in stringData.
        let encoded = match value {
            Value::String(text) => {
                Value::String(base64::engine::general_purpose::STANDARD.encode(text))
            }
            other => other,
        };
        data.insert(key, encoded);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_data_becomes_base64_data_and_wins_over_data() {
        let mut secret = json!({
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
            "data": {"user": "YWRtaW4=", "token": "b2xk"},
            "stringData": {"token": "hunter2", "host": "db:5432"}});
        string_data_as_data(&mut secret);
        assert_eq!(
            secret,
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                   "data": {"user": "YWRtaW4=", "token": "aHVudGVyMg==", "host": "ZGI6NTQzMg=="}})
        );
    }

    #[test]
    fn only_a_core_secret_with_string_data_is_rewritten() {
        let custom = json!({"apiVersion": "example.com/v1", "kind": "Secret",
                            "stringData": {"a": "b"}});
        let mut rewritten = custom.clone();
        string_data_as_data(&mut rewritten);
        assert_eq!(rewritten, custom);
        let plain = json!({"apiVersion": "v1", "kind": "Secret", "data": {"a": "Yg=="}});
        let mut rewritten = plain.clone();
        string_data_as_data(&mut rewritten);
        assert_eq!(rewritten, plain);
    }
}
