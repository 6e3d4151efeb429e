//! A malformed policy names the line, column and field.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use contactguard::{Policy, PolicyError};

fn toml_err(text: &str) -> PolicyError {
    Policy::from_toml(text).expect_err("policy should be rejected")
}

fn json_err(text: &str) -> PolicyError {
    Policy::from_json(text).expect_err("policy should be rejected")
}

const HEAD: &str = "format = \"contactguard-policy/1\"\n";

#[test]
fn unknown_key_names_line_and_field() {
    let e = toml_err(&format!(
        "{HEAD}\n[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"deny\"\nlimmit = 3\n"
    ));
    assert_eq!(e.line, Some(9), "{e}");
    assert_eq!(e.field.as_deref(), Some("rules[0].limmit"), "{e}");
    assert!(e.message.contains("limmit"), "{e}");
}

#[test]
fn bad_values_name_their_field() {
    let cases = [
        ("rolling = \"5 parsecs\"", "rules[0].rolling", "duration"),
        ("dates = \"seven\"", "rules[0].dates", "invalid type"),
    ];
    for (line, field, needle) in cases {
        let text = format!(
            "{HEAD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"cap\"\nlimit = 1\nscope = \"recipient\"\n{line}\n"
        );
        let e = toml_err(&text);
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
        assert_eq!(e.line, Some(10), "{e}");
        assert!(e.message.contains(needle), "{e}");
    }
}

#[test]
fn bad_time_and_weekday_and_channel() {
    let e = toml_err(&format!(
        "{HEAD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"window\"\nwindows = [\n  {{ days = [\"mon\"], start = \"25:00\", end = \"21:00\" }},\n]\n"
    ));
    assert_eq!(e.field.as_deref(), Some("rules[0].windows[0].start"), "{e}");
    assert_eq!(e.line, Some(9), "{e}");
    let e = toml_err(&format!(
        "{HEAD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"window\"\nwindows = [{{ days = [\"funday\"], start = \"08:00\", end = \"21:00\" }}]\n"
    ));
    assert_eq!(
        e.field.as_deref(),
        Some("rules[0].windows[0].days[0]"),
        "{e}"
    );
    let e = toml_err(&format!(
        "{HEAD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"deny\"\nwhen = {{ channels = [\"fax\"] }}\n"
    ));
    assert_eq!(e.field.as_deref(), Some("rules[0].when.channels[0]"), "{e}");
    assert!(e.message.contains("fax"), "{e}");
}

#[test]
fn empty_window_and_duplicate_ids_and_missing_params() {
    let e = toml_err(&format!(
        "{HEAD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"window\"\nwindows = [{{ days = [\"any\"], start = \"21:00\", end = \"08:00\" }}]\n"
    ));
    assert_eq!(e.field.as_deref(), Some("rules[0].windows[0].end"), "{e}");
    assert_eq!(e.line, Some(8), "{e}");
    assert!(e.message.contains("empty window"), "{e}");

    let rule =
        "[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"deny\"\n";
    let e = toml_err(&format!("{HEAD}{rule}{rule}"));
    assert_eq!(e.field.as_deref(), Some("rules[1].id"), "{e}");
    assert_eq!(e.line, Some(9), "{e}");
    assert!(e.message.contains("duplicate"), "{e}");

    let e = toml_err(&format!(
        "{HEAD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"cap\"\nscope = \"recipient\"\ndates = 7\n"
    ));
    assert_eq!(e.field.as_deref(), Some("rules[0].limit"), "{e}");
    assert!(e.line.is_some(), "{e}");

    let e = toml_err(&format!(
        "{HEAD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"deny\"\nlimit = 3\n"
    ));
    assert_eq!(e.field.as_deref(), Some("rules[0].limit"), "{e}");
    assert_eq!(e.line, Some(8), "{e}");
}

#[test]
fn json_policies_get_the_same_diagnostics() {
    let e = json_err(
        "{\"format\": \"contactguard-policy/1\",\n \"rules\": [\n  {\"id\": \"a\", \"title\": \"t\", \"cite\": \"c\", \"status\": \"law\",\n   \"kind\": \"cap\", \"limit\": 2, \"scope\": \"galaxy\", \"dates\": 7}\n ]\n}",
    );
    assert_eq!(e.field.as_deref(), Some("rules[0].scope"), "{e}");
    assert_eq!(e.line, Some(4), "{e}");
    let e = json_err(
        "{\"format\": \"contactguard-policy/1\",\n \"rules\": [\n  {\"id\": \"a\", \"title\": \"t\", \"cite\": \"c\", \"status\": \"law\",\n   \"kind\": \"cap\", \"scope\": \"recipient\", \"dates\": 7}\n ]\n}",
    );
    assert_eq!(e.field.as_deref(), Some("rules[0].limit"), "{e}");
    assert_eq!(e.line, Some(3), "{e}");
}

#[test]
fn unknown_preset_and_wrong_format() {
    let e = Policy::preset("us-reg-f+atlantis").expect_err("unknown preset");
    assert_eq!(e.code, "policy.unknown_preset");
    assert!(e.message.contains("atlantis"));
    let e = toml_err("format = \"contactguard-policy/9\"\n");
    assert_eq!(e.code, "policy.format");
    assert_eq!(e.line, Some(1), "{e}");
    let e = toml_err("format = \"contactguard-policy/1\"\nextends = [\"atlantis\"]\n");
    assert_eq!(e.code, "policy.unknown_preset");
}

#[test]
fn syntax_errors_have_positions() {
    let e = toml_err("format = \"contactguard-policy/1\"\n[[rules]\n");
    assert_eq!(e.code, "policy.syntax");
    assert_eq!(e.line, Some(2), "{e}");
    let e = json_err("{\"format\": \"contactguard-policy/1\",\n \"rules\": [,]}");
    assert_eq!(e.code, "policy.syntax");
    assert_eq!(e.line, Some(2), "{e}");
}

/// An error found while compiling a policy file is located in the file it
/// came from, not at the policy's `name` (which names no file).
#[test]
fn compile_errors_name_the_source_file_not_the_policy_name() {
    let text = format!(
        "{HEAD}name = \"acme-cn\"\nextends = [\"cn\"]\n[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"deny\"\ncalendar = \"atlantis\"\n"
    );
    let e = Policy::parse(&text, contactguard::Syntax::Toml, Some("ops/acme.toml"))
        .expect_err("unknown calendar");
    assert_eq!(e.source_name.as_deref(), Some("ops/acme.toml"), "{e}");
    assert_eq!(e.line, Some(10), "{e}");
    assert!(e.to_string().starts_with("ops/acme.toml:10:"), "{e}");
    // The compiled policy is still called by its name.
    let ok = text.replace("calendar = \"atlantis\"\n", "");
    let p = Policy::parse(&ok, contactguard::Syntax::Toml, Some("ops/acme.toml")).unwrap();
    assert_eq!(p.name(), "acme-cn");
}

/// Messages that name a rule kind use the right article.
#[test]
fn rule_kinds_take_their_article() {
    let e = toml_err(&format!(
        "{HEAD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"opt_out\"\nlimit = 3\n"
    ));
    assert!(
        e.message.contains("does not apply to an `opt_out` rule"),
        "{e}"
    );
    let e = toml_err(&format!(
        "{HEAD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"cap\"\nlimit = 3\nscope = \"recipient\"\n"
    ));
    assert!(e.message.contains("a `cap` rule needs a period"), "{e}");
}

#[test]
fn pending_is_not_an_outcome_a_filter_can_name() {
    let rule = |extra: &str| {
        format!(
            "{HEAD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\n{extra}\n"
        )
    };
    let e = toml_err(&rule(
        "kind = \"cap\"\nlimit = 1\nscope = \"recipient\"\nperiod = \"day\"\ncount = { results = [\"no_answer\", \"pending\"] }",
    ));
    assert_eq!(e.field.as_deref(), Some("rules[0].count.results[1]"), "{e}");
    assert!(e.message.contains("`pending`"), "{e}");
    let e = toml_err(&rule(
        "kind = \"cooldown\"\nscope = \"recipient\"\nrolling = \"1d\"\nafter = { results = [\"pending\"] }",
    ));
    assert_eq!(e.field.as_deref(), Some("rules[0].after.results[0]"), "{e}");
    // The same rule with a real outcome loads.
    Policy::from_toml(&rule(
        "kind = \"cap\"\nlimit = 1\nscope = \"recipient\"\nperiod = \"day\"\ncount = { results = [\"no_answer\"] }",
    ))
    .expect("a real outcome is fine");
}

#[test]
fn the_diagnostic_names_the_file_a_policy_came_from() {
    use contactguard::{ErrorCode, Syntax};
    let text = format!(
        "{HEAD}[[rules]]\nid = \"a\"\ntitle = \"t\"\ncite = \"c\"\nstatus = \"law\"\nkind = \"cap\"\nlimit = \"three\"\nscope = \"recipient\"\n"
    );
    let e = Policy::parse(&text, Syntax::Toml, Some("conf/acme.toml")).expect_err("rejected");
    let d = e.diagnostic();
    assert_eq!(d.code, ErrorCode::PolicyInvalid);
    assert_eq!(d.code.as_str(), e.code);
    assert_eq!(d.file.as_deref(), Some("conf/acme.toml"));
    assert_eq!((d.line, d.column), (Some(8), Some(9)), "{d}");
    assert_eq!(d.field.as_deref(), Some("rules[0].limit"));
    assert_eq!(d.row, None);
    assert!(
        d.to_string()
            .starts_with("conf/acme.toml:8:9: `rules[0].limit`: "),
        "{d}"
    );

    // Not well-formed at all: `policy.syntax`, still in the file.
    let e = Policy::parse("format = \"x", Syntax::Toml, Some("conf/bad.toml")).expect_err("x");
    let d = e.diagnostic();
    assert_eq!(d.code, ErrorCode::PolicySyntax, "{d}");
    assert_eq!(d.file.as_deref(), Some("conf/bad.toml"));
    assert_eq!(d.line, Some(1), "{d}");

    // A preset that does not exist, named in the file's `extends`.
    let text = format!("{HEAD}extends = [\"nowhere\"]\n");
    let d = Policy::parse(&text, Syntax::Toml, Some("p.toml"))
        .expect_err("unknown preset")
        .diagnostic();
    assert_eq!(d.code, ErrorCode::PolicyUnknownPreset);
    assert_eq!(d.file.as_deref(), Some("p.toml"));
    assert_eq!(d.field.as_deref(), Some("extends"));
    assert!(
        d.help.as_deref().is_some_and(|h| h.contains("us-reg-f")),
        "{d}"
    );

    // No file: the location is the line alone.
    let d = Policy::preset("cn+nowhere")
        .expect_err("unknown")
        .diagnostic();
    assert_eq!(
        (d.code, d.file.as_deref()),
        (ErrorCode::PolicyUnknownPreset, None)
    );
}
