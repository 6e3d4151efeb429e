//! Generated reference pages for the presets.
//!
//! [`presets_markdown`] renders `docs/presets.md` from the presets embedded
//! in the crate: each preset's description, calendars and rules, with every
//! rule's parameters, citation, status and preset convention. The output
//! depends only on the embedded presets, so it is deterministic and can be
//! checked for freshness. Writing the file is the CLI's job; this module
//! does no I/O.

use crate::policy::format::{
    Bounds, CalendarPeriod, CalendarSpec, CalendarStatus, ConditionSpec, DaySel, FilterSpec,
    LocalTime, PolicyFile, RangeSpec, RoleSel, RuleKind, RuleSpec, WindowSpec,
};
use crate::{preset_names, preset_source, Policy};
use std::fmt::Write as _;

/// The presets' reference page (`docs/presets.md`) in Markdown.
///
/// For every bundled preset, in the order of [`preset_names`]: a heading, its
/// description, its holiday calendars and out-of-contact settings, and each
/// rule with its id, title, kind and parameters, citation, status,
/// convention and note. A preset that fails to load is listed with its
/// error instead (the bundled presets are tested to load).
///
/// # Examples
///
/// ```
/// let page = contactguard::reference::presets_markdown();
/// assert!(page.contains("`us-reg-f.10`"));
/// ```
pub fn presets_markdown() -> String {
    let mut out = String::new();
    // Writing to a `String` cannot fail.
    let _ = render(&mut out);
    out
}

fn render(out: &mut String) -> std::fmt::Result {
    let loaded: Vec<(&'static str, Loaded)> = preset_names().map(|n| (n, load(n))).collect();
    writeln!(out, "# Preset reference")?;
    writeln!(out)?;
    writeln!(
        out,
        "Generated from the presets bundled in the `contactguard` crate \
         (`contactguard presets --markdown`, `make docs`); do not edit by hand."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Every rule can only deny (or attach obligations); an ask is allowed when no rule denies it, \
         and composing presets (`us-reg-f+us-ma`, `cn+conduct`) takes the union of their rules. \
         `docs/policy-format.md` gives the exact meaning of each kind and parameter. \
         A cap's `limit` is the number of counted earlier attempts at which it denies: \
         \"at most N\" is `limit = N`. Status tags follow regulations.md section 1.1; \
         a *convention* is an engineering reading stated by no source, with its reason."
    )?;
    writeln!(out)?;
    writeln!(out, "| preset | title | rules |")?;
    writeln!(out, "|---|---|---|")?;
    for (name, l) in &loaded {
        let title = l
            .file
            .as_ref()
            .and_then(|f| f.title.as_deref())
            .unwrap_or("");
        writeln!(
            out,
            "| [`{name}`](#{}) | {} | {} |",
            anchor(name),
            cell(title),
            l.rules.len()
        )?;
    }
    for (name, l) in &loaded {
        writeln!(out)?;
        render_preset(out, name, l)?;
    }
    Ok(())
}

/// A preset as parsed (for its description and calendars) and compiled (for
/// its full rule list, including any preset it extends).
struct Loaded {
    file: Option<PolicyFile>,
    rules: Vec<RuleSpec>,
    error: Option<String>,
}

fn load(name: &str) -> Loaded {
    let file = preset_source(name).and_then(|src| toml::from_str::<PolicyFile>(src).ok());
    match Policy::preset(name) {
        Ok(p) => Loaded {
            file,
            rules: p.rules().to_vec(),
            error: None,
        },
        Err(e) => Loaded {
            file,
            rules: Vec::new(),
            error: Some(e.to_string()),
        },
    }
}

/// The anchor GitHub-style Markdown gives the heading `` ## `name` ``: the
/// name lowercased, without the backticks.
fn anchor(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
        .flat_map(char::to_lowercase)
        .collect()
}

fn render_preset(out: &mut String, name: &str, l: &Loaded) -> std::fmt::Result {
    writeln!(out, "## `{name}`")?;
    writeln!(out)?;
    if let Some(e) = &l.error {
        writeln!(out, "**This preset does not load:** {}", one_line(e))?;
        return Ok(());
    }
    if let Some(file) = &l.file {
        if let Some(title) = &file.title {
            writeln!(out, "**{}**", one_line(title))?;
            writeln!(out)?;
        }
        if let Some(desc) = &file.description {
            for para in paragraphs(desc) {
                writeln!(out, "{para}")?;
                writeln!(out)?;
            }
        }
        if !file.extends.is_empty() {
            writeln!(
                out,
                "Extends: {}.",
                code_list(file.extends.iter().map(String::as_str))
            )?;
            writeln!(out)?;
        }
        if let Some(u) = &file.unreachable {
            writeln!(
                out,
                "Debtor out of contact: within the {} local dates ending on the ask's date, no attempt to the \
                 debtor about the debt reached them and at least {} did not (or an `unreachable` event, or \
                 `hold{{deceased}}`).",
                u.dates, u.min_failed
            )?;
            writeln!(out)?;
        }
        for (cname, cal) in &file.calendars {
            render_calendar(out, cname, cal)?;
        }
    }
    let count = l.rules.len();
    writeln!(out, "{count} rule{}.", if count == 1 { "" } else { "s" })?;
    for rule in &l.rules {
        writeln!(out)?;
        render_rule(out, rule)?;
    }
    Ok(())
}

fn render_calendar(out: &mut String, name: &str, cal: &CalendarSpec) -> std::fmt::Result {
    let mut covers: Vec<String> = cal.covers.iter().map(i16::to_string).collect();
    if let Some(rule) = cal.rule {
        covers.push(format!("every year from {} by rule", rule.first_year()));
    }
    write!(out, "Calendar `{name}` (covers {})", covers.join(", "))?;
    if let Some(source) = &cal.source {
        write!(out, ", source: {}", one_line(source))?;
    }
    writeln!(out, ".")?;
    writeln!(out)?;
    if let Some(rule) = cal.rule {
        writeln!(
            out,
            "- statutory rule `{}` (status `statutory-rule`): {}",
            rule.as_str(),
            rule.cite()
        )?;
    }
    for year in &cal.covers {
        let info = cal.years.get(&year.to_string());
        let status = info
            .and_then(|i| i.status)
            .or(cal.status)
            .unwrap_or(CalendarStatus::Official);
        let days = |v: &[jiff::civil::Date]| {
            let listed: Vec<String> = v
                .iter()
                .filter(|d| d.year() == *year)
                .map(ToString::to_string)
                .collect();
            if listed.is_empty() {
                "none".to_owned()
            } else {
                listed.join(", ")
            }
        };
        write!(out, "- {year} (status `{status}`")?;
        if let Some(source) = info.and_then(|i| i.source.as_deref()) {
            write!(out, ", source: {}", one_line(source))?;
        }
        writeln!(out, "): holidays: {}", days(&cal.holidays))?;
        if cal.workdays.iter().any(|d| d.year() == *year) {
            writeln!(out, "  make-up working days: {}", days(&cal.workdays))?;
        }
        if let Some(note) = info.and_then(|i| i.note.as_deref()) {
            writeln!(out, "  note: {}", one_line(note))?;
        }
    }
    if let Some(note) = &cal.note {
        writeln!(out, "- note: {}", one_line(note))?;
    }
    writeln!(out)?;
    Ok(())
}

fn render_rule(out: &mut String, r: &RuleSpec) -> std::fmt::Result {
    writeln!(out, "### `{}` {}", r.id, one_line(&r.title))?;
    writeln!(out)?;
    writeln!(out, "- **Kind:** `{}`{}", r.kind.as_str(), params(r))?;
    if let Some(when) = &r.when {
        writeln!(out, "- **When:** {}", condition(when))?;
    }
    if let Some(unless) = &r.unless {
        writeln!(out, "- **Unless:** {}", condition(unless))?;
    }
    writeln!(out, "- **Cite:** {}", one_line(&r.cite))?;
    writeln!(out, "- **Status:** {}", one_line(&r.status))?;
    if let Some(c) = &r.convention {
        writeln!(out, "- **Convention:** {}", one_line(c))?;
    }
    if let Some(n) = &r.note {
        writeln!(out, "- **Note:** {}", one_line(n))?;
    }
    if let Some(m) = &r.message {
        writeln!(out, "- **Message:** {}", one_line(m))?;
    }
    Ok(())
}

/// The kind-specific parameters, as ` — a · b · c` (empty when none).
fn params(r: &RuleSpec) -> String {
    let mut p: Vec<String> = Vec::new();
    match r.kind {
        RuleKind::Deny => {}
        RuleKind::Oblige => {
            if let Some(o) = &r.obligations {
                p.push(format!(
                    "obligations {}",
                    code_list(o.iter().map(String::as_str))
                ));
            }
        }
        RuleKind::OptOut => {
            if r.any_channel == Some(true) {
                p.push("an opt-out of any channel blocks every channel".to_owned());
            } else {
                p.push("the ask's channel".to_owned());
            }
        }
        RuleKind::Cease | RuleKind::Attorney => {
            if let Some(s) = r.scope {
                p.push(format!("scope `{}`", s.as_str()));
            }
        }
        RuleKind::Hold => {
            if let Some(reasons) = &r.reasons {
                p.push(format!(
                    "reasons {}",
                    code_list(reasons.iter().map(|x| x.as_str()))
                ));
            }
        }
        RuleKind::Inconvenient => match &r.places {
            Some(places) => p.push(format!(
                "statements naming place {}",
                code_list(places.iter().map(|x| x.as_str()))
            )),
            None => p.push("statements naming no place".to_owned()),
        },
        RuleKind::Window => {
            if let Some(c) = &r.calendar {
                p.push(format!("calendar `{c}`"));
            }
            if let Some(w) = &r.windows {
                let entries: Vec<String> = w.iter().map(window).collect();
                p.push(format!("permitted: {}", entries.join("; ")));
            }
        }
        RuleKind::Cap | RuleKind::Cooldown => {
            if r.kind == RuleKind::Cap {
                if let Some(limit) = r.limit {
                    p.push(format!("deny when {limit} counted already"));
                }
            }
            if let Some(s) = r.scope {
                p.push(format!("scope `{}`", s.as_str()));
            }
            if let Some(period) = period(r) {
                p.push(period);
            }
            if let Some(f) = &r.count {
                p.push(format!("counts {}", filter(f)));
            }
            if let Some(f) = &r.after {
                p.push(format!("after {}", filter(f)));
            }
            if r.exclude_prior_consent == Some(true) {
                p.push("prior-consent windows excluded".to_owned());
            }
        }
    }
    if p.is_empty() {
        String::new()
    } else {
        format!(" — {}", p.join(" · "))
    }
}

fn period(r: &RuleSpec) -> Option<String> {
    if let Some(d) = r.rolling {
        return Some(if r.kind == RuleKind::Cooldown {
            format!("for {d} after the trigger")
        } else {
            format!("rolling {d}")
        });
    }
    if let Some(n) = r.dates {
        return Some(if r.kind == RuleKind::Cooldown {
            format!("{n} local dates from the trigger's date (day 1)")
        } else {
            format!("within the {n} local dates ending on the ask's date")
        });
    }
    if let Some(p) = r.period {
        return Some(
            match p {
                CalendarPeriod::Day => "within the local calendar day",
                CalendarPeriod::Week => "within the local Monday-Sunday week",
                CalendarPeriod::Month => "within the local calendar month",
            }
            .to_owned(),
        );
    }
    (r.lifetime == Some(true)).then(|| "over all time".to_owned())
}

fn window(w: &WindowSpec) -> String {
    let days: Vec<&str> = w.days.iter().map(|d| day(*d)).collect();
    let days = days.join(", ");
    if w.closed {
        return format!("{days}: closed");
    }
    if let Some(list) = &w.intervals {
        let spans: Vec<String> = list
            .iter()
            .map(|iv| span(iv.start, iv.end, iv.bounds))
            .collect();
        return format!("{days} {}", spans.join(" ∪ "));
    }
    match (w.start, w.end) {
        (Some(s), Some(e)) => format!("{days} {}", span(s, e, w.bounds)),
        _ => format!("{days}: incomplete entry"),
    }
}

fn span(s: LocalTime, e: LocalTime, bounds: Option<Bounds>) -> String {
    let (open, close) = match bounds.unwrap_or_default() {
        Bounds::Closed => ("[", "]"),
        Bounds::HalfOpen => ("[", ")"),
        Bounds::Open => ("(", ")"),
    };
    format!("{open}{s}, {e}{close}")
}

fn day(d: DaySel) -> &'static str {
    match d {
        DaySel::Mon => "mon",
        DaySel::Tue => "tue",
        DaySel::Wed => "wed",
        DaySel::Thu => "thu",
        DaySel::Fri => "fri",
        DaySel::Sat => "sat",
        DaySel::Sun => "sun",
        DaySel::Weekday => "weekday",
        DaySel::Weekend => "weekend",
        DaySel::Workday => "workday",
        DaySel::Holiday => "holiday",
        DaySel::Any => "any",
    }
}

fn condition(c: &ConditionSpec) -> String {
    let mut p: Vec<String> = Vec::new();
    if let Some(v) = &c.channels {
        p.push(format!(
            "channels {}",
            code_list(v.iter().map(|x| x.as_str()))
        ));
    }
    if let Some(v) = &c.roles {
        p.push(format!("roles {}", roles(v)));
    }
    if let Some(v) = &c.purposes {
        p.push(format!(
            "purposes {}",
            code_list(v.iter().map(|x| x.as_str()))
        ));
    }
    if let Some(v) = &c.places {
        p.push(format!(
            "places {}",
            code_list(v.iter().map(|x| x.as_str()))
        ));
    }
    if let Some(a) = c.autodialed {
        p.push(format!("autodialed `{a}`"));
    }
    if let Some(r) = &c.days_past_due {
        p.push(format!("days past due {}", range(r)));
    }
    if let Some(k) = &c.consent {
        p.push(format!("granted consent of kind `{k}` (or without a kind)"));
    }
    if let Some(rc) = c.requested_contact {
        p.push(if rc {
            "the recipient asked to be contacted again".to_owned()
        } else {
            "the recipient did not ask to be contacted again".to_owned()
        });
    }
    if let Some(u) = c.debtor_unreachable {
        p.push(if u {
            "the debtor is out of contact".to_owned()
        } else {
            "the debtor is not out of contact".to_owned()
        });
    }
    p.join("; ")
}

fn filter(f: &FilterSpec) -> String {
    let mut p: Vec<String> = Vec::new();
    if let Some(v) = &f.channels {
        p.push(format!(
            "channels {}",
            code_list(v.iter().map(|x| x.as_str()))
        ));
    }
    if let Some(v) = &f.results {
        p.push(format!(
            "results {}",
            code_list(v.iter().map(|x| x.as_str()))
        ));
    }
    if let Some(v) = &f.roles {
        p.push(format!("roles {}", roles(v)));
    }
    if let Some(v) = &f.places {
        p.push(format!(
            "places {}",
            code_list(v.iter().map(|x| x.as_str()))
        ));
    }
    if f.same_channel {
        p.push("same channel as the ask".to_owned());
    }
    if p.is_empty() {
        "every attempt".to_owned()
    } else {
        format!("attempts with {}", p.join(", "))
    }
}

fn roles(v: &[RoleSel]) -> String {
    code_list(v.iter().map(|r| r.as_str()))
}

fn range(r: &RangeSpec) -> String {
    let mut p = Vec::new();
    if let Some(v) = r.gt {
        p.push(format!("> {v}"));
    }
    if let Some(v) = r.gte {
        p.push(format!(">= {v}"));
    }
    if let Some(v) = r.lt {
        p.push(format!("< {v}"));
    }
    if let Some(v) = r.lte {
        p.push(format!("<= {v}"));
    }
    p.join(" and ")
}

fn code_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Text on one line: newlines and runs of spaces become one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The paragraphs of a text (separated by blank lines), each on one line.
fn paragraphs(s: &str) -> Vec<String> {
    s.split("\n\n")
        .map(one_line)
        .filter(|p| !p.is_empty())
        .collect()
}

/// Text safe inside a table cell.
fn cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_every_preset_and_every_rule_id() {
        let page = presets_markdown();
        for name in preset_names() {
            assert!(
                page.contains(&format!("## `{name}`")),
                "no heading for preset {name}"
            );
            let policy = Policy::preset(name).unwrap();
            assert!(
                !policy.rules().is_empty() || name == "us-co",
                "{name} has no rules"
            );
            for rule in policy.rules() {
                assert!(
                    page.contains(&format!("### `{}`", rule.id)),
                    "no entry for rule {}",
                    rule.id
                );
                assert!(
                    page.contains(&one_line(&rule.cite)),
                    "rule {} cite missing",
                    rule.id
                );
            }
            let src = preset_source(name).unwrap();
            let file: PolicyFile = toml::from_str(src).unwrap();
            let d = file.description.unwrap_or_default();
            assert!(!d.trim().is_empty(), "{name}: no description");
            for para in paragraphs(&d) {
                assert!(
                    page.contains(&para),
                    "{name}: description paragraph missing"
                );
            }
        }
        assert!(!page.contains("does not load"));
    }

    #[test]
    fn is_deterministic() {
        assert_eq!(presets_markdown(), presets_markdown());
    }

    #[test]
    fn renders_parameters_compactly() {
        let page = presets_markdown();
        assert!(page.contains("deny when 7 counted already · scope `recipient_debt` · within the 7 local dates ending on the ask's date"));
        assert!(page.contains("permitted: any [08:00, 22:00)"));
        assert!(page.contains("permitted: holiday: closed; sun: closed; any [08:00, 20:00]"));
        assert!(page.contains("- **Unless:** purposes `location`; the debtor is out of contact"));
        assert!(page.contains("make-up working days: 2026-01-04"));
    }
}
