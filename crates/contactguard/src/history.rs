//! Contact history: events in time order, indexed by recipient and by debt.

use crate::engine::states::{template, Held, States, NONE};
use crate::engine::view::{kind_of, shadows, Classes, Read, Rec, Side};
use crate::model::{Ask, Event};

/// The events a decision reads, in time order, with per-recipient and
/// per-debt indexes so that a decision never scans other people's events.
///
/// Build it from events in any order; [`History::push`] appends one more.
/// Recipient and debt keys are interned, so a decision compares integers.
#[derive(Clone, Debug, Default)]
pub struct History {
    events: Vec<Event>,
    /// Hashed with foldhash (randomly seeded per process): a key lookup is
    /// on every decision's path, and SipHash was a third of `sides`.
    keys: foldhash::HashMap<String, u32>,
    /// Per key id: indexes of events naming it as recipient, and as debt.
    by_recipient: Vec<Vec<u32>>,
    by_debt: Vec<Vec<u32>>,
    /// Per key id: what the engine reads of the events naming it as
    /// recipient, and as debt.
    rec_ix: Vec<Index>,
    debt_ix: Vec<Index>,
}

/// The engine's index of one key's events: attempts as compact records in
/// time order (binary-searched, never copied), state events by position.
#[derive(Clone, Debug, Default)]
struct Index {
    atts: Vec<Rec>,
    /// The state events, with what does not depend on an ask worked out
    /// (see [`Held`]); lent to a decision as they are.
    states: Vec<Held>,
    /// Those of `states` that are inconvenient-time statements no earlier
    /// one [`shadows`] (the only ones the rule about them reads).
    stated: Vec<Held>,
    /// Per channel (by its index), the positions in `atts` of its attempts.
    by_chan: Vec<Vec<u32>>,
    /// The attempts by class (channel × result).
    classes: Classes,
}

/// An inconvenient-time statement's times as read when it was stored,
/// and whether an earlier statement of the same key [`shadows`] it.
type ReadStatement = (Read, bool);

impl Index {
    fn push(&mut self, e: &Event, idx: u32, keys: (u32, u32), read: Option<ReadStatement>) {
        let debt = keys.1;
        match e {
            Event::Attempt(a) => {
                let c = u32::from(a.channel) as usize;
                if self.by_chan.len() <= c {
                    self.by_chan.resize_with(c + 1, Vec::new);
                }
                let pos = u32::try_from(self.atts.len()).unwrap_or(u32::MAX);
                if let Some(list) = self.by_chan.get_mut(c) {
                    list.push(pos);
                }
                let rec = Rec {
                    at: a.at,
                    debt,
                    channel: a.channel,
                    role: a.role,
                    result: a.result,
                    place: a.place,
                };
                self.classes.push(&rec, pos);
                self.atts.push(rec);
            }
            _ => {
                let before = u32::try_from(self.atts.len()).unwrap_or(u32::MAX);
                let kind = kind_of(e);
                let kinds = self.states.last().map_or(0, |h| h.kinds) | kind;
                let held = Held {
                    at: e.at(),
                    keys,
                    before,
                    idx,
                    kind,
                    ev: template(e),
                    kinds,
                    read,
                };
                if matches!(read, Some((_, false))) {
                    self.stated.push(held);
                }
                self.states.push(held);
            }
        }
    }
}

impl History {
    /// An empty history.
    pub fn new() -> History {
        History::default()
    }

    /// A history of these events, in any order.
    ///
    /// # Examples
    ///
    /// ```
    /// use contactguard::{Event, History};
    /// let events: Vec<Event> = serde_json::from_str(r#"[
    ///   {"type": "attempt", "at": "2026-04-02T10:00:00-04:00", "channel": "call",
    ///    "to": "c1", "role": "debtor", "debt": "d1", "result": "no_answer"}
    /// ]"#).unwrap();
    /// let history = History::from_events(events);
    /// assert_eq!(history.len(), 1);
    /// ```
    pub fn from_events(mut events: Vec<Event>) -> History {
        // A stable sort keeps same-instant events in the order given.
        events.sort_by_key(Event::at);
        let mut h = History::new();
        h.events.reserve(events.len());
        for e in events {
            h.index_and_push(e);
        }
        h
    }

    /// Appends an event. Appending in time order is cheap; an older event is
    /// inserted at its place.
    pub fn push(&mut self, event: Event) {
        let in_order = self
            .events
            .last()
            .is_none_or(|last| last.at() <= event.at());
        if in_order {
            self.index_and_push(event);
        } else {
            let mut events = std::mem::take(&mut self.events);
            events.push(event);
            *self = History::from_events(events);
        }
    }

    fn intern(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.keys.get(key) {
            return id;
        }
        let id = u32::try_from(self.keys.len()).unwrap_or(NONE - 1);
        self.keys.insert(key.to_owned(), id);
        self.by_recipient.push(Vec::new());
        self.by_debt.push(Vec::new());
        self.rec_ix.push(Index::default());
        self.debt_ix.push(Index::default());
        id
    }

    fn index_and_push(&mut self, e: Event) {
        let idx = u32::try_from(self.events.len()).unwrap_or(u32::MAX);
        let to = e.recipient().map_or(NONE, |k| self.intern(k));
        let debt = e.debt().map_or(NONE, |k| self.intern(k));
        if let Some(list) = self.by_recipient.get_mut(to as usize) {
            list.push(idx);
        }
        if let Some(list) = self.by_debt.get_mut(debt as usize) {
            list.push(idx);
        }
        // An inconvenient-time statement is read once, here, and compared
        // with the recipient's earlier ones (pushed in time order).
        let read = match &e {
            Event::Inconvenient(b) => {
                let rb = Read::of(b);
                let shadowed = self.rec_ix.get(to as usize).is_some_and(|ix| {
                    ix.states
                        .iter()
                        .any(|st| match (self.events.get(st.idx as usize), st.read) {
                            (Some(Event::Inconvenient(a)), Some((ra, _))) => shadows(a, ra, b, rb),
                            _ => false,
                        })
                });
                Some((rb, shadowed))
            }
            _ => None,
        };
        if let Some(ix) = self.rec_ix.get_mut(to as usize) {
            ix.push(&e, idx, (to, debt), read);
        }
        if let Some(ix) = self.debt_ix.get_mut(debt as usize) {
            ix.push(&e, idx, (to, debt), read);
        }
        self.events.push(e);
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether there are no events.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// All events in time order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    fn id(&self, key: &str) -> u32 {
        self.keys.get(key).copied().unwrap_or(NONE)
    }

    fn list(lists: &[Vec<u32>], id: u32) -> &[u32] {
        lists.get(id as usize).map_or(&[], Vec::as_slice)
    }

    /// Events about this recipient, in time order.
    pub fn for_recipient<'a>(
        &'a self,
        to: &str,
    ) -> impl DoubleEndedIterator<Item = &'a Event> + 'a {
        let list = History::list(&self.by_recipient, self.id(to));
        list.iter().filter_map(|&i| self.events.get(i as usize))
    }

    /// Events about this debt (any recipient), in time order.
    pub fn for_debt<'a>(&'a self, debt: &str) -> impl DoubleEndedIterator<Item = &'a Event> + 'a {
        let list = History::list(&self.by_debt, self.id(debt));
        list.iter().filter_map(|&i| self.events.get(i as usize))
    }

    /// What the engine reads for `ask`: the recipient's and the debt's
    /// events at or before the ask, written into `rec` and `debt` (sides
    /// are large: filled in place rather than moved). Attempts and state
    /// events are borrowed from the index, not copied; a state event is
    /// read relative to the ask only when a rule asks for its kind.
    pub(crate) fn sides<'a>(
        &'a self,
        ask: &Ask,
        rec: &mut Side<'a, Rec>,
        debt: &mut Side<'a, Rec>,
    ) {
        let (to_id, debt_id) = (self.id(&ask.to), self.id(&ask.debt));
        self.fill(rec, self.rec_ix.get(to_id as usize), ask, to_id, debt_id);
        self.fill(
            debt,
            self.debt_ix.get(debt_id as usize),
            ask,
            to_id,
            debt_id,
        );
    }

    /// One side of [`History::sides`]: the events of index `ix` (none
    /// without one), for an ask whose recipient and debt have key ids `to`
    /// and `debt`.
    #[inline]
    fn fill<'a>(
        &'a self,
        side: &mut Side<'a, Rec>,
        ix: Option<&'a Index>,
        ask: &Ask,
        to: u32,
        debt: u32,
    ) {
        side.ask_debt = debt;
        let Some(ix) = ix else {
            side.atts = &[];
            side.by_chan = &[];
            side.classes = None;
            side.states = States::held(&[], &[], &self.events, to, debt);
            return;
        };
        side.atts = up_to(&ix.atts, ask.at, |a| a.at);
        // Positions are u32: an index too long for them is not used.
        if u32::try_from(ix.atts.len()).is_ok() {
            side.by_chan = &ix.by_chan;
            side.classes = Some(&ix.classes);
        } else {
            side.by_chan = &[];
            side.classes = None;
        }
        side.states = States::held(
            up_to(&ix.states, ask.at, |h| h.at),
            up_to(&ix.stated, ask.at, |h| h.at),
            &self.events,
            to,
            debt,
        );
    }
}

/// The entries of `list` (in time order, by `at_of`) at or before `at`:
/// usually all of them, as the ask comes after every event of its keys.
#[inline(always)]
fn up_to<T>(list: &[T], at: jiff::Timestamp, at_of: impl Fn(&T) -> jiff::Timestamp) -> &[T] {
    let n = if list.last().is_none_or(|e| at_of(e) <= at) {
        list.len()
    } else {
        list.partition_point(|e| at_of(e) <= at)
    };
    list.get(..n).unwrap_or(&[])
}

impl FromIterator<Event> for History {
    fn from_iter<I: IntoIterator<Item = Event>>(iter: I) -> History {
        History::from_events(iter.into_iter().collect())
    }
}
