"""The Spark recipe on the bundled sample log, in local mode: the same
violations as the single-machine audit, and a partitioning that splits a
recipient is reported instead of under-counted. Run by `make spark-test`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterator

import pandas as pd
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import contactguard as cg
import contactguard_spark as cs

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "data" / "sample-log.csv"
POLICY = "cn+conduct"


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    s = cs.local_session(cores=2)
    yield s
    s.stop()


def violations(rows: pd.DataFrame) -> Counter:
    """Denied attempts as (at, to, debt, channel, rules) with multiplicity."""
    denied = rows[rows["allow"].astype("boolean").fillna(True) == False]  # noqa: E712
    return Counter(
        (str(r.at), str(r.to), str(r.debt), str(r.channel), str(r.rules)) for r in denied.itertuples()
    )


def single_machine() -> pd.DataFrame:
    text = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False, na_values=[""])
    audited = cg.audit(cs._typed(text), POLICY)
    out = text.copy()
    out["allow"] = audited["allow"]
    out["rules"] = cs.rules_text(audited["rules"])
    return out


def test_same_violations_as_the_single_machine_audit(spark: SparkSession) -> None:
    df = cs.partition_by_component(cs.read_log(spark, str(SAMPLE)), buckets=8)
    assert df.select(cs.PART).distinct().count() > 1
    result = cs.audit(df, POLICY).toPandas()
    expected = single_machine()
    assert len(result) == len(expected)
    want = violations(expected)
    assert sum(want.values()) > 100
    assert violations(result) == want


def test_components_join_recipients_through_shared_debts(spark: SparkSession) -> None:
    rows = [
        ("2026-03-02T10:00:00+08:00", "a", "L1"),
        ("2026-03-02T10:00:00+08:00", "b", "L1"),
        ("2026-03-02T10:00:00+08:00", "b", "L2"),
        ("2026-03-02T10:00:00+08:00", "c", "L3"),
    ]
    df = spark.createDataFrame(rows, ["at", "to", "debt"])
    labels = {r.node: r.label for r in cs.components(df).collect()}
    assert labels["r:a"] == labels["r:b"] == labels["d:L1"] == labels["d:L2"]
    assert labels["r:c"] == labels["d:L3"] != labels["r:a"]


def test_a_recipient_split_across_partitions_is_reported(spark: SparkSession) -> None:
    # Partitioning by debt splits a recipient with two debts: the audit
    # refuses, naming the recipient, instead of under-counting its calls.
    cols = ["at", "type", "channel", "to", "role", "debt", "result", "timezone"]
    rows = [
        ("2026-03-02T10:00:00+08:00", "attempt", "call", "c1", "debtor", "L1", "no_answer", "Asia/Shanghai"),
        ("2026-03-02T11:00:00+08:00", "attempt", "call", "c1", "debtor", "L2", "no_answer", "Asia/Shanghai"),
        ("2026-03-02T12:00:00+08:00", "attempt", "call", "c2", "debtor", "L3", "no_answer", "Asia/Shanghai"),
    ]
    df = (
        spark.createDataFrame(rows, cols)
        .withColumn(cs.ROW, F.monotonically_increasing_id())
        .withColumn(cs.PART, F.when(F.col("debt") == "L1", 0).otherwise(1))
    )
    assert cs.shared_keys(df, "to") == (["c1"], 1)
    assert cs.shared_keys(df, "debt") == ([], 0)
    with pytest.raises(cs.SharedScopeError) as e:
        cs.audit(df, POLICY)
    assert e.value.column == "to" and e.value.keys == ["c1"]
    assert "c1" in str(e.value)
    # By component, c1's rows stay together and the check passes.
    ok = cs.partition_by_component(df.drop(cs.PART), buckets=8)
    cs.check_partitioning(ok)
    assert cs.audit(ok, POLICY).count() == 3
