//! Warnings about policies that load but do not say what they seem to.

use super::{Body, Inner, Win};
use crate::engine::sel_matches;

/// The kinds of local date a window entry's `days` can tell apart: each
/// weekday (0 is Monday), and, under a calendar, whether the date is a
/// holiday or a make-up workday.
fn day_classes(calendar: bool) -> Vec<(i64, bool, bool)> {
    let flags: &[(bool, bool)] = if calendar {
        &[(false, false), (true, false), (false, true)]
    } else {
        &[(false, false)]
    };
    (0..7)
        .flat_map(|wd| flags.iter().map(move |&(h, m)| (wd, h, m)))
        .collect()
}

fn entry_matches(w: &Win, (wd, holiday, makeup): (i64, bool, bool)) -> bool {
    w.days
        .iter()
        .any(|d| sel_matches(*d, wd, || holiday, || makeup))
}

/// Window entries that can never govern a date: every kind of date they
/// name is taken by an earlier entry of the same rule (the first entry
/// whose days match governs), so their hours are never used.
pub(crate) fn warnings(policy: &Inner) -> Vec<String> {
    let mut out = Vec::new();
    for rule in &policy.rules {
        let Body::Window { calendar, windows } = &rule.body else {
            continue;
        };
        let classes = day_classes(calendar.is_some());
        for (i, w) in windows.iter().enumerate() {
            let earlier = windows.get(..i).unwrap_or(&[]);
            let used = classes
                .iter()
                .any(|&c| entry_matches(w, c) && !earlier.iter().any(|e| entry_matches(e, c)));
            if !used {
                out.push(format!(
                    "rule `{}`: `windows[{i}]` is never used: an earlier entry governs every day it names (the first matching entry governs a date); to permit several spans on the same days, list them as `intervals` of one entry",
                    rule.id
                ));
            }
        }
    }
    out
}
