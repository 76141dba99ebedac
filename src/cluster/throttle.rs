//! API Priority and Fairness: a request the server refuses with 429 Too Many Requests is sent
//! again after the wait its Retry-After asks for (bounded retries, capped wait, never past the
//! run's deadline), and every such refusal is counted for the report.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use http::{Request, Response, StatusCode};
use kube::client::Body;

/// Attempts after the first; client-go's default is 10, but a run that is refused this often is
/// better told so than kept waiting.
const MAX_RETRIES: u32 = 8;
/// The longest wait honoured from one Retry-After: a server asking for minutes is overloaded,
/// and the run's own timeout says how long the user is willing to wait.
const MAX_WAIT: Duration = Duration::from_secs(10);
/// The wait when a 429 names none (API Priority and Fairness always sends 1 s).
const DEFAULT_WAIT: Duration = Duration::from_secs(1);

/// What the retries of one connection share: the count of refusals and the run's deadline.
#[derive(Debug, Default)]
pub struct Throttle {
    throttled: Arc<AtomicU64>,
    deadline: Mutex<Option<Instant>>,
}

impl Throttle {
    /// Requests the server refused with 429 so far (each retry that was refused again counts).
    pub fn counter(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.throttled)
    }

    /// No retry waits past this moment: the refusal is then the request's answer.
    pub fn set_deadline(&self, deadline: Instant) {
        *self
            .deadline
            .lock()
            .expect("the deadline lock is never poisoned") = Some(deadline);
    }

    fn deadline(&self) -> Option<Instant> {
        *self
            .deadline
            .lock()
            .expect("the deadline lock is never poisoned")
    }
}

/// How long to wait before retry number `attempt` (1-based) of a request refused with 429 and
/// this Retry-After, or None to give up and return the refusal.
pub fn wait_before_retry(
    attempt: u32,
    retry_after: Option<&str>,
    now: Instant,
    wall_clock: SystemTime,
    deadline: Option<Instant>,
) -> Option<Duration> {
    if attempt > MAX_RETRIES {
        return None;
    }
    let wait = retry_after
        .and_then(|value| parse_retry_after(value, wall_clock))
        .unwrap_or(DEFAULT_WAIT)
        .min(MAX_WAIT);
    match deadline {
        Some(deadline) if now + wait >= deadline => None,
        _ => Some(wait),
    }
}

/// A Retry-After value (RFC 9110): whole seconds, or an HTTP date (a past date is no wait).
/// None when it is neither.
pub fn parse_retry_after(value: &str, wall_clock: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let now = jiff::Timestamp::try_from(wall_clock).ok()?;
    let until = at.as_millisecond() - now.as_millisecond();
    Some(Duration::from_millis(until.max(0) as u64))
}

/// The request stack of a [`kube::Client`] with the retries of [`wait_before_retry`] around it.
#[derive(Clone)]
pub struct RetryThrottled {
    inner: kube::Client,
    throttle: Arc<Throttle>,
}

impl RetryThrottled {
    pub fn new(inner: kube::Client, throttle: Arc<Throttle>) -> Self {
        RetryThrottled { inner, throttle }
    }
}

impl tower_service::Service<Request<Body>> for RetryThrottled {
    type Response = Response<Body>;
    type Error = kube::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, kube::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), kube::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let client = self.inner.clone();
        let throttle = Arc::clone(&self.throttle);
        Box::pin(async move {
            let mut request = request;
            let mut attempt = 0;
            loop {
                // A streamed body cannot be sent twice; every body kstatus sends is in memory.
                let again = clone_request(&request);
                let response = client.send(request).await?;
                if response.status() != StatusCode::TOO_MANY_REQUESTS {
                    return Ok(response);
                }
                throttle.throttled.fetch_add(1, Ordering::Relaxed);
                attempt += 1;
                let retry_after = response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok());
                let wait = wait_before_retry(
                    attempt,
                    retry_after,
                    Instant::now(),
                    SystemTime::now(),
                    throttle.deadline(),
                );
                let (Some(wait), Some(again)) = (wait, again) else {
                    return Ok(response);
                };
                tracing::debug!(attempt, ?wait, uri = %again.uri(), "throttled (429), retrying");
                tokio::time::sleep(wait).await;
                request = again;
            }
        })
    }
}

fn clone_request(request: &Request<Body>) -> Option<Request<Body>> {
    let body = request.body().try_clone()?;
    let mut copy = Request::new(body);
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    Some(copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall_clock() -> SystemTime {
        // Sun, 06 Nov 1994 08:49:37 GMT
        SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777)
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = wall_clock();
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:42 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date already past asks for no wait"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn the_server_wait_is_honoured_capped_and_defaulted() {
        let now = Instant::now();
        let wait = |retry_after| wait_before_retry(1, retry_after, now, wall_clock(), None);
        assert_eq!(wait(Some("2")), Some(Duration::from_secs(2)));
        assert_eq!(wait(Some("3600")), Some(MAX_WAIT));
        assert_eq!(wait(None), Some(DEFAULT_WAIT));
        assert_eq!(wait(Some("garbage")), Some(DEFAULT_WAIT));
    }

    #[test]
    fn retries_are_bounded_in_number_and_by_the_deadline() {
        let now = Instant::now();
        let clock = wall_clock();
        assert!(wait_before_retry(MAX_RETRIES, Some("1"), now, clock, None).is_some());
        assert_eq!(
            wait_before_retry(MAX_RETRIES + 1, Some("1"), now, clock, None),
            None
        );
        let deadline = Some(now + Duration::from_secs(5));
        assert_eq!(
            wait_before_retry(1, Some("4"), now, clock, deadline),
            Some(Duration::from_secs(4))
        );
        assert_eq!(wait_before_retry(1, Some("5"), now, clock, deadline), None);
    }
}
