//! kstatus: apply Kubernetes manifests and track every object and its children to a verdict.

pub mod app;
pub mod applyset;
pub mod cli;
pub mod cluster;
pub mod cmd;
pub mod diff;
pub mod engine;
pub mod error;
pub mod exit;
pub mod fingerprint;
pub mod manifest;
pub mod outcome;
pub mod plan;
pub mod render;
pub mod selector;
pub mod ssa;
pub mod steps;
