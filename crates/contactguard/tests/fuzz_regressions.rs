//! Regression tests for what the fuzz targets (`fuzz/`, `make fuzz`) found.
//! Each test names the target and the input, minimised, and states the
//! contract that was broken. Add one for every crash or failed assertion
//! before fixing it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::{Policy, PolicyError};

fn json_error(text: &str) -> PolicyError {
    Policy::from_json(text).unwrap_err()
}

/// `policy_json`, input `""`: an empty JSON policy was reported at line 1,
/// column 0 (serde_json counts the column before the first character as 0),
/// and the message read `eOF while parsing a value` (the first letter of an
/// acronym lowercased). Positions are 1-based; messages keep acronyms.
#[test]
fn policy_json_empty_input_has_a_one_based_column_and_keeps_eof() {
    for text in ["", "\n", "   ", "\n\n  \n"] {
        let e = json_error(text);
        assert_eq!(e.code, "policy.syntax", "{text:?}: {e}");
        assert!(e.line.is_some_and(|l| l >= 1), "{text:?}: {e:?}");
        assert!(e.column.is_some_and(|c| c >= 1), "{text:?}: {e:?}");
        assert!(e.message.starts_with("EOF while parsing"), "{text:?}: {e}");
    }
}

/// The same contract for other errors at the start of a line, and for
/// trailing characters after the document; and `policy_json`, input `"{\n"`:
/// the error named the field `?` (serde_path_to_error's placeholder for a
/// place it cannot name), shown as "`?`: EOF while parsing an object".
#[test]
fn policy_json_columns_are_one_based_everywhere() {
    for text in [
        "{\n",
        "{\"format\": \"contactguard-policy/1\"}\n}",
        "{\"format\": \"contactguard-policy/1\"}\nx",
        "[",
        "\u{feff}{}",
    ] {
        let e = json_error(text);
        assert!(e.column.is_none_or(|c| c >= 1), "{text:?}: {e:?}");
        assert!(e.line.is_none_or(|l| l >= 1), "{text:?}: {e:?}");
        // `?` is serde_path_to_error's unknown place, not a field.
        assert_ne!(e.field.as_deref(), Some("?"), "{text:?}: {e:?}");
        // Lowercase start, unless an acronym.
        let first: Vec<char> = e.message.chars().take(2).collect();
        assert!(
            first.first().is_some_and(|c| !c.is_uppercase())
                || first.get(1).is_some_and(|c| c.is_uppercase()),
            "{text:?}: {e}"
        );
    }
}
