//! Arrow columns into the core's audit: each row's cells are read from
//! typed Arrow columns ([`Cells`]) and turned into rows by the core's
//! [`RowReader`]; the replay, its partitioning and its rules are the core's
//! ([`contactguard::audit`]), the same as the command line's.

use super::columns::{Flags, Instants, Ints, Layout, Names, Text};
use crate::errors::InputProblem;
use arrow_array::builder::{
    BooleanBuilder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
};
use contactguard::audit::{
    self, Cells, Column, Item, ReplayError, Replayer, Row, RowError, RowReader,
};
use contactguard::{Decision, Event, EventType, HoldReason, Policy};
use jiff::Timestamp;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// One column, read as its kind of value.
enum Col<'a> {
    Text(Text<'a>),
    Instants(Instants<'a>),
    Flags(Flags<'a>),
    Ints(Ints<'a>),
    Names(Names<'a>),
}

/// The readers of one record batch, by column.
pub(crate) struct Cols<'a> {
    cols: Vec<Option<Col<'a>>>,
    len: usize,
}

impl<'a> Cols<'a> {
    pub(crate) fn of(
        batch: &'a arrow_array::RecordBatch,
        layout: &Layout,
    ) -> Result<Cols<'a>, InputProblem> {
        let cols = Column::ALL
            .iter()
            .map(|&c| {
                let Some(i) = layout.get(c) else {
                    return Ok(None);
                };
                let array = batch.columns().get(i).ok_or_else(|| {
                    InputProblem::new(
                        "input.invalid",
                        "a record batch is missing a column of its schema",
                    )
                })?;
                let name = c.name();
                Ok(Some(match c {
                    Column::At | Column::Until => Col::Instants(Instants::of(array, name)?),
                    Column::Autodialed | Column::Granted => Col::Flags(Flags::of(array, name)?),
                    Column::DaysPastDue => Col::Ints(Ints::of(array, name)?),
                    Column::Timezones | Column::Weekdays => Col::Names(Names::of(array, name)?),
                    _ => Col::Text(Text::of(array, name)?),
                }))
            })
            .collect::<Result<Vec<_>, InputProblem>>()?;
        Ok(Cols {
            cols,
            len: batch.num_rows(),
        })
    }

    fn col(&self, c: Column) -> Option<&Col<'a>> {
        self.cols.get(c as usize).and_then(Option::as_ref)
    }
}

/// The cells of row `i` of a batch.
struct RowCells<'c, 'a> {
    cols: &'c Cols<'a>,
    i: usize,
}

impl Cells for RowCells<'_, '_> {
    fn text(&self, column: Column) -> Option<Cow<'_, str>> {
        match self.cols.col(column)? {
            Col::Text(t) => t.get(self.i),
            Col::Ints(n) => n.get(self.i).map(|v| Cow::Owned(v.to_string())),
            Col::Instants(_) | Col::Flags(_) | Col::Names(_) => None,
        }
    }

    fn instant(&self, column: Column) -> Result<Option<Timestamp>, String> {
        match self.cols.col(column) {
            Some(Col::Instants(t)) => t.get(self.i),
            _ => Ok(None),
        }
    }

    fn flag(&self, column: Column) -> Result<Option<bool>, String> {
        match self.cols.col(column) {
            Some(Col::Flags(f)) => f.get(self.i),
            _ => Ok(None),
        }
    }

    fn whole(&self, column: Column) -> Result<Option<i64>, String> {
        match self.cols.col(column) {
            Some(Col::Ints(n)) if n.is_bad(self.i) => Err("not a whole number".to_owned()),
            Some(Col::Ints(n)) => Ok(n.get(self.i)),
            _ => Ok(None),
        }
    }

    fn names(&self, column: Column, out: &mut Vec<String>) {
        if let Some(Col::Names(n)) = self.cols.col(column) {
            n.fill(self.i, out);
        }
    }
}

/// A cell problem of row `row`, as Python sees it.
fn problem(row: usize, e: &RowError) -> InputProblem {
    let p = InputProblem::new(e.problem.code(), format!("row {row}: {}", e.detail)).row(row);
    match e.column {
        Some(c) => p.field(c.name()),
        None => p,
    }
}

/// Every row read, and the cells of recorded rows that could not be used.
pub(crate) struct Parsed {
    pub(crate) rows: Vec<Row>,
    pub(crate) flaws: Vec<InputProblem>,
}

/// Reads every row of every batch, in parallel on the current rayon pool.
///
/// # Errors
///
/// The first row (in table order) that cannot be an event.
pub(crate) fn parse_all(batches: &[Cols<'_>]) -> Result<Parsed, InputProblem> {
    const CHUNK: usize = 16_384;
    let mut work = Vec::new();
    let mut start = 0usize;
    for cols in batches {
        let mut lo = 0;
        while lo < cols.len {
            let hi = (lo + CHUNK).min(cols.len);
            work.push((cols, start, lo..hi));
            lo = hi;
        }
        start += cols.len;
    }
    let chunks: Vec<Result<Parsed, InputProblem>> = work
        .into_par_iter()
        .map(|(cols, start, range)| {
            let mut reader = RowReader::default();
            let mut out = Parsed {
                rows: Vec::with_capacity(range.len()),
                flaws: Vec::new(),
            };
            for i in range {
                let row = start + i;
                let parsed = reader
                    .read(&RowCells { cols, i })
                    .map_err(|e| problem(row, &e))?;
                out.flaws
                    .extend(parsed.flaws.iter().map(|e| problem(row, e)));
                out.rows.push(Row {
                    pos: row as u64,
                    item: parsed.item,
                });
            }
            Ok(out)
        })
        .collect();
    let mut all = Parsed {
        rows: Vec::with_capacity(start),
        flaws: Vec::new(),
    };
    for chunk in chunks {
        let chunk = chunk?;
        all.rows.extend(chunk.rows);
        all.flaws.extend(chunk.flaws);
    }
    Ok(all)
}

/// The event rows no rule of `policy` reads, by event type: the core's
/// warning ([`audit::unread_events`], worded as the command line's), the
/// type, and the first (0-based) row of that type no rule reads.
pub(crate) fn unread(policy: &Policy, rows: &[Row]) -> Vec<(String, &'static str, usize)> {
    let mut seen: BTreeMap<(EventType, Option<HoldReason>), u64> = BTreeMap::new();
    let mut first: BTreeMap<EventType, u64> = BTreeMap::new();
    for row in rows {
        let Item::Event(e) = &row.item else { continue };
        let reason = match e {
            Event::Hold(h) => Some(h.reason),
            _ => None,
        };
        *seen.entry((e.event_type(), reason)).or_default() += 1;
        if !policy.reads(e) {
            let at = first.entry(e.event_type()).or_insert(row.pos);
            *at = (*at).min(row.pos);
        }
    }
    audit::unread_events(&seen, policy)
        .into_iter()
        .map(|u| {
            let row = first
                .get(&u.event_type)
                .and_then(|&r| usize::try_from(r).ok())
                .unwrap_or(0);
            (u.message, u.event_type.as_str(), row)
        })
        .collect()
}

/// What the audit says about one attempt row.
pub(crate) struct Outcome {
    pub(crate) allow: bool,
    pub(crate) rules: Vec<String>,
    pub(crate) retry_at: Option<Timestamp>,
    /// Denied only because a zone or a calendar year is missing.
    pub(crate) could_not_evaluate: bool,
}

/// Replays every row with the core's replay, on the current rayon pool
/// (`parts` independent parts). Returns each attempt row's outcome, by row.
///
/// # Errors
///
/// A row the replay refused (an instant the ledger cannot store; the row
/// reader refuses those first).
pub(crate) fn replay(
    policy: &Policy,
    rows: Vec<Row>,
    parts: usize,
) -> Result<Vec<Option<Outcome>>, InputProblem> {
    let n = rows.len();
    let parts = audit::replay_all(policy, rows, parts, Vec::new, |out, row, decision| {
        if let Some(d) = decision {
            out.push((
                row.pos,
                Outcome {
                    allow: d.allow,
                    rules: d.denials.iter().map(|x| x.id.to_string()).collect(),
                    retry_at: d.retry_at,
                    could_not_evaluate: audit::could_not_evaluate(d),
                },
            ));
        }
    })
    .map_err(|e| InputProblem::new("input.invalid", e.to_string()))?;
    let mut outcomes: Vec<Option<Outcome>> = (0..n).map(|_| None).collect();
    for part in parts {
        for (row, o) in part {
            if let Some(slot) = usize::try_from(row).ok().and_then(|r| outcomes.get_mut(r)) {
                *slot = Some(o);
            }
        }
    }
    Ok(outcomes)
}

/// The result columns, filled one row at a time in row order.
pub(crate) struct Results {
    pub(crate) allow: BooleanBuilder,
    pub(crate) unevaluated: BooleanBuilder,
    pub(crate) rules: ListBuilder<StringBuilder>,
    pub(crate) retry: TimestampMicrosecondBuilder,
}

impl Results {
    pub(crate) fn with_capacity(n: usize) -> Results {
        Results {
            allow: BooleanBuilder::with_capacity(n),
            unevaluated: BooleanBuilder::with_capacity(n),
            rules: ListBuilder::with_capacity(StringBuilder::new(), n),
            retry: TimestampMicrosecondBuilder::with_capacity(n),
        }
    }

    /// A row that is not an attempt: nulls.
    fn push_none(&mut self) {
        self.allow.append_null();
        self.unevaluated.append_null();
        self.rules.append_null();
        self.retry.append_null();
    }

    /// An attempt's decision.
    fn push_decision(&mut self, d: &Decision) {
        self.allow.append_value(d.allow);
        self.unevaluated.append_value(audit::could_not_evaluate(d));
        for x in &d.denials {
            self.rules.values().append_value(&x.id);
        }
        self.rules.append(true);
        self.retry
            .append_option(d.retry_at.map(|t| t.as_microsecond()));
    }

    /// An attempt's outcome, kept from a replay out of row order.
    pub(crate) fn push_outcome(&mut self, o: Option<&Outcome>) {
        let Some(o) = o else {
            self.push_none();
            return;
        };
        self.allow.append_value(o.allow);
        self.unevaluated.append_value(o.could_not_evaluate);
        for id in &o.rules {
            self.rules.values().append_value(id);
        }
        self.rules.append(true);
        self.retry
            .append_option(o.retry_at.map(|t| t.as_microsecond()));
    }
}

fn replay_problem(e: &ReplayError) -> InputProblem {
    InputProblem::new("input.invalid", e.to_string())
}

/// Replays every row on this thread through one streaming [`Replayer`],
/// in time order (rows of the same instant in table order, by `pos`), with
/// no partitioning: the same sequence of steps as [`audit::replay_all`]
/// with one part, hence the same verdicts. Rows already in time order (as
/// a log usually is) are replayed straight through and their verdicts go
/// into the result columns as they come; otherwise the rows are sorted
/// first (each key computed once) and the outcomes are put back in table
/// order.
///
/// # Errors
///
/// A row the replay refused (an instant the ledger cannot store).
pub(crate) fn replay_streamed(
    policy: &Policy,
    mut rows: Vec<Row>,
) -> Result<Results, InputProblem> {
    let n = rows.len();
    let mut out = Results::with_capacity(n);
    let mut replayer = Replayer::new(policy);
    let in_table_order = rows.iter().zip(0u64..).all(|(r, i)| r.pos == i);
    let key = |r: &Row| (r.at(), r.pos);
    if in_table_order && rows.is_sorted_by_key(key) {
        for row in &rows {
            match replayer
                .step(row.pos, &row.item)
                .map_err(|e| replay_problem(&e))?
            {
                Some(d) => out.push_decision(&d),
                None => out.push_none(),
            }
        }
        return Ok(out);
    }
    // Rows of the same instant replay in table order, as with `sort_rows`.
    // Each key is computed once, and each row moves about once: the replay
    // then walks the rows in memory order.
    rows.sort_by_cached_key(key);
    let mut outcomes: Vec<Option<Outcome>> = (0..n).map(|_| None).collect();
    for row in &rows {
        let decision = replayer
            .step(row.pos, &row.item)
            .map_err(|e| replay_problem(&e))?;
        let slot = usize::try_from(row.pos)
            .ok()
            .and_then(|p| outcomes.get_mut(p));
        if let (Some(d), Some(slot)) = (decision, slot) {
            *slot = Some(Outcome {
                allow: d.allow,
                could_not_evaluate: audit::could_not_evaluate(&d),
                retry_at: d.retry_at,
                rules: d.denials.into_iter().map(|x| String::from(x.id)).collect(),
            });
        }
    }
    for o in &outcomes {
        out.push_outcome(o.as_ref());
    }
    Ok(out)
}
