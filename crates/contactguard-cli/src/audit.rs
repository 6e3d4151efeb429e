//! `contactguard audit LOG --policy cn`: replay a contact log through a
//! policy and report every contact it would have denied at that moment.
//!
//! The pure parts live in submodules: [`log`] reads CSV or JSON Lines,
//! [`replay`] decides each attempt against the history of the earlier rows,
//! [`report`] aggregates; [`text`] and [`html`] render. This file does the
//! I/O: files, standard error, the progress bar and exit codes.

pub mod html;
pub mod log;
pub mod replay;
pub mod report;
pub mod text;

use crate::common::{load_policy, report as stderr_line, CliError};
use contactguard::Policy;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

/// Bad rows printed on standard error before the rest are only counted.
const BAD_PRINTED: usize = 200;

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
    /// Exit with status 1 when any attempt would have been denied
    #[arg(long)]
    fail_on_violation: bool,
    /// Time zone(s) for attempts whose row gives none (`|`-separated IANA
    /// names)
    #[arg(long = "tz", value_name = "ZONE")]
    default_timezone: Option<String>,
    /// Read the log as this format instead of guessing
    #[arg(long, value_name = "csv|jsonl", value_parser = ["csv", "jsonl"])]
    format: Option<String>,
    /// Also write every attempt's verdict to this CSV file (line, at,
    /// channel, to, role, debt, allow, rules, retry_at)
    #[arg(long, value_name = "FILE")]
    verdicts: Option<PathBuf>,
    /// Replay threads (default: the available cores). The log is split
    /// into partitions that keep every recipient and every debt whole, so
    /// the report is the same with any number of threads
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Print timing (rows per second) on standard error
    #[arg(long)]
    timing: bool,
}

fn guess_format(path: &Path, text: &str) -> log::Format {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => log::Format::Csv,
        Some("jsonl" | "ndjson") => log::Format::Jsonl,
        _ if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{') =>
        {
            log::Format::Jsonl
        }
        _ => log::Format::Csv,
    }
}

pub fn run(args: AuditArgs, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let policy = load_policy(&args.policy)?;
    let started = Instant::now();
    let name = args.log.display().to_string();
    let text = if args.log.as_os_str() == "-" {
        crate::common::read_stdin()?
    } else {
        let bytes = std::fs::read(&args.log)
            .map_err(|e| CliError::new(format!("cannot read `{name}`: {e}")))?;
        String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let line = e
                .as_bytes()
                .get(..at)
                .map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count())
                + 1;
            CliError::new(format!("`{name}`: line {line} is not UTF-8 text"))
        })?
    };
    let format = match args.format.as_deref() {
        Some("jsonl") => log::Format::Jsonl,
        Some(_) => log::Format::Csv,
        None => guess_format(&args.log, &text),
    };
    let opts = log::Options {
        default_timezone: args.default_timezone.clone(),
        strict: args.strict,
    };
    let parsed =
        log::read(&text, format, &opts).map_err(|e| CliError::new(format!("`{name}`: {}", e.0)))?;
    drop(text);
    let read_time = started.elapsed();
    for column in &parsed.ignored_columns {
        stderr_line(format_args!(
            "warning: `{name}`: ignoring unknown column `{column}`"
        ));
    }
    for bad in parsed.bad.iter().take(BAD_PRINTED) {
        stderr_line(format_args!(
            "{name}:{}: bad row skipped: {}",
            bad.line, bad.message
        ));
    }
    if parsed.bad.len() > BAD_PRINTED {
        stderr_line(format_args!(
            "{name}: ... and {} more bad rows skipped",
            parsed.bad.len() - BAD_PRINTED
        ));
    }
    if parsed.attempts_without_zone > 0 {
        stderr_line(format_args!(
            "warning: `{name}`: {} attempts give no time zone: rules that need local time deny them (fail closed); add a `timezone` column or pass --tz",
            parsed.attempts_without_zone
        ));
    }

    let log::Log {
        rows, zones, bad, ..
    } = parsed;
    let total = rows.len();
    let show_progress = std::io::stderr().is_terminal() && total >= 200_000;
    let progress = Progress::new(total, show_progress);
    let replay_start = Instant::now();
    // Verdicts are written in replay order, which needs one thread.
    let threads = if args.verdicts.is_some() {
        1
    } else {
        args.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        })
    };
    // Small logs replay faster than threads start, unless asked.
    let agg = if threads <= 1 || (total < 50_000 && args.threads.is_none()) {
        replay_one(&args, &policy, rows, &zones, &progress, &name)?
    } else {
        let parts = replay::partition(rows, threads);
        let results: Vec<Result<report::Aggregator, String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .into_iter()
                .map(|part| {
                    let (policy, zones, progress) = (&policy, &zones, &progress);
                    scope.spawn(move || {
                        let mut agg = report::Aggregator::new();
                        replay::replay(policy, part, zones, |step| {
                            agg.observe(&step, zones);
                            progress.tick();
                        })
                        .map(|()| agg)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a replay thread panicked".to_owned()))
                })
                .collect()
        });
        let mut merged = report::Aggregator::new();
        for r in results {
            merged.merge(r.map_err(|e| CliError::new(format!("`{name}`: {e}")))?);
        }
        merged
    };
    progress.finish();
    let replay_time = replay_start.elapsed();
    let report = agg.finish(&name, &policy, &bad, &zones);

    if args.json {
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::new(format!("cannot print the report: {e}")))?;
        writeln!(out, "{json}")?;
    } else {
        out.write_all(text::render(&report).as_bytes())?;
    }
    if let Some(path) = &args.out {
        std::fs::write(path, html::render(&report))
            .map_err(|e| CliError::new(format!("cannot write `{}`: {e}", path.display())))?;
        if !args.json {
            writeln!(out, "\nHTML report written to {}", path.display())?;
        }
    }
    if args.timing {
        let secs = replay_time.as_secs_f64().max(1e-9);
        #[expect(clippy::cast_precision_loss, reason = "a rate for display")]
        let rate = total as f64 / secs;
        stderr_line(format_args!(
            "timing: read+parse {:.2}s, replay {:.2}s for {total} rows on {threads} thread(s) = {rate:.0} rows/s",
            read_time.as_secs_f64(),
            replay_time.as_secs_f64()
        ));
    }
    if args.fail_on_violation && report.totals.denied > 0 {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Replays on this thread, writing `--verdicts` when asked.
fn replay_one(
    args: &AuditArgs,
    policy: &Policy,
    rows: Vec<log::Row>,
    zones: &log::Zones,
    progress: &Progress,
    name: &str,
) -> Result<report::Aggregator, CliError> {
    let mut agg = report::Aggregator::new();
    let mut verdicts = match &args.verdicts {
        None => None,
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| CliError::new(format!("cannot create `{}`: {e}", path.display())))?;
            let mut w = std::io::BufWriter::new(file);
            let header = w.write_all(b"line,at,channel,to,role,debt,allow,rules,retry_at\n");
            Some((path, w, header))
        }
    };
    let replayed = replay::replay(policy, rows, zones, |step| {
        agg.observe(&step, zones);
        if let (
            Some((_, w, status @ Ok(()))),
            replay::Step::Attempt {
                line,
                ask,
                decision,
                ..
            },
        ) = (&mut verdicts, &step)
        {
            *status = write_verdict(w, *line, ask, decision);
        }
        progress.tick();
    });
    replayed.map_err(|e| CliError::new(format!("`{name}`: {e}")))?;
    if let Some((path, mut w, status)) = verdicts {
        status
            .and_then(|()| w.flush())
            .map_err(|e| CliError::new(format!("cannot write `{}`: {e}", path.display())))?;
    }
    Ok(agg)
}

/// One attempt's verdict as a CSV row.
fn write_verdict(
    w: &mut dyn Write,
    line: u64,
    ask: &contactguard::Ask,
    decision: &contactguard::Decision,
) -> std::io::Result<()> {
    let rules: Vec<&str> = decision.denials.iter().map(|d| d.id.as_str()).collect();
    let retry = decision.retry_at.map(|t| t.to_string()).unwrap_or_default();
    writeln!(
        w,
        "{line},{},{},{},{},{},{},{},{retry}",
        ask.at,
        ask.channel,
        csv_cell(&ask.to),
        ask.role,
        csv_cell(&ask.debt),
        decision.allow,
        rules.join("|")
    )
}

/// A CSV cell, quoted when it needs to be.
fn csv_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// A progress bar on standard error, drawn only when it is a terminal.
/// Replay threads share it: they count rows in an atomic, and whichever
/// thread passes a mark draws when the last drawing is old enough.
struct Progress {
    total: usize,
    done: AtomicUsize,
    enabled: bool,
    start: Instant,
    /// Milliseconds since `start` of the last drawing.
    last_ms: AtomicU64,
}

impl Progress {
    fn new(total: usize, enabled: bool) -> Progress {
        Progress {
            total,
            done: AtomicUsize::new(0),
            enabled,
            start: Instant::now(),
            last_ms: AtomicU64::new(0),
        }
    }

    fn tick(&self) {
        if !self.enabled {
            return;
        }
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if done % 4096 != 0 {
            return;
        }
        let now = u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX);
        let last = self.last_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= 100
            && self
                .last_ms
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            self.draw(done);
        }
    }

    fn draw(&self, done: usize) {
        const WIDTH: usize = 40;
        let filled = (done * WIDTH)
            .checked_div(self.total)
            .unwrap_or(WIDTH)
            .min(WIDTH);
        let pct = (done * 100).checked_div(self.total).unwrap_or(100);
        let secs = self.start.elapsed().as_secs_f64().max(1e-9);
        #[expect(clippy::cast_precision_loss, reason = "a rate for display")]
        let rate = done as f64 / secs;
        let bar: String = "#".repeat(filled) + &"-".repeat(WIDTH - filled);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r  replaying [{bar}] {pct:>3}% {done}/{} rows, {:.0}k rows/s ",
            self.total,
            rate / 1000.0
        );
        let _ = err.flush();
    }

    fn finish(&self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{:width$}\r", "", width = 100);
            let _ = err.flush();
        }
    }
}
