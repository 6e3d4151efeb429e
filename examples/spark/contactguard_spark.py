"""Audit contact logs too large for one machine with PySpark.

``contactguard.audit`` replays a log on one machine. A rule reads the
events of one recipient, one debt, or both, so a log can be cut into
partitions that are audited independently **if every recipient's and every
debt's rows lie whole in one partition**. This module:

1. ``partition_by_component`` labels each row with the connected component
   of the recipient-debt graph it belongs to (recipients and debts are
   nodes, each row naming both is an edge), computed in Spark by min-label
   propagation, and hashes components into ``buckets`` partition keys;
2. ``shared_keys`` checks a partitioning: recipients (or debts) whose rows
   fall in more than one partition, which the audit would under-count;
3. ``audit`` runs the check (and raises ``SharedScopeError`` listing the
   shared keys), then ``contactguard.audit`` per partition with
   ``groupBy(part).applyInPandas``, rows in time order and, for ties, in the
   order read.

The result is the log (every column as text) with ``allow``, ``rules``
(rule ids joined by ``,``) and ``retry_at`` (RFC 3339, UTC) added, the same
as the single-machine audit gives. See docs/spark.md.
"""

from __future__ import annotations

from typing import Iterable, List, Optional

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, LongType, StringType, StructField, StructType

ROW = "_row"
PART = "_part"


class SharedScopeError(ValueError):
    """Some recipients or debts have rows in more than one partition."""

    def __init__(self, column: str, keys: List[str], total: int) -> None:
        self.column = column
        self.keys = keys
        self.total = total
        shown = ", ".join(keys)
        more = f" and {total - len(keys)} more" if total > len(keys) else ""
        super().__init__(
            f"{total} value(s) of `{column}` have rows in more than one partition, so their "
            f"limits would be under-counted: {shown}{more}; partition with partition_by_component"
        )


def read_log(spark: SparkSession, path: str) -> DataFrame:
    """Reads a contact log CSV with every column as text, numbering rows
    in the order read (``_row``) so that same-instant rows keep it."""
    df = spark.read.csv(path, header=True, inferSchema=False)
    return df.withColumn(ROW, F.monotonically_increasing_id())


def _nodes(df: DataFrame) -> DataFrame:
    """Each row's recipient node and debt node (null when absent)."""
    return df.select(
        F.when(F.col("to").isNotNull(), F.concat(F.lit("r:"), F.col("to"))).alias("rn"),
        F.when(F.col("debt").isNotNull(), F.concat(F.lit("d:"), F.col("debt"))).alias("dn"),
    )


def components(df: DataFrame, max_iterations: int = 100) -> DataFrame:
    """Connected components of the recipient-debt graph: columns ``node``
    (``r:<to>`` or ``d:<debt>``) and ``label`` (the smallest node of its
    component). Min-label propagation: as many rounds as the longest
    shortest path in a component, each a join and an aggregation."""
    nodes = _nodes(df)
    edges = nodes.where(F.col("rn").isNotNull() & F.col("dn").isNotNull()).distinct()
    both = edges.select(F.col("rn").alias("src"), F.col("dn").alias("dst")).union(
        edges.select(F.col("dn").alias("src"), F.col("rn").alias("dst"))
    ).cache()
    labels = (
        nodes.select(F.col("rn").alias("node"))
        .union(nodes.select(F.col("dn").alias("node")))
        .where(F.col("node").isNotNull())
        .distinct()
        .withColumn("label", F.col("node"))
        .localCheckpoint()
    )
    for _ in range(max_iterations):
        offered = (
            both.join(labels, both.dst == labels.node)
            .groupBy("src")
            .agg(F.min("label").alias("offer"))
        )
        updated = (
            labels.join(offered, labels.node == offered.src, "left")
            .select(
                "node",
                F.when(F.col("offer").isNotNull() & (F.col("offer") < F.col("label")), F.col("offer"))
                .otherwise(F.col("label"))
                .alias("label"),
                (F.col("offer").isNotNull() & (F.col("offer") < F.col("label"))).alias("changed"),
            )
            .localCheckpoint()
        )
        changed = updated.where("changed").limit(1).count()
        labels = updated.select("node", "label")
        if changed == 0:
            both.unpersist()
            return labels
    both.unpersist()
    raise RuntimeError(f"components did not converge in {max_iterations} rounds")


def partition_by_component(df: DataFrame, buckets: int = 64) -> DataFrame:
    """``df`` with ``_part``: a hash of its row's component into ``buckets``
    keys. Rows naming a recipient take the recipient's component, rows
    naming only a debt (holds) the debt's; both are the same component when
    a row names both."""
    labels = components(df)
    key = F.when(F.col("to").isNotNull(), F.concat(F.lit("r:"), F.col("to"))).otherwise(
        F.concat(F.lit("d:"), F.col("debt"))
    )
    return (
        df.withColumn("_node", key)
        .join(labels, F.col("_node") == labels.node, "left")
        .withColumn(PART, F.pmod(F.xxhash64(F.coalesce(F.col("label"), F.col("_node"))), F.lit(buckets)))
        .drop("_node", "node", "label")
    )


def shared_keys(df: DataFrame, column: str, part: str = PART, limit: int = 20) -> tuple[List[str], int]:
    """Values of ``column`` (``to`` or ``debt``) whose rows lie in more than
    one partition: up to ``limit`` of them, and how many there are."""
    shared = (
        df.where(F.col(column).isNotNull())
        .groupBy(column)
        .agg(F.countDistinct(part).alias("parts"))
        .where(F.col("parts") > 1)
        .cache()
    )
    total = shared.count()
    keys = [r[column] for r in shared.orderBy(column).limit(limit).collect()]
    shared.unpersist()
    return keys, total


def check_partitioning(df: DataFrame, part: str = PART) -> None:
    """Raises ``SharedScopeError`` when a recipient or a debt has rows in
    more than one partition."""
    for column in ("to", "debt"):
        if column in df.columns:
            keys, total = shared_keys(df, column, part)
            if total:
                raise SharedScopeError(column, keys, total)


def _typed(pdf: pd.DataFrame) -> pd.DataFrame:
    """Text columns to the types ``contactguard.audit`` reads."""
    out = pdf.copy()
    out["at"] = pd.to_datetime(out["at"], format="ISO8601", utc=True)
    if "until" in out:
        out["until"] = pd.to_datetime(out["until"], format="ISO8601", utc=True)
    if "days_past_due" in out:
        out["days_past_due"] = pd.to_numeric(out["days_past_due"]).astype("Int64")
    for c in ("autodialed", "granted"):
        if c in out:
            out[c] = out[c].map({"true": True, "false": False, "True": True, "False": False}).astype("boolean")
    return out


def rules_text(rules: Iterable[object]) -> List[Optional[str]]:
    """The audit's ``rules`` lists as text joined by ``,``; null for rows
    that are not attempts or were allowed."""
    out: List[Optional[str]] = []
    for r in rules:
        ids = [] if r is None or r is pd.NA or isinstance(r, float) else [str(x) for x in r]  # type: ignore[attr-defined]
        out.append(",".join(ids) if ids else None)
    return out


def audit(
    df: DataFrame,
    policy: str,
    part: str = PART,
    check: bool = True,
) -> DataFrame:
    """``contactguard.audit`` of ``df`` (text columns, ``_row`` and ``part``
    present) under the preset names ``policy``, one partition per group."""
    if check:
        check_partitioning(df, part)
    text_cols = [c for c in df.columns if c not in (ROW, part)]
    schema = StructType(
        [StructField(c, StringType()) for c in text_cols]
        + [
            StructField(ROW, LongType()),
            StructField("allow", BooleanType()),
            StructField("rules", StringType()),
            StructField("retry_at", StringType()),
        ]
    )

    def run(pdf: pd.DataFrame) -> pd.DataFrame:
        import contactguard as cg

        pdf = pdf.sort_values(ROW, kind="stable").reset_index(drop=True)
        audited = cg.audit(_typed(pdf[text_cols]), policy, threads=1)
        out = pdf[text_cols + [ROW]].copy()
        out["allow"] = audited["allow"].astype("boolean")
        out["rules"] = rules_text(audited["rules"])
        out["retry_at"] = [None if pd.isna(t) else pd.Timestamp(t).tz_convert("UTC").isoformat()
                           for t in audited["retry_at"]]
        return out

    return df.groupBy(part).applyInPandas(run, schema=schema)


def local_session(cores: int = 2, name: str = "contactguard-audit") -> SparkSession:
    """A local-mode session for tests and one-machine runs (loopback only),
    whose Python workers run this interpreter (and so see its packages)."""
    import os
    import sys

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(name)
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
        .config("spark.sql.shuffle.partitions", str(cores * 4))
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def main(argv: Optional[List[str]] = None) -> None:
    import argparse

    p = argparse.ArgumentParser(description="Audit a contact log CSV on Spark.")
    p.add_argument("log")
    p.add_argument("--policy", default="cn+conduct")
    p.add_argument("--buckets", type=int, default=64)
    p.add_argument("--out", help="write the audited rows here (Parquet)")
    args = p.parse_args(argv)
    spark = SparkSession.builder.appName("contactguard-audit").getOrCreate()
    df = partition_by_component(read_log(spark, args.log), args.buckets)
    result = audit(df, args.policy)
    if args.out:
        result.write.mode("overwrite").parquet(args.out)
    denied = result.where(F.col("allow") == F.lit(False))
    print(f"{denied.count()} attempts would have been denied")
    denied.select(F.explode(F.split("rules", ",")).alias("rule")).groupBy("rule").count().orderBy(
        F.desc("count")
    ).show(50, truncate=False)


if __name__ == "__main__":
    main()
