//! The row model of a contact log: named cells in, an [`Item`] (the ask an
//! attempt made, or another event) out, under one set of rules for column
//! names, enum spellings, booleans, instants, zones, weekdays and lists.

use crate::diagnostic::{Diagnostic, ErrorCode};
use crate::model::{
    Ask, Attempt, AttemptResult, AttorneyNotice, Cease, Channel, Consent, Event, Hold, HoldReason,
    Inconvenient, OptOut, Place, PriorConsentToContact, Purpose, RequestContact, Role, Unreachable,
};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

macro_rules! columns {
    ($($variant:ident = $name:literal),+ $(,)?) => {
        /// A column of a contact log (docs/log-format.md).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Column {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )+
        }

        impl Column {
            /// Every column, in the documented order.
            pub const ALL: &'static [Column] = &[$(Column::$variant),+];

            /// The column's name.
            pub fn name(self) -> &'static str {
                match self { $(Column::$variant => $name,)+ }
            }
        }
    };
}

columns! {
    At = "at",
    Type = "type",
    Channel = "channel",
    To = "to",
    Role = "role",
    Debt = "debt",
    Result = "result",
    Timezones = "timezone",
    Place = "place",
    Purpose = "purpose",
    DaysPastDue = "days_past_due",
    Autodialed = "autodialed",
    Reason = "reason",
    Until = "until",
    Granted = "granted",
    Kind = "kind",
    Start = "start",
    End = "end",
    Weekdays = "weekdays",
}

impl Column {
    /// The columns an attempt needs: a log without one of them cannot hold
    /// an attempt.
    pub const FOR_ATTEMPTS: &'static [Column] = &[
        Column::At,
        Column::Channel,
        Column::To,
        Column::Role,
        Column::Debt,
        Column::Result,
    ];

    /// The column a header name means: names are trimmed and compared
    /// without regard to ASCII case; `timezones` is another name of
    /// `timezone`. `None` for a column the audit does not read.
    pub fn from_name(name: &str) -> Option<Column> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("timezones") {
            return Some(Column::Timezones);
        }
        Column::ALL
            .iter()
            .copied()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One row of a log as cells by column. A reader implements
/// [`text`](Cells::text); the typed accessors parse that text by the
/// audit's rules unless the reader holds typed values (an Arrow timestamp
/// or boolean column), and then it overrides them.
///
/// Typed accessors return `Err` with a reason (lowercase, the value in
/// backticks, no column name) for a value that is present but unusable.
pub trait Cells {
    /// The cell's text, or `None` when the column is absent or the cell is
    /// empty or null. Whitespace around it does not matter.
    fn text(&self, column: Column) -> Option<Cow<'_, str>>;

    /// The cell as an instant.
    ///
    /// # Errors
    ///
    /// A reason when the text is not an RFC 3339 instant with an offset.
    fn instant(&self, column: Column) -> Result<Option<Timestamp>, String> {
        let text = self.text(column);
        let t = trimmed(text.as_deref());
        if t.is_empty() {
            return Ok(None);
        }
        parse_instant(t).map(Some)
    }

    /// The cell as a flag.
    ///
    /// # Errors
    ///
    /// A reason when the text is not a boolean ([`parse_flag`]).
    fn flag(&self, column: Column) -> Result<Option<bool>, String> {
        let text = self.text(column);
        let t = trimmed(text.as_deref());
        if t.is_empty() {
            return Ok(None);
        }
        parse_flag(t).map(Some)
    }

    /// The cell as a whole number.
    ///
    /// # Errors
    ///
    /// A reason when the text is not a whole number.
    fn whole(&self, column: Column) -> Result<Option<i64>, String> {
        nonblank(self.text(column))
            .map(|s| {
                let t = trim_cell(&s);
                // A few digits (most cells): no overflow, the same number
                // `parse` reads.
                if (1..=18).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
                    return Ok(t.bytes().fold(0, |n, b| n * 10 + i64::from(b - b'0')));
                }
                t.parse::<i64>()
                    .map_err(|_| format!("`{t}` is not a whole number"))
            })
            .transpose()
    }

    /// Appends the names in the cell (zones, weekdays) to `out`; text is
    /// split by [`split_list`].
    fn names(&self, column: Column, out: &mut Vec<String>) {
        if let Some(s) = self.text(column) {
            let t = trim_cell(&s);
            if single_name(t) {
                if !t.is_empty() {
                    out.push(t.to_owned());
                }
            } else {
                out.extend(split_list(t).map(str::to_owned));
            }
        }
    }

    /// Replaces `out` with the names in the cell: the same names as
    /// [`names`](Cells::names) appends to an empty list. A reader whose
    /// `names` is the provided one may override this with
    /// [`names_from_text`], which reuses `out`'s strings.
    fn names_reusing(&self, column: Column, out: &mut Vec<String>) {
        out.clear();
        self.names(column, out);
    }
}

/// Replaces `out` with the names in `text` as the provided
/// [`Cells::names`] reads them, reusing the strings `out` holds (no
/// allocation when they are long enough).
pub fn names_from_text(text: Option<&str>, out: &mut Vec<String>) {
    let t = trimmed(text);
    if single_name(t) {
        // The usual cell: one name, most often the one already there.
        if t.is_empty() {
            out.clear();
            return;
        }
        match out.first_mut() {
            Some(first) => {
                if first != t {
                    first.clear();
                    first.push_str(t);
                }
            }
            None => out.push(t.to_owned()),
        }
        out.truncate(1);
        return;
    }
    let mut n = 0;
    for name in split_list(t) {
        match out.get_mut(n) {
            Some(s) => {
                s.clear();
                s.push_str(name);
            }
            None => out.push(name.to_owned()),
        }
        n += 1;
    }
    out.truncate(n);
}

/// A cell's text as the row reader reads it: `s.trim()`, without decoding
/// characters when `s` starts and ends with a printable ASCII byte, as
/// most cells do (no whitespace, ASCII or not, is one). Front ends that
/// look at a cell before the row reader does (a log reader filtering rows
/// by key) trim it with this, so both see the same key.
#[inline(always)]
pub fn trim_cell(s: &str) -> &str {
    let printable = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x7f);
    if printable(s.as_bytes().first()) && printable(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

/// A cell's trimmed text, empty when there is none.
#[inline(always)]
fn trimmed(text: Option<&str>) -> &str {
    match text {
        Some(s) => trim_cell(s),
        None => "",
    }
}

#[inline]
fn nonblank(s: Option<Cow<'_, str>>) -> Option<Cow<'_, str>> {
    s.filter(|s| !trim_cell(s).is_empty())
}

/// Splits a cell that lists several names: by `|`, `;`, `,` or whitespace.
pub fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c == '|' || c == ';' || c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
}

/// Whether a cell holds one name only (no separator of [`split_list`]).
#[inline]
fn single_name(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii() && !matches!(b, b'|' | b';' | b',') && !b.is_ascii_whitespace())
}

/// A flag: `true`/`false`, `yes`/`no`, `1`/`0`, `t`/`f`, `y`/`n`, in any
/// ASCII case.
///
/// # Errors
///
/// A reason naming the value when it is none of those.
#[inline]
pub fn parse_flag(s: &str) -> Result<bool, String> {
    let s = trim_cell(s);
    // The usual spellings first, without a comparison per spelling.
    match s.as_bytes() {
        b"true" | b"1" => return Ok(true),
        b"false" | b"0" => return Ok(false),
        _ => {}
    }
    const TRUE: &[&str] = &["true", "yes", "1", "y", "t"];
    const FALSE: &[&str] = &["false", "no", "0", "n", "f"];
    if TRUE.iter().any(|t| t.eq_ignore_ascii_case(s)) {
        Ok(true)
    } else if FALSE.iter().any(|f| f.eq_ignore_ascii_case(s)) {
        Ok(false)
    } else {
        Err(format!("`{s}` is not true or false"))
    }
}

/// An RFC 3339 instant with an offset.
///
/// # Errors
///
/// A reason naming the value when it is not one.
///
/// Remembers (per thread) the date and offset of the last instant of the
/// plain shape `YYYY-MM-DDTHH:MM:SS` with `Z` or `+HH:MM`/`-HH:MM` it read:
/// a text of the same date and offset (most of a log's, in time order)
/// then only has its time of day read. The answer is the same either way
/// (a whole second of a given date under a given offset is that date's
/// midnight under the offset plus the second of the day); every reader of
/// rows, whatever its front end, reads instants through here.
#[inline]
pub fn parse_instant(s: &str) -> Result<Timestamp, String> {
    let s = trim_cell(s);
    match remembered_day(s.as_bytes()) {
        Some(at) => Ok(at),
        None => parse_and_remember(s),
    }
}

/// The instant of `s` read through the remembered day, when `s` is a
/// plain instant of that day and offset.
#[inline(always)]
fn remembered_day(s: &[u8]) -> Option<Timestamp> {
    let (date, time, offset) = day_parts(s)?;
    LAST_DAY.with(Cell::get)?.same_day(&date, &time, &offset)
}

/// [`parse_instant`] read afresh (`s` trimmed), remembering the day of a
/// plain instant.
#[inline(never)]
fn parse_and_remember(s: &str) -> Result<Timestamp, String> {
    let at = parse_instant_afresh(s)?;
    if let Some((date, time, offset)) = day_parts(s.as_bytes()) {
        if let Some(secs) = time_of_day(&time) {
            LAST_DAY.with(|last| {
                last.set(Some(LastDay {
                    date,
                    offset,
                    base: at.as_second() - secs,
                }));
            });
        }
    }
    Ok(at)
}

/// [`parse_instant`] without the remembered day: `s` is trimmed.
#[inline(never)]
fn parse_instant_afresh(s: &str) -> Result<Timestamp, String> {
    if let Some(t) = plain_instant(s.as_bytes()) {
        return Ok(t);
    }
    s.parse::<Timestamp>().map_err(|_| {
        format!("`{s}` is not an RFC 3339 instant with an offset (e.g. 2026-03-01T09:30:00+08:00)")
    })
}

thread_local! {
    /// The day [`parse_instant`] read last on this thread.
    static LAST_DAY: Cell<Option<LastDay>> = const { Cell::new(None) };
}

/// The date and offset of the last plain instant read, and the instant at
/// that date's midnight under that offset.
#[derive(Clone, Copy, Debug)]
struct LastDay {
    /// `YYYY-MM-DDT`.
    date: [u8; 11],
    /// `Z` or `+HH:MM`/`-HH:MM`, padded with zero bytes.
    offset: [u8; 6],
    /// Seconds of `date` at 00:00:00 under `offset`.
    base: i64,
}

impl LastDay {
    /// The instant of a text split by [`day_parts`] when its date and
    /// offset are these: the midnight plus the time of day.
    #[inline]
    fn same_day(&self, date: &[u8; 11], time: &[u8; 8], offset: &[u8; 6]) -> Option<Timestamp> {
        if *date != self.date || *offset != self.offset {
            return None;
        }
        Timestamp::from_second(self.base.checked_add(time_of_day(time)?)?).ok()
    }
}

/// Seconds into the day of `HH:MM:SS` (hours 00 to 23, minutes and
/// seconds 00 to 59), `None` for anything else. Reads the eight bytes as
/// one number: each must be `0x30` to `0x3F` (digits and `:`), the two
/// separators `:` and the others at most `9`.
#[inline]
fn time_of_day(b: &[u8; 8]) -> Option<i64> {
    /// `each` in the bytes whose bits are set in `which`.
    const fn lanes(which: u8, each: u64) -> u64 {
        let mut v = 0;
        let mut i = 0;
        while i < 8 {
            if (which >> i) & 1 == 1 {
                v |= each << (8 * i);
            }
            i += 1;
        }
        v
    }
    const ALL: u8 = 0b1111_1111;
    const DIGITS: u8 = 0b1101_1011;
    const SEPARATORS: u8 = 0b0010_0100;
    let v = u64::from_le_bytes(*b);
    if v & lanes(ALL, 0xF0) != lanes(ALL, 0x30) {
        return None;
    }
    let low = v & lanes(ALL, 0x0F);
    // Adding 6 carries a nibble past 15 only for 10 and more (no carry
    // leaves a byte: each is at most 0x0F before).
    if low & lanes(SEPARATORS, 0xFF) != lanes(SEPARATORS, 0x0A)
        || (low + lanes(DIGITS, 0x06)) & lanes(DIGITS, 0xF0) != 0
    {
        return None;
    }
    let digit = |i: u32| i64::from((low >> (8 * i)) as u8);
    let (h, m, s) = (
        digit(0) * 10 + digit(1),
        digit(3) * 10 + digit(4),
        digit(6) * 10 + digit(7),
    );
    (h <= 23 && m <= 59 && s <= 59).then_some(h * 3600 + m * 60 + s)
}

/// An instant's text split as `YYYY-MM-DDT`, `HH:MM:SS` and an offset
/// `Z` or `+HH:MM`/`-HH:MM` (padded with zero bytes to six); `None` for
/// any other shape.
#[inline]
fn day_parts(b: &[u8]) -> Option<([u8; 11], [u8; 8], [u8; 6])> {
    let (date, rest) = b.split_at_checked(11)?;
    let (time, offset) = rest.split_at_checked(8)?;
    let offset = match offset {
        b"Z" => [b'Z', 0, 0, 0, 0, 0],
        &[sign @ (b'+' | b'-'), h0, h1, b':', m0, m1] => [sign, h0, h1, b':', m0, m1],
        _ => return None,
    };
    let date: [u8; 11] = date.try_into().ok()?;
    (date[10] == b'T').then_some((date, time.try_into().ok()?, offset))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (any month and
/// day in range; not checked here).
#[inline]
const fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The common shape of an RFC 3339 instant, read without jiff:
/// `YYYY-MM-DDTHH:MM:SS`, then optionally `.` and 1 to 9 digits, then `Z`
/// or `+HH:MM`/`-HH:MM`, for the years 1600 to 2399. `None` for anything
/// else (lowercase `t` or `z`, a space, a leap second, `-00:00`, an offset
/// of 24 hours or more...), which jiff then reads: the answer is jiff's
/// either way.
#[inline]
fn plain_instant(s: &[u8]) -> Option<Timestamp> {
    fn digits(b: &[u8]) -> Option<i64> {
        b.iter().try_fold(0i64, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
        })
    }
    let (head, rest) = s.split_at_checked(19)?;
    let h: [u8; 19] = head.try_into().ok()?;
    let [y0, y1, y2, y3, b'-', mo0, mo1, b'-', d0, d1, b'T', h0, h1, b':', mi0, mi1, b':', s0, s1] =
        h
    else {
        return None;
    };
    if ![y0, y1, y2, y3, mo0, mo1, d0, d1, h0, h1, mi0, mi1, s0, s1]
        .iter()
        .all(u8::is_ascii_digit)
    {
        return None;
    }
    let two = |a: u8, b: u8| i64::from(a.wrapping_sub(b'0')) * 10 + i64::from(b.wrapping_sub(b'0'));
    let year = two(y0, y1) * 100 + two(y2, y3);
    let (month, day) = (two(mo0, mo1), two(d0, d1));
    let (hour, minute, second) = (two(h0, h1), two(mi0, mi1), two(s0, s1));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1600..=2399).contains(&year)
        || !(1..=month_days).contains(&day)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let (nanos, zone) = match rest.split_first() {
        Some((b'.', frac)) => {
            let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=9).contains(&n) {
                return None;
            }
            let (f, zone) = frac.split_at_checked(n)?;
            let scale = 10i64.pow(9 - u32::try_from(n).ok()?);
            (digits(f)? * scale, zone)
        }
        _ => (0, rest),
    };
    let offset = match zone {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            if ![h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let (oh, om) = (two(*h1, *h2), two(*m1, *m2));
            let secs = oh * 3600 + om * 60;
            if oh > 23 || om > 59 || (*sign == b'-' && secs == 0) {
                return None;
            }
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    let secs =
        days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset;
    Timestamp::new(secs, i32::try_from(nanos).ok()?).ok()
}

/// The first and the last second the ledger can record in whole years
/// (see [`storable`]).
const STORABLE_SECONDS: (i64, i64) = (
    days_from_civil(1678, 1, 1) * 86_400,
    days_from_civil(2262, 1, 1) * 86_400 - 1,
);

/// Whether the ledger can record the instant: it keeps nanoseconds in an
/// i64, 1677-09-21 to 2262-04-11. The audit accepts the whole years inside
/// (1678 to 2261, in UTC).
pub fn storable(t: Timestamp) -> bool {
    // The whole second the instant is in (seconds and nanoseconds share
    // the sign before 1970).
    let second = t.as_second() - i64::from(t.subsec_nanosecond() < 0);
    (STORABLE_SECONDS.0..=STORABLE_SECONDS.1).contains(&second)
}

/// A weekday: `mon`…`sun` or the full English name, in any ASCII case;
/// returns the three-letter wire name.
///
/// # Errors
///
/// A reason naming the value when it is not a weekday.
pub fn parse_weekday(s: &str) -> Result<&'static str, String> {
    const DAYS: &[(&str, &str)] = &[
        ("mon", "monday"),
        ("tue", "tuesday"),
        ("wed", "wednesday"),
        ("thu", "thursday"),
        ("fri", "friday"),
        ("sat", "saturday"),
        ("sun", "sunday"),
    ];
    let t = trim_cell(s);
    DAYS.iter()
        .find(|(short, long)| short.eq_ignore_ascii_case(t) || long.eq_ignore_ascii_case(t))
        .map(|(short, _)| *short)
        .ok_or_else(|| {
            format!(
                "unknown day `{t}` (expected mon, tue, wed, thu, fri, sat, sun separated by `|`)"
            )
        })
}

/// A wire enum, parsed by the audit's rule: trimmed, any ASCII case.
pub trait Wire: Sized + Copy + 'static {
    /// Every value.
    const ALL: &'static [Self];
    /// The wire name.
    fn wire(self) -> &'static str;
    /// The value whose wire name is exactly `s`.
    fn exact(s: &str) -> Option<Self>;
}

macro_rules! wire {
    ($($t:ty),+) => {$(
        impl Wire for $t {
            const ALL: &'static [Self] = <$t>::ALL;
            fn wire(self) -> &'static str { <$t>::as_str(self) }
            #[inline]
            fn exact(s: &str) -> Option<Self> { <$t>::from_wire(s) }
        }
    )+};
}
wire!(Channel, Role, Purpose, Place, AttemptResult, HoldReason);

/// Parses a wire value by the audit's rule.
///
/// # Errors
///
/// A reason naming the value and listing the expected ones.
pub fn parse_wire<T: Wire>(s: &str) -> Result<T, String> {
    let t = trim_cell(s);
    if let Some(v) = T::exact(t) {
        return Ok(v);
    }
    T::ALL
        .iter()
        .copied()
        .find(|v| v.wire().eq_ignore_ascii_case(t))
        .ok_or_else(|| {
            let all: Vec<&str> = T::ALL.iter().map(|v| v.wire()).collect();
            format!("unknown value `{t}` (expected {})", all.join(", "))
        })
}

/// The event types a row may name, with the phrase used in messages.
const TYPES: &[(&str, &str)] = &[
    ("attempt", "an attempt"),
    ("consent", "a consent"),
    ("opt_out", "an opt_out"),
    ("cease", "a cease"),
    ("attorney", "an attorney notice"),
    ("hold", "a hold"),
    ("prior_consent_to_contact", "a prior_consent_to_contact"),
    ("request_contact", "a request_contact"),
    ("inconvenient", "an inconvenient"),
    ("unreachable", "an unreachable"),
];

/// Why a cell could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A value the row's type needs is absent.
    Missing,
    /// A value is present but unusable.
    Invalid,
}

impl Problem {
    /// The diagnostic code: `input.missing` or `input.invalid`.
    pub fn error_code(self) -> ErrorCode {
        match self {
            Problem::Missing => ErrorCode::InputMissing,
            Problem::Invalid => ErrorCode::InputInvalid,
        }
    }

    /// The spelling of [`Problem::error_code`].
    pub fn code(self) -> &'static str {
        self.error_code().as_str()
    }
}

/// A cell that could not be used: either the whole row is unusable (a
/// bad row), or the row was still recorded and the cell read the stricter
/// way (see [`Parsed::flaws`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// Missing or invalid.
    pub problem: Problem,
    /// The column, when one is at fault.
    pub column: Option<Column>,
    /// The reason, lowercase, the value in backticks; without the column.
    pub detail: String,
}

impl RowError {
    fn missing(column: Column, what: &str) -> RowError {
        RowError {
            problem: Problem::Missing,
            column: Some(column),
            detail: format!("missing `{column}` for {what}"),
        }
    }

    fn invalid(column: Column, detail: String) -> RowError {
        RowError {
            problem: Problem::Invalid,
            column: Some(column),
            detail,
        }
    }
}

impl RowError {
    /// The error in the shape every front end shows: the column is the
    /// field; the caller adds the row ([`Diagnostic::with_row`]) and the
    /// file.
    pub fn diagnostic(&self) -> Diagnostic {
        let d = Diagnostic::new(self.problem.error_code(), self.detail.clone());
        match self.column {
            Some(c) => d.with_field(c.name()),
            None => d,
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.problem, self.column) {
            (Problem::Invalid, Some(c)) => write!(f, "`{c}`: {}", self.detail),
            _ => f.write_str(&self.detail),
        }
    }
}

/// What a row records.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// A contact attempt: the ask it made (decided, then recorded) and
    /// what happened.
    Attempt {
        /// The ask, with every field the row gave.
        ask: Ask,
        /// The outcome.
        result: AttemptResult,
    },
    /// Any other event, recorded only.
    Event(Event),
}

impl Item {
    /// When it happened.
    pub fn at(&self) -> Timestamp {
        match self {
            Item::Attempt { ask, .. } => ask.at,
            Item::Event(e) => e.at(),
        }
    }

    /// The recipient and the debt it is about, when it names them.
    pub fn keys(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Item::Attempt { ask, .. } => (Some(&ask.to), Some(&ask.debt)),
            Item::Event(e) => (e.recipient(), e.debt()),
        }
    }

    /// The event recorded in the history for this item.
    pub fn to_event(&self) -> Event {
        match self {
            Item::Attempt { ask, result } => Event::Attempt(Attempt {
                at: ask.at,
                channel: ask.channel,
                to: ask.to.clone(),
                role: ask.role,
                debt: ask.debt.clone(),
                result: *result,
                place: ask.place,
            }),
            Item::Event(e) => e.clone(),
        }
    }
}

/// A row of a log, read: its position in the log and what it records.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Where the row is: a 1-based line of a file, or a 0-based row of a
    /// table. Ties in time replay in this order.
    pub pos: u64,
    /// What it records.
    pub item: Item,
}

impl Row {
    /// When it happened.
    pub fn at(&self) -> Timestamp {
        self.item.at()
    }
}

/// A row that was read, with the cells that could not be used but did not
/// stop it being recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    /// What the row records.
    pub item: Item,
    /// Cells of an attempt that were unusable: an unknown time zone (the
    /// engine then denies the attempt with `contactguard.zone`, as
    /// `decide` does), an unknown place, purpose, flag or number (read as
    /// absent, the stricter reading) or result (read as the result that
    /// counts under the most rules, as for a pending attempt).
    pub flaws: Vec<RowError>,
}

/// The result recorded for an attempt whose result is missing or unknown:
/// the one that counts under the most caps and cool-downs, and means the
/// recipient was reached (as the ledger reads a pending attempt).
pub fn result_when_unknown(channel: Channel) -> AttemptResult {
    match channel {
        Channel::Call | Channel::VoicemailDrop | Channel::Visit => AttemptResult::Conversation,
        Channel::Sms | Channel::Email | Channel::Letter | Channel::Push => AttemptResult::Delivered,
    }
}

/// Turns cells into rows by the audit's one set of rules. Keeps a cache
/// of the zone names it has checked, so use one reader per thread.
#[derive(Debug, Default)]
pub struct RowReader {
    default_zones: Vec<String>,
    zone_known: foldhash::HashMap<String, bool>,
    last_zone: Option<(String, bool)>,
    /// The text buffers of an attempt given back ([`RowReader::recycle`]),
    /// for the next attempt's recipient, debt and zones.
    spare: Option<Spare>,
}

/// Buffers of an attempt read before, reused (emptied) for the next one.
#[derive(Debug, Default)]
struct Spare {
    to: String,
    debt: String,
    zones: Vec<String>,
}

impl RowReader {
    /// A reader; attempts whose row gives no zone get `default_zones`.
    pub fn new(default_zones: Vec<String>) -> RowReader {
        RowReader {
            default_zones,
            zone_known: foldhash::HashMap::default(),
            last_zone: None,
            spare: None,
        }
    }

    /// Gives back an item read before and no longer needed: the next
    /// attempt read reuses its recipient, debt and zone buffers instead of
    /// allocating new ones. Holds one item's buffers at most; the items
    /// read are the same with or without it.
    pub fn recycle(&mut self, item: Item) {
        if let Item::Attempt {
            ask:
                Ask {
                    to,
                    debt,
                    timezones,
                    ..
                },
            ..
        } = item
        {
            self.spare = Some(Spare {
                to,
                debt,
                zones: timezones,
            });
        }
    }

    fn zone_known(&mut self, name: &str) -> bool {
        // Most logs name one zone over and over.
        if let Some((last, k)) = &self.last_zone {
            if last == name {
                return *k;
            }
        }
        let known = self.zone_lookup(name);
        self.last_zone = Some((name.to_owned(), known));
        known
    }

    fn zone_lookup(&mut self, name: &str) -> bool {
        if let Some(&k) = self.zone_known.get(name) {
            return k;
        }
        let known = TimeZone::get(name).is_ok();
        self.zone_known.insert(name.to_owned(), known);
        known
    }

    /// Reads one row.
    ///
    /// An attempt that names its instant, channel, recipient, role and
    /// debt is always an item: its other cells, when unusable, are listed
    /// in [`Parsed::flaws`] and read the stricter way. Any other row is
    /// an item only when every cell its type reads is usable.
    ///
    /// # Errors
    ///
    /// A [`RowError`] when the row cannot be an event at all.
    pub fn read(&mut self, cells: &impl Cells) -> Result<Parsed, RowError> {
        let kind = cells.text(Column::Type);
        let kind = kind.as_deref().map(trim_cell).filter(|k| !k.is_empty());
        let (kind, what) = match kind {
            None => ("attempt", "an attempt"),
            Some(k) => TYPES
                .iter()
                .copied()
                .find(|(t, _)| *t == k)
                .or_else(|| {
                    TYPES
                        .iter()
                        .copied()
                        .find(|(t, _)| t.eq_ignore_ascii_case(k))
                })
                .ok_or_else(|| {
                    let all: Vec<&str> = TYPES.iter().map(|(t, _)| *t).collect();
                    RowError::invalid(
                        Column::Type,
                        format!("unknown value `{k}` (expected {})", all.join(", ")),
                    )
                })?,
        };
        let at =
            instant(cells, Column::At)?.ok_or_else(|| RowError::missing(Column::At, "a row"))?;
        let r = Reader { cells, what };
        let mut flaws = Vec::new();
        let item = match kind {
            "attempt" => {
                let spare = self.spare.take().unwrap_or_default();
                let channel = r.need_wire::<Channel>(Column::Channel)?;
                let to = r.need_into(Column::To, spare.to)?;
                let role = r.need_wire::<Role>(Column::Role)?;
                let debt = r.need_into(Column::Debt, spare.debt)?;
                let mut flaw = |e: RowError| flaws.push(e);
                let result = match r.need_wire::<AttemptResult>(Column::Result) {
                    Ok(v) => v,
                    Err(e) => {
                        flaw(RowError {
                            detail: format!(
                                "{}; recorded as `{}`",
                                e.detail,
                                result_when_unknown(channel).as_str()
                            ),
                            ..e
                        });
                        result_when_unknown(channel)
                    }
                };
                let place = r.opt_wire::<Place>(Column::Place).unwrap_or_else(|e| {
                    flaw(absent(e));
                    None
                });
                let purpose = r.opt_wire::<Purpose>(Column::Purpose).unwrap_or_else(|e| {
                    flaw(absent(e));
                    None
                });
                let autodialed = cells
                    .flag(Column::Autodialed)
                    .map_err(|e| RowError::invalid(Column::Autodialed, e))
                    .unwrap_or_else(|e| {
                        flaw(absent(e));
                        None
                    });
                let days_past_due = cells
                    .whole(Column::DaysPastDue)
                    .map_err(|e| RowError::invalid(Column::DaysPastDue, format!("{e} of days")))
                    .unwrap_or_else(|e| {
                        flaw(absent(e));
                        None
                    });
                let mut timezones = spare.zones;
                cells.names_reusing(Column::Timezones, &mut timezones);
                if timezones.is_empty() {
                    timezones.clone_from(&self.default_zones);
                }
                for name in &timezones {
                    if !self.zone_known(name) {
                        flaws.push(RowError::invalid(
                            Column::Timezones,
                            format!(
                                "unknown time zone `{name}`: recorded, and denied by `contactguard.zone` (local time cannot be evaluated)"
                            ),
                        ));
                    }
                }
                Item::Attempt {
                    ask: Ask {
                        at,
                        channel,
                        to,
                        role,
                        debt,
                        timezones,
                        place,
                        autodialed,
                        purpose,
                        days_past_due,
                    },
                    result,
                }
            }
            "consent" => Item::Event(Event::Consent(Consent {
                at,
                to: r.need(Column::To)?,
                channel: r.need_wire(Column::Channel)?,
                granted: r
                    .flag(Column::Granted)?
                    .ok_or_else(|| RowError::missing(Column::Granted, what))?,
                kind: r.opt(Column::Kind),
            })),
            "opt_out" => Item::Event(Event::OptOut(OptOut {
                at,
                to: r.need(Column::To)?,
                channel: r.need_wire(Column::Channel)?,
                place: r.opt_wire(Column::Place)?,
            })),
            "cease" => Item::Event(Event::Cease(Cease {
                at,
                to: r.need(Column::To)?,
                debt: r.need(Column::Debt)?,
            })),
            "attorney" => Item::Event(Event::Attorney(AttorneyNotice {
                at,
                to: r.need(Column::To)?,
                debt: r.need(Column::Debt)?,
            })),
            "unreachable" => Item::Event(Event::Unreachable(Unreachable {
                at,
                to: r.need(Column::To)?,
                debt: r.need(Column::Debt)?,
            })),
            "hold" => Item::Event(Event::Hold(Hold {
                at,
                debt: r.need(Column::Debt)?,
                reason: r.need_wire(Column::Reason)?,
                until: instant(cells, Column::Until)?,
            })),
            "prior_consent_to_contact" => {
                Item::Event(Event::PriorConsentToContact(PriorConsentToContact {
                    at,
                    to: r.need(Column::To)?,
                    debt: r.need(Column::Debt)?,
                    until: instant(cells, Column::Until)?,
                    granted: r.flag(Column::Granted)?.unwrap_or(true),
                }))
            }
            "request_contact" => Item::Event(Event::RequestContact(RequestContact {
                at,
                to: r.need(Column::To)?,
                debt: r.opt(Column::Debt),
            })),
            _ => {
                let mut days = Vec::new();
                cells.names(Column::Weekdays, &mut days);
                let weekdays = days
                    .iter()
                    .map(|d| parse_weekday(d).map(str::to_owned))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| RowError::invalid(Column::Weekdays, e))?;
                Item::Event(Event::Inconvenient(Inconvenient {
                    at,
                    to: r.need(Column::To)?,
                    start: r.local_time(Column::Start)?,
                    end: r.local_time(Column::End)?,
                    weekdays,
                    place: r.opt_wire(Column::Place)?,
                    channel: r.opt_wire(Column::Channel)?,
                    until: instant(cells, Column::Until)?,
                }))
            }
        };
        Ok(Parsed { item, flaws })
    }
}

/// A flaw read as an absent value.
fn absent(e: RowError) -> RowError {
    RowError {
        detail: format!("{}; read as absent (the stricter reading)", e.detail),
        ..e
    }
}

fn instant(cells: &impl Cells, column: Column) -> Result<Option<Timestamp>, RowError> {
    match cells.instant(column) {
        Err(e) => Err(RowError::invalid(column, e)),
        Ok(Some(t)) if !storable(t) => Err(RowError::invalid(
            column,
            format!("`{t}` is outside the years 1678 to 2261"),
        )),
        Ok(t) => Ok(t),
    }
}

struct Reader<'c, C> {
    cells: &'c C,
    what: &'static str,
}

impl<C: Cells> Reader<'_, C> {
    fn opt(&self, column: Column) -> Option<String> {
        self.cells
            .text(column)
            .map(|s| trim_cell(&s).to_owned())
            .filter(|s| !s.is_empty())
    }

    fn need(&self, column: Column) -> Result<String, RowError> {
        self.opt(column)
            .ok_or_else(|| RowError::missing(column, self.what))
    }

    /// As [`need`](Reader::need), into `buf` (emptied first).
    #[inline(always)]
    fn need_into(&self, column: Column, mut buf: String) -> Result<String, RowError> {
        let text = self.cells.text(column);
        let t = trimmed(text.as_deref());
        if t.is_empty() {
            return Err(RowError::missing(column, self.what));
        }
        buf.clear();
        buf.push_str(t);
        Ok(buf)
    }

    #[inline(always)]
    fn opt_wire<T: Wire>(&self, column: Column) -> Result<Option<T>, RowError> {
        let text = self.cells.text(column);
        let t = trimmed(text.as_deref());
        if t.is_empty() {
            return Ok(None);
        }
        // The exact wire name, as most cells hold, without the call.
        if let Some(v) = T::exact(t) {
            return Ok(Some(v));
        }
        parse_wire::<T>(t)
            .map(Some)
            .map_err(|e| RowError::invalid(column, e))
    }

    #[inline(always)]
    fn need_wire<T: Wire>(&self, column: Column) -> Result<T, RowError> {
        match self.opt_wire(column) {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(RowError::missing(column, self.what)),
            Err(e) => Err(e),
        }
    }

    fn flag(&self, column: Column) -> Result<Option<bool>, RowError> {
        self.cells
            .flag(column)
            .map_err(|e| RowError::invalid(column, e))
    }

    fn local_time(&self, column: Column) -> Result<Option<String>, RowError> {
        self.opt(column)
            .map(|s| {
                s.parse::<jiff::civil::Time>()
                    .map(|_| s.clone())
                    .map_err(|_| {
                        RowError::invalid(column, format!("`{s}` is not a local time HH:MM[:SS]"))
                    })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_instant, plain_instant, storable, trim_cell};
    use jiff::tz::TimeZone;
    use jiff::Timestamp;

    /// The fast path gives jiff's instant whenever it answers, and
    /// `parse_instant` answers as jiff does for every text: leap years and
    /// century years, month and day edges, fractions of every length,
    /// offsets of both signs, and shapes the fast path leaves to jiff.
    #[test]
    fn plain_instants_read_as_jiff_reads_them() {
        let years = [
            1599, 1600, 1601, 1678, 1699, 1700, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 2261,
            2262, 2399, 2400,
        ];
        let times = [
            "00:00:00", "23:59:59", "12:34:56", "24:00:00", "23:60:00", "23:59:60",
        ];
        let fractions = [
            "",
            ".5",
            ".000000001",
            ".123456789",
            ".1234567890",
            ".",
            ",5",
        ];
        let offsets = [
            "Z",
            "z",
            "+08:00",
            "-05:30",
            "+00:00",
            "-00:00",
            "+23:59",
            "-23:59",
            "+24:00",
            "+05:60",
            "+0800",
            "",
            "+08:00:00",
        ];
        let mut fast = 0;
        for year in years {
            for month in 0..=13 {
                for day in [0, 1, 28, 29, 30, 31, 32] {
                    for time in times {
                        for fraction in fractions {
                            for offset in offsets {
                                let s = format!(
                                    "{year:04}-{month:02}-{day:02}T{time}{fraction}{offset}"
                                );
                                let jiff = s.parse::<Timestamp>();
                                if let Some(t) = plain_instant(s.as_bytes()) {
                                    fast += 1;
                                    assert_eq!(jiff.as_ref().ok(), Some(&t), "{s}");
                                }
                                assert_eq!(parse_instant(&s).ok(), jiff.ok(), "{s}");
                            }
                        }
                    }
                }
            }
        }
        assert!(fast > 10_000, "the fast path read only {fast} texts");
        // Other shapes jiff reads, the fast path leaves alone.
        for s in [
            "2024-02-29t10:00:00+08:00",
            "2024-02-29 10:00:00+08:00",
            "2024-02-29T10:00+08:00",
            "2024-02-29T10:00:00.5-03:00[America/Sao_Paulo]",
            "+002024-02-29T10:00:00Z",
        ] {
            assert!(plain_instant(s.trim().as_bytes()).is_none(), "{s}");
            assert_eq!(
                parse_instant(s).ok(),
                s.trim().parse::<Timestamp>().ok(),
                "{s}"
            );
        }
    }

    /// Instants read through the remembered day are those read afresh
    /// (which `plain_instants_read_as_jiff_reads_them` holds to jiff),
    /// whatever was read before: same and other days, offsets (both signs,
    /// `-00:00`, `Z`), shapes the memo leaves alone (lowercase, a space,
    /// fractions of a second), a change of day, leap days, times out of
    /// range and malformed ones, and blank texts.
    #[test]
    fn remembered_days_read_as_afresh() {
        use super::parse_instant_afresh;
        let texts = [
            "2026-03-01T06:40:40+08:00",
            "2026-03-01T23:59:59+08:00",
            "2026-03-01T00:00:00+08:00",
            "2026-03-01T24:00:00+08:00",
            "2026-03-01T23:60:00+08:00",
            "2026-03-01T23:59:60+08:00",
            "2026-03-01T1a:00:00+08:00",
            "2026-03-01T10:00:00+08:01",
            "2026-03-01T10:00:00-08:00",
            "2026-03-01T10:00:00-00:00",
            "2026-03-01T10:00:00+00:00",
            "2026-03-01T10:00:00Z",
            "2026-03-01T11:00:00Z",
            "2026-03-01t11:00:00Z",
            "2026-03-01T11:00:00z",
            "2026-03-01T11:00:00.5Z",
            "2026-03-01T11:00:01.5Z",
            "2026-03-01T11:00:01,5Z",
            " 2026-03-01T11:00:01Z ",
            "2026-03-01 11:00:01Z",
            "2026-03-01T11:00:01+0800",
            "2026-03-01T11:00+08:00",
            "2026-03-02T11:00:01Z",
            "2026-03-02T00:00:00Z",
            "2026-02-29T10:00:00+08:00",
            "2024-02-29T10:00:00+08:00",
            "2024-02-29T12:30:00+08:00",
            "1500-01-01T00:00:00+08:00",
            "1500-01-01T10:00:00+08:00",
            "9999-12-31T23:59:59-23:59",
            "9999-12-31T23:59:59+23:59",
            "9999-12-31T00:00:00+23:59",
            "-009-12-31T10:00:00+08:00",
            "2026-03-01T10:00:00+08:00[Asia/Shanghai]",
            "",
            "  ",
        ];
        let mut remembered = 0;
        for round in 0..2 {
            for (i, first) in texts.iter().enumerate() {
                // Every text after every other.
                for second in texts.iter().skip(i * round) {
                    for text in [first, second] {
                        let want = parse_instant_afresh(text.trim());
                        if super::day_parts(text.as_bytes()).is_some_and(|(date, time, offset)| {
                            super::LAST_DAY
                                .with(std::cell::Cell::get)
                                .and_then(|last| last.same_day(&date, &time, &offset))
                                .is_some()
                        }) {
                            remembered += 1;
                        }
                        assert_eq!(parse_instant(text), want, "{text:?} after {first:?}");
                    }
                }
            }
        }
        assert!(remembered > 100, "{remembered}");
    }

    /// `time_of_day` reads what a byte-by-byte reading reads: every
    /// byte of valid times replaced by each of a set of bytes.
    #[test]
    fn time_of_day_reads_digits_and_separators_only() {
        use super::time_of_day;
        fn slow(b: &[u8; 8]) -> Option<i64> {
            let text = std::str::from_utf8(b).ok()?;
            let mut parts = text.split(':');
            let mut two = || -> Option<i64> {
                let p = parts.next()?;
                (p.len() == 2 && p.bytes().all(|c| c.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            };
            let (h, m, s) = (two()?, two()?, two()?);
            (text.len() == 8 && h <= 23 && m <= 59 && s <= 59).then_some(h * 3600 + m * 60 + s)
        }
        let probes = [
            0u8, b' ', b'/', b'0', b'1', b'5', b'9', b':', b';', b'?', b'@', b'A', b'Z', b'a',
            0x3F, 0x39, 0x40, 0x2F, 0x7F, 0x80, 0xB0, 0xBA, 0xFF,
        ];
        let mut valid = 0;
        for base in [
            "00:00:00", "23:59:59", "09:30:45", "19:09:39", "24:00:00", "00:60:00",
        ] {
            let base: [u8; 8] = base.as_bytes().try_into().unwrap();
            for i in 0..8 {
                for j in 0..8 {
                    for &x in &probes {
                        for &y in &probes {
                            let mut b = base;
                            b[i] = x;
                            b[j] = y;
                            let want = slow(&b);
                            valid += usize::from(want.is_some());
                            assert_eq!(time_of_day(&b), want, "{b:?}");
                        }
                    }
                }
            }
        }
        assert!(valid > 1000, "{valid}");
    }

    /// Every reader of rows reads instants through the remembered day: the
    /// provided `Cells::instant` gives `parse_instant`'s answers, blank
    /// cells none.
    #[test]
    fn cells_read_instants_as_parse_instant() {
        use super::{Cells, Column};
        for text in [
            "2026-03-01T10:00:00+08:00",
            " 2026-03-01T10:00:05+08:00\t",
            "2026-03-01T10:00:05.25+08:00",
            "2026-03-01T10:61:05+08:00",
            "",
            " ",
        ] {
            let want = if text.trim().is_empty() {
                Ok(None)
            } else {
                parse_instant(text).map(Some)
            };
            assert_eq!(Table(vec![(Column::At, text)]).instant(Column::At), want);
        }
    }

    #[test]
    fn storable_is_the_utc_years_1678_to_2261() {
        let year = |t: Timestamp| TimeZone::UTC.to_datetime(t).year();
        for s in [
            "1677-12-31T23:59:59.999999999Z",
            "1678-01-01T00:00:00Z",
            "1678-01-01T07:59:59+08:00",
            "1678-01-01T08:00:00+08:00",
            "2261-12-31T23:59:59.999999999Z",
            "2262-01-01T00:00:00Z",
            "2261-12-31T20:00:00-04:00",
            "2026-03-01T09:30:00+08:00",
        ] {
            let t: Timestamp = s.parse().unwrap();
            assert_eq!(storable(t), (1678..=2261).contains(&year(t)), "{s}");
        }
    }

    /// Cells from a table of (column, text).
    struct Table(Vec<(super::Column, &'static str)>);

    impl super::Cells for Table {
        fn text(&self, column: super::Column) -> Option<std::borrow::Cow<'_, str>> {
            self.0
                .iter()
                .find(|(c, _)| *c == column)
                .map(|(_, t)| std::borrow::Cow::Borrowed(*t))
        }
    }

    /// Reused buffers give the names `names` appends to an empty list,
    /// whatever they held before (longer, shorter or more lists).
    #[test]
    fn names_from_text_is_names_into_an_empty_list() {
        use super::{names_from_text, Cells, Column};
        let texts = [
            "",
            "  ",
            "Asia/Shanghai",
            " Asia/Shanghai ",
            "America/New_York|America/Chicago",
            "a; b ,c  d",
            "|",
            "Europe/Zürich",
            "x\u{3000}y",
            "a\tb",
            "a\u{c}b",
            "a\u{1}b",
            "x\u{a0}y",
            "UTC",
        ];
        for before in texts {
            for text in texts {
                let mut out = Vec::new();
                names_from_text(Some(before), &mut out);
                names_from_text(Some(text), &mut out);
                let mut want = Vec::new();
                Table(vec![(Column::Timezones, text)]).names(Column::Timezones, &mut want);
                assert_eq!(out, want, "{before:?} then {text:?}");
                // The one-name shortcut splits as `split_list` does.
                let split: Vec<&str> = super::split_list(text.trim()).collect();
                assert_eq!(want, split, "{text:?}");
            }
            let mut out = Vec::new();
            names_from_text(Some(before), &mut out);
            names_from_text(None, &mut out);
            assert!(out.is_empty());
        }
    }

    /// An item given back changes nothing in the items read after it.
    #[test]
    fn recycled_buffers_read_the_same_rows() {
        use super::{Column as C, RowReader};
        let rows = [
            Table(vec![
                (C::At, "2026-03-01T09:30:00+08:00"),
                (C::Channel, "call"),
                (C::To, "  a-long-recipient-name "),
                (C::Role, "debtor"),
                (C::Debt, "L1"),
                (C::Result, "failed"),
                (C::Timezones, "Asia/Shanghai|Asia/Tokyo|Nowhere/Land"),
            ]),
            Table(vec![
                (C::At, "2026-03-01T10:30:00+08:00"),
                (C::Channel, "SMS"),
                (C::To, "b"),
                (C::Role, "debtor"),
                (C::Debt, "a-much-longer-debt-id"),
                (C::Result, "delivered"),
            ]),
            Table(vec![
                (C::At, "2026-03-01T11:30:00+08:00"),
                (C::Type, "cease"),
                (C::To, "b"),
                (C::Debt, "L2"),
            ]),
            Table(vec![
                (C::At, "2026-03-01T12:30:00+08:00"),
                (C::Channel, "call"),
                (C::To, ""),
                (C::Role, "debtor"),
                (C::Debt, "L3"),
                (C::Result, "failed"),
            ]),
            Table(vec![
                (C::At, "2026-03-01T13:30:00+08:00"),
                (C::Channel, "email"),
                (C::To, "c"),
                (C::Role, "debtor"),
                (C::Debt, "L4"),
                (C::Result, "delivered"),
                (C::Timezones, "Europe/Paris"),
            ]),
        ];
        let defaults = vec!["UTC".to_owned()];
        let mut fresh = RowReader::new(defaults.clone());
        let mut reused = RowReader::new(defaults);
        for round in 0..3 {
            for (i, row) in rows.iter().enumerate() {
                let want = fresh.read(row);
                let got = reused.read(row);
                assert_eq!(got, want, "round {round}, row {i}");
                if let Ok(p) = got {
                    reused.recycle(p.item);
                }
            }
        }
    }

    /// `exact` finds each wire name and nothing else; `parse_wire` reads
    /// any ASCII case with whitespace around, and only the wire names.
    #[test]
    fn wire_names_parse_exactly_and_in_any_case() {
        use super::{parse_wire, Wire};
        use crate::model::{AttemptResult, Channel, HoldReason, Place, Purpose, Role};
        fn check<T: Wire + PartialEq + std::fmt::Debug>() {
            let names: Vec<&str> = T::ALL.iter().map(|v| v.wire()).collect();
            for &v in T::ALL {
                let w = v.wire();
                assert_eq!(T::exact(w), Some(v), "{w}");
                for s in [
                    w.to_ascii_uppercase(),
                    format!(" {w}\t"),
                    format!("{w}x"),
                    format!("x{w}"),
                    w[..w.len() - 1].to_owned(),
                    w[1..].to_owned(),
                    // Same length and first byte, another last byte.
                    format!(
                        "{}{}",
                        &w[..w.len() - 1],
                        if w.ends_with('q') { 'z' } else { 'q' }
                    ),
                    String::new(),
                ] {
                    let exact = T::exact(&s);
                    assert_eq!(exact.is_some(), names.contains(&s.as_str()), "{s:?}");
                    let want = T::ALL
                        .iter()
                        .copied()
                        .find(|x| x.wire().eq_ignore_ascii_case(s.trim()));
                    assert_eq!(parse_wire::<T>(&s).ok(), want, "{s:?}");
                }
                let mixed: String = w
                    .chars()
                    .enumerate()
                    .map(|(i, c)| {
                        if i % 2 == 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c
                        }
                    })
                    .collect();
                assert_eq!(parse_wire::<T>(&format!("  {mixed} ")), Ok(v), "{mixed}");
            }
        }
        check::<Channel>();
        check::<Role>();
        check::<Purpose>();
        check::<Place>();
        check::<AttemptResult>();
        check::<HoldReason>();
    }

    /// Whole numbers read as `str::parse` reads the trimmed text, the
    /// digits-only shortcut included (up to and past its 18 digits).
    #[test]
    fn whole_numbers_read_as_parse_reads_them() {
        use super::{Cells, Column};
        for text in [
            "0",
            "14",
            "007",
            " 12 ",
            "123456789012345678",
            "999999999999999999",
            "9223372036854775807",
            "9223372036854775808",
            "99999999999999999999",
            "-5",
            "+5",
            "-9223372036854775808",
            "1 2",
            "1.5",
            "x",
            "\u{661}\u{662}",
            "",
            "  ",
        ] {
            let want = if text.trim().is_empty() {
                Ok(None)
            } else {
                text.trim()
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| format!("`{}` is not a whole number", text.trim()))
            };
            let got = Table(vec![(Column::DaysPastDue, text)]).whole(Column::DaysPastDue);
            assert_eq!(got, want, "{text:?}");
        }
    }

    /// Flags read the listed spellings in any ASCII case, trimmed, and
    /// nothing else.
    #[test]
    fn flags_read_the_listed_spellings_only() {
        use super::parse_flag;
        let spellings = [
            ("true", true),
            ("yes", true),
            ("1", true),
            ("y", true),
            ("t", true),
            ("false", false),
            ("no", false),
            ("0", false),
            ("n", false),
            ("f", false),
        ];
        for (w, want) in spellings {
            for s in [
                w.to_owned(),
                w.to_ascii_uppercase(),
                format!(" {w}\r\n"),
                format!("{}{}", w[..1].to_ascii_uppercase(), &w[1..]),
            ] {
                assert_eq!(parse_flag(&s), Ok(want), "{s:?}");
            }
            for s in [format!("{w}x"), format!("x{w}"), format!("{w} {w}")] {
                assert_eq!(
                    parse_flag(&s),
                    Err(format!("`{}` is not true or false", s.trim())),
                    "{s:?}"
                );
            }
        }
        for s in ["", "2", "-1", "truee", "tru", "on", "off", "\u{a0}"] {
            assert!(parse_flag(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn trim_is_str_trim() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\ta\r\n",
            "\u{a0}a",
            "a\u{3000}",
            "é",
            " é ",
            "\u{b}a",
            "a\u{85}",
            "ab c",
            "\u{7f}",
        ] {
            assert_eq!(trim_cell(s), s.trim(), "{s:?}");
        }
    }
}
