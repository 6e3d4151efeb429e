"""One table of per-call `decide` cost through each binding against Rust,
from the outputs of one `make bench-bindings` run (not a test).

    bindings.py CRITERION_DIR FFI_OUTPUT JAVA_OUTPUT PYTHON_OUTPUT

Reads:
- Rust and the C ABI: the medians of single calls that decide_ffi prints
  after its criterion run (`single.{rust_api,c_abi}.SCENARIO.median_ns=`,
  each call timed alone, the two sides taking turns in one process), and
  criterion's median estimates beside them (`CRITERION_DIR/
  decide_50_events/.../new/estimates.json`; per-iteration wall time, which
  a loaded machine inflates: the process waits for a core);
- Java: the lines of `dev.contactguard.Bench` (`make bench-java`): CPU-time
  medians of JNI, JNA and the Rust call timed inside the library on the
  same handles, interleaved in one process;
- Python: the `key=value` lines of bindings/python/bench/decide_50.py.

Every ratio is to a Rust figure of the same `make bench-bindings` run: the
C ABI's and Python's to Rust's single-call median from decide_ffi (Python
has no Rust call of its own to interleave with; it runs a minute later,
and its CPU-time median is the comparable figure), Java's to the Rust call
timed inside the library by the same Java process (as the target is
stated: Java <= 1.5 x Rust + 100 ns). Targets (issue 17):
C ABI <= 1.2 x Rust; Java <= 1.5 x Rust + 100 ns; Python <= 2 us.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Dict, List, Tuple

SCENARIOS = ("allowed", "denied")


def criterion_median(root: str, path: str) -> float:
    with open(os.path.join(root, "decide_50_events", path, "new", "estimates.json")) as f:
        return float(json.load(f)["median"]["point_estimate"])


def ffi(path: str) -> Dict[str, float]:
    with open(path) as f:
        return {k: float(v) for k, v in re.findall(r"(single\.\S+)=([0-9.]+)", f.read())}


def java(path: str) -> Dict[Tuple[str, str], float]:
    out: Dict[Tuple[str, str], float] = {}
    pattern = re.compile(r"^(allowed|denied)\s+(Rust decide|Java decide through JNI|Java decide through JNA)"
                         r".*?CPU median\s+([0-9.]+) ns")
    with open(path) as f:
        for line in f:
            m = pattern.match(line)
            if m:
                kind = {"Rust decide": "rust", "Java decide through JNI": "jni",
                        "Java decide through JNA": "jna"}[m.group(2)]
                out[(kind, m.group(1))] = float(m.group(3))
    return out


def python(path: str) -> Dict[str, float]:
    out: Dict[str, float] = {}
    with open(path) as f:
        for key, value in re.findall(r"(python\.\S+)=([0-9.]+)", f.read()):
            out[key] = float(value)
    return out


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    crit, ffi_out, java_out, py_out = sys.argv[1:]
    single = ffi(ffi_out)
    j = java(java_out)
    p = python(py_out)
    rows: List[Tuple[str, str, float, float, str, str]] = []
    missing = []
    for s in SCENARIOS:
        rust_crit = criterion_median(crit, f"rust_api/{s}")
        c_crit = criterion_median(crit, f"c_abi/{s}")
        rust = single[f"single.rust_api.{s}.median_ns"]
        c = single[f"single.c_abi.{s}.median_ns"]
        rows.append(("Rust decide (single calls)", s, rust, rust, "", ""))
        rows.append(("C ABI cg_decide (single calls)", s, c, rust, "<= 1.2 x Rust",
                     "met" if c <= 1.2 * rust else "NOT met"))
        rows.append(("Rust decide (criterion)", s, rust_crit, rust_crit, "", ""))
        rows.append(("C ABI cg_decide (criterion)", s, c_crit, rust_crit, "<= 1.2 x Rust",
                     "met" if c_crit <= 1.2 * rust_crit else "NOT met"))
        if ("rust", s) in j:
            jr = j[("rust", s)]
            rows.append(("Rust in the JVM's library (CPU)", s, jr, jr, "", ""))
            jni = j[("jni", s)]
            rows.append(("Java JNI (CPU)", s, jni, jr, "<= 1.5 x Rust + 100 ns",
                         "met" if jni <= 1.5 * jr + 100 else "NOT met"))
            rows.append(("Java JNA (CPU)", s, j[("jna", s)], jr, "", ""))
        else:
            missing.append(f"java/{s}")
        for form, label in (("ask", "Python decide(Ask, History)"), ("dict", "Python decide(dict, History)")):
            key = f"python.{form}.{s}"
            if f"{key}.wall_ns" in p:
                wall = p[f"{key}.wall_ns"]
                rows.append((f"{label} (wall)", s, wall, rust, "<= 2 us" if form == "ask" else "",
                             ("met" if wall <= 2_000 else "NOT met") if form == "ask" else ""))
                rows.append((f"{label} (CPU)", s, p[f"{key}.cpu_ns"], rust, "", ""))
            else:
                missing.append(f"{key}")
    print("\nper-call decide, 50 events of history, one `make bench-bindings` run (medians, ns)")
    print(f"{'path':<40} {'scenario':<8} {'ns':>8} {'Rust ns':>8} {'x Rust':>7} {'- Rust':>8}  target")
    for name, s, ns, ref, target, verdict in rows:
        print(f"{name:<40} {s:<8} {ns:>8.0f} {ref:>8.0f} {ns / ref:>6.2f}x {ns - ref:>+8.0f}  "
              f"{target}{': ' + verdict if verdict else ''}")
    print("(Rust ns: Rust's single-call median for the C ABI and Python rows, criterion's for the criterion rows;"
          " for the Java rows the Rust call timed inside the library by the same JVM, CPU time)")
    if missing:
        print(f"missing figures: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
