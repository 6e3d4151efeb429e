#!/usr/bin/env python3
"""Seeds the committed fuzz corpora from the presets and the conformance
vectors (tests/vectors, and ../shared/vectors when present).

    python3 fuzz/seed.py        # from the repository root

Writes fuzz/corpus/{policy_toml,policy_json,decode,vectors}/seed-*; the
structured targets (decide, ffi, ledger_restore) are seeded by running them
and minimising (`make fuzz-cmin`). Files are named by content hash, so a
rerun only adds what is new.
"""
import glob
import hashlib
import json
import os
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
# Cases taken from each vectors file: enough to cover every rule family
# without letting the corpus grow past a few hundred kilobytes.
PER_FILE = 6


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def spread(items, n):
    if len(items) <= n:
        return items
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


presets = sorted(glob.glob(os.path.join(ROOT, "crates/contactguard/presets/*.toml")))
presets += sorted(glob.glob(os.path.join(ROOT, "crates/contactguard-cli/tests/data/**/*.toml"), recursive=True))
for p in presets:
    text = open(p, encoding="utf-8").read()
    put("policy_toml", text)
    try:
        put("policy_json", json.dumps(tomllib.loads(text), ensure_ascii=False, default=str))
    except tomllib.TOMLDecodeError:
        pass  # a deliberately broken policy: TOML seed only

vector_files = sorted(glob.glob(os.path.join(ROOT, "tests/vectors/**/*.json"), recursive=True))
vector_files += sorted(glob.glob(os.path.join(ROOT, "..", "shared", "vectors", "*.json")))
for vf in vector_files:
    doc = json.load(open(vf, encoding="utf-8"))
    cases = doc.get("cases", [])
    for case in spread(cases, PER_FILE):
        put("vectors", json.dumps({"format": "contact-vectors/1", "cases": [case]}, ensure_ascii=False))
        put("decode", json.dumps(case.get("ask"), ensure_ascii=False))
        history = case.get("history") or []
        if history:
            put("decode", json.dumps(history, ensure_ascii=False))
        put("decode", json.dumps({"ask": case.get("ask"), "history": history}, ensure_ascii=False))
        if isinstance(case.get("policy"), dict):
            put("policy_json", json.dumps(case["policy"], ensure_ascii=False))
