//! Decoding asks and events from arbitrary JSON (the wire format every
//! binding and the CLI accept): a value or a serde error, never a panic.
//! What decodes round-trips through serialisation and is decided under a
//! composed preset with the invariants of every decision.
#![no_main]

use contactguard::{decide, Ask, Event, History, Policy};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use std::sync::OnceLock;

fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(|| match Policy::preset("cn+conduct+us-reg-f") {
        Ok(p) => p,
        Err(e) => panic!("presets do not load: {e}"),
    })
}

fn round_trip<T>(v: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_string(v).unwrap_or_else(|e| panic!("cannot serialise {v:?}: {e}"));
    let back: T =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot read back {text}: {e}"));
    assert_eq!(&back, v, "round trip changed the value: {text}");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The same text as each shape the wire carries.
    let ask = serde_json::from_str::<Ask>(text).ok();
    let event = serde_json::from_str::<Event>(text).ok();
    let events = serde_json::from_str::<Vec<Event>>(text).ok();
    // A request object: {"ask": ..., "history": [...]}.
    let request = serde_json::from_str::<Value>(text).ok().and_then(|v| {
        let ask: Ask = serde_json::from_value(v.get("ask")?.clone()).ok()?;
        let history: Vec<Event> = match v.get("history") {
            None => Vec::new(),
            Some(h) => serde_json::from_value(h.clone()).ok()?,
        };
        Some((ask, history))
    });

    if let Some(a) = &ask {
        round_trip(a);
    }
    if let Some(e) = &event {
        round_trip(e);
    }
    let mut history: Vec<Event> = events.unwrap_or_default();
    history.extend(event);
    for e in &history {
        round_trip(e);
    }
    let mut asks: Vec<Ask> = ask.into_iter().collect();
    if let Some((a, h)) = request {
        round_trip(&a);
        asks.push(a);
        history.extend(h);
    }
    let history = History::from_events(history);
    for a in &asks {
        let d = decide(policy(), a, &history);
        cg_fuzz::check_decision(a, &d);
    }
});
