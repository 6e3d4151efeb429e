# The Spark audit recipe (examples/spark, docs/spark.md) in PySpark local
# mode. Included by the root Makefile; needs mk/python.mk (the venv and the
# wheel) and mk/ffi.mk (java-deps).
#
#   make spark-test   the Python environment of python-test plus pyspark,
#                     then examples/spark/test_spark_audit.py: the sample log
#                     audited per connected component with applyInPandas
#                     gives the same violations as contactguard.audit on one
#                     machine; a partitioning that splits a recipient is
#                     reported

# Pinned with what it pulls in, as bindings/python/requirements-test.txt
# is, so that a run today and a run next month test the same Spark: the
# versions `pip install pyspark` resolved to on 2026-12-07 (Python 3.11).
# Update deliberately: `pip install --dry-run pyspark`, then run spark-test.
SPARK_DEPS := pyspark==4.3.0 py4j==0.10.9.9
SPARK_DIR := $(ROOT)/examples/spark

.PHONY: spark-test

## spark-test: the PySpark recipe in local mode on the sample log, against the single-machine audit
spark-test: python-wheel java-deps
	@echo "==> Spark: pyspark local mode on examples/data/sample-log.csv"
	$(PY_VENV)/bin/pip install $(PIP_QUIET) $(SPARK_DEPS)
	cd $(SPARK_DIR) && SPARK_LOCAL_IP=127.0.0.1 PYSPARK_PYTHON=$(PY_VENV)/bin/python \
		$(PY_VENV)/bin/python -m pytest -p no:cacheprovider -q \
		-W ignore::FutureWarning -W ignore::DeprecationWarning test_spark_audit.py
