//! Local civil time in the recipient's candidate zones.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

/// The ask's candidate zones, resolved.
pub(crate) struct Zones {
    zones: Vec<TimeZone>,
}

impl Zones {
    /// Resolves IANA names; the first unknown name is the error.
    pub(crate) fn resolve(names: &[String]) -> Result<Zones, String> {
        let mut zones = Vec::with_capacity(names.len());
        for n in names {
            match TimeZone::get(n) {
                Ok(z) => zones.push(z),
                Err(_) => return Err(n.clone()),
            }
        }
        Ok(Zones { zones })
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &TimeZone> {
        self.zones.iter()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }
}

pub(crate) fn zone_name(z: &TimeZone) -> &str {
    z.iana_name().unwrap_or("the recipient's zone")
}

pub(crate) fn datetime(z: &TimeZone, t: Timestamp) -> DateTime {
    z.to_datetime(t)
}

pub(crate) fn date(z: &TimeZone, t: Timestamp) -> Date {
    z.to_datetime(t).date()
}

/// Nanoseconds since local midnight.
pub(crate) fn secs_of_day(dt: DateTime) -> u64 {
    let t = dt.time();
    let secs = i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second());
    u64::try_from(secs).unwrap_or(0) * 1_000_000_000
        + u64::try_from(t.subsec_nanosecond()).unwrap_or(0)
}

/// The first instant of local date `d` in zone `z` (after a gap when
/// midnight does not exist).
pub(crate) fn start_of_day(z: &TimeZone, d: Date) -> Option<Timestamp> {
    z.to_ambiguous_timestamp(d.to_datetime(Time::midnight()))
        .compatible()
        .ok()
}

/// The start of the local day after the one containing `t`.
pub(crate) fn next_day_start(z: &TimeZone, t: Timestamp) -> Option<Timestamp> {
    let d = date(z, t).checked_add(1.day()).ok()?;
    start_of_day(z, d)
}

/// The instant at `secs` seconds past local midnight of `d` (for a time in
/// a DST gap, the instant just after the gap; in a fold, the earlier one).
pub(crate) fn instant_at(z: &TimeZone, d: Date, secs: u32) -> Option<Timestamp> {
    if secs >= 86_400 {
        return start_of_day(z, d.checked_add(1.day()).ok()?);
    }
    let base = start_of_day(z, d)?;
    let dt = d
        .to_datetime(Time::midnight())
        .checked_add(SignedDuration::from_secs(i64::from(secs)))
        .ok()?;
    let ts = z.to_ambiguous_timestamp(dt).compatible().ok()?;
    Some(ts.max(base))
}
