//! Reading a contact log, incrementally: CSV with a header row (split into
//! records by `csv_core`'s reading, [`split`]) or JSON Lines. The reader only turns bytes into cells; the
//! core's [`RowReader`] turns cells into rows by the audit's one set of
//! rules (docs/log-format.md).

use contactguard::audit::{trim_cell as trim, Cells, Column, Parsed, Row, RowError, RowReader};
use contactguard::ErrorCode;
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::io::{BufRead, BufReader, Read};

mod split;

use split::{Record, Records, SplitError};

/// The two log syntaxes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// A row that could not be used, or a cell of a recorded row that could
/// not (a flaw).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    /// `input.invalid` or `input.missing`.
    pub code: ErrorCode,
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

/// The whole log cannot be read (a header without a required column, text
/// that is not in the expected encoding...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogError(pub String);

/// Which rows to keep by their `to` and `debt` cells.
type KeyFilter<'k> = dyn Fn(Option<&str>, Option<&str>) -> bool + 'k;

/// What the reader found next.
#[derive(Debug)]
pub enum Next {
    /// A usable row (its `pos` is its line), with the cells that were
    /// unusable but did not stop it being recorded.
    Row(Row, Vec<RowError>),
    /// A row that cannot be an event.
    Bad(BadRow),
}

const NCOLS: usize = Column::ALL.len();

/// The help line of a log that is not UTF-8.
pub const ENCODING_HELP: &str = "help: a log saved by Excel on Chinese Windows is usually GBK: pass `--encoding gbk` (or `gb18030`)";

/// Reads a log one row at a time.
pub struct LogReader<R: Read> {
    inner: Inner<R>,
    rows: RowReader,
    /// Header names that are not columns of the log format.
    pub ignored_columns: Vec<String>,
}

/// The next CSV record and the line it starts on: `Ok(None)` at the end.
fn read_record<R: Read>(records: &mut Records<R>) -> Result<Option<(Record<'_>, u64)>, LogError> {
    records.next().map_err(|e| match e {
        SplitError::NotUtf8(line) => not_utf8(line),
        SplitError::Io(e) => LogError(format!("cannot read: {e}")),
    })
}

#[expect(
    clippy::large_enum_variant,
    reason = "one per log, never moved while reading"
)]
enum Inner<R: Read> {
    Csv {
        records: Records<R>,
        position: [Option<usize>; NCOLS],
        width: usize,
        one_name: std::cell::RefCell<String>,
    },
    Jsonl {
        reader: BufReader<R>,
        buf: Vec<u8>,
        line: u64,
        bytes: u64,
    },
}

fn not_utf8(line: u64) -> LogError {
    LogError(format!("line {line} is not UTF-8 text\n  {ENCODING_HELP}"))
}

fn is_blank(record: &Record<'_>) -> bool {
    record.iter().all(|f| f.trim().is_empty())
}

impl<R: Read> LogReader<R> {
    /// A reader over `input`; for CSV, reads the header.
    ///
    /// # Errors
    ///
    /// A [`LogError`] for an empty log, a header that lacks a column an
    /// attempt needs or names one twice, or unreadable input.
    pub fn new(
        input: R,
        format: Format,
        default_zones: Vec<String>,
    ) -> Result<LogReader<R>, LogError> {
        let mut ignored_columns = Vec::new();
        let inner = match format {
            Format::Jsonl => Inner::Jsonl {
                reader: BufReader::with_capacity(1 << 16, input),
                buf: Vec::new(),
                line: 0,
                bytes: 0,
            },
            Format::Csv => {
                let mut records = Records::new(input);
                let (record, header_line) = loop {
                    match read_record(&mut records)? {
                        None => {
                            return Err(LogError("the log is empty: expected a header row".into()))
                        }
                        Some((record, line)) if !is_blank(&record) => {
                            break (record.iter().map(str::to_owned).collect::<Vec<_>>(), line)
                        }
                        Some(_) => {}
                    }
                };
                let mut position: [Option<usize>; NCOLS] = [None; NCOLS];
                for (i, name) in record.iter().enumerate() {
                    let name = name.as_str();
                    let lower = name.trim().to_ascii_lowercase();
                    match Column::from_name(name) {
                        Some(c) => {
                            let slot = position
                                .get_mut(c as usize)
                                .ok_or_else(|| LogError("internal column table".into()))?;
                            if slot.is_some() {
                                return Err(LogError(format!(
                                    "line {header_line}: column `{}` appears twice in the header",
                                    c.name()
                                )));
                            }
                            *slot = Some(i);
                        }
                        None => ignored_columns.push(lower),
                    }
                }
                let missing: Vec<String> = Column::FOR_ATTEMPTS
                    .iter()
                    .filter(|c| position.get(**c as usize).is_none_or(Option::is_none))
                    .map(|c| format!("`{}`", c.name()))
                    .collect();
                if !missing.is_empty() {
                    let found: Vec<String> =
                        record.iter().map(|f| format!("`{}`", f.trim())).collect();
                    return Err(LogError(format!(
                        "line {header_line}: the header lacks the column{} {}; found {}\n  help: a contact log needs at, channel, to, role, debt and result (see docs/log-format.md); is the first row a header?",
                        if missing.len() == 1 { "" } else { "s" },
                        missing.join(", "),
                        found.join(", ")
                    )));
                }
                Inner::Csv {
                    width: record.len(),
                    records,
                    position,
                    one_name: std::cell::RefCell::default(),
                }
            }
        };
        Ok(LogReader {
            inner,
            rows: RowReader::new(default_zones),
            ignored_columns,
        })
    }

    /// Whether the text read so far holds a `"`: a CSV log without one
    /// has one record per line, which [`KeyLines`] relies on.
    pub fn saw_quote(&self) -> bool {
        match &self.inner {
            Inner::Csv { records, .. } => records.saw_quote(),
            Inner::Jsonl { .. } => true,
        }
    }

    /// Bytes of (decoded) text read so far.
    pub fn bytes_read(&self) -> u64 {
        match &self.inner {
            Inner::Csv { records, .. } => records.position(),
            Inner::Jsonl { bytes, .. } => *bytes,
        }
    }

    /// Gives back a row's item no longer needed, so that the next attempt
    /// reuses its text buffers ([`RowReader::recycle`]).
    pub fn recycle(&mut self, item: contactguard::audit::Item) {
        self.rows.recycle(item);
    }

    /// The next row, or `None` at the end of the log.
    ///
    /// # Errors
    ///
    /// A [`LogError`] for text that is not UTF-8 or a read that fails.
    pub fn next_row(&mut self) -> Result<Option<Next>, LogError> {
        self.next_kept(None)
    }

    /// The next row whose `to` or `debt` cell `keep` accepts (trimmed;
    /// `None` when empty), skipping the others before they are read into
    /// rows; rows of the wrong width and invalid JSON are skipped too
    /// unless `keep` accepts a row with neither key.
    ///
    /// # Errors
    ///
    /// As [`next_row`](LogReader::next_row).
    pub fn next_row_where(
        &mut self,
        keep: &dyn Fn(Option<&str>, Option<&str>) -> bool,
    ) -> Result<Option<Next>, LogError> {
        self.next_kept(Some(keep))
    }

    /// The next row `keep` accepts (every row when `None`, without looking
    /// at its keys).
    fn next_kept(&mut self, keep: Option<&KeyFilter<'_>>) -> Result<Option<Next>, LogError> {
        fn key(cells: &dyn Cells, c: Column) -> Option<Cow<'_, str>> {
            cells.text(c).filter(|s| !trim(s).is_empty())
        }
        let kept = |cells: &dyn Cells| -> bool {
            keep.is_none_or(|keep| {
                let (to, debt) = (key(cells, Column::To), key(cells, Column::Debt));
                keep(to.as_deref().map(trim), debt.as_deref().map(trim))
            })
        };
        let keyless = || keep.is_none_or(|keep| keep(None, None));
        loop {
            let (line, parsed) = match &mut self.inner {
                Inner::Csv {
                    records,
                    position,
                    width,
                    one_name,
                } => {
                    let Some((record, line)) = read_record(records)? else {
                        return Ok(None);
                    };
                    if record.len() == 1 && is_blank(&record) {
                        continue;
                    }
                    let fits = record.len() == *width;
                    let wanted = if fits {
                        kept(&CsvCells {
                            record,
                            position,
                            one_name,
                        })
                    } else {
                        keyless()
                    };
                    if !wanted {
                        continue;
                    }
                    let parsed = if fits {
                        self.rows.read(&CsvCells {
                            record,
                            position,
                            one_name,
                        })
                    } else {
                        return Ok(Some(Next::Bad(BadRow {
                            code: ErrorCode::InputInvalid,
                            line,
                            message: format!(
                                "expected {width} fields as in the header, found {}",
                                record.len()
                            ),
                        })));
                    };
                    (line, parsed)
                }
                Inner::Jsonl {
                    reader,
                    buf,
                    line,
                    bytes,
                } => {
                    buf.clear();
                    let n = reader
                        .read_until(b'\n', buf)
                        .map_err(|e| LogError(format!("cannot read: {e}")))?;
                    if n == 0 {
                        return Ok(None);
                    }
                    *bytes += n as u64;
                    *line += 1;
                    let mut text = std::str::from_utf8(buf).map_err(|_| not_utf8(*line))?;
                    if *line == 1 {
                        text = text.strip_prefix('\u{feff}').unwrap_or(text);
                    }
                    let text = text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    let parsed = match json_cells(text) {
                        Ok(cells) if !kept(&cells) => continue,
                        Ok(cells) => self.rows.read(&cells),
                        Err(_) if !keyless() => continue,
                        Err(message) => {
                            return Ok(Some(Next::Bad(BadRow {
                                code: ErrorCode::InputInvalid,
                                line: *line,
                                message,
                            })))
                        }
                    };
                    (*line, parsed)
                }
            };
            return Ok(Some(match parsed {
                Ok(Parsed { item, flaws }) => Next::Row(Row { pos: line, item }, flaws),
                Err(e) => Next::Bad(BadRow {
                    code: e.problem.error_code(),
                    line,
                    message: e.to_string(),
                }),
            }));
        }
    }
}

/// Passes on only the lines of a CSV log that may be about some keys:
/// every line up to the header (the first with an ASCII letter or digit),
/// then the lines that hold the last four bytes of one of the keys (the
/// whole key when shorter) anywhere in their text: every line holding a
/// key, and a few others, which the reader then drops by their cells. For a
/// log without a `"` (so each line holds whole records, and every field's
/// text is in it as is), a record whose trimmed `to` or `debt` cell is
/// one of the keys is on a line passed on, so a reader that keeps the
/// records about those keys ([`LogReader::next_row_where`]) keeps the same
/// records, in the same order, without parsing the others. Line numbers
/// are those of the lines passed on, not of the log.
pub struct KeyLines<R> {
    inner: R,
    /// All the keys at once: one pass over the text.
    keys: Keys,
    header_done: bool,
    /// Text read and not yet looked at (an incomplete last line):
    /// `buf[..filled]`.
    buf: Vec<u8>,
    filled: usize,
    /// Lines passed on, not yet read out, from `out_pos`.
    out: Vec<u8>,
    out_pos: usize,
    eof: bool,
    /// Where the keys are in the chunk being looked at (reused).
    hits: Vec<usize>,
}

/// A search for several keys at once.
enum Keys {
    None,
    /// A few keys: a vectorised search for all of them together.
    Packed(aho_corasick::packed::Searcher),
    /// More keys (or no vector instructions): one search per key.
    Each(Vec<memchr::memmem::Finder<'static>>),
}

impl Keys {
    fn new(keys: &[&[u8]]) -> Keys {
        if keys.is_empty() {
            return Keys::None;
        }
        // Leftmost, non-overlapping matches suffice: no key holds a
        // newline, so a match never leaves its line, and a line holding a
        // key holds a match (the one found at or before that key, or one
        // overlapping it).
        if let Some(s) = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder()
            .extend(keys)
            .build()
        {
            return Keys::Packed(s);
        }
        Keys::Each(
            keys.iter()
                .map(|k| memchr::memmem::Finder::new(k).into_owned())
                .collect(),
        )
    }

    /// Where the keys occur in `text`, in order, into `out` (emptied
    /// first); with [`Keys::Packed`], at least one position on every line
    /// holding a key.
    fn starts(&self, text: &[u8], out: &mut Vec<usize>) {
        out.clear();
        match self {
            Keys::None => {}
            Keys::Packed(s) => out.extend(s.find_iter(text).map(|m| m.start())),
            Keys::Each(finders) => {
                for f in finders {
                    out.extend(f.find_iter(text));
                }
                out.sort_unstable();
            }
        }
    }
}

/// How many of a key's last bytes [`KeyLines`] looks for.
const KEY_TAIL: usize = 4;

/// Bytes read from the inner reader at a time.
const KEY_LINES_CHUNK: usize = 1 << 16;

impl<R: Read> KeyLines<R> {
    /// A filter keeping the lines that hold one of `keys` (empty keys are
    /// ignored).
    pub fn new<'k>(inner: R, keys: impl IntoIterator<Item = &'k str>) -> KeyLines<R> {
        // Each key's last bytes: a line holding the key holds them, and
        // they tell keys apart better than a shared prefix (`c01804`,
        // `c01934`) does, which the vectorised search looks at first.
        let mut tails: Vec<&[u8]> = keys
            .into_iter()
            .filter(|k| !k.is_empty())
            .map(|k| {
                let b = k.as_bytes();
                b.get(b.len().saturating_sub(KEY_TAIL)..).unwrap_or(b)
            })
            .collect();
        tails.sort_unstable();
        tails.dedup();
        KeyLines {
            inner,
            keys: Keys::new(&tails),
            header_done: false,
            buf: Vec::new(),
            filled: 0,
            out: Vec::new(),
            out_pos: 0,
            eof: false,
            hits: Vec::new(),
        }
    }

    /// Looks at the complete lines of `buf[..end]` (`end` just after a
    /// newline, or the end of the text) and passes on those kept.
    fn look(&mut self, end: usize) {
        let mut start = 0;
        let Some(text) = self.buf.get(..end) else {
            return;
        };
        while !self.header_done && start < end {
            let stop = memchr::memchr(b'\n', text.get(start..).unwrap_or_default())
                .map_or(end, |i| start + i + 1);
            let line = text.get(start..stop).unwrap_or_default();
            self.out.extend_from_slice(line);
            self.header_done = line.iter().any(u8::is_ascii_alphanumeric);
            start = stop;
        }
        let rest = text.get(start..).unwrap_or_default();
        self.keys.starts(rest, &mut self.hits);
        // Skip the keys on a line already passed on.
        let mut next_line = 0;
        for &at in &self.hits {
            if at >= next_line {
                let head = rest.get(..at).unwrap_or_default();
                let from = memchr::memrchr(b'\n', head).map_or(0, |i| i + 1);
                let to = memchr::memchr(b'\n', rest.get(at..).unwrap_or_default())
                    .map_or(rest.len(), |i| at + i + 1);
                self.out
                    .extend_from_slice(rest.get(from..to).unwrap_or_default());
                next_line = to;
            }
        }
        self.buf.copy_within(end..self.filled, 0);
        self.filled -= end;
    }
}

impl<R: Read> Read for KeyLines<R> {
    fn read(&mut self, dst: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if let Some(pending) = self.out.get(self.out_pos..).filter(|p| !p.is_empty()) {
                let n = pending.len().min(dst.len());
                if let (Some(d), Some(p)) = (dst.get_mut(..n), pending.get(..n)) {
                    d.copy_from_slice(p);
                }
                self.out_pos += n;
                return Ok(n);
            }
            self.out.clear();
            self.out_pos = 0;
            if self.eof {
                return Ok(0);
            }
            let len = self.filled;
            if self.buf.len() < len + KEY_LINES_CHUNK {
                // Zeroed once, reused from then on.
                self.buf.resize(len + KEY_LINES_CHUNK, 0);
            }
            let space = self.buf.get_mut(len..len + KEY_LINES_CHUNK);
            let n = match self.inner.read(space.unwrap_or_default()) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.filled = len + n;
            if n == 0 {
                self.eof = true;
                self.look(self.filled);
            } else if let Some(last) =
                memchr::memrchr(b'\n', self.buf.get(len..self.filled).unwrap_or_default())
            {
                self.look(len + last + 1);
            }
        }
    }
}

/// The cells of one CSV record.
struct CsvCells<'r> {
    record: Record<'r>,
    position: &'r [Option<usize>; NCOLS],
    /// A text whose names are itself (one name), seen last.
    one_name: &'r std::cell::RefCell<String>,
}

impl Cells for CsvCells<'_> {
    #[inline]
    fn text(&self, column: Column) -> Option<Cow<'_, str>> {
        let i = (*self.position.get(column as usize)?)?;
        self.record.get(i).map(Cow::Borrowed)
    }

    fn names_reusing(&self, column: Column, out: &mut Vec<String>) {
        // `names` is the provided one, read from the text; a text known to
        // be one name (its names are itself) is not looked at again.
        let text = self.text(column);
        let t = match text.as_deref() {
            Some(s) => trim(s),
            None => "",
        };
        if !t.is_empty() && *self.one_name.borrow() == t {
            match out.first_mut() {
                Some(first) if first == t => {}
                Some(first) => {
                    first.clear();
                    first.push_str(t);
                }
                None => out.push(t.to_owned()),
            }
            out.truncate(1);
            return;
        }
        contactguard::audit::names_from_text(Some(t), out);
        if let [name] = out.as_slice() {
            if name == t {
                let mut one = self.one_name.borrow_mut();
                one.clear();
                one.push_str(t);
            }
        }
    }
}

/// The cells of one JSON object: keys are column names (any ASCII case),
/// values text, numbers, booleans, null or (for zones and weekdays) lists.
struct JsonCells {
    values: [Option<Value>; NCOLS],
}

fn json_cells(text: &str) -> Result<JsonCells, String> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("invalid JSON: {}", crate::common::bare_json_message(&e)))?;
    let Value::Object(obj) = value else {
        return Err("expected a JSON object".to_owned());
    };
    let mut values: [Option<Value>; NCOLS] = Default::default();
    for (key, v) in obj {
        if let Some(c) = Column::from_name(&key) {
            if let Some(slot) = values.get_mut(c as usize) {
                if slot.is_some() {
                    return Err(format!("`{}` is given twice", c.name()));
                }
                *slot = Some(v);
            }
        }
    }
    Ok(JsonCells { values })
}

impl Cells for JsonCells {
    fn text(&self, column: Column) -> Option<Cow<'_, str>> {
        match self.values.get(column as usize)?.as_ref()? {
            Value::String(s) => Some(Cow::Borrowed(s)),
            Value::Number(n) => Some(Cow::Owned(n.to_string())),
            Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }

    fn names(&self, column: Column, out: &mut Vec<String>) {
        match self.values.get(column as usize).and_then(Option::as_ref) {
            Some(Value::Array(items)) => out.extend(items.iter().map(|v| match v {
                Value::String(s) => s.trim().to_owned(),
                other => other.to_string(),
            })),
            Some(Value::String(s)) => {
                out.extend(contactguard::audit::split_list(s).map(str::to_owned));
            }
            _ => {}
        }
    }
}

/// A log read whole (tests).
#[cfg(test)]
#[derive(Debug, Default)]
pub struct Log {
    /// Usable rows, in log order.
    pub rows: Vec<Row>,
    /// Rows that could not be used, in line order.
    pub bad: Vec<BadRow>,
    /// Unusable cells of recorded rows.
    pub flaws: Vec<BadRow>,
}

/// Reads a whole log from text.
///
/// # Errors
///
/// As [`LogReader::new`] and [`LogReader::next_row`].
#[cfg(test)]
pub fn read_all(text: &str, format: Format) -> Result<Log, LogError> {
    let mut reader = LogReader::new(text.as_bytes(), format, Vec::new())?;
    let mut log = Log::default();
    while let Some(next) = reader.next_row()? {
        match next {
            Next::Row(row, flaws) => {
                log.flaws.extend(flaws.into_iter().map(|f| BadRow {
                    code: f.problem.error_code(),
                    line: row.pos,
                    message: f.to_string(),
                }));
                log.rows.push(row);
            }
            Next::Bad(b) => log.bad.push(b),
        }
    }
    Ok(log)
}

#[cfg(test)]
mod tests {
    use super::*;
    use contactguard::audit::Item;
    use contactguard::{Event, Purpose};

    const HEADER: &str = "at,type,channel,to,role,debt,result,timezone,purpose\n";

    fn csv(body: &str) -> Log {
        read_all(&format!("{HEADER}{body}"), Format::Csv).unwrap()
    }

    #[test]
    fn reads_attempts_and_events() {
        let log = csv(
            "2026-03-02T10:00:00+08:00,,call,c1,debtor,L1,no_answer,Asia/Shanghai,collection\n\
             2026-03-01T10:00:00+08:00,hold,,,,L1,,,\n",
        );
        assert_eq!(log.bad.len(), 1, "a hold without a reason: {:?}", log.bad);
        assert_eq!(log.bad[0].line, 3);
        assert_eq!(log.rows.len(), 1);
        let Item::Attempt { ask, .. } = &log.rows[0].item else {
            panic!("expected an attempt")
        };
        assert_eq!(ask.to, "c1");
        assert_eq!(ask.timezones, ["Asia/Shanghai"]);
        assert_eq!(ask.purpose, Some(Purpose::Collection));
    }

    #[test]
    fn quoted_fields_crlf_and_bom() {
        let text = "\u{feff}at,channel,to,role,debt,result\r\n\"2026-03-01T10:00:00Z\",sms,\"a,\"\"b\"\"\",debtor,L1,delivered\r\n";
        let log = read_all(text, Format::Csv).unwrap();
        assert!(log.bad.is_empty(), "{:?}", log.bad);
        let Item::Attempt { ask, .. } = &log.rows[0].item else {
            panic!()
        };
        assert_eq!(ask.to, "a,\"b\"");
        assert_eq!(log.rows[0].pos, 2);
    }

    #[test]
    fn bad_rows_name_line_and_field_and_flaws_are_recorded() {
        let log = csv("2026-03-01T10:00:00+08:00,,smss,c1,debtor,L1,delivered,,\n\
             2026-03-01 10:00,,sms,c1,debtor,L1,delivered,,\n\
             2026-03-01T10:00:00+08:00,,sms,c1,debtor,L1,delivered,Mars/Base,\n\
             2026-03-01T10:00:00+08:00,,sms\n\
             \n\
             2026-03-01T10:00:00+08:00,,sms,\"c\n2\",debtor,L1,delivered,,\n\
             2026-03-01T10:00:00+08:00,,sms,c1,debtor,L1,delivered,,\n");
        let lines: Vec<u64> = log.bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, [2, 3, 5]);
        assert!(
            log.bad[0]
                .message
                .contains("`channel`: unknown value `smss`"),
            "{}",
            log.bad[0]
        );
        assert!(log.bad[1].message.contains("`at`"), "{}", log.bad[1]);
        assert!(
            log.bad[2].message.contains("expected 9 fields"),
            "{}",
            log.bad[2]
        );
        // The unknown zone is a flaw: the row is recorded.
        let rows: Vec<u64> = log.rows.iter().map(|r| r.pos).collect();
        assert_eq!(rows, [4, 7, 9]);
        assert_eq!(log.flaws.len(), 1);
        assert!(
            log.flaws[0].message.contains("Mars/Base"),
            "{:?}",
            log.flaws
        );
    }

    #[test]
    fn not_utf8_names_the_line_with_crlf_too() {
        let mut bytes = b"at,channel,to,role,debt,result\r\n".to_vec();
        bytes.extend_from_slice(b"2026-03-01T10:00:00Z,sms,c1,debtor,L1,delivered\r\n");
        bytes.extend_from_slice(b"2026-03-01T10:00:00Z,sms,\xd5\xc5,debtor,L1,delivered\r\n");
        let mut reader = LogReader::new(bytes.as_slice(), Format::Csv, Vec::new()).unwrap();
        assert!(matches!(reader.next_row(), Ok(Some(Next::Row(..)))));
        let err = reader.next_row().unwrap_err();
        assert!(err.0.starts_with("line 3 is not UTF-8 text"), "{}", err.0);
    }

    /// Every row names the line it starts on, whatever ends the lines,
    /// with blank lines, newlines inside quoted cells, a BOM and a last
    /// line with or without its end; and so does a row that is not UTF-8.
    #[test]
    fn rows_name_their_lines() {
        for end in ["\n", "\r\n"] {
            for last_end in [true, false] {
                for bom in ["", "\u{feff}"] {
                    let mut text = format!("{bom}{end}{end}at,channel,to,role,debt,result{end}");
                    let mut want = Vec::new();
                    for i in 0..12 {
                        if i % 3 == 1 {
                            text.push_str(end);
                        }
                        if i % 4 == 2 {
                            text.push_str(&format!(" ,{end}"));
                        }
                        want.push(text.matches('\n').count() as u64 + 1);
                        let to = if i % 5 == 3 {
                            format!("\"c{end}{i}\"")
                        } else {
                            format!("c{i}")
                        };
                        text.push_str(&format!(
                            "2026-03-01T10:00:{i:02}Z,sms,{to},debtor,L1,delivered"
                        ));
                        if i < 11 || last_end {
                            text.push_str(end);
                        }
                    }
                    let log = read_all(&text, Format::Csv).unwrap();
                    // The rows ` ,` have the wrong width: bad rows, with
                    // their lines too.
                    let rows: Vec<u64> = log.rows.iter().map(|r| r.pos).collect();
                    assert_eq!(rows, want, "{text:?}");
                    for bad in &log.bad {
                        let line = text.split('\n').nth(bad.line as usize - 1).unwrap();
                        assert_eq!(line.trim_end_matches('\r'), " ,", "{text:?}");
                    }
                    // The same log with a row that is not UTF-8 at the end.
                    let mut bytes = text.into_bytes();
                    if !last_end {
                        bytes.extend_from_slice(end.as_bytes());
                    }
                    bytes.extend_from_slice(end.as_bytes());
                    let line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
                    bytes.extend_from_slice(
                        b"2026-03-01T10:00:00Z,sms,\xd5\xc5,debtor,L1,delivered",
                    );
                    let mut reader =
                        LogReader::new(bytes.as_slice(), Format::Csv, Vec::new()).unwrap();
                    let err = loop {
                        match reader.next_row() {
                            Ok(Some(_)) => {}
                            Ok(None) => panic!("no error"),
                            Err(e) => break e,
                        }
                    };
                    assert!(
                        err.0.starts_with(&format!("line {line} is not UTF-8")),
                        "{}",
                        err.0
                    );
                }
            }
        }
    }

    #[test]
    fn not_utf8_suggests_an_encoding() {
        let mut bytes = HEADER.as_bytes().to_vec();
        bytes.extend_from_slice(b"2026-03-01T10:00:00+08:00,,sms,\xd5\xc5,debtor,L1,delivered,,\n");
        let mut reader = LogReader::new(bytes.as_slice(), Format::Csv, Vec::new()).unwrap();
        let err = reader.next_row().unwrap_err();
        assert!(err.0.starts_with("line 2 is not UTF-8 text"), "{}", err.0);
        assert!(err.0.contains("--encoding gbk"), "{}", err.0);
    }

    #[test]
    fn missing_columns_are_named() {
        let err = LogReader::new("time,channel,to\n".as_bytes(), Format::Csv, Vec::new())
            .err()
            .unwrap();
        assert!(
            err.0.contains("`at`, `role`, `debt`, `result`"),
            "{}",
            err.0
        );
    }

    /// The rows about `keys` of a log read whole, and read through
    /// [`KeyLines`]: the same items in the same order.
    fn about(text: &str, keys: &[&str], filtered: bool) -> Vec<Item> {
        let keep = |to: Option<&str>, debt: Option<&str>| {
            to.is_some_and(|t| keys.contains(&t)) || debt.is_some_and(|d| keys.contains(&d))
        };
        let mut out = Vec::new();
        let mut push = |next| {
            if let Next::Row(row, _) = next {
                let (to, debt) = row.item.keys();
                if keep(to, debt) {
                    out.push(row.item);
                }
            }
        };
        if filtered {
            let input = KeyLines::new(text.as_bytes(), keys.iter().copied());
            let mut reader = LogReader::new(input, Format::Csv, Vec::new()).unwrap();
            while let Some(next) = reader.next_row_where(&keep).unwrap() {
                push(next);
            }
        } else {
            let mut reader = LogReader::new(text.as_bytes(), Format::Csv, Vec::new()).unwrap();
            while let Some(next) = reader.next_row().unwrap() {
                push(next);
            }
        }
        out
    }

    #[test]
    fn key_lines_keep_the_rows_about_the_keys() {
        // Blank lines before the header, CRLF, keys inside other cells and
        // as part of longer keys, events, a last line without a newline,
        // and enough text to cross the filter's 64 KiB chunks.
        let mut text =
            String::from("\r\n , \r\nat,type,channel,to,role,debt,result,timezone,reason\r\n");
        for i in 0..3000 {
            // Some keys longer than the four bytes looked for, sharing them.
            let to = if i % 7 == 0 {
                format!("cust{:05}", i % 41 + (i % 3) * 10_000)
            } else {
                format!("c{}", i % 37)
            };
            let debt = format!("L{}", i % 53);
            let minute = i % 60;
            text.push_str(&format!(
                "2026-03-01T10:{minute:02}:00+08:00,,sms,{to}, debtor ,{debt},delivered,Asia/Shanghai,\r\n"
            ));
            if i % 101 == 0 {
                text.push_str(&format!(
                    "2026-03-01T11:00:00+08:00,hold,,,,{debt},,,complaint\n\n"
                ));
            }
        }
        text.push_str("2026-03-02T10:00:00+08:00,,sms,c1,debtor,L9,delivered,c3,");
        for keys in [
            &["c1"][..],
            &["c3", "L9"],
            &["L5", "c36", "nobody"],
            &["c1", "L1"],
            // Keys inside one another and overlapping on a line.
            &["c13", "c1", "3,", "L13", "L1"],
            &["1", "c10", "L10", "10"],
            &["cust00005", "cust10040", "c1"],
        ] {
            let whole = about(&text, keys, false);
            assert!(!whole.is_empty(), "{keys:?}");
            assert_eq!(about(&text, keys, true), whole, "{keys:?}");
        }
        // More keys than one vectorised search takes: one search per key.
        let many: Vec<String> = (0..200).map(|i| format!("c{}", i * 3)).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(matches!(
            KeyLines::new(&b""[..], many.iter().copied()).keys,
            Keys::Each(_)
        ));
        let whole = about(&text, &many, false);
        assert!(!whole.is_empty());
        assert_eq!(about(&text, &many, true), whole);
        assert!(about(&text, &["nobody"], true).is_empty());
    }

    #[test]
    fn key_lines_pass_on_only_the_header_and_the_lines_with_a_key() {
        let text = "\nat,to,debt\n1,a,x\n2,b,y\n3,ab,z\n4,c,y";
        let mut out = String::new();
        KeyLines::new(text.as_bytes(), ["b", "z"])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "\nat,to,debt\n2,b,y\n3,ab,z\n");
        let mut out = String::new();
        KeyLines::new(text.as_bytes(), ["y"])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "\nat,to,debt\n2,b,y\n4,c,y");
        // A longer key is looked for by its last four bytes: the lines
        // that end like it pass too (the reader drops them by their
        // cells), the others do not.
        let text = "at,to,debt\n1,c01804,L01804\n2,c11804,L2\n3,c01805,L01805\n4,c9,L01804\n";
        let mut out = String::new();
        KeyLines::new(text.as_bytes(), ["c01804"])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(
            out,
            "at,to,debt\n1,c01804,L01804\n2,c11804,L2\n4,c9,L01804\n"
        );
    }

    /// Zones read through the remembered one name are those
    /// `names_from_text` reads into an empty list, whatever came before.
    #[test]
    fn csv_names_read_as_names_from_text_reads_them() {
        let texts = [
            "Asia/Shanghai",
            " Asia/Shanghai ",
            "Asia/Shanghai",
            "Asia/Shanghai|Asia/Tokyo",
            "Asia/Tokyo",
            "Europe/Z\u{fc}rich",
            "Europe/Z\u{fc}rich",
            "a,",
            "a",
            "x\u{3000}y",
            "x\u{a0}y",
            "",
            "  ",
            "UTC",
        ];
        let position: [Option<usize>; NCOLS] =
            std::array::from_fn(|i| (i == Column::Timezones as usize).then_some(0));
        let one_name = std::cell::RefCell::default();
        let mut out = Vec::new();
        for first in texts {
            for second in texts {
                for text in [first, second, second] {
                    let ends = [text.len()];
                    let cells = CsvCells {
                        record: Record::plain(text, &ends),
                        position: &position,
                        one_name: &one_name,
                    };
                    cells.names_reusing(Column::Timezones, &mut out);
                    let mut want = Vec::new();
                    contactguard::audit::names_from_text(Some(text), &mut want);
                    assert_eq!(out, want, "{text:?} after {first:?}");
                }
            }
        }
    }

    #[test]
    fn jsonl_rows_use_the_same_rules() {
        let text = r#"{"at":"2026-03-01T10:00:00+08:00","channel":"call","to":"c1","role":"debtor","debt":"L1","result":"no_answer","timezones":["Asia/Shanghai","Asia/Urumqi"],"purpose":"location","days_past_due":12}
{"type":"hold","at":"2026-03-01T09:00:00+08:00","debt":"L1","reason":"complaint","until":null}

{"type":"hold","at":"2026-03-01T09:00:00+08:00","debt":"L1"}
not json
"#;
        let log = read_all(text, Format::Jsonl).unwrap();
        assert_eq!(log.rows.len(), 2);
        assert!(matches!(log.rows[1].item, Item::Event(Event::Hold(_))));
        let Item::Attempt { ask, .. } = &log.rows[0].item else {
            panic!()
        };
        assert_eq!(ask.timezones.len(), 2);
        assert_eq!(ask.days_past_due, Some(12));
        let lines: Vec<u64> = log.bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, [4, 5]);
    }
}
