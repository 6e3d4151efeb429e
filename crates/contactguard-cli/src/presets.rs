//! `contactguard presets`: list the bundled presets, show one's rules, or
//! print the reference page (`docs/presets.md`).

use crate::common::{counted, CliError};
use contactguard::policy::PolicyFile;
use contactguard::{preset_names, preset_source, Policy};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<PresetsCommand>,
    /// Print the presets' reference page in Markdown (docs/presets.md)
    #[arg(long)]
    markdown: bool,
}

#[derive(Debug, clap::Subcommand)]
enum PresetsCommand {
    /// Print the rules of a preset (or of `a+b`) with citations and status
    Show {
        /// Preset name, or names joined by `+`
        name: String,
    },
}

pub fn run(args: Args, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    match (args.command, args.markdown) {
        (Some(PresetsCommand::Show { name }), _) => show(&name, out),
        (None, true) => markdown(out),
        (None, false) => list(out),
    }
}

/// The preset's own file: title and what it extends.
fn preset_file(name: &str) -> Option<PolicyFile> {
    toml::from_str(preset_source(name)?).ok()
}

fn list(out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let width = preset_names().map(str::len).max().unwrap_or(0);
    writeln!(out, "{:width$}  RULES  TITLE", "NAME")?;
    let mut broken = false;
    for name in preset_names() {
        let file = preset_file(name).unwrap_or_default();
        let title = file.title.as_deref().unwrap_or("(untitled)");
        let extends = if file.extends.is_empty() {
            String::new()
        } else {
            format!(" (extends {})", file.extends.join(", "))
        };
        match Policy::preset(name) {
            Ok(policy) => {
                writeln!(
                    out,
                    "{name:width$}  {:>5}  {title}{extends}",
                    file.rules.len()
                )?;
                // Only the calendars the preset itself defines.
                for cal in policy
                    .calendar_coverage()
                    .iter()
                    .filter(|c| file.calendars.contains_key(&c.name))
                {
                    writeln!(
                        out,
                        "{:width$}         calendar `{}`: {}",
                        "",
                        cal.name,
                        cal.years_summary()
                    )?;
                }
            }
            Err(e) => {
                broken = true;
                writeln!(out, "{name:width$}      ?  does not load: {e}")?;
            }
        }
    }
    Ok(if broken {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn show(names: &str, out: &mut dyn Write) -> Result<ExitCode, CliError> {
    let policy = Policy::preset(names)?;
    for name in names.split('+').map(str::trim) {
        let title = preset_file(name)
            .and_then(|f| f.title)
            .unwrap_or_else(|| "(untitled)".to_owned());
        writeln!(out, "{name}: {title}")?;
    }
    for cal in policy.calendar_coverage() {
        writeln!(out, "calendar `{}`: {}", cal.name, cal.years_summary())?;
    }
    writeln!(out, "{}\n", counted(policy.rules().len(), "rule"))?;
    for rule in policy.rules() {
        writeln!(out, "{}  {}", rule.id, rule.title)?;
        writeln!(out, "    kind:   {}", rule.kind.as_str())?;
        writeln!(out, "    status: {}", rule.status)?;
        writeln!(out, "    cite:   {}", rule.cite)?;
        if let Some(convention) = &rule.convention {
            writeln!(out, "    convention: {convention}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn markdown(out: &mut dyn Write) -> Result<ExitCode, CliError> {
    out.write_all(contactguard::reference::presets_markdown().as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
