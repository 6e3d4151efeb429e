//! Contact history: events in time order, indexed by recipient and by debt.

use crate::model::Event;
use std::collections::HashMap;

/// The events a decision reads, in time order, with per-recipient and
/// per-debt indexes so that a decision never scans other people's events.
///
/// Build it from events in any order; [`History::push`] appends one more.
#[derive(Clone, Debug, Default)]
pub struct History {
    events: Vec<Event>,
    by_recipient: HashMap<String, Vec<u32>>,
    by_debt: HashMap<String, Vec<u32>>,
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

    fn index_and_push(&mut self, e: Event) {
        let idx = u32::try_from(self.events.len()).unwrap_or(u32::MAX);
        if let Some(to) = e.recipient() {
            self.by_recipient
                .entry(to.to_owned())
                .or_default()
                .push(idx);
        }
        if let Some(debt) = e.debt() {
            self.by_debt.entry(debt.to_owned()).or_default().push(idx);
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

    /// Events about this recipient, in time order.
    pub fn for_recipient<'a>(
        &'a self,
        to: &str,
    ) -> impl DoubleEndedIterator<Item = &'a Event> + 'a {
        self.lookup(self.by_recipient.get(to))
    }

    /// Events about this debt (any recipient), in time order.
    pub fn for_debt<'a>(&'a self, debt: &str) -> impl DoubleEndedIterator<Item = &'a Event> + 'a {
        self.lookup(self.by_debt.get(debt))
    }

    fn lookup<'a>(
        &'a self,
        idx: Option<&'a Vec<u32>>,
    ) -> impl DoubleEndedIterator<Item = &'a Event> + 'a {
        idx.map(|v| v.as_slice())
            .unwrap_or(&[])
            .iter()
            .filter_map(|&i| self.events.get(i as usize))
    }
}

impl FromIterator<Event> for History {
    fn from_iter<I: IntoIterator<Item = Event>>(iter: I) -> History {
        History::from_events(iter.into_iter().collect())
    }
}
