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
    /// How a streamed replay's timelines were filled in.
    filled: Filled,
}

/// How the timelines of a streamed replay were filled in (an in-memory
/// replay keeps every point: nothing to fill in).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Filled {
    /// The points kept while streaming outgrew their budget and were
    /// dropped.
    over_budget: bool,
    /// Passes over the log after the replay: 0 (the replay kept them), 1
    /// (the worst recipients' debts were known) or 2 (a pass collected
    /// them first).
    passes: u8,
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
    run_within(args, out, report::PROVISIONAL_BYTES).map(|(code, _)| code)
}

/// [`run`], with a streamed replay keeping every timeline while its points
/// hold at most `budget` bytes (see [`Aggregator::without_points`]);
/// also says how the timelines were filled in.
fn run_within(
    args: AuditArgs,
    out: &mut dyn Write,
    budget: usize,
) -> Result<(ExitCode, Filled), CliError> {
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
        match streamed(&args, &policy, &zones, budget)? {
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
            return Ok((ExitCode::from(EXIT_BAD_ROWS), outcome.filled));
        }
        if report.totals.denied > 0 {
            return Ok((ExitCode::from(EXIT_DENIED), outcome.filled));
        }
    }
    Ok((ExitCode::SUCCESS, outcome.filled))
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
fn streamed(
    args: &AuditArgs,
    policy: &Policy,
    zones: &[String],
    budget: usize,
) -> Result<Pass, CliError> {
    let (mut reader, size) = reader(args, zones)?;
    let mut o = Outcome {
        agg: Aggregator::without_points(budget),
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
    // One decision filled in row after row: its lists' allocations are
    // reused rather than made and freed on every row.
    let mut decision = Decision {
        allow: false,
        denials: Vec::new(),
        retry_at: None,
        obligations: Vec::new(),
    };
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
        let attempt = replayer
            .step_into(row.pos, &row.item, &mut decision)
            .map_err(|e| replay_error(args, &e))?;
        let decision = attempt.then_some(&decision);
        o.agg.observe(row, decision);
        if let (Some(v), Some(d)) = (&mut verdicts, decision) {
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
    o.filled = timelines(args, policy, zones, quoted, &mut o.agg)?;
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
) -> Result<Filled, CliError> {
    let mut filled = Filled {
        over_budget: agg.over_budget(),
        passes: 0,
    };
    if agg.keep_timelines() {
        // The replay kept them all, within its budget.
        return Ok(filled);
    }
    let worst_list = agg.timeline_recipients();
    let known = agg.timeline_debts(&worst_list);
    let worst: foldhash::HashSet<String> = worst_list.into_iter().collect();
    if worst.is_empty() {
        return Ok(filled);
    }
    let debts: foldhash::HashSet<String> = match known {
        // The replay kept them: no pass to collect them.
        Some(debts) => debts.into_iter().collect(),
        None => {
            filled.passes += 1;
            worst_debts(args, zones, quoted, &worst)?
        }
    };
    filled.passes += 1;
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
    Ok(filled)
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
    use super::{csv_cell, report, run, run_within, AuditArgs, Filled};
    use clap::Parser;
    use std::path::{Path, PathBuf};

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
        // The same past the budget: c1's debts are collected by a pass.
        same_at_any_budget(
            Path::new(path),
            "cn+conduct",
            Filled {
                over_budget: false,
                passes: 2,
            },
            Filled {
                over_budget: true,
                passes: 2,
            },
        );
        // Without c1's second debt every worst recipient's debts are known
        // from the replay, c2's L3 (named before its first attempt) too:
        // one pass past the budget.
        let one: String = std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| !l.contains(",c1,debtor,L2,"))
            .map(|l| format!("{l}\n"))
            .collect();
        let one_path = dir.join("one-debt.csv");
        std::fs::write(&one_path, one).unwrap();
        let out = same_at_any_budget(
            &one_path,
            "cn+conduct",
            Filled {
                over_budget: false,
                passes: 0,
            },
            Filled {
                over_budget: true,
                passes: 1,
            },
        );
        assert!(timelines_of(&out).to_string().contains(r#""debt":"L3""#));
        std::fs::remove_dir_all(&dir).ok();
    }

    /// What one audit prints and writes: the JSON report, the text
    /// report and the HTML report (which draws the timelines).
    #[derive(Debug, PartialEq)]
    struct Outputs {
        json: String,
        text: String,
        html: String,
    }

    /// Audits `log` under `policy` (with `extra` arguments) twice, as JSON
    /// with an HTML report and as text, a streamed replay keeping its
    /// timelines within `budget` bytes; also how they were filled in (the
    /// same both times).
    fn outputs(log: &Path, policy: &str, extra: &[&str], budget: usize) -> (Outputs, Filled) {
        let dir = log.with_extension("out");
        std::fs::create_dir_all(&dir).unwrap();
        let html = dir.join("report.html");
        let run_once = |more: &[&str]| {
            let args: Vec<&str> = [log.to_str().unwrap(), "--policy", policy]
                .into_iter()
                .chain(extra.iter().copied())
                .chain(more.iter().copied())
                .collect();
            let cli = Cli::try_parse_from(std::iter::once("audit").chain(args)).unwrap();
            let mut out = Vec::new();
            let (_, filled) = run_within(cli.audit, &mut out, budget).expect("the audit runs");
            (String::from_utf8(out).unwrap(), filled)
        };
        let (json, filled) = run_once(&["--json", "--out", html.to_str().unwrap()]);
        let (text, filled_text) = run_once(&[]);
        assert_eq!(filled, filled_text);
        let html = std::fs::read_to_string(&html).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        (Outputs { json, text, html }, filled)
    }

    /// The in-memory replay on two threads (which keeps every point), the
    /// streamed replay within the usual budget and the streamed replay
    /// with no budget at all (every point dropped at the first attempt)
    /// give the same report, JSON, text and HTML; the streamed ones fill in
    /// their timelines as `usual` and `tiny` say. Returns the report.
    fn same_at_any_budget(log: &Path, policy: &str, usual: Filled, tiny: Filled) -> Outputs {
        let (in_memory, filled) = outputs(log, policy, &["--threads", "2"], 0);
        assert_eq!(filled, Filled::default(), "in memory: nothing to fill in");
        let (streamed, filled) = outputs(log, policy, &[], report::PROVISIONAL_BYTES);
        assert_eq!(filled, usual, "{} within the usual budget", log.display());
        assert!(
            streamed == in_memory,
            "{} within the usual budget",
            log.display()
        );
        let (dropped, filled) = outputs(log, policy, &[], 0);
        assert_eq!(filled, tiny, "{} with no budget", log.display());
        assert!(dropped == in_memory, "{} with no budget", log.display());
        in_memory
    }

    fn timelines_of(out: &Outputs) -> serde_json::Value {
        let report: serde_json::Value = serde_json::from_str(&out.json).unwrap();
        report["timelines"].clone()
    }

    /// A scratch directory for one test.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cg-budget-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// What a generated log holds.
    #[derive(Clone, Copy)]
    struct Gen {
        /// Recipients `r0`, `r1`...; the lower ones get most attempts.
        recipients: u64,
        /// Attempts, a few minutes apart (in time order).
        attempts: u64,
        /// Recipients below this one are contacted about two debts
        /// (`Dk` and `Dkx`), the others about one (`Dk`).
        two_debts_below: u64,
        /// State events with a recipient and a debt (cease) about
        /// recipients that get no attempt, before the first attempt.
        loose: u64,
        seed: u64,
    }

    /// A CSV log in time order: sms and calls (some at night) to debtors
    /// and, about their debts, to third parties; holds on debts, opt-outs
    /// and ceases (each about the recipient's own debt) along the way.
    fn generate(g: Gen) -> String {
        let mut log = String::from(
            "at,type,channel,to,role,debt,result,timezone,place,purpose,reason,until\n",
        );
        let mut state = g.seed | 1;
        let mut next = move |n: u64| {
            // xorshift64
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n.max(1)
        };
        let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let mut at = jiff::Timestamp::from_second(1_772_409_600).unwrap(); // 2026-03-02T08:00+08
        let stamp = |t: jiff::Timestamp| t.display_with_offset(shanghai.to_offset(t)).to_string();
        for i in 0..g.loose {
            log.push_str(&format!("{},cease,,x{i},debtor,X{i},,,,,,\n", stamp(at)));
        }
        for _ in 0..g.attempts {
            at = at
                .checked_add(jiff::SignedDuration::from_secs(
                    i64::try_from(60 + next(600)).unwrap(),
                ))
                .unwrap();
            // Skewed: the product of two uniform picks favours low ids.
            let k = next(g.recipients) * next(g.recipients) / g.recipients.max(1);
            let debt = if k < g.two_debts_below && next(2) == 0 {
                format!("D{k}x")
            } else {
                format!("D{k}")
            };
            let when = stamp(at);
            match next(40) {
                0 => log.push_str(&format!("{when},hold,,,,{debt},,,,,complaint,\n")),
                1 => log.push_str(&format!("{when},opt_out,sms,r{k},,,,,,,,\n")),
                2 => log.push_str(&format!("{when},cease,,r{k},debtor,{debt},,,,,,\n")),
                3..=5 => log.push_str(&format!(
                    "{when},attempt,call,t{k},third_party,{debt},conversation,Asia/Shanghai,mobile,collection,,\n"
                )),
                _ => {
                    let channel = if next(3) == 0 { "call" } else { "sms" };
                    let result = if channel == "call" { "conversation" } else { "delivered" };
                    log.push_str(&format!(
                        "{when},attempt,{channel},r{k},debtor,{debt},{result},Asia/Shanghai,mobile,collection,,\n"
                    ));
                }
            }
        }
        log
    }

    const ONE_DEBT: Gen = Gen {
        recipients: 40,
        attempts: 3_000,
        two_debts_below: 0,
        loose: 0,
        seed: 2026,
    };

    /// Every recipient's rows name one debt: within the usual budget the
    /// replay keeps the timelines (no pass); with none it drops them and
    /// one pass over the rows about the worst recipients and their debts
    /// (known from the replay) fills them in, the same.
    #[test]
    fn timelines_past_the_budget_with_one_debt_each() {
        let dir = scratch("one");
        let log = dir.join("one.csv");
        std::fs::write(&log, generate(ONE_DEBT)).unwrap();
        let out = same_at_any_budget(
            &log,
            "cn+conduct",
            Filled {
                over_budget: false,
                passes: 0,
            },
            Filled {
                over_budget: true,
                passes: 1,
            },
        );
        let timelines = timelines_of(&out);
        assert_eq!(timelines.as_array().unwrap().len(), 5);
        // The timelines show denials with further rules and state events.
        let points = timelines
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["points"].as_array().unwrap());
        assert!(points.clone().any(|p| p["rule"].is_string()));
        assert!(points.clone().any(|p| p["rule"].is_null()));
        assert!(timelines
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.get("events").is_some()));
        // The verdicts come from the replay itself, at any budget.
        let verdicts = |budget: usize| {
            let file = dir.join(format!("verdicts-{budget}.csv"));
            let args = [
                log.to_str().unwrap(),
                "--policy",
                "cn+conduct",
                "--verdicts",
                file.to_str().unwrap(),
            ];
            let cli = Cli::try_parse_from(std::iter::once("audit").chain(args)).unwrap();
            let (_, filled) = run_within(cli.audit, &mut Vec::new(), budget).unwrap();
            assert_eq!(filled.over_budget, budget == 0);
            std::fs::read_to_string(file).unwrap()
        };
        assert_eq!(verdicts(0), verdicts(report::PROVISIONAL_BYTES));
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A worst recipient whose rows name two debts: their debts are not
    /// known from the replay, so a pass collects them and another fills in
    /// the timelines, within the budget or past it, the same.
    #[test]
    fn timelines_past_the_budget_with_two_debts() {
        let dir = scratch("two");
        let log = dir.join("two.csv");
        std::fs::write(
            &log,
            generate(Gen {
                two_debts_below: 3,
                seed: 7,
                ..ONE_DEBT
            }),
        )
        .unwrap();
        let out = same_at_any_budget(
            &log,
            "cn+conduct",
            Filled {
                over_budget: false,
                passes: 2,
            },
            Filled {
                over_budget: true,
                passes: 2,
            },
        );
        // r0 (the likeliest worst) was contacted about both its debts.
        let report: serde_json::Value = serde_json::from_str(&out.json).unwrap();
        assert!(report["timelines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["to"] == "r0"));
        std::fs::remove_dir_all(&dir).ok();
    }

    /// More events about recipients without an attempt yet than the replay
    /// keeps the debts of: every recipient's debts are unknown, and a pass
    /// collects them.
    #[test]
    fn timelines_past_the_budget_when_loose_debts_overflow() {
        let dir = scratch("loose");
        let log = dir.join("loose.csv");
        std::fs::write(
            &log,
            generate(Gen {
                loose: 4_200,
                attempts: 600,
                seed: 11,
                ..ONE_DEBT
            }),
        )
        .unwrap();
        same_at_any_budget(
            &log,
            "cn+conduct",
            // Within the budget the replay keeps the timelines all the same.
            Filled {
                over_budget: false,
                passes: 0,
            },
            Filled {
                over_budget: true,
                passes: 2,
            },
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A recipient with more attempts than a timeline draws: the same
    /// points drawn and the same count omitted on every path.
    #[test]
    fn timelines_past_the_budget_omit_the_same_points() {
        let dir = scratch("many");
        let log = dir.join("many.csv");
        std::fs::write(
            &log,
            generate(Gen {
                recipients: 2,
                attempts: 5_000,
                seed: 3,
                ..ONE_DEBT
            }),
        )
        .unwrap();
        let out = same_at_any_budget(
            &log,
            "cn+conduct",
            Filled {
                over_budget: false,
                passes: 0,
            },
            Filled {
                over_budget: true,
                passes: 1,
            },
        );
        let timelines = timelines_of(&out);
        assert!(
            timelines
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["omitted"].as_u64().unwrap() > 0),
            "{timelines}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Budgets from none to more than the log needs: the points are
    /// dropped at each power of two of them (the vectors double), so
    /// before, among and after the worst recipients' attempts; the report
    /// is the same at each, and only the budgets too small drop them.
    #[test]
    fn timelines_are_the_same_wherever_the_budget_runs_out() {
        let dir = scratch("sweep");
        for (name, gen) in [
            ("one", ONE_DEBT),
            (
                "two",
                Gen {
                    two_debts_below: 3,
                    seed: 7,
                    ..ONE_DEBT
                },
            ),
        ] {
            let log = dir.join(format!("{name}.csv"));
            std::fs::write(&log, generate(gen)).unwrap();
            let (reference, _) = outputs(&log, "cn+conduct", &["--threads", "2"], 0);
            let mut over = Vec::new();
            for budget in std::iter::once(0).chain((4..=20).map(|k| 1usize << k)) {
                let (out, filled) = outputs(&log, "cn+conduct", &[], budget);
                assert!(out == reference, "{name}: budget {budget}");
                assert_eq!(
                    filled.passes,
                    if name == "one" {
                        u8::from(filled.over_budget)
                    } else {
                        2
                    }
                );
                over.push(filled.over_budget);
            }
            // Dropped below some budget, kept from it on, with drops at
            // several points of the log.
            let dropped = over.iter().take_while(|o| **o).count();
            assert!(dropped >= 8, "{name}: {over:?}");
            assert!(over.iter().skip(dropped).all(|o| !o), "{name}: {over:?}");
            assert!(dropped < over.len(), "{name}: {over:?}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    /// A log out of time order is read into memory, sorted, and replayed
    /// with every point kept, whatever the budget (the streamed replay it
    /// started with, which dropped its points, is discarded): the same
    /// report at any budget, and the same timelines as the sorted log's
    /// streamed past its budget.
    #[test]
    fn unsorted_logs_keep_every_point_at_any_budget() {
        let dir = scratch("unsorted");
        let text = generate(ONE_DEBT);
        let sorted = dir.join("sorted.csv");
        std::fs::write(&sorted, &text).unwrap();
        // Rows 2000 and 2001 (different instants) swapped.
        let mut lines: Vec<&str> = text.lines().collect();
        assert_ne!(lines[2000].split(',').next(), lines[2001].split(',').next());
        lines.swap(2000, 2001);
        let unsorted = dir.join("unsorted.csv");
        std::fs::write(&unsorted, lines.join("\n") + "\n").unwrap();
        let out = same_at_any_budget(
            &unsorted,
            "cn+conduct",
            Filled::default(),
            Filled::default(),
        );
        let (dropped, filled) = outputs(&sorted, "cn+conduct", &[], 0);
        assert!(filled.over_budget);
        assert_eq!(timelines_of(&out), timelines_of(&dropped));
        std::fs::remove_dir_all(&dir).ok();
    }

    /// The shipped sample log, and the test log of every kind of violation
    /// (keys with `"`, so the passes parse every row; and as JSON Lines),
    /// in time order: the same report past the budget.
    #[test]
    fn sample_and_violation_logs_past_the_budget() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let sample = root.join("../../examples/data/sample-log.csv");
        for policy in ["cn+conduct", "us-reg-f+us-ma+conduct"] {
            same_at_any_budget(
                &sample,
                policy,
                Filled {
                    over_budget: false,
                    passes: 0,
                },
                Filled {
                    over_budget: true,
                    passes: 1,
                },
            );
        }
        let dir = scratch("violations");
        let data = root.join("tests/data/audit");
        let csv = std::fs::read_to_string(data.join("violations.csv")).unwrap();
        let mut lines: Vec<&str> = csv.lines().collect();
        let header = lines.remove(0);
        // One offset throughout: the text sorts as the instants do.
        lines.sort_by_key(|l| l.split(',').next().unwrap().to_owned());
        let sorted = dir.join("violations.csv");
        std::fs::write(&sorted, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
        let jsonl = std::fs::read_to_string(data.join("violations.jsonl")).unwrap();
        let mut rows: Vec<&str> = jsonl.lines().filter(|l| !l.trim().is_empty()).collect();
        rows.sort_by_key(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["at"]
                .as_str()
                .unwrap()
                .to_owned()
        });
        let sorted_jsonl = dir.join("violations.jsonl");
        std::fs::write(&sorted_jsonl, rows.join("\n") + "\n").unwrap();
        for log in [&sorted, &sorted_jsonl] {
            let out = same_at_any_budget(
                log,
                "cn+conduct",
                Filled {
                    over_budget: false,
                    passes: 0,
                },
                Filled {
                    over_budget: true,
                    passes: 1,
                },
            );
            assert!(out.text.contains("violations"), "{}", out.text);
        }
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
