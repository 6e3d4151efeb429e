//! `contactguard audit` and `contactguard sample`, run as a user runs them,
//! on the small logs in `tests/data/audit/`. `violations.csv` holds one
//! case of each abuse the audit exists to find (SMS bombing, a night call,
//! collection from an address-book contact, contact after a repayment plan
//! and after a contact's opt-out) next to rows that are fine;
//! `violations.jsonl` is the same log as JSON Lines.
// `allow`, not `expect`: clippy.toml may already allow these in tests, and
// an unfulfilled expectation would then fail the lint run.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test that cannot start the command or read its output should fail loudly"
)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/audit")
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn contactguard(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_contactguard"))
        .args(args)
        .current_dir(data_dir())
        .output()
        .expect("start contactguard");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json_report(args: &[&str]) -> Value {
    let run = contactguard(args);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    serde_json::from_str(&run.stdout).expect("the report is JSON")
}

fn rule_counts(report: &Value) -> Vec<(String, u64)> {
    report["by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn sample_lines_for(report: &Value, rule: &str) -> Vec<u64> {
    report["samples"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| {
            s["denials"]
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["id"] == rule)
        })
        .map(|s| s["line"].as_u64().unwrap())
        .collect()
}

#[test]
fn finds_each_kind_of_violation() {
    let report = json_report(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--json",
    ]);
    assert_eq!(report["format"], "contactguard-audit/1");
    let t = &report["totals"];
    assert_eq!(t["rows"], 19);
    assert_eq!(t["attempts"], 16);
    assert_eq!(t["events"], 3);
    assert_eq!(t["denied"], 7);
    assert_eq!(t["bad_rows"], 0);
    let mut counts = rule_counts(&report);
    counts.sort();
    let expect: Vec<(String, u64)> = [
        ("cn.1", 1),      // the call at 23:15
        ("cn.4", 1),      // collection from an address-book contact
        ("cn.5a", 1),     // ... who may only be asked where the debtor is
        ("cn.6a", 1),     // calling an emergency contact who opted out
        ("conduct.1", 3), // the 4th and 5th text of a day to c1, the 4th to c7
        ("conduct.7", 1), // collection after a repayment plan
    ]
    .iter()
    .map(|(id, n)| ((*id).to_owned(), *n))
    .collect();
    assert_eq!(counts, expect);
    // The sample violations name the rows.
    assert_eq!(sample_lines_for(&report, "cn.1"), [7]);
    assert_eq!(sample_lines_for(&report, "conduct.7"), [10]);
    assert_eq!(sample_lines_for(&report, "cn.6a"), [15]);
    assert_eq!(sample_lines_for(&report, "cn.4"), [8]);
    assert!(sample_lines_for(&report, "conduct.1").contains(&5));
    // The notice after the plan, the location call before the opt-out and
    // the first three texts pass.
    let worst = report["worst_recipients"].as_array().unwrap();
    assert_eq!(worst[0]["to"], "c1");
    assert_eq!(worst[0]["max_texts_in_a_day"], 5);
    assert_eq!(worst[0]["max_texts_date"], "2026-03-02");
    assert_eq!(report["most_texts_in_a_day"][0]["texts"], 5);
}

#[test]
fn json_lines_give_the_same_report() {
    let csv = json_report(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--json",
    ]);
    let jsonl = json_report(&[
        "audit",
        "violations.jsonl",
        "--policy",
        "cn+conduct",
        "--json",
    ]);
    assert_eq!(csv["totals"], jsonl["totals"]);
    assert_eq!(csv["by_rule"], jsonl["by_rule"]);
    assert_eq!(csv["by_hour"], jsonl["by_hour"]);
}

#[test]
fn json_report_shape() {
    let report = json_report(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--json",
    ]);
    for key in [
        "format",
        "log",
        "policy",
        "totals",
        "span",
        "local_time",
        "by_rule",
        "by_channel",
        "by_role",
        "by_hour",
        "by_day",
        "worst_recipients",
        "most_texts_in_a_day",
        "samples",
        "timelines",
        "bad_rows",
    ] {
        assert!(report.get(key).is_some(), "missing `{key}`");
    }
    assert_eq!(report["policy"], "cn+conduct");
    assert_eq!(report["by_hour"].as_array().unwrap().len(), 24);
    let hour23 = &report["by_hour"][23];
    assert_eq!(hour23["hour"], 23);
    assert_eq!(hour23["denied"], 1, "the night call is at 23:15 local time");
    let rule = &report["by_rule"][0];
    for key in ["id", "title", "cite", "count"] {
        assert!(rule.get(key).is_some(), "by_rule lacks `{key}`");
    }
    let sample = &report["samples"][0];
    for key in ["line", "at", "channel", "to", "role", "debt", "denials"] {
        assert!(sample.get(key).is_some(), "samples lack `{key}`");
    }
    assert!(sample["denials"][0]["message"].as_str().unwrap().len() > 10);
    let days: Vec<&str> = report["by_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2026-03-02", "2026-03-03"]);
    assert!(report["span"]["first"]
        .as_str()
        .unwrap()
        .ends_with("+08:00"));
}

#[test]
fn obligations_of_allowed_contacts_are_counted() {
    let counts = |report: &Value| -> Vec<(String, u64)> {
        report["obligations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["obligation"].as_str().unwrap().to_owned(),
                    o["count"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // Line 13: the allowed location call to c5's emergency contact must not
    // disclose the debt.
    let report = json_report(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--json",
    ]);
    assert_eq!(counts(&report), [("no_debt_disclosure".to_owned(), 1)]);
    // Reg F (us-reg-f.13) obliges an opt-out notice in every text; it has
    // no daily text cap, so all 10 texts of the log are allowed and each
    // is counted once. Most frequent first.
    let report = json_report(&["audit", "violations.csv", "--policy", "us-reg-f", "--json"]);
    assert_eq!(
        counts(&report),
        [
            ("opt_out_notice".to_owned(), 10),
            ("no_debt_disclosure".to_owned(), 1)
        ]
    );
    // The terminal report shows the same counts.
    let run = contactguard(&["audit", "violations.csv", "--policy", "us-reg-f"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(
        run.stdout.contains(
            "Obligations on allowed contacts\n  obligation          attempts\n  opt_out_notice            10\n  no_debt_disclosure         1\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn warns_about_event_rows_no_rule_reads() {
    // Line 9 holds L4 for a repayment plan; only `conduct.7` reads such
    // holds, so under `cn` alone the row changes nothing.
    let warning = "1 hold row (repayment_plan), but no rule of cn reads holds with that reason; add `conduct`";
    let run = contactguard(&["audit", "violations.csv", "--policy", "cn"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(
        run.stdout.contains(&format!("\nwarning: {warning}\n")),
        "{}",
        run.stdout
    );
    for threads in ["1", "2"] {
        let report = json_report(&[
            "audit",
            "violations.csv",
            "--policy",
            "cn",
            "--json",
            "--threads",
            threads,
        ]);
        assert_eq!(
            report["unread_events"],
            serde_json::json!([{
                "type": "hold",
                "rows": 1,
                "reasons": ["repayment_plan"],
                "message": warning,
            }])
        );
    }
    // Reg F's hold rule (us-reg-f.15) reads disputes only, and no rule of
    // it reads unreachable marks (line 12).
    let report = json_report(&["audit", "violations.csv", "--policy", "us-reg-f", "--json"]);
    let messages: Vec<&str> = report["unread_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "1 hold row (repayment_plan), but no rule of us-reg-f reads holds with that reason; add `conduct`",
            "1 unreachable row, but no rule of us-reg-f reads `unreachable` events; add `cn`"
        ]
    );
    // With `conduct` every row is read: no warning anywhere.
    let report = json_report(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--json",
    ]);
    assert_eq!(report["unread_events"], serde_json::json!([]));
    let run = contactguard(&["audit", "violations.csv", "--policy", "cn+conduct"]);
    assert!(!run.stdout.contains("warning:"), "{}", run.stdout);
    // The HTML report lists it in its own section.
    let dir = std::env::temp_dir().join(format!("contactguard-unread-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("report.html");
    let run = contactguard(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let html = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(html.contains("<section id=\"unread-events\">"), "{html}");
    assert!(
        html.contains("<li>1 hold row (repayment_plan), but no rule of cn reads holds with that reason; add `conduct`</li>"),
        "{html}"
    );
}

/// Line 8 (a collection call to an address-book contact) is denied by
/// cn.4 and cn.5a: its timeline point names both, whether the timelines
/// come from the streamed replay's extra passes or from the in-memory one.
#[test]
fn timeline_points_name_every_denying_rule() {
    let dir = std::env::temp_dir().join(format!("contactguard-also-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // violations.csv in time order (every instant has the same offset), so
    // that it streams.
    let text = std::fs::read_to_string(data_dir().join("violations.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.sort_by_key(|l| l.split(',').next().unwrap().to_owned());
    let sorted = dir.join("sorted.csv");
    std::fs::write(&sorted, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    let html = dir.join("report.html");
    let streamed = contactguard(&[
        "audit",
        sorted.to_str().unwrap(),
        "--policy",
        "cn+conduct",
        "--json",
        "--out",
        html.to_str().unwrap(),
    ]);
    assert_eq!(streamed.code, Some(0), "{}", streamed.stderr);
    assert!(
        !streamed.stderr.contains("not in time order"),
        "{}",
        streamed.stderr
    );
    let html = std::fs::read_to_string(&html).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let in_memory = json_report(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--json",
        "--threads",
        "2",
    ]);
    let streamed: Value = serde_json::from_str(&streamed.stdout).unwrap();
    assert_eq!(streamed["timelines"], in_memory["timelines"]);
    let points: Vec<&Value> = in_memory["timelines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["to"] == "c3-b1")
        .flat_map(|t| t["points"].as_array().unwrap())
        .collect();
    assert_eq!(points.len(), 1);
    assert_eq!(points[0]["rule"], "cn.4");
    assert_eq!(points[0]["also"], serde_json::json!(["cn.5a"]));
    // Points denied by one rule have no `also`.
    let singles = in_memory["timelines"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["points"].as_array().unwrap())
        .filter(|p| p.get("also").is_none() && p["rule"].is_string())
        .count();
    assert!(singles > 0);
    assert!(
        html.contains("2026-03-02T14:00:00+08:00 call: denied by cn.4, cn.5a</title>"),
        "{html}"
    );
}

/// The events that explain a denial are drawn beside the attempts: c4's
/// call (line 10) is denied by conduct.7 because of the repayment-plan hold
/// on L4 (line 9), and c5-e1's second call by cn.6a after its opt-out
/// (line 14) and cn.5a's out-of-contact mark on L5 (line 12).
#[test]
fn timelines_show_the_state_events_that_explain_denials() {
    let dir = std::env::temp_dir().join(format!("contactguard-states-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("report.html");
    let run = contactguard(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let html = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let events_of = |to: &str| {
        report["timelines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["to"] == to)
            .map(|t| t["events"].clone())
            .unwrap()
    };
    assert_eq!(
        events_of("c4"),
        serde_json::json!([{
            "at": 1_772_416_800,
            "local": "2026-03-02T10:00:00+08:00",
            "type": "hold",
            "reason": "repayment_plan",
            "debt": "L4",
        }])
    );
    let types: Vec<Value> = events_of("c5-e1")
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].clone())
        .collect();
    assert_eq!(types, ["unreachable", "opt_out"]);
    // A recipient with no such event has no `events` key.
    assert_eq!(events_of("c1"), Value::Null);
    for title in [
        "<title>2026-03-02T10:00:00+08:00 hold (repayment_plan) on L4</title>",
        "<title>2026-03-02T15:05:00+08:00 opt_out</title>",
        "<title>2026-03-01T09:00:00+08:00 unreachable on L5</title>",
    ] {
        assert!(html.contains(title), "missing {title} in {html}");
    }
    check_markup(&html);
}

#[test]
fn terminal_report_has_the_tables() {
    let run = contactguard(&["audit", "violations.csv", "--policy", "cn+conduct"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    for needle in [
        "19 rows: 16 attempts, 3 other events; 0 bad rows skipped",
        "7 attempts denied",
        "Violations by rule",
        "cite: GB/T 45251—2025",
        "By channel",
        "By role",
        "Worst recipients",
        "Most texts in one local day: 5 to c1 on 2026-03-02",
        "Sample violations",
        "line 7: 2026-03-02T23:15:00+08:00 call to c2 (debtor)",
    ] {
        assert!(
            run.stdout.contains(needle),
            "missing {needle:?} in:\n{}",
            run.stdout
        );
    }
}

#[test]
fn verdicts_file_neutralises_formulas_in_text_cells() {
    let run = contactguard(&[
        "audit",
        "formula-keys.csv",
        "--policy",
        "cn+conduct",
        "--verdicts",
        "/dev/stdout",
        "--json",
    ]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let rows: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(
        rows,
        [
            "2,2026-03-02T02:00:00Z,2026-03-02T10:00:00+08:00,sms,'=HYPERLINK(1),debtor,'+L1,true,,",
            "3,2026-03-02T03:00:00Z,2026-03-02T11:00:00+08:00,sms,'-5,debtor,'@SUM(A1),true,,",
            "4,2026-03-02T04:00:00Z,,sms,\"'=1,2\",debtor,'-L2,false,contactguard.zone,",
            "5,2026-03-02T05:00:00Z,2026-03-02T13:00:00+08:00,sms,a=b,debtor,L-3,true,,",
        ],
        "{}",
        run.stdout
    );
}

#[test]
fn verdicts_file_lists_every_attempt() {
    let dir =
        std::env::temp_dir().join(format!("contactguard-verdicts-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("verdicts.csv");
    let run = contactguard(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--verdicts",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "line,at,local_at,channel,to,role,debt,allow,rules,retry_at"
    );
    assert_eq!(lines.len(), 17, "a header and 16 attempts");
    assert!(
        lines.contains(&"7,2026-03-02T15:15:00Z,2026-03-02T23:15:00+08:00,call,c2,debtor,L2,false,cn.1,2026-03-03T00:00:00Z"),
        "{text}"
    );
    assert!(
        lines.contains(
            &"10,2026-03-03T03:00:00Z,2026-03-03T11:00:00+08:00,call,c4,debtor,L4,false,conduct.7,"
        ),
        "{text}"
    );
    assert!(
        text.contains("\"<b>&amp; \"\"x\"\"\""),
        "keys are quoted as CSV: {text}"
    );
}

#[test]
fn violations_are_a_report_unless_asked_to_fail() {
    let run = contactguard(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--fail-on-violation",
    ]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let run = contactguard(&[
        "audit",
        "violations.csv",
        "--policy",
        "policy.toml",
        "--fail-on-violation",
        "--json",
    ]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let counts = rule_counts(&report);
    assert!(counts.contains(&("t.sms".to_owned(), 5)), "{counts:?}");
    assert!(counts.contains(&("t.night".to_owned(), 1)), "{counts:?}");
}

#[test]
fn bad_rows_are_reported_and_skipped() {
    let run = contactguard(&["audit", "bad-rows.csv", "--policy", "cn+conduct", "--json"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    for needle in [
        "bad-rows.csv:3: bad row skipped: `channel`: unknown value `fax`",
        "bad-rows.csv:4: bad row skipped: `at`: `2026-03-02 09:20` is not an RFC 3339 instant",
        "bad-rows.csv:5: bad row skipped: expected 7 fields as in the header, found 5",
        "bad-rows.csv:7: recorded with a cell that could not be used: `timezone`: unknown time zone `Mars/Olympus_Mons`",
    ] {
        assert!(
            run.stderr.contains(needle),
            "missing {needle:?} in:\n{}",
            run.stderr
        );
    }
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["totals"]["bad_rows"], 3);
    assert_eq!(report["totals"]["flawed_rows"], 1);
    assert_eq!(
        report["totals"]["attempts"], 3,
        "the unknown zone's attempt is recorded"
    );
    assert_eq!(report["totals"]["could_not_evaluate"], 1);
    let lines: Vec<u64> = report["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5]);
    assert_eq!(report["flawed_rows"][0]["line"], 7);
    let unevaluated = &report["could_not_evaluate"];
    assert_eq!(unevaluated["count"], 1);
    assert_eq!(unevaluated["first_rows"][0]["line"], 7);
    assert_eq!(
        unevaluated["reasons"][0]["reason"],
        "unknown time zone `Mars/Olympus_Mons`"
    );
    assert!(rule_counts(&report)
        .iter()
        .all(|(id, _)| id != "contactguard.zone"));
    // The log is not clean: --fail-on-violation says so with its own status.
    let run = contactguard(&[
        "audit",
        "bad-rows.csv",
        "--policy",
        "cn+conduct",
        "--fail-on-violation",
    ]);
    assert_eq!(run.code, Some(3), "stderr: {}", run.stderr);
    assert!(
        run.stdout.contains("Could not evaluate: 1 attempt"),
        "{}",
        run.stdout
    );
}

/// Four texts to one debtor on one day under cn+conduct, the first with
/// its zone misspelled: a contact that happened is never dropped.
#[test]
fn a_misspelled_zone_still_counts() {
    let report = json_report(&[
        "audit",
        "misspelled-zone.csv",
        "--policy",
        "cn+conduct",
        "--json",
    ]);
    assert_eq!(report["totals"]["attempts"], 4);
    assert_eq!(report["totals"]["denied"], 2);
    assert_eq!(report["totals"]["could_not_evaluate"], 1);
    assert_eq!(report["could_not_evaluate"]["first_rows"][0]["line"], 2);
    assert_eq!(rule_counts(&report), [("conduct.1".to_owned(), 1)]);
    assert_eq!(sample_lines_for(&report, "conduct.1"), [5]);
    let run = contactguard(&[
        "audit",
        "misspelled-zone.csv",
        "--policy",
        "cn+conduct",
        "--fail-on-violation",
        "--verdicts",
        "/dev/stdout",
        "--json",
    ]);
    assert_eq!(run.code, Some(3), "stderr: {}", run.stderr);
    assert!(
        run.stdout
            .contains("2,2026-03-02T02:00:00Z,,sms,c1,debtor,L1,false,contactguard.zone,"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "5,2026-03-02T05:00:00Z,2026-03-02T13:00:00+08:00,sms,c1,debtor,L1,false,conduct.1,"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn strict_stops_at_the_first_bad_row() {
    let run = contactguard(&[
        "audit",
        "bad-rows.csv",
        "--policy",
        "cn+conduct",
        "--strict",
    ]);
    assert_eq!(run.code, Some(2));
    assert!(run.stdout.is_empty(), "no report: {}", run.stdout);
    assert!(
        run.stderr
            .contains("error: bad-rows.csv:3: `channel`: unknown value `fax`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("[input.invalid]"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("help: --strict stops at the first bad row"),
        "{}",
        run.stderr
    );
}

#[test]
fn missing_columns_are_a_clear_error() {
    let run = contactguard(&["audit", "wrong-columns.csv", "--policy", "cn"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("the header lacks the columns `at`, `to`; found `time`, `phone`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("help:"), "{}", run.stderr);
}

#[test]
fn a_broken_policy_is_located() {
    let run = contactguard(&["audit", "violations.csv", "--policy", "broken-policy.toml"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("error: broken-policy.toml:11:"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("[policy."), "{}", run.stderr);
    let run = contactguard(&["audit", "violations.csv", "--policy", "cn+nowhere"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("unknown preset `nowhere` [policy.unknown_preset]"),
        "{}",
        run.stderr
    );
    let run = contactguard(&["audit", "no-such-log.csv", "--policy", "cn"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr
            .contains("error: no-such-log.csv: cannot read the file: ")
            && run.stderr.contains("[io.read]"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------
// HTML

/// Checks that `text` is well-formed markup: every element closed in
/// order, void elements self-closed, attribute values quoted, no stray
/// `<` or `&`. Returns the element names seen, with their attributes.
fn check_markup(text: &str) -> Vec<(String, String)> {
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = text;
    let mut in_style = false;
    while let Some(lt) = rest.find('<') {
        let (content, tail) = rest.split_at(lt);
        if !in_style {
            check_text(content);
        }
        let gt = tail.find('>').expect("unclosed tag");
        let tag = &tail[1..gt];
        rest = &tail[gt + 1..];
        if tag.starts_with('!') {
            assert!(tag.starts_with("!DOCTYPE"), "unexpected <{tag}>");
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(open, name, "</{name}> closes <{open}>");
            in_style = false;
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let (name, attrs) = body.split_once(' ').unwrap_or((body, ""));
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric()),
            "bad element name in <{tag}>"
        );
        check_attrs(attrs);
        seen.push((name.to_owned(), attrs.to_owned()));
        if !self_closing {
            assert!(
                !["meta", "br", "link", "img", "input", "hr"].contains(&name),
                "void element <{name}> must be self-closed"
            );
            in_style = name == "style";
            stack.push(name.to_owned());
        }
    }
    check_text(rest);
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    seen
}

fn check_text(s: &str) {
    assert!(!s.contains('>'), "raw `>` in text: {s:?}");
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        let after = &rest[amp + 1..];
        let semi = after
            .find(';')
            .unwrap_or_else(|| panic!("bare `&` in {s:?}"));
        let entity = &after[..semi];
        assert!(
            ["amp", "lt", "gt", "quot", "#39"].contains(&entity),
            "unknown entity &{entity}; in {s:?}"
        );
        rest = &after[semi..];
    }
}

fn check_attrs(attrs: &str) {
    let mut rest = attrs.trim();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .unwrap_or_else(|| panic!("attribute without value: {rest:?}"));
        let name = rest[..eq].trim();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':'),
            "bad attribute name {name:?}"
        );
        let value = &rest[eq + 1..];
        assert!(value.starts_with('"'), "unquoted attribute {name}");
        let end = value[1..].find('"').expect("unterminated attribute value") + 1;
        check_text(&value[1..end]);
        assert!(!value[1..end].contains('<'), "`<` in attribute {name}");
        rest = value[end + 1..].trim_start();
    }
}

#[test]
fn out_and_verdicts_create_their_directories() {
    let dir = std::env::temp_dir().join(format!("contactguard-audit-dirs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("reports/today/report.html");
    let verdicts = dir.join("verdicts/all.csv");
    let run = contactguard(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--out",
        out.to_str().unwrap(),
        "--verdicts",
        verdicts.to_str().unwrap(),
    ]);
    let (html, csv) = (std::fs::metadata(&out), std::fs::metadata(&verdicts));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(html.unwrap().len() > 0 && csv.unwrap().len() > 0);
}

#[test]
fn html_report_is_well_formed_and_complete() {
    let dir = std::env::temp_dir().join(format!("contactguard-audit-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("report.html");
    let out_arg = out.to_str().unwrap();
    let run = contactguard(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--out",
        out_arg,
    ]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(
        run.stdout.contains("HTML report written to"),
        "{}",
        run.stdout
    );
    let html = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let elements = check_markup(&html);
    let has = |name: &str, attr: &str| elements.iter().any(|(n, a)| n == name && a.contains(attr));
    for id in [
        "summary",
        "rules",
        "hours",
        "days",
        "channels",
        "roles",
        "obligations",
        "worst",
        "timelines",
        "samples",
    ] {
        assert!(has("section", &format!("id=\"{id}\"")), "no section `{id}`");
    }
    assert!(has("svg", "id=\"chart-hours\""), "no hour chart");
    assert!(has("svg", "id=\"chart-days\""), "no day chart");
    let timelines = elements
        .iter()
        .filter(|(n, a)| n == "svg" && a.contains("class=\"timeline\""))
        .count();
    assert_eq!(timelines, 5, "one timeline per worst recipient, at most 5");
    // 24 hour bars, each an allowed and a denied rect.
    let hour_chart = html
        .split("id=\"chart-hours\"")
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    assert_eq!(hour_chart.matches("<rect ").count(), 48);
    // Self-contained: no script, no external reference.
    assert!(!html.contains("<script"), "no script");
    assert!(!html.contains("src="), "no external asset");
    assert!(!html.contains("href="), "no link");
    // Citations and escaped user strings.
    assert!(html.contains("GB/T 45251—2025"));
    assert!(
        html.contains("&lt;b&gt;&amp;amp; &quot;x&quot;"),
        "the odd recipient key is escaped"
    );
    assert!(!html.contains("<b>"), "user markup never reaches the page");
}

// ---------------------------------------------------------------------------
// sample

#[test]
fn sample_is_deterministic_and_audits_cleanly() {
    let a = contactguard(&["sample", "--seed", "7", "--debtors", "60", "--days", "10"]);
    let b = contactguard(&["sample", "--seed", "7", "--debtors", "60", "--days", "10"]);
    let c = contactguard(&["sample", "--seed", "8", "--debtors", "60", "--days", "10"]);
    assert_eq!(a.code, Some(0), "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout, "same seed, same bytes");
    assert_ne!(a.stdout, c.stdout, "another seed, another log");
    assert!(a
        .stdout
        .starts_with("at,type,channel,to,role,debt,result,timezone,"));

    let dir = std::env::temp_dir().join(format!("contactguard-sample-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("log.csv");
    let jsonl = dir.join("log.jsonl");
    let sample = |format: &str, path: &PathBuf| {
        let run = contactguard(&[
            "sample",
            "--seed",
            "7",
            "--debtors",
            "60",
            "--days",
            "10",
            "--format",
            format,
            "-o",
            path.to_str().unwrap(),
        ]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
    };
    sample("csv", &csv);
    sample("jsonl", &jsonl);
    let from_csv = json_report(&[
        "audit",
        csv.to_str().unwrap(),
        "--policy",
        "cn+conduct",
        "--json",
        "--strict",
    ]);
    let from_jsonl = json_report(&[
        "audit",
        jsonl.to_str().unwrap(),
        "--policy",
        "cn+conduct",
        "--json",
        "--strict",
    ]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(from_csv["totals"], from_jsonl["totals"]);
    assert_eq!(from_csv["by_rule"], from_jsonl["by_rule"]);
    assert_eq!(from_csv["totals"]["bad_rows"], 0);
    assert!(from_csv["totals"]["attempts"].as_u64().unwrap() > 100);
}

/// The sample log in `examples/data/` is what the generator writes today,
/// and auditing it finds every kind of abuse the generator injects.
#[test]
fn bundled_sample_log_is_fresh_and_shows_each_abuse() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = root.join("examples/data/sample-log.csv");
    let committed = std::fs::read_to_string(&path).expect("examples/data/sample-log.csv");
    let run = contactguard(&[
        "sample",
        "--seed",
        "2026",
        "--debtors",
        "2000",
        "--days",
        "30",
        "--start",
        "2026-03-01",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout == committed,
        "examples/data/sample-log.csv is stale: regenerate it with \
         `contactguard sample --seed 2026 --debtors 2000 --days 30 --start 2026-03-01 > examples/data/sample-log.csv`"
    );
    let report = json_report(&[
        "audit",
        path.to_str().unwrap(),
        "--policy",
        "cn+conduct",
        "--json",
    ]);
    assert_eq!(report["totals"]["bad_rows"], 0);
    let ids: Vec<String> = rule_counts(&report).into_iter().map(|(id, _)| id).collect();
    for id in [
        "conduct.1",
        "conduct.2",
        "cn.1",
        "cn.4",
        "cn.5a",
        "cn.6a",
        "cn.6b",
        "conduct.4",
        "conduct.7",
    ] {
        assert!(ids.iter().any(|x| x == id), "no {id} in {ids:?}");
    }
    assert!(
        report["most_texts_in_a_day"][0]["texts"].as_u64().unwrap() >= 20,
        "SMS bombing"
    );
}

/// A log out of time order is read again into memory and sorted: the same
/// report as the sorted log, with a note on standard error.
#[test]
fn an_unordered_log_falls_back_to_sorting() {
    let dir = std::env::temp_dir().join(format!("cg-audit-unordered-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(data_dir().join("violations.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let reversed = dir.join("reversed.csv");
    std::fs::write(&reversed, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    let reversed = reversed.to_str().unwrap();
    let run = contactguard(&["audit", reversed, "--policy", "cn+conduct", "--json"]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("is not in time order"),
        "{}",
        run.stderr
    );
    let unordered: Value = serde_json::from_str(&run.stdout).unwrap();
    let sorted = json_report(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--json",
    ]);
    assert_eq!(unordered["totals"], sorted["totals"]);
    assert_eq!(unordered["by_rule"], sorted["by_rule"]);
    assert_eq!(unordered["by_day"], sorted["by_day"]);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A GBK log (what Excel on Chinese Windows saves) stops with a hint, and
/// reads with `--encoding gbk`.
#[test]
fn gbk_logs_need_and_accept_an_encoding() {
    let dir = std::env::temp_dir().join(format!("cg-audit-gbk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = "at,channel,to,role,debt,result,timezone\n\
                2026-03-02T10:00:00+08:00,sms,张三,debtor,贷款-1,delivered,Asia/Shanghai\n";
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    let path = dir.join("gbk.csv");
    std::fs::write(&path, &bytes).unwrap();
    let path = path.to_str().unwrap();
    let run = contactguard(&["audit", path, "--policy", "cn"]);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("line 2 is not UTF-8 text") && run.stderr.contains("--encoding gbk"),
        "{}",
        run.stderr
    );
    let run = contactguard(&[
        "audit",
        path,
        "--policy",
        "cn",
        "--encoding",
        "gbk",
        "--json",
    ]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["totals"]["attempts"], 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A streamed replay (which fills in the worst recipients' timelines by a
/// second pass) and the in-memory replay on two threads give the same
/// report.
#[test]
fn streamed_and_in_memory_reports_are_the_same() {
    let streamed = contactguard(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--json",
    ]);
    let threads = contactguard(&[
        "audit",
        "violations.csv",
        "--policy",
        "cn+conduct",
        "--json",
        "--threads",
        "2",
    ]);
    assert_eq!(streamed.code, Some(0), "{}", streamed.stderr);
    assert_eq!(streamed.stdout, threads.stdout);
    let report: Value = serde_json::from_str(&streamed.stdout).unwrap();
    assert!(!report["timelines"].as_array().unwrap().is_empty());
}
