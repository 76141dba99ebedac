//! The pods of a parent judged together: how many are done, which one a person should look
//! at, and the parent's message when its pods fail it. Shared by workloads and Jobs.

use crate::engine::node::Node;

use super::context::Context;
use super::pod::{PodAssessment, PodCause, assess_pod};
use crate::engine::json;
use crate::engine::model::{Chain, ChainLink, ChildSummary, Status};

/// The assessed pods of a parent's current revision (terminating pods left out: a pod being
/// replaced is not a failure of the rollout).
pub(super) struct PodsView<'a> {
    assessed: Vec<(&'a Node, PodAssessment)>,
}

impl<'a> PodsView<'a> {
    pub(super) fn new(pods: Vec<&'a Node>, ctx: &Context) -> PodsView<'a> {
        let mut assessed: Vec<_> = pods
            .into_iter()
            .filter(|pod| !json::is_terminating(pod))
            .map(|pod| (pod, assess_pod(pod, ctx)))
            .collect();
        assessed.sort_by(|a, b| json::name(a.0).cmp(json::name(b.0)));
        PodsView { assessed }
    }

    /// Pods whose failure is the parent's failure, given which causes count.
    fn failing(&self, counts: impl Fn(PodCause) -> bool) -> Vec<&(&'a Node, PodAssessment)> {
        self.assessed
            .iter()
            .filter(|(_, a)| a.status == Status::Error && counts(a.cause))
            .collect()
    }

    /// The pod a person should look at: the first failing one, else the first not done.
    fn worst(&self, counts: &impl Fn(PodCause) -> bool) -> Option<&(&'a Node, PodAssessment)> {
        self.failing(counts).into_iter().next().or_else(|| {
            self.assessed
                .iter()
                .filter(|(_, a)| a.cause != PodCause::Replaceable)
                .find(|(_, a)| a.status != Status::Success)
        })
    }

    pub(super) fn summary(
        &self,
        above: Vec<ChainLink>,
        counts: impl Fn(PodCause) -> bool,
    ) -> ChildSummary {
        let worst = self.worst(&counts).map(|(pod, assessment)| {
            let mut links = above.clone();
            links.push(assessment.link(pod));
            Chain {
                links,
                container: assessment.container.clone(),
            }
        });
        ChildSummary {
            total: self.assessed.len(),
            succeeded: self
                .assessed
                .iter()
                .filter(|(_, a)| a.status == Status::Success)
                .count(),
            failing: self.failing(&counts).len(),
            worst,
        }
    }

    /// `1/3 pods: CrashLoopBackOff (exit 1) in container "web" (pod web-7c9d-x2x): back-off …`
    pub(super) fn error_message(&self, counts: impl Fn(PodCause) -> bool) -> Option<String> {
        let failing = self.failing(&counts);
        let (pod, first) = failing.first()?;
        let detail = first
            .message
            .strip_prefix(first.headline.as_str())
            .unwrap_or("");
        Some(format!(
            "{}/{} pods: {} (pod {}){detail}",
            failing.len(),
            self.assessed.len(),
            first.headline,
            json::name(pod)
        ))
    }

    /// ` (pod web-abc: ContainerCreating in container "web")` for progress messages.
    pub(super) fn progress_suffix(&self) -> String {
        self.worst(&|_| true)
            .map(|(pod, assessment)| format!(" (pod {}: {})", json::name(pod), assessment.message))
            .unwrap_or_default()
    }
}
