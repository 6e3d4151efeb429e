//! The audit's log reading and replay on arbitrary CSV: the `csv` crate
//! splits records, the core's `RowReader` turns cells into rows, and the
//! core's replay decides them. Contract: no input panics; every attempt
//! the reader accepts names its recipient and debt; the replay over the
//! ledger gives each attempt the verdict `decide` gives over the full
//! history of earlier rows.
#![no_main]

use cg_fuzz::{check_decision, essence};
use contactguard::audit::{self, Cells, Column, Item, Row, RowReader};
use contactguard::{decide, History, Policy};
use libfuzzer_sys::fuzz_target;
use std::borrow::Cow;
use std::sync::OnceLock;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| match Policy::preset("cn+conduct+us-reg-f") {
        Ok(p) => p,
        Err(e) => panic!("presets do not load: {e}"),
    })
}

struct Record<'r> {
    record: &'r csv::StringRecord,
    position: &'r [Option<usize>],
}

impl Cells for Record<'_> {
    fn text(&self, column: Column) -> Option<Cow<'_, str>> {
        let i = (*self.position.get(column as usize)?)?;
        self.record.get(i).map(Cow::Borrowed)
    }
}

/// At most this many rows are replayed (the reference is quadratic).
const MAX_ROWS: usize = 64;

fuzz_target!(|data: &[u8]| {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut record = csv::StringRecord::new();
    let Ok(true) = reader.read_record(&mut record) else {
        return;
    };
    let mut position = vec![None; Column::ALL.len()];
    for (i, name) in record.iter().enumerate() {
        if let Some(slot) = Column::from_name(name).and_then(|c| position.get_mut(c as usize)) {
            *slot = Some(i);
        }
    }
    let mut rows = RowReader::new(vec!["Asia/Shanghai".to_owned()]);
    let mut read = Vec::new();
    while let Ok(true) = reader.read_record(&mut record) {
        if read.len() >= MAX_ROWS {
            break;
        }
        let cells = Record {
            record: &record,
            position: &position,
        };
        if let Ok(parsed) = rows.read(&cells) {
            if let Item::Attempt { ask, .. } = &parsed.item {
                assert!(!ask.to.is_empty() && !ask.debt.is_empty(), "{ask:?}");
            }
            let pos = read.len() as u64;
            read.push(Row {
                pos,
                item: parsed.item,
            });
        }
    }
    // The reference: decide over every earlier row, in time order.
    let mut sorted = read.clone();
    audit::sort_rows(&mut sorted);
    let mut history = History::new();
    let mut want = Vec::new();
    for row in &sorted {
        if let Item::Attempt { ask, .. } = &row.item {
            let d = decide(policy(), ask, &history);
            check_decision(ask, &d);
            want.push((row.pos, essence(&d)));
        }
        history.push(row.item.to_event());
    }
    want.sort_by_key(|(p, _)| *p);
    let parts = match audit::replay_all(policy(), read, 2, Vec::new, |seen, row, d| {
        if let Some(d) = d {
            seen.push((row.pos, essence(d)));
        }
    }) {
        Ok(parts) => parts,
        Err(e) => panic!("replay refused a row the reader accepted: {e}"),
    };
    let mut got: Vec<_> = parts.into_iter().flatten().collect();
    got.sort_by_key(|(p, _)| *p);
    assert_eq!(
        got, want,
        "replay and decide over the full history disagree"
    );
});
