//! Reading a contact log: CSV with a header row, or JSON Lines. Pure: the
//! text comes in, rows and bad rows come out (docs/log-format.md).

use contactguard::{
    Attempt, AttemptResult, AttorneyNotice, Cease, Channel, Consent, Event, Hold, HoldReason,
    Inconvenient, OptOut, Place, PriorConsentToContact, Purpose, RequestContact, Role, Unreachable,
};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

/// One usable row of the log.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// 1-based line where the row starts.
    pub line: u64,
    /// What the row records.
    pub record: Record,
}

/// An attempt (replayed as an ask, then recorded) or another event.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// A contact attempt with the ask fields the log gave.
    Attempt {
        /// The attempt as history records it.
        attempt: Attempt,
        /// Index of the recipient's candidate zones in the [`Zones`] table.
        zones: u32,
        /// Why the contact was made.
        purpose: Option<Purpose>,
        /// Autodialed or prerecorded.
        autodialed: Option<bool>,
        /// Days past due.
        days_past_due: Option<i64>,
    },
    /// Any other event.
    Event(Event),
}

impl Row {
    /// When the row happened.
    pub fn at(&self) -> Timestamp {
        match &self.record {
            Record::Attempt { attempt, .. } => attempt.at,
            Record::Event(e) => e.at(),
        }
    }
}

/// The distinct time-zone lists of a log, interned: rows hold an index.
/// Index 0 is the empty list (no zone given).
#[derive(Debug)]
pub struct Zones {
    lists: Vec<Vec<String>>,
    first: Vec<Option<TimeZone>>,
    index: HashMap<String, u32>,
}

impl Default for Zones {
    fn default() -> Zones {
        Zones {
            lists: vec![Vec::new()],
            first: vec![None],
            index: HashMap::new(),
        }
    }
}

impl Zones {
    /// The IANA names of list `i`.
    pub fn names(&self, i: u32) -> &[String] {
        self.lists.get(i as usize).map_or(&[], Vec::as_slice)
    }

    /// The first zone of list `i`, used for local hours and dates in the
    /// report (`None` when the row gave no zone).
    pub fn first(&self, i: u32) -> Option<&TimeZone> {
        self.first.get(i as usize).and_then(Option::as_ref)
    }

    /// Interns `names` (one or more IANA names separated by `|`); an
    /// unknown zone is an error naming it.
    pub fn intern(&mut self, names: &str) -> Result<u32, String> {
        if let Some(&i) = self.index.get(names) {
            return Ok(i);
        }
        let mut list = Vec::new();
        let mut first = None;
        for name in names.split('|').map(str::trim).filter(|n| !n.is_empty()) {
            let tz = TimeZone::get(name).map_err(|_| format!("unknown time zone `{name}`"))?;
            first.get_or_insert(tz);
            list.push(name.to_owned());
        }
        if list.is_empty() {
            return Ok(0);
        }
        let i = u32::try_from(self.lists.len())
            .map_err(|_| "too many distinct time zones".to_owned())?;
        self.lists.push(list);
        self.first.push(first);
        self.index.insert(names.to_owned(), i);
        Ok(i)
    }

    fn intern_list(&mut self, names: &[String]) -> Result<u32, String> {
        self.intern(&names.join("|"))
    }
}

/// A row that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    /// 1-based line where the row starts.
    pub line: u64,
    /// Why, lowercase, the offending value in backticks.
    pub message: String,
}

impl fmt::Display for BadRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The whole log cannot be read (a header without a required column...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogError(pub String);

/// The two log syntaxes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// How to read a log.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Zones (`|`-separated) for attempts whose row gives none.
    pub default_timezone: Option<String>,
    /// Stop at the first bad row.
    pub strict: bool,
}

/// A log, read.
#[derive(Debug, Default)]
pub struct Log {
    /// Usable rows in time order (stable for equal times).
    pub rows: Vec<Row>,
    /// The zone table the rows index.
    pub zones: Zones,
    /// Rows that could not be used, in line order.
    pub bad: Vec<BadRow>,
    /// Columns of a CSV header that were not understood and were ignored.
    pub ignored_columns: Vec<String>,
    /// Attempts whose row gave no zone and for which no default applied.
    pub attempts_without_zone: u64,
}

/// Reads a log. With `strict`, the first bad row is the error.
///
/// # Errors
///
/// A [`LogError`] for a problem with the whole log (missing or duplicate
/// CSV columns, an unknown default zone) or, with `strict`, the first bad
/// row.
pub fn read(text: &str, format: Format, opts: &Options) -> Result<Log, LogError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut log = Log::default();
    let default_zone = match opts.default_timezone.as_deref() {
        None => 0,
        Some(z) => log
            .zones
            .intern(z)
            .map_err(|e| LogError(format!("--tz: {e}")))?,
    };
    let mut reader = Reader {
        log,
        default_zone,
        strict: opts.strict,
    };
    match format {
        Format::Csv => read_csv(text, &mut reader)?,
        Format::Jsonl => read_jsonl(text, &mut reader)?,
    }
    let mut log = reader.log;
    if !log.rows.is_sorted_by_key(Row::at) {
        // Stable: rows of the same instant keep their log order.
        log.rows.sort_by_key(Row::at);
    }
    Ok(log)
}

struct Reader {
    log: Log,
    default_zone: u32,
    strict: bool,
}

impl Reader {
    fn accept(&mut self, line: u64, parsed: Result<Record, String>) -> Result<(), LogError> {
        match parsed {
            Ok(record) => {
                if let Record::Attempt { zones: 0, .. } = record {
                    self.log.attempts_without_zone += 1;
                }
                self.log.rows.push(Row { line, record });
                Ok(())
            }
            Err(message) => {
                let bad = BadRow { line, message };
                if self.strict {
                    return Err(LogError(format!(
                        "{bad} (--strict stops at the first bad row)"
                    )));
                }
                self.log.bad.push(bad);
                Ok(())
            }
        }
    }
}

// ---------------------------------------------------------------------------
// CSV

/// The columns the CSV header may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    At,
    Type,
    Channel,
    To,
    Role,
    Debt,
    Result,
    Timezone,
    Place,
    Purpose,
    DaysPastDue,
    Autodialed,
    Reason,
    Until,
    Granted,
    Kind,
    Start,
    End,
    Weekdays,
}

const COLUMNS: &[(&str, Col)] = &[
    ("at", Col::At),
    ("type", Col::Type),
    ("channel", Col::Channel),
    ("to", Col::To),
    ("role", Col::Role),
    ("debt", Col::Debt),
    ("result", Col::Result),
    ("timezone", Col::Timezone),
    ("place", Col::Place),
    ("purpose", Col::Purpose),
    ("days_past_due", Col::DaysPastDue),
    ("autodialed", Col::Autodialed),
    ("reason", Col::Reason),
    ("until", Col::Until),
    ("granted", Col::Granted),
    ("kind", Col::Kind),
    ("start", Col::Start),
    ("end", Col::End),
    ("weekdays", Col::Weekdays),
];

/// Columns every contact log has: an attempt needs them all.
const REQUIRED: &[Col] = &[
    Col::At,
    Col::Channel,
    Col::To,
    Col::Role,
    Col::Debt,
    Col::Result,
];

const NCOLS: usize = COLUMNS.len();

fn col_name(c: Col) -> &'static str {
    COLUMNS
        .iter()
        .find(|(_, k)| *k == c)
        .map_or("?", |(n, _)| n)
}

fn read_csv(text: &str, reader: &mut Reader) -> Result<(), LogError> {
    let mut records = CsvRecords::new(text);
    let mut fields: Vec<Cow<'_, str>> = Vec::new();
    let header_line = loop {
        match records.next_record(&mut fields) {
            None => return Err(LogError("the log is empty: expected a header row".into())),
            Some(Err(e)) => return Err(LogError(format!("line {}: {}", e.0, e.1))),
            Some(Ok(_)) if fields.iter().all(|f| f.trim().is_empty()) => {}
            Some(Ok(line)) => break line,
        }
    };
    // Position in the row of each known column.
    let mut position: [Option<usize>; NCOLS] = [None; NCOLS];
    for (i, name) in fields.iter().enumerate() {
        let name = name.trim().to_ascii_lowercase();
        let name = if name == "timezones" {
            "timezone".to_owned()
        } else {
            name
        };
        match COLUMNS.iter().position(|(n, _)| *n == name) {
            Some(k) => {
                let slot = position
                    .get_mut(k)
                    .ok_or_else(|| LogError("internal column table".into()))?;
                if slot.is_some() {
                    return Err(LogError(format!(
                        "line {header_line}: column `{name}` appears twice in the header"
                    )));
                }
                *slot = Some(i);
            }
            None => reader.log.ignored_columns.push(name),
        }
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|c| position.get(**c as usize).is_none_or(Option::is_none))
        .map(|c| col_name(*c))
        .collect();
    if !missing.is_empty() {
        let found: Vec<String> = fields.iter().map(|f| format!("`{}`", f.trim())).collect();
        return Err(LogError(format!(
            "line {header_line}: the header lacks the column{} {}; found {}\n  help: a contact log needs at, channel, to, role, debt and result (see docs/log-format.md); is the first row a header?",
            if missing.len() == 1 { "" } else { "s" },
            missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
            found.join(", ")
        )));
    }
    let width = fields.len();
    loop {
        let line = match records.next_record(&mut fields) {
            None => break,
            Some(Err((line, message))) => {
                reader.accept(line, Err(message))?;
                // An unterminated quote swallows the rest of the file.
                break;
            }
            Some(Ok(line)) => line,
        };
        if fields.len() == 1 && fields.first().is_some_and(|f| f.trim().is_empty()) {
            continue; // a blank line
        }
        let parsed = if fields.len() == width {
            let cells = Cells {
                fields: &fields,
                position: &position,
            };
            csv_record(&cells, &mut reader.log.zones, reader.default_zone)
        } else {
            Err(format!(
                "expected {width} fields as in the header, found {}",
                fields.len()
            ))
        };
        reader.accept(line, parsed)?;
    }
    Ok(())
}

/// A CSV record splitter (RFC 4180: quoted fields may hold commas, doubled
/// quotes and newlines). Borrows unquoted fields from the text.
struct CsvRecords<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
}

impl<'a> CsvRecords<'a> {
    fn new(text: &'a str) -> CsvRecords<'a> {
        CsvRecords {
            text,
            pos: 0,
            line: 1,
        }
    }

    /// Fills `fields` with the next record and returns its first line, or
    /// `(line, message)` for an unterminated quote.
    fn next_record(
        &mut self,
        fields: &mut Vec<Cow<'a, str>>,
    ) -> Option<Result<u64, (u64, String)>> {
        fields.clear();
        let bytes = self.text.as_bytes();
        if self.pos >= bytes.len() {
            return None;
        }
        let start_line = self.line;
        loop {
            // One field.
            if bytes.get(self.pos) == Some(&b'"') {
                let mut value = String::new();
                let mut seg = self.pos + 1;
                let mut i = seg;
                loop {
                    match bytes.get(i) {
                        None => {
                            return Some(Err((start_line, "unterminated quoted field".to_owned())));
                        }
                        Some(b'"') if bytes.get(i + 1) == Some(&b'"') => {
                            value.push_str(self.text.get(seg..=i).unwrap_or(""));
                            i += 2;
                            seg = i;
                        }
                        Some(b'"') => {
                            value.push_str(self.text.get(seg..i).unwrap_or(""));
                            i += 1;
                            break;
                        }
                        Some(b'\n') => {
                            self.line += 1;
                            i += 1;
                        }
                        Some(_) => i += 1,
                    }
                }
                // Anything between the closing quote and the separator is
                // kept as written (lenient).
                let tail_start = i;
                while !matches!(bytes.get(i), None | Some(b',' | b'\n')) {
                    i += 1;
                }
                let tail = self.text.get(tail_start..i).unwrap_or("");
                let tail = tail.strip_suffix('\r').unwrap_or(tail);
                value.push_str(tail);
                fields.push(Cow::Owned(value));
                self.pos = i;
            } else {
                let mut i = self.pos;
                while !matches!(bytes.get(i), None | Some(b',' | b'\n')) {
                    i += 1;
                }
                let raw = self.text.get(self.pos..i).unwrap_or("");
                fields.push(Cow::Borrowed(raw.strip_suffix('\r').unwrap_or(raw)));
                self.pos = i;
            }
            match bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    return Some(Ok(start_line));
                }
                _ => return Some(Ok(start_line)),
            }
        }
    }
}

struct Cells<'r, 'a> {
    fields: &'r [Cow<'a, str>],
    position: &'r [Option<usize>; NCOLS],
}

impl Cells<'_, '_> {
    /// The trimmed, non-empty value of a column.
    fn get(&self, c: Col) -> Option<&str> {
        let i = (*self.position.get(c as usize)?)?;
        let v = self.fields.get(i)?.trim();
        (!v.is_empty()).then_some(v)
    }

    fn need(&self, c: Col, what: &str) -> Result<&str, String> {
        self.get(c)
            .ok_or_else(|| format!("missing `{}` for {what}", col_name(c)))
    }
}

fn csv_record(
    cells: &Cells<'_, '_>,
    zones: &mut Zones,
    default_zone: u32,
) -> Result<Record, String> {
    let kind = cells.get(Col::Type).unwrap_or("attempt");
    let at = timestamp(cells.need(Col::At, "a row")?, "at")?;
    let what = match kind {
        "attempt" => "an attempt",
        "consent" => "a consent",
        "opt_out" => "an opt_out",
        "cease" => "a cease",
        "attorney" => "an attorney notice",
        "hold" => "a hold",
        "prior_consent_to_contact" => "a prior_consent_to_contact",
        "request_contact" => "a request_contact",
        "inconvenient" => "an inconvenient",
        "unreachable" => "an unreachable",
        other => {
            return Err(format!(
                "`type`: unknown value `{other}` (expected attempt, consent, opt_out, cease, attorney, hold, prior_consent_to_contact, request_contact, inconvenient or unreachable)"
            ))
        }
    };
    let to = || cells.need(Col::To, what).map(str::to_owned);
    let debt = || cells.need(Col::Debt, what).map(str::to_owned);
    let channel = || wire_value::<Channel>(cells.need(Col::Channel, what)?, "channel");
    let place = || {
        cells
            .get(Col::Place)
            .map(|p| wire_value::<Place>(p, "place"))
            .transpose()
    };
    let until = || {
        cells
            .get(Col::Until)
            .map(|u| timestamp(u, "until"))
            .transpose()
    };
    let event = match kind {
        "attempt" => {
            let attempt = Attempt {
                at,
                channel: channel()?,
                to: to()?,
                role: wire_value::<Role>(cells.need(Col::Role, what)?, "role")?,
                debt: debt()?,
                result: wire_value::<AttemptResult>(cells.need(Col::Result, what)?, "result")?,
                place: place()?,
            };
            let zones = match cells.get(Col::Timezone) {
                Some(names) => zones
                    .intern(names)
                    .map_err(|e| format!("`timezone`: {e}"))?,
                None => default_zone,
            };
            return Ok(Record::Attempt {
                attempt,
                zones,
                purpose: cells
                    .get(Col::Purpose)
                    .map(|p| wire_value::<Purpose>(p, "purpose"))
                    .transpose()?,
                autodialed: cells
                    .get(Col::Autodialed)
                    .map(|v| boolean(v, "autodialed"))
                    .transpose()?,
                days_past_due: cells.get(Col::DaysPastDue).map(days_past_due).transpose()?,
            });
        }
        "consent" => Event::Consent(Consent {
            at,
            to: to()?,
            channel: channel()?,
            granted: boolean(cells.need(Col::Granted, what)?, "granted")?,
            kind: cells.get(Col::Kind).map(str::to_owned),
        }),
        "opt_out" => Event::OptOut(OptOut {
            at,
            to: to()?,
            channel: channel()?,
            place: place()?,
        }),
        "cease" => Event::Cease(Cease {
            at,
            to: to()?,
            debt: debt()?,
        }),
        "attorney" => Event::Attorney(AttorneyNotice {
            at,
            to: to()?,
            debt: debt()?,
        }),
        "unreachable" => Event::Unreachable(Unreachable {
            at,
            to: to()?,
            debt: debt()?,
        }),
        "hold" => Event::Hold(Hold {
            at,
            debt: debt()?,
            reason: wire_value::<HoldReason>(cells.need(Col::Reason, what)?, "reason")?,
            until: until()?,
        }),
        "prior_consent_to_contact" => Event::PriorConsentToContact(PriorConsentToContact {
            at,
            to: to()?,
            debt: debt()?,
            until: until()?,
            granted: cells
                .get(Col::Granted)
                .map(|g| boolean(g, "granted"))
                .transpose()?
                .unwrap_or(true),
        }),
        "request_contact" => Event::RequestContact(RequestContact {
            at,
            to: to()?,
            debt: cells.get(Col::Debt).map(str::to_owned),
        }),
        _ => {
            let start = cells
                .get(Col::Start)
                .map(|s| local_time(s, "start"))
                .transpose()?;
            let end = cells
                .get(Col::End)
                .map(|s| local_time(s, "end"))
                .transpose()?;
            let weekdays = match cells.get(Col::Weekdays) {
                None => Vec::new(),
                Some(days) => days
                    .split('|')
                    .map(|d| weekday(d.trim()))
                    .collect::<Result<Vec<_>, _>>()?,
            };
            Event::Inconvenient(Inconvenient {
                at,
                to: to()?,
                start,
                end,
                weekdays,
                place: place()?,
                channel: cells
                    .get(Col::Channel)
                    .map(|c| wire_value::<Channel>(c, "channel"))
                    .transpose()?,
                until: until()?,
            })
        }
    };
    Ok(Record::Event(event))
}

// ---------------------------------------------------------------------------
// JSON Lines

/// The ask fields a JSON Lines attempt may carry besides the wire event.
const ASK_FIELDS: &[&str] = &[
    "timezones",
    "timezone",
    "purpose",
    "autodialed",
    "days_past_due",
];

fn read_jsonl(text: &str, reader: &mut Reader) -> Result<(), LogError> {
    for (n, raw) in text.split('\n').enumerate() {
        let line = u64::try_from(n).unwrap_or(u64::MAX).saturating_add(1);
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let parsed = jsonl_record(raw, &mut reader.log.zones, reader.default_zone);
        reader.accept(line, parsed)?;
    }
    Ok(())
}

fn jsonl_record(raw: &str, zones: &mut Zones, default_zone: u32) -> Result<Record, String> {
    let value: Value = serde_json::from_str(raw)
        .map_err(|e| format!("invalid JSON: {}", crate::common::bare_json_message(&e)))?;
    let Value::Object(mut obj) = value else {
        return Err("expected a JSON object".to_owned());
    };
    let mut extra = Map::new();
    for key in ASK_FIELDS {
        if let Some(v) = obj.remove(*key) {
            extra.insert((*key).to_owned(), v);
        }
    }
    obj.entry("type")
        .or_insert_with(|| Value::String("attempt".to_owned()));
    let is_attempt = obj.get("type").and_then(Value::as_str) == Some("attempt");
    if !is_attempt {
        if let Some(key) = extra.keys().next() {
            return Err(format!("`{key}` is an ask field: only attempts carry it"));
        }
    }
    let event: Event = serde_json::from_value(Value::Object(obj)).map_err(|e| e.to_string())?;
    if !storable(event.at()) {
        return Err(format!(
            "`at`: `{}` is outside the years 1678 to 2261",
            event.at()
        ));
    }
    match event {
        Event::Attempt(attempt) => {
            let zone_value = match (extra.remove("timezones"), extra.remove("timezone")) {
                (Some(_), Some(_)) => {
                    return Err("give `timezones` or `timezone`, not both".to_owned())
                }
                (a, b) => a.or(b),
            };
            let zones = match zone_value {
                None | Some(Value::Null) => Ok(default_zone),
                Some(Value::String(s)) => zones.intern(&s),
                Some(Value::Array(items)) => {
                    let names = items
                        .into_iter()
                        .map(|v| match v {
                            Value::String(s) => Ok(s),
                            _ => Err("`timezones`: expected IANA names".to_owned()),
                        })
                        .collect::<Result<Vec<String>, String>>()?;
                    zones.intern_list(&names)
                }
                Some(_) => return Err("`timezones`: expected a name or a list of names".to_owned()),
            }
            .map_err(|e| format!("`timezones`: {e}"))?;
            let field = |name: &str| extra.get(name).filter(|v| !v.is_null()).cloned();
            Ok(Record::Attempt {
                attempt,
                zones,
                purpose: field("purpose")
                    .map(serde_json::from_value::<Purpose>)
                    .transpose()
                    .map_err(|e| format!("`purpose`: {e}"))?,
                autodialed: field("autodialed")
                    .map(serde_json::from_value::<bool>)
                    .transpose()
                    .map_err(|e| format!("`autodialed`: {e}"))?,
                days_past_due: field("days_past_due")
                    .map(serde_json::from_value::<i64>)
                    .transpose()
                    .map_err(|e| format!("`days_past_due`: {e}"))?,
            })
        }
        other => Ok(Record::Event(other)),
    }
}

// ---------------------------------------------------------------------------
// Values

trait Wire: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn from_wire(s: &str) -> Option<Self>;
    fn as_str(self) -> &'static str;
}

macro_rules! wire {
    ($($t:ty),+) => {$(
        impl Wire for $t {
            const ALL: &'static [Self] = <$t>::ALL;
            fn from_wire(s: &str) -> Option<Self> { <$t>::from_wire(s) }
            fn as_str(self) -> &'static str { <$t>::as_str(self) }
        }
    )+};
}
wire!(Channel, Role, Purpose, Place, AttemptResult, HoldReason);

fn wire_value<T: Wire>(s: &str, column: &str) -> Result<T, String> {
    T::from_wire(s).ok_or_else(|| {
        let all: Vec<&str> = T::ALL.iter().map(|v| v.as_str()).collect();
        format!(
            "`{column}`: unknown value `{s}` (expected {})",
            all.join(", ")
        )
    })
}

fn timestamp(s: &str, column: &str) -> Result<Timestamp, String> {
    let t = s.parse::<Timestamp>().map_err(|_| {
        format!("`{column}`: `{s}` is not an RFC 3339 instant with an offset (e.g. 2026-03-01T09:30:00+08:00)")
    })?;
    if storable(t) {
        Ok(t)
    } else {
        Err(format!(
            "`{column}`: `{s}` is outside the years 1678 to 2261"
        ))
    }
}

/// Whether the ledger can store the instant: it keeps nanoseconds in an
/// i64, 1677-09-21 to 2262-04-11.
fn storable(t: Timestamp) -> bool {
    (1678..=2261).contains(&TimeZone::UTC.to_datetime(t).year())
}

fn boolean(s: &str, column: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "y" | "t" => Ok(true),
        "false" | "no" | "0" | "n" | "f" => Ok(false),
        _ => Err(format!("`{column}`: `{s}` is not true or false")),
    }
}

fn days_past_due(s: &str) -> Result<i64, String> {
    s.parse::<i64>()
        .map_err(|_| format!("`days_past_due`: `{s}` is not a whole number of days"))
}

fn local_time(s: &str, column: &str) -> Result<String, String> {
    s.parse::<jiff::civil::Time>()
        .map(|_| s.to_owned())
        .map_err(|_| format!("`{column}`: `{s}` is not a local time HH:MM[:SS]"))
}

fn weekday(s: &str) -> Result<String, String> {
    const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let lower = s.to_ascii_lowercase();
    if DAYS.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(format!("`weekdays`: unknown day `{s}` (expected mon, tue, wed, thu, fri, sat, sun separated by `|`)"))
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly; `allow` because clippy.toml may already allow these in tests"
)]
mod tests {
    use super::*;

    const HEADER: &str = "at,type,channel,to,role,debt,result,timezone,purpose\n";

    fn csv(body: &str) -> Log {
        read(&format!("{HEADER}{body}"), Format::Csv, &Options::default()).unwrap()
    }

    #[test]
    fn reads_attempts_and_events_in_time_order() {
        let log = csv(
            "2026-03-02T10:00:00+08:00,,call,c1,debtor,L1,no_answer,Asia/Shanghai,collection\n\
             2026-03-01T10:00:00+08:00,hold,,,,L1,,,\n",
        );
        assert_eq!(
            log.bad.len(),
            1,
            "a hold without a reason is bad: {:?}",
            log.bad
        );
        assert_eq!(log.bad[0].line, 3);
        assert_eq!(log.rows.len(), 1);
        let Record::Attempt {
            attempt,
            zones,
            purpose,
            ..
        } = &log.rows[0].record
        else {
            panic!("expected an attempt")
        };
        assert_eq!(attempt.to, "c1");
        assert_eq!(log.zones.names(*zones), ["Asia/Shanghai".to_owned()]);
        assert_eq!(*purpose, Some(Purpose::Collection));
    }

    #[test]
    fn quoted_fields_and_crlf() {
        let text = "at,channel,to,role,debt,result\r\n\"2026-03-01T10:00:00Z\",sms,\"a,\"\"b\"\"\",debtor,L1,delivered\r\n";
        let log = read(text, Format::Csv, &Options::default()).unwrap();
        assert!(log.bad.is_empty(), "{:?}", log.bad);
        let Record::Attempt { attempt, .. } = &log.rows[0].record else {
            panic!()
        };
        assert_eq!(attempt.to, "a,\"b\"");
    }

    #[test]
    fn bad_rows_name_line_and_field() {
        let log = csv("2026-03-01T10:00:00+08:00,,smss,c1,debtor,L1,delivered,,\n\
             2026-03-01 10:00,,sms,c1,debtor,L1,delivered,,\n\
             2026-03-01T10:00:00+08:00,,sms,c1,debtor,L1,delivered,Mars/Base,\n\
             2026-03-01T10:00:00+08:00,,sms\n");
        let lines: Vec<u64> = log.bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, [2, 3, 4, 5]);
        assert!(
            log.bad[0]
                .message
                .contains("`channel`: unknown value `smss`"),
            "{}",
            log.bad[0]
        );
        assert!(log.bad[1].message.contains("`at`"), "{}", log.bad[1]);
        assert!(log.bad[2].message.contains("Mars/Base"), "{}", log.bad[2]);
        assert!(
            log.bad[3].message.contains("expected 9 fields"),
            "{}",
            log.bad[3]
        );
    }

    #[test]
    fn strict_stops_at_the_first_bad_row() {
        let text = format!("{HEADER}2026-03-01T10:00:00+08:00,,fax,c1,debtor,L1,delivered,,\n");
        let opts = Options {
            strict: true,
            ..Options::default()
        };
        let err = read(&text, Format::Csv, &opts).unwrap_err();
        assert!(err.0.starts_with("line 2: `channel`"), "{}", err.0);
    }

    #[test]
    fn missing_columns_are_named() {
        let err = read("time,channel,to\n", Format::Csv, &Options::default()).unwrap_err();
        assert!(
            err.0.contains("`at`, `role`, `debt`, `result`"),
            "{}",
            err.0
        );
    }

    #[test]
    fn jsonl_attempts_carry_ask_fields() {
        let text = r#"{"at":"2026-03-01T10:00:00+08:00","channel":"call","to":"c1","role":"debtor","debt":"L1","result":"no_answer","timezones":["Asia/Shanghai","Asia/Urumqi"],"purpose":"location","days_past_due":12}
{"type":"hold","at":"2026-03-01T09:00:00+08:00","debt":"L1","reason":"complaint","until":null}

{"type":"hold","at":"2026-03-01T09:00:00+08:00","debt":"L1","reason":"complaint","purpose":"notice"}
not json
"#;
        let log = read(text, Format::Jsonl, &Options::default()).unwrap();
        assert_eq!(log.rows.len(), 2);
        assert!(matches!(log.rows[0].record, Record::Event(Event::Hold(_))));
        let Record::Attempt {
            zones,
            days_past_due,
            ..
        } = &log.rows[1].record
        else {
            panic!()
        };
        assert_eq!(log.zones.names(*zones).len(), 2);
        assert_eq!(*days_past_due, Some(12));
        let lines: Vec<u64> = log.bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, [4, 5]);
    }
}
