//! Evaluation of compiled rules.
use crate::model::{Ask, Decision};
use crate::{History, Policy};

/// One rule's outcome in an [`Explanation`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleOutcome {
    /// Rule id.
    pub id: String,
}

/// Every rule evaluated for an ask.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// Outcomes.
    pub rules: Vec<RuleOutcome>,
}

/// Decides an ask.
pub fn decide(_policy: &Policy, ask: &Ask, _history: &History) -> Decision {
    let _ = ask;
    Decision { allow: false, denials: vec![], retry_at: None, obligations: vec![] }
}

/// Explains.
pub fn explain(_policy: &Policy, _ask: &Ask, _history: &History) -> Explanation {
    Explanation { rules: vec![] }
}
