//! Every preset parses, compiles and carries its citations.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
use contactguard::{preset_names, Policy};

#[test]
fn every_preset_compiles_and_every_rule_is_cited() {
    for name in preset_names() {
        let policy = Policy::preset(name).unwrap_or_else(|e| panic!("preset {name}: {e}"));
        for rule in policy.rules() {
            assert!(
                !rule.cite.trim().is_empty(),
                "{name}: rule {} has no citation",
                rule.id
            );
            assert!(
                !rule.status.trim().is_empty(),
                "{name}: rule {} has no status",
                rule.id
            );
        }
    }
}
