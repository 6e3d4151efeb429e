//! The terminal report: plain text tables, widest column measured.

use super::report::{KeyCount, Report};
use std::fmt::Write as _;

/// `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 row`, `1,234 rows`.
pub fn counted(n: u64, noun: &str) -> String {
    format!("{} {noun}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// `part` as a percentage of `whole`, one decimal.
pub fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.0%".to_owned();
    }
    #[expect(clippy::cast_precision_loss, reason = "a percentage for display")]
    let p = part as f64 * 100.0 / whole as f64;
    format!("{p:.1}%")
}

/// A table: rows of cells, the first row the header; columns whose index
/// is in `right` are right-aligned.
fn table(out: &mut String, rows: &[Vec<String>], right: &[usize]) {
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..ncols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::from("  ");
        for (c, cell) in row.iter().enumerate() {
            let w = widths.get(c).copied().unwrap_or(0);
            let last = c + 1 == row.len();
            if right.contains(&c) {
                let _ = write!(line, "{cell:>w$}");
            } else if last {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}");
            }
            if !last {
                line.push_str("  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn key_table(out: &mut String, title: &str, key: &str, counts: &[KeyCount]) {
    let _ = writeln!(out, "\n{title}");
    let mut rows = vec![vec![
        key.to_owned(),
        "attempts".into(),
        "denied".into(),
        "share".into(),
    ]];
    for k in counts {
        rows.push(vec![
            k.key.to_owned(),
            thousands(k.attempts),
            thousands(k.denied),
            percent(k.denied, k.attempts),
        ]);
    }
    table(out, &rows, &[1, 2, 3]);
}

/// Renders the report for a terminal.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let t = &r.totals;
    let _ = writeln!(out, "contactguard audit of {} against {}", r.log, r.policy);
    if let Some(span) = &r.span {
        let _ = writeln!(out, "  from {} to {}", span.first, span.last);
    }
    let _ = writeln!(
        out,
        "  {}: {}, {}; {} skipped",
        counted(t.rows, "row"),
        counted(t.attempts, "attempt"),
        counted(t.events, "other event"),
        counted(t.bad_rows, "bad row")
    );
    let _ = writeln!(
        out,
        "  {} denied ({}), {}, {} of {} affected",
        counted(t.denied, "attempt"),
        percent(t.denied, t.attempts),
        counted(t.violations, "rule violation"),
        thousands(t.recipients_with_violations),
        counted(t.recipients, "recipient")
    );
    let _ = writeln!(out, "  local time: {}", r.local_time);
    if !r.unread_events.is_empty() {
        let _ = writeln!(out);
        for u in &r.unread_events {
            let _ = writeln!(out, "warning: {}", u.message);
        }
    }

    if r.by_rule.is_empty() {
        let _ = writeln!(
            out,
            "\nNo violations: every attempt would have been allowed."
        );
    } else {
        let _ = writeln!(out, "\nViolations by rule");
        let mut rows = vec![vec!["rule".to_owned(), "count".into(), "title".into()]];
        for rule in &r.by_rule {
            rows.push(vec![
                rule.id.clone(),
                thousands(rule.count),
                rule.title.clone(),
            ]);
            rows.push(vec![
                String::new(),
                String::new(),
                format!("cite: {}", rule.cite),
            ]);
        }
        table(&mut out, &rows, &[1]);
    }
    if !r.obligations.is_empty() {
        let _ = writeln!(out, "\nObligations on allowed contacts");
        let mut rows = vec![vec!["obligation".to_owned(), "attempts".into()]];
        for o in &r.obligations {
            rows.push(vec![o.obligation.clone(), thousands(o.count)]);
        }
        table(&mut out, &rows, &[1]);
    }
    unevaluated(&mut out, r);
    key_table(&mut out, "By channel", "channel", &r.by_channel);
    key_table(&mut out, "By role", "role", &r.by_role);

    if !r.worst_recipients.is_empty() {
        let _ = writeln!(out, "\nWorst recipients");
        let mut rows = vec![vec![
            "recipient".to_owned(),
            "role".into(),
            "attempts".into(),
            "denied".into(),
            "texts/day".into(),
            "rules broken".into(),
        ]];
        for w in &r.worst_recipients {
            let texts = match (&w.max_texts_date, w.max_texts_in_a_day) {
                (Some(d), n) if n > 0 => format!("{n} ({d})"),
                _ => "-".to_owned(),
            };
            let rules: Vec<String> = w.rules.iter().map(|(id, n)| format!("{id}×{n}")).collect();
            rows.push(vec![
                w.to.clone(),
                w.roles.join("/"),
                thousands(w.attempts),
                thousands(w.denied),
                texts,
                rules.join(" "),
            ]);
        }
        table(&mut out, &rows, &[2, 3]);
    }
    if let Some(top) = r.most_texts_in_a_day.first() {
        let _ = writeln!(
            out,
            "\nMost texts in one local day: {} to {} on {}",
            top.texts, top.to, top.date
        );
    }

    if !r.samples.is_empty() {
        let _ = writeln!(out, "\nSample violations");
        for s in &r.samples {
            let purpose = s.purpose.map(|p| format!(" for {p}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "  line {}: {} {} to {} ({}) about {}{purpose}",
                s.line, s.at, s.channel, s.to, s.role, s.debt
            );
            for d in &s.denials {
                let _ = writeln!(out, "    {}: {}", d.id, d.message);
            }
        }
    }
    if t.bad_rows > 0 {
        let _ = writeln!(
            out,
            "\n{} skipped (listed on standard error)",
            counted(t.bad_rows, "bad row")
        );
    }
    if t.flawed_rows > 0 {
        let _ = writeln!(
            out,
            "{} recorded with a cell that could not be used (listed on standard error)",
            counted(t.flawed_rows, "row")
        );
    }
    out
}

/// "Could not evaluate": attempts denied only because a zone or a
/// calendar year is missing, apart from the violations.
fn unevaluated(out: &mut String, r: &Report) {
    let u = &r.could_not_evaluate;
    if u.count == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "\nCould not evaluate: {} denied because the engine could not evaluate them (fail closed); not counted as violations",
        counted(u.count, "attempt")
    );
    for reason in &u.reasons {
        let _ = writeln!(out, "  {} × {}", thousands(reason.count), reason.reason);
        if !reason.help.is_empty() {
            let _ = writeln!(out, "    help: {}", reason.help);
        }
    }
    for row in &u.first_rows {
        let _ = writeln!(
            out,
            "  line {}: {} {} to {} about {}: {}",
            row.line, row.at, row.channel, row.to, row.debt, row.message
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(1, 0), "0.0%");
        assert_eq!(counted(1, "row"), "1 row");
        assert_eq!(counted(1234, "bad row"), "1,234 bad rows");
    }
}
