"""Audit the bundled sample contact log with pandas, notebook style.

    python examples/python/audit_sample.py [LOG.csv] [--policy cn+conduct]

Reads examples/data/sample-log.csv (a generated month of collection work in
Asia/Shanghai, with SMS bombing, night calls and contact after repayment
plans injected), replays it through the `cn+conduct` preset and prints the
violations: by rule with its legal citation, the worst recipients, and a
few examples with when each would have been allowed again.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import contactguard as cg

ROOT = Path(__file__).resolve().parents[2]

# %% Load the log: one row per event, `at` with its UTC offset.
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("log", nargs="?", default=str(ROOT / "examples" / "data" / "sample-log.csv"))
parser.add_argument("--policy", default="cn+conduct", help="preset names joined by +, or a .toml/.json file")
args = parser.parse_args()

log = pd.read_csv(args.log, dtype={"to": "string", "debt": "string"})
log["at"] = pd.to_datetime(log["at"], format="ISO8601", utc=True)
if "until" in log:
    log["until"] = pd.to_datetime(log["until"], format="ISO8601", utc=True)
print(f"{len(log):,} rows from {args.log}")
print(log["type"].fillna("attempt").value_counts().to_string(), end="\n\n")

# %% Replay it: every attempt is decided against the rows before it.
policy = cg.Policy.load(args.policy) if args.policy.endswith((".toml", ".json")) else cg.Policy.preset(args.policy)
t0 = time.perf_counter()
audited = cg.audit(log, policy)
elapsed = time.perf_counter() - t0
attempts = audited[audited["allow"].notna()]
violations = attempts[~attempts["allow"].astype(bool)]
print(f"policy {policy.name}: {len(policy.rules)} rules; audited in {elapsed:.2f} s "
      f"({len(log) / elapsed / 1e6:.2f} M rows/s)")
print(f"{len(violations):,} of {len(attempts):,} attempts would have been denied "
      f"({len(violations) / max(len(attempts), 1):.1%})\n")

# %% Violations by rule, with the rule's title and citation.
rules = {r.id: r for r in policy.rules}
by_rule = violations.explode("rules")["rules"].value_counts()
print("violations by rule:")
for rule_id, count in by_rule.items():
    r = rules.get(str(rule_id))
    title = r.title if r else str(rule_id)
    cite = f"  [{r.cite}]" if r else ""
    print(f"  {count:>7,}  {rule_id}: {title}{cite}")

# %% By channel and role.
print("\nviolations by channel and role:")
print(violations.groupby(["channel", "role"]).size().sort_values(ascending=False).head(10).to_string())

# %% The worst recipients, and the most texts one person got in a local day.
print("\nrecipients with the most violations:")
print(violations["to"].value_counts().head(5).to_string())
texts = attempts[attempts["channel"] == "sms"]
local_day = texts["at"].dt.tz_convert("Asia/Shanghai").dt.date
per_day = texts.groupby(["to", local_day]).size().sort_values(ascending=False)
if len(per_day):
    (who, day), n = per_day.index[0], per_day.iloc[0]
    print(f"\nmost texts to one person in a local day: {n} to {who} on {day}")

# %% A few examples: one per combination of rules broken.
print("\nexamples:")
broken = violations["rules"].map(lambda ids: ", ".join(ids))
for _, row in violations.assign(broken=broken).drop_duplicates("broken").head(8).iterrows():
    local = row["at"].tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M")
    retry = row["retry_at"]
    retry_text = retry.tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M") if pd.notna(retry) else "no later time"
    print(f"  {local} {row['channel']:<6} to {row['to']} ({row['role']}, {row['purpose']}): "
          f"denied by {row['broken']}; allowed again: {retry_text}")
