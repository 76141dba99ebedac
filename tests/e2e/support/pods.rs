//! What the end-to-end tests' pods do: real busybox containers whose `command:` produces each
//! behaviour, as a user's pods would (the image is built locally: tests/cluster/real-node.sh).

/// The only image on the local node; tests that need a failing pull name another.
pub const BUSYBOX: &str = "busybox:1.36";
/// Runs until stopped. The trap matters: `sh` as PID 1 ignores SIGTERM, so without it every
/// pod would hold its namespace's deletion for the whole grace period.
pub const SERVE: &str = "trap 'exit 0' TERM; sleep 3600 & wait";
/// What a crashing container prints before it exits 1.
pub const CRASH_LOG_LINE: &str = "panic: cannot connect to database db:5432";
/// Prints CRASH_LOG_LINE and exits 1: restarted with back-off into CrashLoopBackOff.
pub const CRASH: &str = "echo 'panic: cannot connect to database db:5432' >&2; exit 1";
/// Ready at start, then crashes after three seconds.
pub const READY_THEN_CRASH: &str = "sleep 3; echo 'fatal: lost the lease' >&2; exit 1";
/// A Job's work that succeeds, and one that fails.
pub const TASK_OK: &str = "echo 'migrated 3 tables'; sleep 1";
pub const TASK_FAILS: &str = "echo 'migration failed: table locked' >&2; sleep 1; exit 1";
/// An image no registry serves (the node has no route out, so the pull fails at once).
pub const MISSING_IMAGE: &str = "registry.invalid/web:does-not-exist";

/// `command:` as a YAML flow sequence running `script` with sh.
pub fn command(script: &str) -> String {
    let quoted = serde_json::to_string(script).expect("a string serializes");
    format!("[\"sh\", \"-c\", {quoted}]")
}

/// A Job that runs `script` once in a busybox container and never retries.
pub fn job(name: &str, script: &str) -> String {
    let command = command(script);
    format!(
        r#"apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: task
        image: {BUSYBOX}
        command: {command}
"#
    )
}
