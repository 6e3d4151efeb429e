//! Splitting CSV text into records: one reading, `csv_core`'s (as the
//! `csv` crate configures it by default: `,`, `"` quoting with `""`
//! escapes, `\n`, `\r` or `\r\n` ending a record, blank lines skipped, a
//! UTF-8 BOM at the start dropped), with a shortcut for the lines where
//! that reading is plain.
//!
//! A line that holds no `"` and no `\r` (most lines of most logs) is read
//! directly: its fields are the text between its commas, as `csv_core`
//! reads them. Any other record (from its first byte to its end,
//! however many lines its quoted fields span) is read by `csv_core`
//! itself. Both start at the same place: the first byte of a record,
//! after the `\r` and `\n` that `csv_core` skips there (blank lines, the
//! `\n` of a `\r\n`), so the records are `csv_core`'s whichever reads
//! them; the tests hold them to the `csv` crate's records and lines over
//! generated text.

use std::io::Read;

/// Bytes read from the input at a time.
const CHUNK: usize = 1 << 16;

/// Splits a CSV text into records, one at a time, each with the line it
/// starts on.
pub(super) struct Records<R> {
    inner: R,
    /// Text read: `buf[start..end]` is not read into records yet.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Whether the input has ended.
    eof: bool,
    /// Bytes dropped from the front of `buf` so far.
    dropped: u64,
    /// The line of `buf[start]` (1-based).
    line: u64,
    /// The first `"` or `\r` at or after `start` in `buf[..scanned]`, or
    /// `scanned` when there is none.
    special: usize,
    scanned: usize,
    /// Whether any `"` was read.
    quote: bool,
    /// The reader of records that are not plain lines.
    core: csv_core::Reader,
    /// The record read last: its text, and where each field ends in it.
    /// For a plain line, the text is the line and each field but the last
    /// ends at a comma (the next starts after it); for a record read by
    /// `csv_core`, the text is the fields' text one after the other.
    text: Vec<u8>,
    ends: Vec<usize>,
    /// Whether the record read last is a plain line (its text is in
    /// `buf[line_at..line_at + ends.last()]`).
    plain: bool,
    line_at: usize,
    /// Whether the first record was looked for (and a BOM dropped).
    begun: bool,
}

/// Appends to `ends` where the commas of `text` before its first `\n`
/// are, and gives where that `\n` is (`None` without one, when `ends`
/// has every comma of `text`). Eight bytes at a time: a byte of a word
/// is a comma when it is zero in the word XOR eight commas.
#[inline]
fn commas_to_newline(text: &[u8], ends: &mut Vec<usize>) -> Option<usize> {
    const LOW: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const COMMAS: u64 = 0x2C2C_2C2C_2C2C_2C2C;
    const NEWLINES: u64 = 0x0A0A_0A0A_0A0A_0A0A;
    /// The high bit of each zero byte of `x`, and no other bit.
    #[inline]
    fn zero_bytes(x: u64) -> u64 {
        !(((x & LOW) + LOW) | x | LOW)
    }
    let mut words = text.chunks_exact(8);
    let mut base = 0;
    for word in &mut words {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes);
        let newlines = zero_bytes(w ^ NEWLINES);
        let mut commas = zero_bytes(w ^ COMMAS);
        let stop = newlines.trailing_zeros();
        if stop < 64 {
            // The commas before the newline only (`stop` is 7, 15, ... 63).
            commas &= (1u64 << (stop - 7)) - 1;
        }
        while commas != 0 {
            ends.push(base + (commas.trailing_zeros() / 8) as usize);
            commas &= commas - 1;
        }
        if stop < 64 {
            return Some(base + (stop / 8) as usize);
        }
        base += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        match b {
            b'\n' => return Some(base + i),
            b',' => ends.push(base + i),
            _ => {}
        }
    }
    None
}

/// One record's text (checked UTF-8) and fields.
#[derive(Clone, Copy, Debug)]
pub(super) struct Record<'r> {
    text: &'r str,
    ends: &'r [usize],
    /// Bytes between one field's end and the next field's start: 1 (a
    /// comma) for a plain line, 0 for a record `csv_core` read.
    gap: usize,
}

impl<'r> Record<'r> {
    /// The fields of a line split at its commas, ending at `ends` (tests).
    #[cfg(test)]
    pub(super) fn plain(text: &'r str, ends: &'r [usize]) -> Record<'r> {
        Record { text, ends, gap: 1 }
    }

    /// How many fields.
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i`.
    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<&'r str> {
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(j) => self.ends.get(j)? + self.gap,
            None => 0,
        };
        self.text.get(start..end)
    }

    /// Every field, in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &'r str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// What went wrong reading a record.
#[derive(Debug)]
pub(super) enum SplitError {
    /// The record starting on this line is not UTF-8 text.
    NotUtf8(u64),
    /// The input could not be read.
    Io(std::io::Error),
}

impl<R: Read> Records<R> {
    pub(super) fn new(inner: R) -> Records<R> {
        let mut core = csv_core::Reader::new();
        // `csv_core` drops a BOM at the start of the first text it is
        // given, which here may be a later record: the BOM at the start of
        // the input is dropped below instead, and a first call on a blank
        // line (which `csv_core` skips, leaving it at a record's start)
        // tells it the text has begun.
        let _ = core.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
        Records {
            inner,
            buf: Vec::new(),
            start: 0,
            end: 0,
            eof: false,
            dropped: 0,
            line: 1,
            special: 0,
            scanned: 0,
            quote: false,
            core,
            text: Vec::new(),
            ends: Vec::new(),
            plain: false,
            line_at: 0,
            begun: false,
        }
    }

    /// Whether any `"` was read so far.
    pub(super) fn saw_quote(&self) -> bool {
        self.quote
    }

    /// Bytes read into records so far.
    pub(super) fn position(&self) -> u64 {
        self.dropped + self.start as u64
    }

    /// Reads more text into `buf` (keeping `buf[start..end]`), or notes
    /// the end of the input.
    fn fill(&mut self) -> std::io::Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.dropped += self.start as u64;
            self.end -= self.start;
            self.start = 0;
            // Looked for again from the start.
            self.special = 0;
            self.scanned = 0;
        }
        if self.buf.len() < self.end + CHUNK {
            self.buf.resize(self.end + CHUNK, 0);
        }
        loop {
            let space = self.buf.get_mut(self.end..).unwrap_or_default();
            match self.inner.read(space) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    let read = self.buf.get(self.end..self.end + n).unwrap_or_default();
                    self.quote = self.quote || memchr::memchr(b'"', read).is_some();
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Where the first `"` or `\r` at or after `start` is (`end` when
    /// there is none in the text read).
    #[inline]
    fn next_special(&mut self) -> usize {
        if self.special < self.start {
            // Passed: none is known between `start` and itself.
            self.special = self.start;
            self.scanned = self.start;
        }
        if self.special == self.scanned && self.scanned < self.end {
            let from = self.scanned;
            let rest = self.buf.get(from..self.end).unwrap_or_default();
            self.special = memchr::memchr2(b'"', b'\r', rest).map_or(self.end, |i| from + i);
            self.scanned = self.end;
        }
        self.special
    }

    /// Reads the next record: `Ok(None)` at the end of the text.
    ///
    /// # Errors
    ///
    /// [`SplitError::NotUtf8`] for a record that is not UTF-8 (with the
    /// line it starts on), [`SplitError::Io`] for a failed read.
    pub(super) fn next(&mut self) -> Result<Option<(Record<'_>, u64)>, SplitError> {
        if !self.begun {
            self.begun = true;
            // The BOM at the start of the text, as `csv_core` drops it.
            while self.end < 3 && !self.eof {
                self.fill().map_err(SplitError::Io)?;
            }
            if self
                .buf
                .get(..self.end)
                .is_some_and(|b| b.starts_with(b"\xef\xbb\xbf"))
            {
                self.start = 3;
            }
        }
        // Skip what `csv_core` skips before a record: `\r` and `\n`.
        loop {
            let rest = self.buf.get(self.start..self.end).unwrap_or_default();
            let blank = rest
                .iter()
                .position(|&b| b != b'\n' && b != b'\r')
                .unwrap_or(rest.len());
            self.line += rest
                .get(..blank)
                .unwrap_or_default()
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            self.start += blank;
            if self.start < self.end {
                break;
            }
            if self.eof {
                return Ok(None);
            }
            self.fill().map_err(SplitError::Io)?;
        }
        let line = self.line;
        // The record's line, whole, and the commas in it.
        self.ends.clear();
        let newline = loop {
            let rest = self.buf.get(self.start..self.end).unwrap_or_default();
            match commas_to_newline(rest, &mut self.ends) {
                Some(i) => break self.start + i,
                None if self.eof => break self.end,
                None => {
                    self.ends.clear();
                    self.fill().map_err(SplitError::Io)?;
                }
            }
        };
        // A line without `"` or `\r`, but for the `\r` of a `\r\n` or of
        // the text's end (which ends the record as its `\n` would).
        let special = self.next_special();
        let stop = match special.checked_add(1) {
            Some(after) if after == newline && self.buf.get(special) == Some(&b'\r') => {
                Some(special)
            }
            _ if special >= newline => Some(newline),
            _ => None,
        };
        if let Some(stop) = stop {
            self.ends.push(stop - self.start);
            self.plain = true;
            self.line_at = self.start;
            self.start = (newline + 1).min(self.end);
            self.line += 1;
        } else {
            self.read_quoted()?;
        }
        let (text, gap) = if self.plain {
            let len = self.ends.last().copied().unwrap_or(0);
            let text = self
                .buf
                .get(self.line_at..self.line_at + len)
                .unwrap_or_default();
            (text, 1)
        } else {
            (self.text.as_slice(), 0)
        };
        let text = std::str::from_utf8(text).map_err(|_| SplitError::NotUtf8(line))?;
        if gap == 0 && !self.ends.iter().all(|&e| text.is_char_boundary(e)) {
            return Err(SplitError::NotUtf8(line));
        }
        Ok(Some((
            Record {
                text,
                ends: &self.ends,
                gap,
            },
            line,
        )))
    }

    /// Reads the record at `start` with `csv_core`, into `text` and
    /// `ends`, counting the lines it spans.
    fn read_quoted(&mut self) -> Result<(), SplitError> {
        use csv_core::ReadRecordResult as R;
        self.plain = false;
        let room = self.text.capacity().max(1024);
        self.text.resize(room, 0);
        if self.ends.len() < 64 {
            self.ends.resize(64, 0);
        }
        let (mut out, mut nends) = (0, 0);
        loop {
            let input = self.buf.get(self.start..self.end).unwrap_or_default();
            let (result, nin, nout, nend) = self.core.read_record(
                input,
                self.text.get_mut(out..).unwrap_or_default(),
                self.ends.get_mut(nends..).unwrap_or_default(),
            );
            let consumed = input.get(..nin).unwrap_or_default();
            self.line += consumed.iter().filter(|&&b| b == b'\n').count() as u64;
            self.start += nin;
            out += nout;
            nends += nend;
            match result {
                R::InputEmpty => {
                    if self.eof && self.start >= self.end {
                        // Past the end: `csv_core` ends the record on an
                        // empty input.
                        let (result, _, nout, nend) = self.core.read_record(
                            &[],
                            self.text.get_mut(out..).unwrap_or_default(),
                            self.ends.get_mut(nends..).unwrap_or_default(),
                        );
                        out += nout;
                        nends += nend;
                        if matches!(result, R::OutputFull | R::OutputEndsFull) {
                            self.grow(result);
                            continue;
                        }
                        break;
                    }
                    if self.start >= self.end {
                        self.fill().map_err(SplitError::Io)?;
                    }
                }
                R::OutputFull | R::OutputEndsFull => self.grow(result),
                R::Record | R::End => break,
            }
        }
        self.text.truncate(out);
        self.ends.truncate(nends);
        // Ends are offsets into the whole text (`csv_core` counts them from
        // the output it was given).
        Ok(())
    }

    fn grow(&mut self, result: csv_core::ReadRecordResult) {
        if matches!(result, csv_core::ReadRecordResult::OutputFull) {
            let n = self.text.len().max(1024) * 2;
            self.text.resize(n, 0);
        } else {
            let n = self.ends.len().max(64) * 2;
            self.ends.resize(n, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{commas_to_newline, Records, SplitError};
    use std::collections::VecDeque;
    use std::io::Read;

    /// The reading before this one, as the reference: the `csv` crate
    /// (no headers, flexible), with each record's line found from the
    /// newlines `csv` consumed, the carriage returns and quotes read.
    struct Lines<R> {
        inner: R,
        read: u64,
        returns: VecDeque<u64>,
        quote: bool,
        ended: bool,
    }

    impl<R: Read> Read for Lines<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            let start = self.read;
            for (i, &b) in buf[..n].iter().enumerate() {
                if b == b'\r' {
                    self.returns.push_back(start + i as u64);
                }
                self.quote |= b == b'"';
            }
            self.ended |= n == 0 && !buf.is_empty();
            self.read += n as u64;
            Ok(n)
        }
    }

    /// Records and their lines, or the line of the first record that is
    /// not UTF-8, as the `csv` crate reads `text`.
    fn by_csv(text: &[u8]) -> (Vec<(Vec<String>, u64)>, Option<u64>) {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(Lines {
                inner: text,
                read: 0,
                returns: VecDeque::new(),
                quote: false,
                ended: false,
            });
        let mut out = Vec::new();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).unwrap() {
            let position = reader.position();
            let (end, consumed) = (position.byte(), position.line());
            let lines = reader.get_mut();
            let inside = if lines.quote {
                record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64
            } else {
                0
            };
            while lines
                .returns
                .front()
                .is_some_and(|&r| r < end.saturating_sub(1))
            {
                lines.returns.pop_front();
            }
            let own = end > 0 && !lines.ended && lines.returns.front() != Some(&(end - 1));
            let line = consumed.saturating_sub(inside + u64::from(own)).max(1);
            match csv::StringRecord::from_byte_record(record.clone()) {
                Ok(r) => out.push((r.iter().map(str::to_owned).collect(), line)),
                Err(_) => return (out, Some(line)),
            }
        }
        (out, None)
    }

    /// A reader giving at most `sizes[i]` bytes at its `i`-th read (in a
    /// cycle): records cross the buffer's refills anywhere.
    struct Trickle<'a> {
        text: &'a [u8],
        sizes: Vec<usize>,
        n: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let size = self.sizes[self.n % self.sizes.len()];
            self.n += 1;
            let k = size.min(buf.len()).min(self.text.len());
            buf[..k].copy_from_slice(&self.text[..k]);
            self.text = &self.text[k..];
            Ok(k)
        }
    }

    fn by_records(text: &[u8], sizes: Vec<usize>) -> (Vec<(Vec<String>, u64)>, Option<u64>) {
        let mut records = Records::new(Trickle { text, sizes, n: 0 });
        let mut out = Vec::new();
        loop {
            match records.next() {
                Ok(Some((r, line))) => out.push((r.iter().map(str::to_owned).collect(), line)),
                Ok(None) => return (out, None),
                Err(SplitError::NotUtf8(line)) => return (out, Some(line)),
                Err(SplitError::Io(e)) => panic!("{e}"),
            }
        }
    }

    /// Generated texts of commas, quotes (doubled, unclosed, inside
    /// fields), `\n`, `\r`, `\r\n`, `\r\r\n`, blank lines, spaces,
    /// multibyte and invalid UTF-8, BOMs at the start and later, with and
    /// without a last newline, read in pieces of many sizes: the same
    /// records, lines and errors as the `csv` crate's.
    #[test]
    fn records_are_the_csv_crates() {
        const TOKENS: &[&[u8]] = &[
            b"a",
            b"bc",
            b"2026-03-01T10:00:00+08:00",
            b",",
            b",",
            b",",
            b"\"",
            b"\"\"",
            b"\n",
            b"\n",
            b"\r",
            b"\r\n",
            b"\r\n",
            b"\r\r\n",
            b"\n\n",
            b" ",
            "\u{e9}".as_bytes(),
            "\u{4e2d}\u{6587}".as_bytes(),
            "\u{feff}".as_bytes(),
            b"\xff",
            b"\xc3",
            b"\xa9",
            b"x,y,z,w,v,u,t,s,r,q",
            b"0123456789abcdef",
        ];
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut plain = 0;
        for case in 0..8_000 {
            let mut text = Vec::new();
            if next() % 4 == 0 {
                text.extend_from_slice("\u{feff}".as_bytes());
            }
            // Mostly clean text, as logs are, with now and then a rarer
            // token.
            let clean = next() % 3 != 0;
            let n = next() % 60;
            for _ in 0..n {
                let t = if clean {
                    [0, 1, 2, 3, 4, 8, 15, 22, 23][(next() % 9) as usize]
                } else {
                    (next() % TOKENS.len() as u64) as usize
                };
                text.extend_from_slice(TOKENS[t]);
            }
            if clean && next() % 2 == 0 {
                text.push(b'\n');
            }
            let want = by_csv(&text);
            plain += usize::from(!text.contains(&b'"') && !text.contains(&b'\r'));
            for sizes in [
                vec![1 << 20],
                vec![1],
                vec![2, 3, 1, 7],
                vec![(case % 13) + 1],
            ] {
                assert_eq!(
                    by_records(&text, sizes.clone()),
                    want,
                    "{:?} read by {sizes:?}",
                    String::from_utf8_lossy(&text)
                );
            }
        }
        assert!(plain > 2_000, "{plain}");
    }

    /// Long texts: records across the 64 KiB refills, long quoted fields.
    #[test]
    fn long_texts_read_as_csv_reads_them() {
        let mut text = Vec::new();
        for i in 0..20_000 {
            match i % 500 {
                7 => text.extend_from_slice(b"\"a long\n\"\"quoted\"\" field,\",x\r\n"),
                9 => text.extend_from_slice(&[b'y'; 5000]),
                11 => text.extend_from_slice(b"\r"),
                _ => text.extend_from_slice(format!("r{i},{},c,\n", i * 7).as_bytes()),
            }
        }
        let want = by_csv(&text);
        assert!(want.0.len() > 19_000);
        assert_eq!(by_records(&text, vec![1 << 16]), want);
        assert_eq!(by_records(&text, vec![4093, 1 << 16, 17]), want);
    }

    /// The commas and the newline of every short line, as a byte-by-byte
    /// reading finds them.
    #[test]
    fn commas_to_newline_finds_each_comma_before_the_newline() {
        let alphabet = [b',', b'\n', b'a', 0x2D, 0x2B, 0x0B, 0x09, 0xAC, 0x8A, 0];
        let mut text = Vec::new();
        for len in 0..20 {
            for seed in 0..400u64 {
                text.clear();
                let mut x = seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1;
                for _ in 0..len {
                    x ^= x >> 12;
                    x ^= x << 25;
                    x ^= x >> 27;
                    text.push(alphabet[(x % alphabet.len() as u64) as usize]);
                }
                let newline = text.iter().position(|&b| b == b'\n');
                let before = &text[..newline.unwrap_or(text.len())];
                let want: Vec<usize> = (0..before.len()).filter(|&i| before[i] == b',').collect();
                let mut ends = Vec::new();
                assert_eq!(commas_to_newline(&text, &mut ends), newline, "{text:?}");
                assert_eq!(ends, want, "{text:?}");
            }
        }
    }
}
