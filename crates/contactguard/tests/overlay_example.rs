//! The lender overlay example and its vectors describe the same policy.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::policy::format::PolicyFile;
use contactguard::Policy;

const TOML: &str = include_str!("../../../examples/overlay/lender-cn.toml");
const VECTORS: &str = include_str!("../../../tests/vectors/overlay/lender-cn.json");

#[test]
fn the_example_compiles_and_only_adds_rules_to_cn_and_conduct() {
    let overlay = Policy::from_toml(TOML).unwrap();
    let base = Policy::preset("cn+conduct").unwrap();
    for rule in base.rules() {
        assert!(
            overlay.rules().iter().any(|r| r == rule),
            "{} lost",
            rule.id
        );
    }
    assert_eq!(overlay.rules().len(), base.rules().len() + 3);
}

#[test]
fn every_vector_inlines_the_example_verbatim() {
    let from_toml: PolicyFile = toml::from_str(TOML).unwrap();
    let vectors: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let inline: PolicyFile = serde_json::from_value(case["policy"].clone()).unwrap();
        assert_eq!(
            inline, from_toml,
            "case {} inlines a different policy",
            case["id"]
        );
    }
}
