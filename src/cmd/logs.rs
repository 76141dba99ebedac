//! `--logs` in the tracking loop: which pods to follow, asked of the engine after changes,
//! handed to the followers; the lines they read handed to the output; everything stopped at
//! the end of the run.

use tokio::sync::mpsc;

use crate::cluster::client::Connection;
use crate::cluster::logs::{LogEvent, LogFollowers};
use crate::engine::Tracker;
use crate::render::output::Output;

/// The pod logs of one run; inert without `--logs`.
pub struct PodLogs {
    followers: Option<LogFollowers>,
    events: mpsc::UnboundedReceiver<LogEvent>,
    /// Keeps the channel open when nothing follows, so receiving waits rather than ends.
    _sender: mpsc::UnboundedSender<LogEvent>,
}

impl PodLogs {
    pub fn new(connection: &Connection, enabled: bool) -> Self {
        let (sender, events) = mpsc::unbounded_channel();
        PodLogs {
            followers: enabled
                .then(|| LogFollowers::new(connection.watch_client.clone(), sender.clone())),
            events,
            _sender: sender,
        }
    }

    /// The next thing a follower reports; waits for ever when nothing follows.
    pub async fn next(&mut self) -> Option<LogEvent> {
        self.events.recv().await
    }

    /// Follows the pods the engine names now (after a change).
    pub fn follow(&mut self, tracker: &Tracker) {
        if let Some(followers) = &mut self.followers {
            followers.follow(tracker.pods_to_follow());
        }
    }

    /// Shows a line, or starts what follows a reading that ended.
    pub fn handle(&mut self, event: LogEvent, output: &mut Output) {
        let Some(followers) = &mut self.followers else {
            return;
        };
        match event {
            LogEvent::Line(line) => {
                if followers.is_current(&line) {
                    output.pod_log(&line);
                }
            }
            LogEvent::Ended { reading, error } => {
                if let Some(warning) = followers.ended(reading, error) {
                    output.warn(&warning);
                }
            }
        }
    }

    /// Shows the lines already read, stops every reading, and says what the limits dropped.
    pub fn stop(&mut self, output: &mut Output) {
        let Some(followers) = &mut self.followers else {
            return;
        };
        while let Ok(event) = self.events.try_recv() {
            if let LogEvent::Line(line) = event
                && followers.is_current(&line)
            {
                output.pod_log(&line);
            }
        }
        followers.stop();
        output.pod_logs_summary();
    }
}
