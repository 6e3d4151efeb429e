//! Replaying rows through a [`Ledger`], and splitting a log into parts that
//! replay independently.

use super::row::{Item, Row};
use crate::diagnostic::{Diagnostic, ErrorCode};
use crate::ledger::{KeyMemo, Ledger, GRACE};
use crate::model::Decision;
use crate::policy::Policy;
use foldhash::HashMap;
use jiff::Timestamp;
use std::fmt;

/// Why a replay stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayError {
    /// A row is earlier than the row before it: replay needs time order
    /// (sort first, or fall back to [`replay_all`]).
    OutOfOrder {
        /// The row's position.
        pos: u64,
        /// Its instant.
        at: Timestamp,
        /// The latest instant replayed before it.
        after: Timestamp,
    },
    /// The ledger refused the row (an instant it cannot store; the row
    /// reader refuses those first).
    Ledger {
        /// The row's position.
        pos: u64,
        /// The ledger's code (`ledger.time_out_of_range`...).
        code: ErrorCode,
        /// Why.
        message: String,
    },
}

impl ReplayError {
    /// The error in the shape every front end shows, with the row.
    pub fn diagnostic(&self) -> Diagnostic {
        match self {
            ReplayError::OutOfOrder { pos, at, after } => Diagnostic::new(
                ErrorCode::AuditOutOfOrder,
                format!(
                    "a row at `{at}` comes after a row at `{after}`: the log is not in time order"
                ),
            )
            .with_row(*pos)
            .with_help("sort the log by time first"),
            ReplayError::Ledger { pos, code, message } => {
                Diagnostic::new(*code, message.clone()).with_row(*pos)
            }
        }
    }
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayError::OutOfOrder { pos, at, after } => write!(
                f,
                "row {pos} at `{at}` comes after a row at `{after}`: the log is not in time order"
            ),
            ReplayError::Ledger { pos, message, .. } => write!(f, "row {pos}: {message}"),
        }
    }
}

impl std::error::Error for ReplayError {}

/// Replays rows one at a time, in time order: each attempt is decided
/// against every earlier row ([`Ledger::check`], which returns what
/// [`decide`](crate::decide) returns over the full history), then recorded
/// whatever the verdict; every other row is recorded. The ledger's
/// retention is the only pruning, so memory is bounded by the policy's
/// look-back, not by the log.
///
/// Every so many rows the ledger is swept as of the row just replayed less
/// the ledger's [`GRACE`] ([`Ledger::prune`]), as each list's own pruning
/// would on an insert at that instant: attempts past the policy's
/// look-back are dropped and recipients and debts left with no events are
/// forgotten. Every later row is at or after that instant, so no decision
/// changes; a recipient seen once a month costs nothing between contacts.
/// (A policy with a lifetime cap is not swept: its denials count the
/// attempts the ledger holds, so when the lists were pruned shows in their
/// messages.) A sweep visits every
/// recipient and debt held, so it runs after at least a quarter as many
/// rows as there were keys after the last one (and at least
/// [`SWEEP_ROWS`]): amortised, a few key visits per row.
#[derive(Debug)]
pub struct Replayer {
    ledger: Ledger,
    last: Option<Timestamp>,
    /// Rows replayed since the last sweep.
    since_sweep: u64,
    /// Rows between sweeps: the larger of `sweep_every` and a quarter of
    /// the keys the last sweep left.
    next_sweep: u64,
    sweep_every: u64,
    /// Whether a denial's `retry_at` is searched for.
    retry_at: bool,
    /// The keyed hashes of the keys met lately (see [`KeyMemo`]).
    memo: KeyMemo,
}

/// The fewest rows between two sweeps of a [`Replayer`]'s ledger, unless
/// [`Replayer::sweep_every`] says otherwise.
pub const SWEEP_ROWS: u64 = 1 << 16;

impl Replayer {
    /// A replayer with an empty history.
    pub fn new(policy: &Policy) -> Replayer {
        Replayer {
            ledger: Ledger::new(policy.clone()),
            last: None,
            since_sweep: 0,
            next_sweep: SWEEP_ROWS,
            sweep_every: SWEEP_ROWS,
            retry_at: true,
            memo: KeyMemo::default(),
        }
    }

    /// Leaves every denial's `retry_at` `None` rather than searching for
    /// it, for a caller that does not read it (the search is a good part
    /// of a denial's cost); nothing else in a decision changes.
    #[must_use]
    pub fn without_retry_at(mut self) -> Replayer {
        self.retry_at = false;
        self
    }

    /// Sweeps the ledger after at least `rows` rows (at least 1) instead of
    /// [`SWEEP_ROWS`]; the verdicts do not depend on it, only memory and
    /// time do.
    #[must_use]
    pub fn sweep_every(mut self, rows: u64) -> Replayer {
        self.sweep_every = rows.max(1);
        self.next_sweep = self.sweep_every;
        self
    }

    /// Whether a row at `at` may come next (it is not earlier than the
    /// last row replayed).
    pub fn in_order(&self, at: Timestamp) -> bool {
        self.last.is_none_or(|l| at >= l)
    }

    /// Replays one row: the decision for an attempt, `None` for another
    /// event. (A caller replaying many rows may prefer
    /// [`step_into`](Replayer::step_into), which reuses one decision.)
    ///
    /// # Errors
    ///
    /// [`ReplayError::OutOfOrder`] for a row earlier than the previous one
    /// (nothing is recorded); [`ReplayError::Ledger`] for an instant the
    /// ledger cannot store.
    pub fn step(&mut self, pos: u64, item: &Item) -> Result<Option<Decision>, ReplayError> {
        let mut decision = empty_decision();
        let attempt = self.step_into(pos, item, &mut decision)?;
        Ok(attempt.then_some(decision))
    }

    /// Replays one row as [`step`](Replayer::step) does, writing an
    /// attempt's decision into `decision` (whose lists' allocations it
    /// reuses, so that a replay of many rows does not allocate and free a
    /// decision's lists on every row). Returns whether the row was an
    /// attempt: for another event `decision` is left as it was.
    ///
    /// # Errors
    ///
    /// As [`step`](Replayer::step); after an error `decision` holds no
    /// decision to read.
    pub fn step_into(
        &mut self,
        pos: u64,
        item: &Item,
        decision: &mut Decision,
    ) -> Result<bool, ReplayError> {
        let at = item.at();
        if let Some(after) = self.last.filter(|l| at < *l) {
            return Err(ReplayError::OutOfOrder { pos, at, after });
        }
        self.last = Some(at);
        let refused = |e: crate::ledger::LedgerError| ReplayError::Ledger {
            pos,
            code: e.error_code(),
            message: e.to_string(),
        };
        let attempt = match item {
            Item::Attempt { ask, result } => {
                self.ledger
                    .check_then_record(ask, *result, self.retry_at, &mut self.memo, decision)
                    .map_err(refused)?;
                true
            }
            Item::Event(e) => {
                self.ledger.record(e).map_err(refused)?;
                false
            }
        };
        self.since_sweep += 1;
        if self.since_sweep >= self.next_sweep {
            // As of the row less the ledger's grace, as the lists' own
            // pruning on an insert at this instant would.
            let now = at.checked_sub(GRACE).unwrap_or(Timestamp::MIN);
            let keys = u64::try_from(self.ledger.sweep(now)).unwrap_or(u64::MAX);
            self.since_sweep = 0;
            self.next_sweep = self.sweep_every.max(keys / 4);
        }
        Ok(attempt)
    }
}

/// A decision to fill in ([`Replayer::step_into`]): nothing allocated.
fn empty_decision() -> Decision {
    Decision {
        allow: false,
        denials: Vec::new(),
        retry_at: None,
        obligations: Vec::new(),
    }
}

/// Sorts rows by time; rows of the same instant keep their order.
pub fn sort_rows(rows: &mut [Row]) {
    if !rows.is_sorted_by_key(Row::at) {
        rows.sort_by_key(Row::at);
    }
}

/// Union-find over interned keys.
struct Groups {
    parent: Vec<u32>,
}

impl Groups {
    fn add(&mut self) -> u32 {
        let id = u32::try_from(self.parent.len()).unwrap_or(u32::MAX);
        self.parent.push(id);
        id
    }

    fn find(&mut self, mut x: u32) -> u32 {
        loop {
            let p = self.parent.get(x as usize).copied().unwrap_or(x);
            if p == x {
                return x;
            }
            // Path halving.
            let gp = self.parent.get(p as usize).copied().unwrap_or(p);
            if let Some(slot) = self.parent.get_mut(x as usize) {
                *slot = gp;
            }
            x = gp;
        }
    }

    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            if let Some(slot) = self.parent.get_mut(hi as usize) {
                *slot = lo;
            }
        }
    }
}

/// The connected component of each row: rows that share a recipient or a
/// debt, directly or through other rows, share a component. A decision
/// reads only its recipient's and its debt's events, so components replay
/// independently. Returns each row's component (numbered densely in order
/// of first appearance) and the number of components.
pub fn components<'a>(
    keys: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> (Vec<u32>, usize) {
    let mut groups = Groups { parent: Vec::new() };
    let mut recipients: HashMap<&str, u32> = HashMap::default();
    let mut debts: HashMap<&str, u32> = HashMap::default();
    let mut node_of = Vec::new();
    for (to, debt) in keys {
        let a = to.map(|k| *recipients.entry(k).or_insert_with(|| groups.add()));
        let b = debt.map(|k| *debts.entry(k).or_insert_with(|| groups.add()));
        let node = match (a, b) {
            (Some(a), Some(b)) => {
                groups.union(a, b);
                a
            }
            (Some(x), None) | (None, Some(x)) => x,
            (None, None) => groups.add(),
        };
        node_of.push(node);
    }
    drop((recipients, debts));
    let mut dense: HashMap<u32, u32> = HashMap::default();
    let ids = node_of
        .into_iter()
        .map(|n| {
            let root = groups.find(n);
            let next = u32::try_from(dense.len()).unwrap_or(u32::MAX);
            *dense.entry(root).or_insert(next)
        })
        .collect();
    (ids, dense.len())
}

/// Splits time-ordered rows into at most `parts` parts that replay
/// independently: each component lands whole in one part, components are
/// dealt largest first to the least-loaded part, and each part keeps the
/// rows' order. Deterministic.
pub fn partition(rows: Vec<Row>, parts: usize) -> Vec<Vec<Row>> {
    let parts = parts.max(1);
    if parts == 1 || rows.len() < 2 {
        return vec![rows];
    }
    let (component, n) = components(rows.iter().map(|r| r.item.keys()));
    let mut size = vec![0u64; n];
    for &c in &component {
        if let Some(s) = size.get_mut(c as usize) {
            *s += 1;
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(size.get(c).copied().unwrap_or(0)), c));
    let mut load = vec![0u64; parts];
    let mut part_of = vec![0usize; n];
    for c in order {
        let (p, _) = load
            .iter()
            .enumerate()
            .min_by_key(|(_, l)| **l)
            .unwrap_or((0, &0));
        if let (Some(l), Some(slot)) = (load.get_mut(p), part_of.get_mut(c)) {
            *l += size.get(c).copied().unwrap_or(0);
            *slot = p;
        }
    }
    let mut out: Vec<Vec<Row>> = load
        .iter()
        .map(|&l| Vec::with_capacity(usize::try_from(l).unwrap_or(0)))
        .collect();
    for (row, c) in rows.into_iter().zip(component) {
        let p = part_of.get(c as usize).copied().unwrap_or(0);
        if let Some(part) = out.get_mut(p) {
            part.push(row);
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

/// Replays time-ordered rows on one thread, calling `observe` with each
/// row and its decision (for attempts).
///
/// # Errors
///
/// The first [`ReplayError`].
pub fn replay(
    policy: &Policy,
    rows: impl IntoIterator<Item = Row>,
    mut observe: impl FnMut(&Row, Option<&Decision>),
) -> Result<(), ReplayError> {
    let mut replayer = Replayer::new(policy);
    // One decision, filled in row after row.
    let mut decision = empty_decision();
    for row in rows {
        let attempt = replayer.step_into(row.pos, &row.item, &mut decision)?;
        observe(&row, attempt.then_some(&decision));
    }
    Ok(())
}

/// Replays rows in any order: sorts them by time (ties in the given
/// order), splits them into `parts` independent parts ([`partition`]) and
/// replays each part with its own state `S` from `init`, on the rayon
/// thread pool when the `rayon` feature is on. Returns each part's state,
/// in part order; the verdicts do not depend on `parts`.
///
/// # Errors
///
/// The first [`ReplayError`] of any part.
pub fn replay_all<S: Send>(
    policy: &Policy,
    mut rows: Vec<Row>,
    parts: usize,
    init: impl Fn() -> S + Sync,
    observe: impl Fn(&mut S, &Row, Option<&Decision>) + Sync,
) -> Result<Vec<S>, ReplayError> {
    sort_rows(&mut rows);
    let split = partition(rows, parts);
    let run = |part: Vec<Row>| -> Result<S, ReplayError> {
        let mut state = init();
        replay(policy, part, |row, d| observe(&mut state, row, d))?;
        Ok(state)
    };
    #[cfg(feature = "rayon")]
    {
        use rayon::prelude::*;
        if split.len() > 1 {
            return split.into_par_iter().map(run).collect();
        }
    }
    split.into_iter().map(run).collect()
}
