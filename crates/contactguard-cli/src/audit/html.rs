//! The HTML report: one self-contained file, inline CSS and SVG, no
//! script, no external asset. Every user string is escaped, every element
//! closed (void elements written `<br/>`), so the file also parses as XML.

use super::report::{Report, Timeline};
use super::text::{percent, thousands};
use std::fmt::Write as _;

/// Escapes text for element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

const ALLOWED: &str = "#7fa7d4";
const DENIED: &str = "#d2413a";
/// State events (holds, opt-outs, cease...) on the timelines.
const STATE: &str = "#8a6d1f";

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans','Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;margin:0;color:#1d2430;background:#f6f7f9}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 4px}
h2{font-size:1.2em;margin:32px 0 8px;border-bottom:1px solid #d5d9e0;padding-bottom:4px}
p.meta{color:#5a6475;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:10px 14px;min-width:130px}
.card .n{font-size:1.5em;font-weight:600}
.card .l{color:#5a6475;font-size:.85em}
.card.bad .n{color:#b3261e}
table{border-collapse:collapse;background:#fff;width:100%;font-size:.92em}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e6e9ee;vertical-align:top}
th{background:#eef1f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.cite{color:#5a6475;font-size:.9em}
.bar{background:#d2413a;height:10px;border-radius:2px;min-width:1px}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
svg{background:#fff;border:1px solid #dde1e7;border-radius:6px;display:block;margin:8px 0}
svg text{font-family:system-ui,sans-serif;font-size:11px;fill:#44505f}
.legend span{display:inline-block;margin-right:16px;font-size:.9em}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:middle}
ul.denials{margin:2px 0 0;padding-left:18px}
.tl h3{font-size:1em;margin:18px 0 0}
.muted{color:#5a6475}
";

/// Renders the report as HTML.
pub fn render(r: &Report) -> String {
    let mut o = String::with_capacity(64 * 1024);
    let t = &r.totals;
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>contactguard audit: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(&r.log)
    );
    let _ = writeln!(o, "<h1>Contact log audit</h1>");
    let span = r
        .span
        .as_ref()
        .map(|s| format!(", {} to {}", esc(&s.first), esc(&s.last)))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "<p class=\"meta\">Log <code>{}</code> replayed against policy <code>{}</code>{span}. Local time: {}.</p>",
        esc(&r.log),
        esc(&r.policy),
        esc(&r.local_time)
    );

    // Summary.
    let _ = writeln!(
        o,
        "<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">"
    );
    let cards: [(&str, String, bool); 7] = [
        ("rows", thousands(t.rows), false),
        ("attempts", thousands(t.attempts), false),
        (
            "denied attempts",
            format!(
                "{} ({})",
                thousands(t.denied),
                percent(t.denied, t.attempts)
            ),
            true,
        ),
        ("rule violations", thousands(t.violations), true),
        (
            "recipients affected",
            format!(
                "{} of {}",
                thousands(t.recipients_with_violations),
                thousands(t.recipients)
            ),
            true,
        ),
        ("other events", thousands(t.events), false),
        ("bad rows skipped", thousands(t.bad_rows), t.bad_rows > 0),
    ];
    for (label, n, bad) in cards {
        let class = if bad { "card bad" } else { "card" };
        let _ = writeln!(
            o,
            "<div class=\"{class}\"><div class=\"n\">{}</div><div class=\"l\">{label}</div></div>",
            esc(&n)
        );
    }
    let _ = writeln!(o, "</div>\n</section>");

    if !r.unread_events.is_empty() {
        let _ = writeln!(o, "<section id=\"unread-events\">\n<h2>Events no rule reads</h2>\n<p>These rows change no verdict under this policy.</p>\n<ul>");
        for u in &r.unread_events {
            let _ = writeln!(o, "<li>{}</li>", esc(&u.message));
        }
        let _ = writeln!(o, "</ul>\n</section>");
    }

    // Violations by rule.
    let _ = writeln!(o, "<section id=\"rules\">\n<h2>Violations by rule</h2>");
    if r.by_rule.is_empty() {
        let _ = writeln!(
            o,
            "<p>No violations: every attempt would have been allowed.</p>"
        );
    } else {
        let max = r.by_rule.iter().map(|x| x.count).max().unwrap_or(1).max(1);
        let _ = writeln!(
            o,
            "<table>\n<thead><tr><th>rule</th><th>title</th><th>citation</th><th>count</th><th style=\"width:22%\"></th></tr></thead>\n<tbody>"
        );
        for rule in &r.by_rule {
            #[expect(clippy::cast_precision_loss, reason = "a bar width")]
            let w = rule.count as f64 * 100.0 / max as f64;
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"cite\">{}</td><td class=\"num\">{}</td><td><div class=\"bar\" style=\"width:{w:.1}%\"></div></td></tr>",
                esc(&rule.id),
                esc(&rule.title),
                esc(&rule.cite),
                thousands(rule.count)
            );
        }
        let _ = writeln!(o, "</tbody>\n</table>");
    }
    let _ = writeln!(o, "</section>");

    if !r.obligations.is_empty() {
        let _ = writeln!(o, "<section id=\"obligations\">\n<h2>Obligations on allowed contacts</h2>\n<p>Allowed attempts that had to honour an obligation.</p>\n<table>\n<thead><tr><th>obligation</th><th>attempts</th></tr></thead>\n<tbody>");
        for ob in &r.obligations {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
                esc(&ob.obligation),
                thousands(ob.count)
            );
        }
        let _ = writeln!(o, "</tbody>\n</table>\n</section>");
    }
    unevaluated(&mut o, r);
    legend_and_hours(&mut o, r);
    days_chart(&mut o, r);
    channel_role_tables(&mut o, r);
    worst(&mut o, r);
    timelines(&mut o, &r.timelines);
    samples(&mut o, r);
    if !r.flawed_rows.is_empty() {
        let _ = writeln!(o, "<section id=\"flawed-rows\">\n<h2>Rows recorded with a cell that could not be used</h2>\n<table>\n<thead><tr><th>line</th><th>reason</th></tr></thead>\n<tbody>");
        for b in &r.flawed_rows {
            let _ = writeln!(
                o,
                "<tr><td class=\"num\">{}</td><td>{}</td></tr>",
                b.line,
                esc(&b.message)
            );
        }
        let _ = writeln!(o, "</tbody>\n</table>\n</section>");
    }
    if !r.bad_rows.is_empty() {
        let _ = writeln!(o, "<section id=\"bad-rows\">\n<h2>Bad rows skipped</h2>\n<table>\n<thead><tr><th>line</th><th>reason</th></tr></thead>\n<tbody>");
        for b in &r.bad_rows {
            let _ = writeln!(
                o,
                "<tr><td class=\"num\">{}</td><td>{}</td></tr>",
                b.line,
                esc(&b.message)
            );
        }
        let _ = writeln!(o, "</tbody>\n</table>");
        if t.bad_rows > r.bad_rows.len() as u64 {
            let _ = writeln!(
                o,
                "<p class=\"muted\">First {} of {} listed.</p>",
                r.bad_rows.len(),
                thousands(t.bad_rows)
            );
        }
        let _ = writeln!(o, "</section>");
    }
    let _ = writeln!(
        o,
        "<p class=\"muted\">Generated by contactguard {}. Each attempt was decided against every earlier row of the log, as the policy would have decided it at that moment.</p>\n</main>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    o
}

/// Attempts denied only because a zone or a calendar year is missing.
fn unevaluated(o: &mut String, r: &Report) {
    let u = &r.could_not_evaluate;
    if u.count == 0 {
        return;
    }
    let _ = writeln!(
        o,
        "<section id=\"could-not-evaluate\">\n<h2>Could not evaluate</h2>\n<p>{} denied because the engine could not evaluate them (fail closed): a time zone or a holiday calendar year is missing. They are not counted as violations; fix the data and audit again.</p>\n<table>\n<thead><tr><th>reason</th><th>attempts</th><th>how to fix</th></tr></thead>\n<tbody>",
        esc(&super::text::counted(u.count, "attempt"))
    );
    for reason in &u.reasons {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&reason.reason),
            thousands(reason.count),
            esc(&reason.help)
        );
    }
    let _ = writeln!(o, "</tbody>\n</table>\n<table>\n<thead><tr><th>line</th><th>when</th><th>channel</th><th>to</th><th>debt</th><th>reason</th></tr></thead>\n<tbody>");
    for row in &u.first_rows {
        let _ = writeln!(
            o,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            row.line,
            esc(&row.at),
            row.channel,
            esc(&row.to),
            esc(&row.debt),
            esc(&row.message)
        );
    }
    let _ = writeln!(o, "</tbody>\n</table>\n</section>");
}

fn legend(o: &mut String) {
    let _ = writeln!(
        o,
        "<p class=\"legend\"><span><span class=\"sw\" style=\"background:{ALLOWED}\"></span>allowed</span><span><span class=\"sw\" style=\"background:{DENIED}\"></span>would have been denied</span></p>"
    );
}

/// A round axis maximum at or above `n`.
fn nice_max(n: u64) -> u64 {
    let n = n.max(1);
    let mut step = 1u64;
    while step.saturating_mul(10) < n {
        step = step.saturating_mul(10);
    }
    for m in [1u64, 2, 5, 10] {
        if step.saturating_mul(m) >= n {
            return step.saturating_mul(m);
        }
    }
    n
}

/// A stacked bar chart: one bar per label, allowed below denied.
fn stacked_bars(
    o: &mut String,
    id: &str,
    title: &str,
    bars: &[(String, u64, u64)],
    label_every: usize,
) {
    let (w, h, left, bottom, top) = (980.0_f64, 260.0_f64, 56.0_f64, 36.0_f64, 14.0_f64);
    let max = nice_max(bars.iter().map(|(_, a, d)| a + d).max().unwrap_or(0));
    #[expect(clippy::cast_precision_loss, reason = "chart geometry")]
    let (n, maxf) = (bars.len().max(1) as f64, max as f64);
    let plot_w = w - left - 12.0;
    let plot_h = h - top - bottom;
    let slot = plot_w / n;
    let bar_w = (slot * 0.78).max(1.0);
    let _ = writeln!(
        o,
        "<svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">\n<title>{}</title>",
        esc(title),
        esc(title)
    );
    for k in 0..=4u32 {
        let v = maxf * f64::from(k) / 4.0;
        let y = top + plot_h - plot_h * f64::from(k) / 4.0;
        let _ = writeln!(
            o,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#e3e6eb\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            w - 12.0,
            left - 6.0,
            y + 4.0,
            thousands(v.round() as u64)
        );
    }
    for (i, (label, allowed, denied)) in bars.iter().enumerate() {
        #[expect(clippy::cast_precision_loss, reason = "chart geometry")]
        let (x, a, d) = (
            left + slot * i as f64 + (slot - bar_w) / 2.0,
            *allowed as f64,
            *denied as f64,
        );
        let ha = plot_h * a / maxf;
        let hd = plot_h * d / maxf;
        let base = top + plot_h;
        let tip = format!(
            "{label}: {} allowed, {} denied",
            thousands(*allowed),
            thousands(*denied)
        );
        let _ = writeln!(
            o,
            "<g><title>{}</title><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{ha:.1}\" fill=\"{ALLOWED}\"/><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar_w:.1}\" height=\"{hd:.1}\" fill=\"{DENIED}\"/></g>",
            esc(&tip),
            base - ha,
            base - ha - hd
        );
        if label_every > 0 && i % label_every == 0 {
            let _ = writeln!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + bar_w / 2.0,
                base + 16.0,
                esc(label)
            );
        }
    }
    let _ = writeln!(o, "</svg>");
}

fn legend_and_hours(o: &mut String, r: &Report) {
    let _ = writeln!(
        o,
        "<section id=\"hours\">\n<h2>Contacts by local hour of day</h2>"
    );
    legend(o);
    let bars: Vec<(String, u64, u64)> = r
        .by_hour
        .iter()
        .map(|h| (format!("{:02}:00", h.hour), h.allowed, h.denied))
        .collect();
    stacked_bars(
        o,
        "chart-hours",
        "Attempts by local hour of day, allowed and denied",
        &bars,
        1,
    );
    let _ = writeln!(o, "</section>");
}

fn days_chart(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<section id=\"days\">\n<h2>Violations by day</h2>");
    legend(o);
    let bars: Vec<(String, u64, u64)> = r
        .by_day
        .iter()
        .map(|d| {
            let label = d.date.get(5..).unwrap_or(&d.date).to_owned();
            (label, d.attempts - d.denied.min(d.attempts), d.denied)
        })
        .collect();
    let every = (bars.len() / 10).max(1);
    stacked_bars(
        o,
        "chart-days",
        "Attempts by local date, allowed and denied",
        &bars,
        every,
    );
    let _ = writeln!(o, "</section>");
}

fn channel_role_tables(o: &mut String, r: &Report) {
    for (id, title, key, rows) in [
        ("channels", "By channel", "channel", &r.by_channel),
        ("roles", "By role", "role", &r.by_role),
    ] {
        let _ = writeln!(
            o,
            "<section id=\"{id}\">\n<h2>{title}</h2>\n<table>\n<thead><tr><th>{key}</th><th>attempts</th><th>denied</th><th>share denied</th></tr></thead>\n<tbody>"
        );
        for k in rows {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(k.key),
                thousands(k.attempts),
                thousands(k.denied),
                percent(k.denied, k.attempts)
            );
        }
        let _ = writeln!(o, "</tbody>\n</table>\n</section>");
    }
}

fn worst(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<section id=\"worst\">\n<h2>Worst recipients</h2>");
    if r.worst_recipients.is_empty() {
        let _ = writeln!(o, "<p>None.</p>\n</section>");
        return;
    }
    let _ = writeln!(
        o,
        "<table>\n<thead><tr><th>recipient</th><th>role</th><th>attempts</th><th>denied</th><th>violations</th><th>most texts in a day</th><th>rules broken</th></tr></thead>\n<tbody>"
    );
    for w in &r.worst_recipients {
        let texts = match (&w.max_texts_date, w.max_texts_in_a_day) {
            (Some(d), n) if n > 0 => format!("{n} on {d}"),
            _ => "–".to_owned(),
        };
        let rules: Vec<String> = w.rules.iter().map(|(id, n)| format!("{id} ×{n}")).collect();
        let _ = writeln!(
            o,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&w.to),
            esc(&w.roles.join(", ")),
            thousands(w.attempts),
            thousands(w.denied),
            thousands(w.violations),
            esc(&texts),
            esc(&rules.join(", "))
        );
    }
    let _ = writeln!(o, "</tbody>\n</table>\n</section>");
}

/// Seconds east of UTC in a point's local label (`...+08:00`).
fn offset_of(local: &str, at: i64) -> i64 {
    local
        .get(..19)
        .and_then(|s| s.parse::<jiff::civil::DateTime>().ok())
        .and_then(|dt| {
            jiff::tz::TimeZone::UTC
                .to_ambiguous_timestamp(dt)
                .compatible()
                .ok()
        })
        .map_or(0, |ts| ts.as_second() - at)
}

fn timelines(o: &mut String, lines: &[Timeline]) {
    let _ = writeln!(
        o,
        "<section id=\"timelines\" class=\"tl\">\n<h2>Timelines of the worst recipients</h2>"
    );
    if lines.is_empty() {
        let _ = writeln!(o, "<p>None.</p>\n</section>");
        return;
    }
    let events_note = if lines.iter().any(|l| !l.events.is_empty()) {
        " Squares in the events lane are the holds, opt-outs, cease requests and other recorded events that can explain a denial."
    } else {
        ""
    };
    let _ = writeln!(o, "<p class=\"muted\">One dot per contact attempt, one lane per channel; hover a dot for its time and the rule it broke.{events_note}</p>");
    legend(o);
    let all = lines.iter().flat_map(|l| l.points.iter().map(|p| p.at));
    let (min, max) = all.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
    if min > max {
        let _ = writeln!(o, "</section>");
        return;
    }
    let offset = lines
        .iter()
        .find_map(|l| l.points.first())
        .map_or(0, |p| offset_of(&p.local, p.at));
    // Whole local days around the points.
    let day = 86_400_i64;
    let start = (min + offset).div_euclid(day) * day - offset;
    let end = ((max + offset).div_euclid(day) + 1) * day - offset;
    let (w, left, right) = (980.0_f64, 70.0_f64, 12.0_f64);
    let plot_w = w - left - right;
    #[expect(clippy::cast_precision_loss, reason = "chart geometry")]
    let x_of = |t: i64| left + plot_w * (t - start) as f64 / (end - start).max(1) as f64;
    let ndays = (end - start) / day;
    let label_every = (ndays / 8).max(1);
    for line in lines {
        let mut lanes: Vec<&str> = Vec::new();
        for p in &line.points {
            if !lanes.contains(&p.channel) {
                lanes.push(p.channel);
            }
        }
        lanes.sort_unstable();
        let lane_h = 22.0_f64;
        // State events get a lane of their own, below the channels.
        let event_lanes = usize::from(!line.events.is_empty());
        #[expect(clippy::cast_precision_loss, reason = "chart geometry")]
        let h = 28.0 + lane_h * (lanes.len() + event_lanes) as f64;
        let denied = line.points.iter().filter(|p| p.rule.is_some()).count();
        let _ = writeln!(
            o,
            "<h3><code>{}</code> <span class=\"muted\">{} attempts, {} would have been denied{}</span></h3>",
            esc(&line.to),
            line.points.len() as u64 + line.omitted,
            denied,
            if line.omitted > 0 { format!(" ({} not drawn)", line.omitted) } else { String::new() }
        );
        let _ = writeln!(
            o,
            "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"timeline of {}\">\n<title>Timeline of {}</title>",
            esc(&line.to),
            esc(&line.to)
        );
        for k in 0..=ndays {
            let t = start + k * day;
            let x = x_of(t);
            let _ = write!(
                o,
                "<line x1=\"{x:.1}\" y1=\"6\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#eceef2\"/>",
                h - 18.0
            );
            if k % label_every == 0 && k < ndays {
                let label = jiff::Timestamp::from_second(t + offset)
                    .map(|ts| ts.strftime("%m-%d").to_string())
                    .unwrap_or_default();
                let _ = write!(
                    o,
                    "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                    x + 2.0,
                    h - 5.0,
                    esc(&label)
                );
            }
        }
        let _ = writeln!(o);
        for (i, lane) in lanes.iter().enumerate() {
            #[expect(clippy::cast_precision_loss, reason = "chart geometry")]
            let y = 16.0 + lane_h * i as f64;
            let _ = writeln!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#d5d9e0\"/>",
                left - 8.0,
                y + 4.0,
                esc(lane),
                w - right
            );
        }
        if !line.events.is_empty() {
            #[expect(clippy::cast_precision_loss, reason = "chart geometry")]
            let y = 16.0 + lane_h * lanes.len() as f64;
            let _ = writeln!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">events</text><line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#d5d9e0\" stroke-dasharray=\"3 3\"/>",
                left - 8.0,
                y + 4.0,
                w - right
            );
            for e in &line.events {
                // An event before the first day drawn (a hold still
                // active) sits at the left edge; its tooltip has its time.
                let x = x_of(e.at).clamp(left, w - right);
                let mut what = e.event_type.to_owned();
                if let Some(reason) = e.reason {
                    what.push_str(&format!(" ({reason})"));
                }
                if let Some(debt) = &e.debt {
                    what.push_str(&format!(" on {debt}"));
                }
                let _ = writeln!(
                    o,
                    "<rect class=\"state\" x=\"{:.1}\" y=\"{:.1}\" width=\"7\" height=\"7\" fill=\"{STATE}\"><title>{} {}</title></rect>",
                    x - 3.5,
                    y - 3.5,
                    esc(&e.local),
                    esc(&what)
                );
            }
        }
        for p in &line.points {
            let lane = lanes.iter().position(|l| *l == p.channel).unwrap_or(0);
            #[expect(clippy::cast_precision_loss, reason = "chart geometry")]
            let y = 16.0 + lane_h * lane as f64;
            let (fill, what) = match &p.rule {
                Some(rule) if p.also.is_empty() => (DENIED, format!("denied by {rule}")),
                Some(rule) => (DENIED, format!("denied by {rule}, {}", p.also.join(", "))),
                None => (ALLOWED, "allowed".to_owned()),
            };
            let _ = writeln!(
                o,
                "<circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{fill}\" fill-opacity=\"0.75\"><title>{} {}: {}</title></circle>",
                x_of(p.at),
                esc(&p.local),
                esc(p.channel),
                esc(&what)
            );
        }
        let _ = writeln!(o, "</svg>");
    }
    let _ = writeln!(o, "</section>");
}

fn samples(o: &mut String, r: &Report) {
    let _ = writeln!(o, "<section id=\"samples\">\n<h2>Sample violations</h2>");
    if r.samples.is_empty() {
        let _ = writeln!(o, "<p>None.</p>\n</section>");
        return;
    }
    let _ = writeln!(
        o,
        "<table>\n<thead><tr><th>line</th><th>when (local)</th><th>contact</th><th>why it would have been denied</th></tr></thead>\n<tbody>"
    );
    for s in &r.samples {
        let purpose = s.purpose.map(|p| format!(" for {p}")).unwrap_or_default();
        let _ = write!(
            o,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{} to <code>{}</code> ({}) about <code>{}</code>{}</td><td><ul class=\"denials\">",
            s.line,
            esc(&s.at),
            esc(s.channel),
            esc(&s.to),
            esc(s.role),
            esc(&s.debt),
            esc(&purpose)
        );
        for d in &s.denials {
            let _ = write!(
                o,
                "<li><code>{}</code> {} <span class=\"muted\">({})</span></li>",
                esc(&d.id),
                esc(&d.message),
                esc(&d.cite)
            );
        }
        let _ = writeln!(o, "</ul></td></tr>");
    }
    let _ = writeln!(o, "</tbody>\n</table>\n</section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(nice_max(0), 1);
        assert_eq!(nice_max(7), 10);
        assert_eq!(nice_max(11), 20);
        assert_eq!(nice_max(420), 500);
        assert_eq!(nice_max(1000), 1000);
    }
}
