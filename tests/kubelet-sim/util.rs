//! Small helpers: timestamps in the formats the API uses, duration parsing, fake digests.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;

/// `metav1.Time`: RFC 3339 with second precision.
pub fn time(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `metav1.Time` for now.
pub fn now() -> String {
    time(Timestamp::now())
}

/// `metav1.MicroTime`: RFC 3339 with microseconds.
pub fn micro_now() -> String {
    Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S.%6fZ")
        .to_string()
}

/// RFC 3339 with nanoseconds, as the kubelet prefixes log lines with `timestamps=true`.
pub fn nano(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S.%9fZ").to_string()
}

/// Parses "300ms", "1.5s", "2m", "1h", "250us" or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("invalid duration {s:?} (expected e.g. 300ms, 1.5s, 2m)"))?;
    let secs = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1e3,
        "us" | "µs" => value / 1e6,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => return Err(format!("invalid duration unit {other:?} in {s:?}")),
    };
    if !secs.is_finite() || secs < 0.0 {
        return Err(format!("invalid duration {s:?}"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Formats a duration the way Go's `time.Duration.String()` does for whole values
/// ("10s", "1m20s", "5m0s").
pub fn go_duration(d: Duration) -> String {
    let total = d.as_secs();
    if total >= 60 {
        format!("{}m{}s", total / 60, total % 60)
    } else if total > 0 {
        format!("{total}s")
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// Deterministic pseudo-random hex of `len` characters derived from `seed`.
pub fn hex(seed: &str, len: usize) -> String {
    let mut out = String::with_capacity(len + 16);
    let mut round = 0u64;
    while out.len() < len {
        let mut h = DefaultHasher::new();
        seed.hash(&mut h);
        round.hash(&mut h);
        out.push_str(&format!("{:016x}", h.finish()));
        round += 1;
    }
    out.truncate(len);
    out
}

/// The fully qualified reference containerd reports for an image ("nginx:1.25" ->
/// "docker.io/library/nginx:1.25").
pub fn normalize_image(image: &str) -> String {
    let (first, rest) = match image.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (image, None),
    };
    let mut full = match rest {
        Some(_) if first.contains('.') || first.contains(':') || first == "localhost" => {
            image.to_string()
        }
        Some(_) => format!("docker.io/{image}"),
        None => format!("docker.io/library/{image}"),
    };
    let last = full.rsplit('/').next().unwrap_or_default();
    if !last.contains(':') && !last.contains('@') {
        full.push_str(":latest");
    }
    full
}

/// The registry host of an image reference ("docker.io" when none is given).
pub fn image_host(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first
        }
        _ => "docker.io",
    }
}

/// `imageID` as containerd reports it: repository@sha256:digest.
pub fn image_id(image: &str) -> String {
    let full = normalize_image(image);
    let repo = match full.rfind('@') {
        Some(i) => &full[..i],
        None => {
            let slash = full.rfind('/').unwrap_or(0);
            match full[slash..].rfind(':') {
                Some(i) => &full[..slash + i],
                None => &full,
            }
        }
    };
    format!("{repo}@sha256:{}", hex(&full, 64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300ms").unwrap(), Duration::from_millis(300));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("2x").is_err());
        assert_eq!(go_duration(Duration::from_secs(300)), "5m0s");
    }

    #[test]
    fn images() {
        assert_eq!(normalize_image("nginx"), "docker.io/library/nginx:latest");
        assert_eq!(normalize_image("foo/bar:1"), "docker.io/foo/bar:1");
        assert_eq!(
            normalize_image("registry.invalid/app:1.0"),
            "registry.invalid/app:1.0"
        );
        assert_eq!(image_host("registry.invalid/app:1.0"), "registry.invalid");
        assert!(image_id("localhost:5000/app:1").starts_with("localhost:5000/app@sha256:"));
    }
}
