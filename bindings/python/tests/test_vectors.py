"""Every conformance vector through the Python API (dicts with text
instants, and again with aware ``datetime`` objects)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import contactguard as cg
from contactguard._vectors import run_document

from conftest import ROOT, call_ask, vector_files

FILES = vector_files()


def _label(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(ROOT.parent))
    except ValueError:
        return str(p)


def test_vector_files_found() -> None:
    # The project's own vectors are in the repository; the shared ones sit
    # beside the clone in CI. Without any, this suite would prove nothing.
    assert FILES, "no vectors found in ../shared/vectors, tests/vectors or CONTACTGUARD_VECTORS"


@pytest.mark.parametrize("path", FILES, ids=_label)
def test_vectors_file(path: Path) -> None:
    failures = cg.vectors(path)
    assert failures == [], "\n".join(str(f) for f in failures)


@pytest.mark.parametrize("path", FILES, ids=_label)
def test_vectors_file_with_datetimes(path: Path) -> None:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    passed, failures = run_document(doc, source=str(path), datetimes=True)
    assert failures == [], "\n".join(str(f) for f in failures)
    assert passed == len(doc["cases"])


def test_vectors_reports_failures(tmp_path: Path) -> None:
    doc = {
        "format": "contact-vectors/1",
        "cases": [
            {
                "id": "wrong-on-purpose",
                "policy": "us-reg-f",
                "ask": call_ask("2026-10-14T07:59:00-04:00"),
                "expect": {"allow": True, "retry_at": None, "denied_by": ["nope"]},
            },
            {"id": "broken", "policy": "no-such-preset", "ask": {}, "expect": {"allow": True}},
        ],
    }
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(doc))
    failures = cg.vectors(path)
    assert [f.id for f in failures] == ["wrong-on-purpose", "broken"]
    assert "expected allow=True, got allow=False" in failures[0].message
    assert "expected retry_at=null, got 2026-10-14T12:00:00+00:00" in failures[0].message
    assert "expected a denial by `nope`" in failures[0].message
    assert "unknown preset `no-such-preset`" in failures[1].message


def test_vectors_rejects_other_formats(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"format": "something-else", "cases": []}')
    [failure] = cg.vectors(path)
    assert "contact-vectors/1" in failure.message


def test_vectors_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(cg.InputError) as e:
        cg.vectors(missing)
    assert isinstance(e.value, cg.ContactguardError)
    assert e.value.code == "io.read"
    assert e.value.file == str(missing)
    assert "cannot read" in e.value.message and "missing.json" in e.value.message
    assert isinstance(e.value.__cause__, FileNotFoundError)
    # A directory is not readable as a file either.
    with pytest.raises(cg.InputError) as e:
        cg.vectors(tmp_path)
    assert e.value.code == "io.read" and e.value.file == str(tmp_path)


def test_vectors_malformed_json_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "contact-vectors/1",\n "cases": [}\n')
    with pytest.raises(cg.InputError) as e:
        cg.vectors(path)
    assert e.value.code == "json.syntax"
    assert e.value.file == str(path)
    assert (e.value.line, e.value.column) == (2, 12)
    assert str(e.value).startswith(f"{path}:2:12: ")


def test_vectors_non_utf8_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"format": "contact-vectors/1", "cases": [], "x": "caf\xe9"}')
    with pytest.raises(cg.InputError) as e:
        cg.vectors(path)
    assert e.value.code == "io.read"
    assert e.value.file == str(path)
    assert "byte 54" in e.value.message


def test_env_variable_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "extra.json"
    extra.write_text('{"format": "contact-vectors/1", "cases": []}')
    nested = tmp_path / "dir" / "deeper"
    nested.mkdir(parents=True)
    inside = nested / "more.json"
    inside.write_text('{"format": "contact-vectors/1", "cases": []}')
    monkeypatch.setenv("CONTACTGUARD_VECTORS", f"{extra}::{tmp_path / 'dir'}")
    files = vector_files()
    assert extra in files and inside in files
