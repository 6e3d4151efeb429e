//! `contactguard audit LOG --policy cn`: replay a contact log through a
//! policy and report every contact it would have denied at that moment.
//!
//! The pure parts live in submodules: [`log`] reads CSV or JSON Lines,
//! the core's [`Replayer`] decides each attempt against the history of the earlier rows,
//! [`report`] aggregates; [`text`] and [`html`] render. This file does the
//! I/O: files, standard error, the progress bar and exit codes.

pub mod html;
pub mod log;
pub mod report;
pub mod text;

use crate::common::{create_parent_dir, load_policy, report as stderr_line, CliError};
use contactguard::audit::{self, Item, Replayer, Row};
use contactguard::{Decision, Diagnostic, ErrorCode, Policy};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use log::{BadRow, Format, KeyLines, LogReader, Next};
use report::{Aggregator, Listed};
use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

/// Bad rows printed on standard error before the rest are only counted.
const BAD_PRINTED: usize = 200;
/// Exit status of `--fail-on-violation` when an attempt was denied.
const EXIT_DENIED: u8 = 1;
/// Exit status of `--fail-on-violation` when rows were skipped or recorded
/// with a cell that could not be used: the log itself is not clean.
const EXIT_BAD_ROWS: u8 = 3;
/// Logs (in bytes) from which a progress bar is drawn on a terminal.
const PROGRESS_BYTES: u64 = 16 << 20;

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// The contact log: CSV with a header row, or JSON Lines (by extension
    /// `.csv`, `.jsonl`/`.ndjson`, else by its first character); `-` reads
    /// standard input. Columns: docs/log-format.md
    #[arg(value_name = "LOG")]
    log: PathBuf,
    /// Preset names joined by `+` (`cn+conduct`), or a policy file
    /// (`.toml` or `.json`)
    #[arg(long, value_name = "NAMES|FILE")]
    policy: String,
    /// Also write a self-contained HTML report to this file
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print the report as JSON instead of text
    #[arg(long)]
    json: bool,
    /// Stop at the first bad row (exit status 2) instead of skipping it
    #[arg(long)]
    strict: bool,
    /// Exit with status 1 when any attempt would have been denied, and 3
    /// when rows were skipped or recorded with a cell that could not be
    /// used (the log is not clean)
    #[arg(long)]
    fail_on_violation: bool,
    /// The log's text encoding (Excel on Chinese Windows saves GBK)
    #[arg(long, value_name = "utf-8|gbk|gb18030", value_parser = ["utf-8", "utf8", "gbk", "gb18030"])]
    encoding: Option<String>,
    /// Time zone(s) for attempts whose row gives none (`|`-separated IANA
    /// names)
    #[arg(long = "tz", value_name = "ZONE")]
    default_timezone: Option<String>,
    /// Read the log as this format instead of guessing
    #[arg(long, value_name = "csv|jsonl", value_parser = ["csv", "jsonl"])]
    format: Option<String>,
    /// Also write every attempt's verdict to this CSV file (line, at,
    /// local_at, channel, to, role, debt, allow, rules, retry_at)
    #[arg(long, value_name = "FILE")]
    verdicts: Option<PathBuf>,
    /// Replay on N threads: the log is read into memory and split into
    /// parts that keep every recipient and every debt whole, so the report
    /// is the same with any number of threads. Without it (or with 1) a
    /// time-ordered log file is replayed as it streams, in bounded memory
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Print timing (rows per second) on standard error
    #[arg(long)]
    timing: bool,
}

fn format_of(args: &AuditArgs, input: &mut dyn BufRead) -> Result<Format, CliError> {
    match args.format.as_deref() {
        Some("jsonl") => return Ok(Format::Jsonl),
        Some(_) => return Ok(Format::Csv),
        None => {}
    }
    match args
        .log
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => Ok(Format::Csv),
        Some("jsonl" | "ndjson") => Ok(Format::Jsonl),
        _ => {
            // Look at the first character without consuming it.
            let head = input
                .fill_buf()
                .map_err(|e| CliError::read(&args.log, &e))?;
            let head = head.strip_prefix("\u{feff}".as_bytes()).unwrap_or(head);
            let first = head.iter().find(|b| !b.is_ascii_whitespace());
            Ok(if first == Some(&b'{') {
                Format::Jsonl
            } else {
                Format::Csv
            })
        }
    }
}

/// The log as a reader of UTF-8 text, and its size in bytes when known.
fn open_log(args: &AuditArgs) -> Result<(Box<dyn BufRead + Send>, Option<u64>), CliError> {
    let (raw, size): (Box<dyn Read + Send>, Option<u64>) = if args.log.as_os_str() == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        let file = File::open(&args.log).map_err(|e| CliError::read(&args.log, &e))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let decoded: Box<dyn Read + Send> = match args.encoding.as_deref() {
        Some("gbk") => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::GBK))
                .build(raw),
        ),
        Some("gb18030") => Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::GB18030))
                .build(raw),
        ),
        _ => raw,
    };
    Ok((Box::new(BufReader::with_capacity(1 << 16, decoded)), size))
}

/// The `--tz` zones, each checked.
fn default_zones(spec: Option<&str>) -> Result<Vec<String>, CliError> {
    let names: Vec<String> = spec
        .map(|s| audit::split_list(s).map(str::to_owned).collect())
        .unwrap_or_default();
    for name in &names {
        if jiff::tz::TimeZone::get(name).is_err() {
            return Err(CliError::from(
                Diagnostic::new(
                    ErrorCode::InputInvalid,
                    format!("unknown time zone `{name}`"),
                )
                .with_field("--tz"),
            ));
        }
    }
    Ok(names)
}

/// What reading and replaying the log gathered, whichever way it ran.
#[derive(Default)]
struct Outcome {
    agg: Aggregator,
    bad: Listed,
    flawed: Listed,
    rows: u64,
    attempts_without_zone: u64,
    ignored_columns: Vec<String>,
    threads: usize,
    streamed: bool,
    read_time: std::time::Duration,
}

/// How a pass ended.
enum Pass {
    Done(Box<Outcome>),
    /// Streaming found a row earlier than the one before it: read the log
    /// again into memory and sort it.
    Unordered {
        line: u64,
    },
}

pub fn run(args: AuditArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let policy = load_policy(&args.policy)?;
    let name = args.log.display().to_string();
    let zones = default_zones(args.default_timezone.as_deref())?;
    let started = Instant::now();
    let threads = match (args.verdicts.is_some(), args.threads) {
        // Verdicts are written in replay order, which needs one thread.
        (true, _) | (false, None | Some(0 | 1)) => 1,
        (false, Some(n)) => n,
    };
    let stream = threads == 1 && args.log.as_os_str() != "-";
    let outcome = if stream {
        match streamed(&args, &policy, &zones)? {
            Pass::Done(o) => *o,
            Pass::Unordered { line } => {
                stderr_line(format_args!(
                    "note: `{name}` is not in time order (line {line} is earlier than the row before it): reading it into memory to sort it"
                ));
                in_memory(&args, &policy, &zones, 1)?
            }
        }
    } else {
        in_memory(&args, &policy, &zones, threads)?
    };
    let elapsed = started.elapsed();

    for column in &outcome.ignored_columns {
        stderr_line(format_args!(
            "warning: `{name}`: ignoring unknown column `{column}`"
        ));
    }
    print_rows(&name, &outcome.bad, "bad row skipped", "bad rows skipped");
    print_rows(
        &name,
        &outcome.flawed,
        "recorded with a cell that could not be used",
        "rows recorded with a cell that could not be used",
    );
    if outcome.attempts_without_zone > 0 {
        stderr_line(format_args!(
            "warning: `{name}`: {} attempts give no time zone: rules that need local time deny them (fail closed); add a `timezone` column or pass --tz",
            outcome.attempts_without_zone
        ));
    }
    let report = outcome
        .agg
        .finish(&name, &policy, &outcome.bad, &outcome.flawed);

    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| {
            CliError::new(ErrorCode::IoWrite, format!("cannot print the report: {e}"))
        })?;
        writeln!(out, "{json}")?;
    } else {
        out.write_all(text::render(&report).as_bytes())?;
    }
    if let Some(path) = &args.out {
        create_parent_dir(path)?;
        std::fs::write(path, html::render(&report)).map_err(|e| CliError::write(path, &e))?;
        if !args.json {
            writeln!(out, "\nHTML report written to {}", path.display())?;
        }
    }
    if args.timing {
        let total = outcome.rows;
        #[expect(clippy::cast_precision_loss, reason = "a rate for display")]
        let rate = total as f64 / elapsed.as_secs_f64().max(1e-9);
        if outcome.streamed {
            stderr_line(format_args!(
                "timing: read+replay {:.2}s for {total} rows, streamed on 1 thread = {rate:.0} rows/s",
                elapsed.as_secs_f64()
            ));
        } else {
            stderr_line(format_args!(
                "timing: read+parse {:.2}s, replay {:.2}s for {total} rows on {} thread(s) = {rate:.0} rows/s",
                outcome.read_time.as_secs_f64(),
                (elapsed.saturating_sub(outcome.read_time)).as_secs_f64(),
                outcome.threads
            ));
        }
    }
    if args.fail_on_violation {
        if report.totals.bad_rows > 0 || report.totals.flawed_rows > 0 {
            return Ok(ExitCode::from(EXIT_BAD_ROWS));
        }
        if report.totals.denied > 0 {
            return Ok(ExitCode::from(EXIT_DENIED));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_rows(name: &str, rows: &Listed, what: &str, many: &str) {
    for row in rows.first.iter().take(BAD_PRINTED) {
        stderr_line(format_args!("{name}:{}: {what}: {}", row.line, row.message));
    }
    let printed = u64::try_from(rows.first.len().min(BAD_PRINTED)).unwrap_or(u64::MAX);
    if rows.count > printed {
        stderr_line(format_args!(
            "{name}: ... and {} more {many}",
            rows.count - printed
        ));
    }
}

/// A progress bar on standard error, drawn only when it is a terminal and
/// the work is large.
fn progress(len: u64, unit: &str, large: bool) -> ProgressBar {
    if !large || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let template = format!("  replaying [{{bar:40}}] {{percent:>3}}% {{human_pos}}/{{human_len}} {unit}, {{per_sec}}, {{eta}} left");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("#>-"));
    }
    bar
}

/// Opens the `--verdicts` file and writes its header.
fn verdicts_writer(args: &AuditArgs) -> Result<Option<Verdicts>, CliError> {
    let Some(path) = &args.verdicts else {
        return Ok(None);
    };
    create_parent_dir(path)?;
    let file = File::create(path).map_err(|e| CliError::write(path, &e))?;
    let mut w = std::io::BufWriter::new(file);
    let status = w.write_all(b"line,at,local_at,channel,to,role,debt,allow,rules,retry_at\n");
    Ok(Some(Verdicts {
        path: path.clone(),
        w,
        status,
        zones: foldhash::HashMap::default(),
    }))
}

struct Verdicts {
    path: PathBuf,
    w: std::io::BufWriter<File>,
    status: std::io::Result<()>,
    /// Zones looked up so far by name (`None`: not an IANA zone).
    zones: foldhash::HashMap<String, Option<jiff::tz::TimeZone>>,
}

impl Verdicts {
    fn write(&mut self, row: &Row, decision: &Decision) {
        if let (Ok(()), Item::Attempt { ask, .. }) = (&self.status, &row.item) {
            let zone = ask.timezones.first().and_then(|name| {
                self.zones
                    .entry(name.clone())
                    .or_insert_with(|| jiff::tz::TimeZone::get(name).ok())
                    .as_ref()
            });
            self.status = write_verdict(&mut self.w, row.pos, ask, zone, decision);
        }
    }

    fn finish(mut self) -> Result<(), CliError> {
        self.status
            .and_then(|()| self.w.flush())
            .map_err(|e| CliError::write(&self.path, &e))
    }
}

/// Counts a row read: its flaws, and an attempt without a zone.
#[inline]
fn tally(o: &mut Outcome, row: &Row, flaws: Vec<contactguard::audit::RowError>) {
    o.rows += 1;
    if !flaws.is_empty() {
        tally_flaws(o, row, flaws);
    }
    if let Item::Attempt { ask, .. } = &row.item {
        if ask.timezones.is_empty() {
            o.attempts_without_zone += 1;
        }
    }
}

/// The flaws of a row, listed.
#[inline(never)]
fn tally_flaws(o: &mut Outcome, row: &Row, flaws: Vec<contactguard::audit::RowError>) {
    for f in flaws {
        o.flawed.push(BadRow {
            code: f.problem.error_code(),
            line: row.pos,
            message: f.to_string(),
        });
    }
}

fn bad_row(args: &AuditArgs, o: &mut Outcome, bad: BadRow) -> Result<(), CliError> {
    if args.strict {
        let mut d = Diagnostic::new(bad.code, bad.message)
            .with_file(args.log.display().to_string())
            .with_help("--strict stops at the first bad row");
        d.line = u32::try_from(bad.line).ok();
        return Err(CliError::from(d));
    }
    o.bad.push(bad);
    Ok(())
}

/// A reader of the log's rows.
type Rows = LogReader<Box<dyn BufRead + Send>>;

fn reader(args: &AuditArgs, zones: &[String]) -> Result<(Rows, Option<u64>), CliError> {
    let (mut input, size) = open_log(args)?;
    let format = format_of(args, &mut input)?;
    let reader = LogReader::new(input, format, zones.to_vec()).map_err(|e| log_error(args, &e))?;
    Ok((reader, size))
}

/// A reader of the rows that may be about `keys` (a recipient's or a
/// debt's): for a CSV log without a `"` (`quoted` false), only the lines
/// that hold one of the keys are parsed ([`KeyLines`]); otherwise every
/// row is. The caller still keeps the rows about the keys by their cells.
fn key_reader<'k>(
    args: &AuditArgs,
    zones: &[String],
    quoted: bool,
    keys: impl IntoIterator<Item = &'k str>,
) -> Result<Rows, CliError> {
    let (mut input, _) = open_log(args)?;
    let format = format_of(args, &mut input)?;
    let input: Box<dyn BufRead + Send> = if format == Format::Csv && !quoted {
        Box::new(BufReader::with_capacity(
            1 << 16,
            KeyLines::new(input, keys),
        ))
    } else {
        input
    };
    LogReader::new(input, format, zones.to_vec()).map_err(|e| log_error(args, &e))
}

fn log_error(args: &AuditArgs, e: &log::LogError) -> CliError {
    CliError::new(ErrorCode::InputInvalid, e.0.clone()).in_file(&args.log)
}

/// A replay error, located in the log: the CLI's row positions are the
/// log's 1-based lines.
fn replay_error(args: &AuditArgs, e: &audit::ReplayError) -> CliError {
    let mut d = e.diagnostic();
    d.line = d.row.take().and_then(|line| u32::try_from(line).ok());
    CliError::from(d.with_file(args.log.display().to_string()))
}

/// Replays the log as it is read: one thread, memory bounded by the
/// policy's look-back and the report's aggregates.
fn streamed(args: &AuditArgs, policy: &Policy, zones: &[String]) -> Result<Pass, CliError> {
    let (mut reader, size) = reader(args, zones)?;
    let mut o = Outcome {
        agg: Aggregator::without_points(),
        threads: 1,
        streamed: true,
        ..Outcome::default()
    };
    o.ignored_columns = std::mem::take(&mut reader.ignored_columns);
    let mut verdicts = verdicts_writer(args)?;
    // Only the verdicts file shows `retry_at`: without one it is not
    // searched for.
    let mut replayer = Replayer::new(policy);
    if verdicts.is_none() {
        replayer = replayer.without_retry_at();
    }
    let bar = progress(
        size.unwrap_or(0),
        "bytes",
        size.is_some_and(|s| s >= PROGRESS_BYTES),
    );
    loop {
        // The row is read where the reader returned it (a row is large:
        // each move out of it is a copy), and its item handed back.
        let mut next = reader.next_row();
        let (row, flaws) = match &mut next {
            Ok(Some(Next::Row(row, flaws))) => (&*row, std::mem::take(flaws)),
            Ok(None) => break,
            Ok(Some(Next::Bad(_))) | Err(_) => {
                match next {
                    Ok(Some(Next::Bad(bad))) => bad_row(args, &mut o, bad)?,
                    Err(e) => return Err(log_error(args, &e)),
                    // A row and the end are taken above.
                    Ok(_) => {}
                }
                continue;
            }
        };
        if !replayer.in_order(row.at()) {
            bar.finish_and_clear();
            return Ok(Pass::Unordered { line: row.pos });
        }
        let decision = replayer
            .step(row.pos, &row.item)
            .map_err(|e| replay_error(args, &e))?;
        o.agg.observe(row, decision.as_ref());
        if let (Some(v), Some(d)) = (&mut verdicts, &decision) {
            v.write(row, d);
        }
        tally(&mut o, row, flaws);
        if o.rows % 4096 == 0 {
            bar.set_position(reader.bytes_read());
        }
        if let Ok(Some(Next::Row(row, _))) = next {
            reader.recycle(row.item);
        }
    }
    bar.finish_and_clear();
    if let Some(v) = verdicts {
        v.finish()?;
    }
    // The timeline passes replay apart: free this ledger first.
    drop(replayer);
    let quoted = reader.saw_quote();
    drop(reader);
    timelines(args, policy, zones, quoted, &mut o.agg)?;
    Ok(Pass::Done(Box::new(o)))
}

/// Fills in the timelines of the report's worst recipients after a
/// streamed replay. While they fit its budget the replay kept every
/// attempt's point, and nothing is left to do
/// ([`Aggregator::keep_timelines`]). Otherwise: the debts those
/// recipients were contacted about are known from the replay (or, when a
/// recipient's rows named more than one, collected by a pass over the
/// log), and one pass replays only the rows about those recipients or
/// debts. A
/// decision reads only its recipient's and its debt's events, so these
/// rows give the worst recipients' attempts the decisions of the full
/// replay, in a few rows' memory. In a log without a `"` (`quoted`
/// false) both passes parse only the lines holding one of their keys.
fn timelines(
    args: &AuditArgs,
    policy: &Policy,
    zones: &[String],
    quoted: bool,
    agg: &mut Aggregator,
) -> Result<(), CliError> {
    if agg.keep_timelines() {
        // The replay kept them all, within its budget.
        return Ok(());
    }
    let worst_list = agg.timeline_recipients();
    let known = agg.timeline_debts(&worst_list);
    let worst: foldhash::HashSet<String> = worst_list.into_iter().collect();
    if worst.is_empty() {
        return Ok(());
    }
    let debts: foldhash::HashSet<String> = match known {
        // The replay kept them: no pass to collect them.
        Some(debts) => debts.into_iter().collect(),
        None => worst_debts(args, zones, quoted, &worst)?,
    };
    let keys = worst.iter().chain(&debts).map(String::as_str);
    let mut rows = key_reader(args, zones, quoted, keys)?;
    // A timeline shows no `retry_at`.
    let mut replayer = Replayer::new(policy).without_retry_at();
    let related = |to: Option<&str>, debt: Option<&str>| {
        to.is_some_and(|t| worst.contains(t)) || debt.is_some_and(|d| debts.contains(d))
    };
    while let Some(next) = rows
        .next_row_where(&related)
        .map_err(|e| log_error(args, &e))?
    {
        let Next::Row(row, _) = next else {
            continue;
        };
        let (to, debt) = row.item.keys();
        if !(to.is_some_and(|t| worst.contains(t)) || debt.is_some_and(|d| debts.contains(d))) {
            continue;
        }
        let decision = replayer
            .step(row.pos, &row.item)
            .map_err(|e| replay_error(args, &e))?;
        match (&row.item, &decision) {
            (Item::Attempt { ask, .. }, Some(d)) if worst.contains(&ask.to) => agg.point(ask, d),
            (Item::Event(e), _) => agg.state(e),
            _ => {}
        }
        rows.recycle(row.item);
    }
    Ok(())
}

/// The debts the rows about the `worst` recipients name: one pass over
/// the log (over only the lines holding one of them when `quoted` is
/// false).
fn worst_debts(
    args: &AuditArgs,
    zones: &[String],
    quoted: bool,
    worst: &foldhash::HashSet<String>,
) -> Result<foldhash::HashSet<String>, CliError> {
    let mut debts = foldhash::HashSet::default();
    let mut rows = key_reader(args, zones, quoted, worst.iter().map(String::as_str))?;
    let about_worst = |to: Option<&str>, _: Option<&str>| to.is_some_and(|t| worst.contains(t));
    while let Some(next) = rows
        .next_row_where(&about_worst)
        .map_err(|e| log_error(args, &e))?
    {
        if let Next::Row(row, _) = next {
            if let (Some(to), Some(debt)) = row.item.keys() {
                if worst.contains(to) {
                    debts.insert(debt.to_owned());
                }
            }
            rows.recycle(row.item);
        }
    }
    Ok(debts)
}

/// Reads the whole log, sorts it by time and replays its independent
/// parts on `threads` threads (rayon).
fn in_memory(
    args: &AuditArgs,
    policy: &Policy,
    zones: &[String],
    threads: usize,
) -> Result<Outcome, CliError> {
    let started = Instant::now();
    let (mut reader, _) = reader(args, zones)?;
    let mut o = Outcome {
        threads,
        ..Outcome::default()
    };
    o.ignored_columns = std::mem::take(&mut reader.ignored_columns);
    let mut rows = Vec::new();
    while let Some(next) = reader.next_row().map_err(|e| log_error(args, &e))? {
        match next {
            Next::Bad(bad) => bad_row(args, &mut o, bad)?,
            Next::Row(row, flaws) => {
                tally(&mut o, &row, flaws);
                rows.push(row);
            }
        }
    }
    drop(reader);
    o.read_time = started.elapsed();
    let total = rows.len() as u64;
    let bar = progress(total, "rows", total >= 200_000);
    let verdicts = Mutex::new(verdicts_writer(args)?);
    // More parts than threads, so that rayon can balance uneven parts.
    let parts = if threads <= 1 { 1 } else { threads * 4 };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| {
            CliError::new(
                ErrorCode::InternalThreads,
                format!("cannot start replay threads: {e}"),
            )
        })?;
    let replayed = pool.install(|| {
        audit::replay_all(
            policy,
            rows,
            parts,
            Aggregator::new,
            |agg, row, decision| {
                agg.observe(row, decision);
                if let Some(d) = decision {
                    if let Ok(mut guard) = verdicts.lock() {
                        if let Some(v) = guard.as_mut() {
                            v.write(row, d);
                        }
                    }
                }
                bar.inc(1);
            },
        )
    });
    bar.finish_and_clear();
    let aggs = replayed.map_err(|e| replay_error(args, &e))?;
    for agg in aggs {
        o.agg.merge(agg);
    }
    if let Some(v) = verdicts.into_inner().ok().flatten() {
        v.finish()?;
    }
    Ok(o)
}

/// One attempt's verdict as a CSV row.
fn write_verdict(
    w: &mut dyn Write,
    line: u64,
    ask: &contactguard::Ask,
    zone: Option<&jiff::tz::TimeZone>,
    decision: &contactguard::Decision,
) -> std::io::Result<()> {
    let rules: Vec<&str> = decision.denials.iter().map(|d| d.id.as_str()).collect();
    let retry = decision.retry_at.map(|t| t.to_string()).unwrap_or_default();
    // The local time in the first candidate zone, RFC 3339 with its offset.
    let local = zone
        .map(|tz| ask.at.display_with_offset(tz.to_offset(ask.at)).to_string())
        .unwrap_or_default();
    writeln!(
        w,
        "{line},{},{local},{},{},{},{},{},{},{retry}",
        ask.at,
        ask.channel,
        csv_cell(&ask.to),
        ask.role,
        csv_cell(&ask.debt),
        decision.allow,
        csv_cell(&rules.join("|"))
    )
}

/// A text cell for a CSV file that spreadsheets will open: a value that a
/// spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`,
/// a tab or a carriage return) gets a leading `'`, as OWASP's CSV
/// injection guidance advises; then the cell is quoted when CSV needs it.
fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    let s: std::borrow::Cow<'_, str> = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::{csv_cell, run, AuditArgs};
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        audit: AuditArgs,
    }

    fn audit(args: &[&str]) -> String {
        let cli = Cli::try_parse_from(std::iter::once("audit").chain(args.iter().copied()))
            .expect("arguments");
        let mut out = Vec::new();
        run(cli.audit, &mut out).expect("the audit runs");
        String::from_utf8(out).expect("UTF-8")
    }

    /// A streamed replay fills in its timelines by replaying the rows about
    /// the worst recipients and their debts: the same timelines as a replay
    /// that kept every point, whether a worst recipient's rows name one
    /// debt (known from the replay) or several (collected by a pass), and
    /// with a debt named first by an event before the recipient's first
    /// attempt.
    #[test]
    fn streamed_timelines_follow_every_debt_of_the_worst() {
        let dir = std::env::temp_dir().join(format!("cg-audit-debts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut log = String::from(
            "at,type,channel,to,role,debt,result,timezone,place,purpose,reason,until\n",
        );
        // c1: L1, then L2 under a hold; c2: a cease on L3 before its
        // attempts on L4; c3: one debt, L5, held.
        log.push_str("2026-03-02T08:00:00+08:00,hold,,,,L2,,,,,complaint,\n");
        log.push_str("2026-03-02T08:00:00+08:00,hold,,,,L5,,,,,complaint,\n");
        log.push_str("2026-03-02T08:10:00+08:00,cease,,c2,debtor,L3,,,,,,\n");
        for h in 9..20 {
            for (to, debt) in [("c1", "L1"), ("c1", "L2"), ("c2", "L4"), ("c3", "L5")] {
                log.push_str(&format!(
                    "2026-03-02T{h:02}:00:00+08:00,attempt,sms,{to},debtor,{debt},delivered,Asia/Shanghai,mobile,collection,,\n"
                ));
            }
        }
        let path = dir.join("debts.csv");
        std::fs::write(&path, log).unwrap();
        let path = path.to_str().unwrap();
        let streamed = audit(&[path, "--policy", "cn+conduct", "--json"]);
        let kept = audit(&[path, "--policy", "cn+conduct", "--json", "--threads", "2"]);
        assert_eq!(streamed, kept);
        let report: serde_json::Value = serde_json::from_str(&streamed).unwrap();
        let timelines = report["timelines"].as_array().unwrap();
        let events_of = |to: &str| -> Vec<String> {
            timelines
                .iter()
                .find(|t| t["to"] == to)
                .and_then(|t| t["events"].as_array())
                .map(|e| {
                    e.iter()
                        .map(|e| format!("{}:{}", e["type"], e["debt"]))
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(events_of("c1"), [r#""hold":"L2""#]);
        assert_eq!(events_of("c3"), [r#""hold":"L5""#]);
        assert_eq!(events_of("c2"), [r#""cease":"L3""#]);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn csv_cells_neutralise_formulas_and_quote() {
        assert_eq!(csv_cell("c1"), "c1");
        assert_eq!(csv_cell("a=b"), "a=b");
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("@x"), "'@x");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "\"'\rx\"");
        assert_eq!(csv_cell("=a,\"b\""), "\"'=a,\"\"b\"\"\"");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
    }
}
