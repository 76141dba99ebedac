//! What a rule may consult besides the object itself: the other objects, the generation the
//! apply returned, the run's settings and what the run has seen happen over time.

use std::collections::HashSet;

use crate::engine::node::Node;

use super::pod_history::PodHistory;
use crate::engine::children::Store;
use crate::engine::health::{HealthRules, NO_RULES};
use crate::engine::json;

/// Everything a rule may consult besides the object itself.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub store: &'a Store,
    /// The generation the apply returned; the controller must have observed at least this.
    pub expected_generation: Option<i64>,
    /// Whether a Job must complete (true) or counts as Success once created (false).
    pub wait_for_jobs: bool,
    /// What the pods' containers went through during the run.
    pub pods: &'a PodHistory,
    /// UIDs of objects whose blocking Warning event ([`super::blocking_warning`]) has stood for
    /// the stabilization window: an Error now, not something a retry may still fix.
    pub lasting_warnings: &'a HashSet<String>,
    /// The user's health rules (`--health-rules`): they judge their kinds before any rule here.
    pub health_rules: &'a HealthRules,
}

impl<'a> Context<'a> {
    pub fn new(
        store: &'a Store,
        pods: &'a PodHistory,
        lasting_warnings: &'a HashSet<String>,
    ) -> Context<'a> {
        Context {
            store,
            expected_generation: None,
            wait_for_jobs: true,
            pods,
            lasting_warnings,
            health_rules: &NO_RULES,
        }
    }

    /// The generation the controller must have observed: the applied one, or a newer one if
    /// the object changed again since.
    pub(super) fn wanted_generation(&self, object: &Node) -> Option<i64> {
        let current = json::int_at(object, &["metadata", "generation"]);
        match (self.expected_generation, current) {
            (Some(applied), Some(current)) => Some(applied.max(current)),
            (applied, current) => applied.or(current),
        }
    }

    /// `Some((wanted, observed))` when `status.observedGeneration` lags the wanted generation.
    /// With `strict`, a missing observedGeneration counts as lagging (controllers that always
    /// report it have simply not seen the object yet).
    pub(super) fn generation_lag(&self, object: &Node, strict: bool) -> Option<(i64, Option<i64>)> {
        let wanted = self.wanted_generation(object)?;
        let observed = json::int_at(object, &["status", "observedGeneration"]);
        match observed {
            Some(observed) if observed >= wanted => None,
            None if !strict => None,
            _ => Some((wanted, observed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applied_generation_is_required_even_if_metadata_is_older() {
        let store = Store::new();
        let pods = PodHistory::default();
        let warnings = HashSet::new();
        let ctx = Context {
            expected_generation: Some(5),
            ..Context::new(&store, &pods, &warnings)
        };
        let object = crate::engine::node::node!({"metadata": {"generation": 4},
                                        "status": {"observedGeneration": 4}});
        assert_eq!(ctx.generation_lag(&object, true), Some((5, Some(4))));
        let caught_up = crate::engine::node::node!({"metadata": {"generation": 5},
                                           "status": {"observedGeneration": 5}});
        assert_eq!(ctx.generation_lag(&caught_up, true), None);
    }

    #[test]
    fn missing_observed_generation_lags_only_when_strict() {
        let store = Store::new();
        let pods = PodHistory::default();
        let warnings = HashSet::new();
        let ctx = Context::new(&store, &pods, &warnings);
        let object = crate::engine::node::node!({"metadata": {"generation": 2}, "status": {}});
        assert_eq!(ctx.generation_lag(&object, true), Some((2, None)));
        assert_eq!(ctx.generation_lag(&object, false), None);
    }
}
