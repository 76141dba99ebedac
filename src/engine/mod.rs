//! The status engine: per-kind status rules, parent/child linking and the stabilization state
//! machine. Pure: no IO, no async, no clock reads (time is passed in).
