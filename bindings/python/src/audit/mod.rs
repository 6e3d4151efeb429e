//! `contactguard.audit`: replay a contact log held in Arrow memory.
//!
//! The table arrives through the Arrow C stream interface
//! (`__arrow_c_stream__`, which pyarrow tables, polars frames and others
//! export), so its columns are read where they lie. The work runs without
//! the GIL; the three result columns go back through the Arrow C data
//! interface (`__arrow_c_array__`).

mod columns;
mod replay;

use crate::errors::{general_error, guard};
use crate::objects::Policy;
use arrow_array::ffi::to_ffi;
use arrow_array::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchReader};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods};
use std::sync::Arc;

pub(crate) use columns::Layout;

/// One result column, handed to Python through `__arrow_c_array__`
/// (`pyarrow.array(column)` imports it without copying).
#[pyclass(frozen, module = "contactguard")]
pub(crate) struct ArrowColumn {
    array: ArrayRef,
    name: &'static str,
}

#[pymethods]
impl ArrowColumn {
    /// The column's name: `allow`, `rules`, `retry_at` or
    /// `could_not_evaluate`.
    #[getter]
    fn name(&self) -> &'static str {
        self.name
    }

    fn __len__(&self) -> usize {
        self.array.len()
    }

    /// Exports the column as an (`arrow_schema`, `arrow_array`) capsule pair.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyCapsule>, Bound<'py, PyCapsule>)> {
        let _ = requested_schema;
        let (array, schema) = to_ffi(&self.array.to_data()).map_err(|e| {
            general_error(
                py,
                "internal.arrow",
                &format!("cannot export `{}`: {e}", self.name),
            )
        })?;
        let schema = PyCapsule::new_with_value(py, schema, c"arrow_schema")?;
        let array = PyCapsule::new_with_value(py, array, c"arrow_array")?;
        Ok((schema, array))
    }

    fn __repr__(&self) -> String {
        format!("ArrowColumn({:?}, {} rows)", self.name, self.array.len())
    }
}

/// Takes ownership of the stream in an `arrow_array_stream` capsule.
fn import_stream(capsule: &Bound<'_, PyCapsule>) -> PyResult<ArrowArrayStreamReader> {
    let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
    let reader = take_stream(ptr.as_ptr().cast::<FFI_ArrowArrayStream>());
    reader.map_err(|e| {
        general_error(
            capsule.py(),
            "input.arrow",
            &format!("cannot read the table's Arrow stream: {e}"),
        )
    })
}

#[expect(
    unsafe_code,
    reason = "the Arrow C stream interface hands over a raw pointer"
)]
fn take_stream(
    ptr: *mut FFI_ArrowArrayStream,
) -> Result<ArrowArrayStreamReader, arrow_schema::ArrowError> {
    // SAFETY: `ptr` comes from a live capsule named `arrow_array_stream`,
    // which by the Arrow PyCapsule protocol points at a valid
    // `ArrowArrayStream`. `from_raw` moves the stream out and leaves a
    // released one behind, so the capsule's destructor does not release it
    // a second time.
    unsafe { ArrowArrayStreamReader::from_raw(ptr) }
}

/// Cells of recorded rows that could not be used, listed (the first
/// [`FLAWS_LISTED`]) as `(row, field, message)`.
const FLAWS_LISTED: usize = 100;

/// What `audit_stream` returns: the `allow`, `rules`, `retry_at` and
/// `could_not_evaluate` columns, the first flaws and their count, then the
/// event rows no rule reads.
type Audited = (
    ArrowColumn,
    ArrowColumn,
    ArrowColumn,
    ArrowColumn,
    Vec<(usize, Option<String>, String)>,
    usize,
    Vec<(String, &'static str, usize)>,
);

/// Audits an object exporting `__arrow_c_stream__` against `policy`.
/// Returns the `allow`, `rules`, `retry_at` and `could_not_evaluate`
/// columns (one value per row), then the first cells of recorded rows that
/// could not be used, as `(row, field, message)`, and how many there were,
/// then for each event type with rows no rule of the policy reads
/// `(warning, event type, first such row)`, the warning worded by
/// [`contactguard::audit::unread_events`] as the command line's.
#[pyfunction]
#[pyo3(signature = (table, policy, threads = None))]
pub(crate) fn audit_stream(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    policy: &Policy,
    threads: Option<usize>,
) -> PyResult<Audited> {
    guard(py, || {
        let capsule = table.call_method0("__arrow_c_stream__")?;
        let capsule = capsule.cast::<PyCapsule>().map_err(PyErr::from)?;
        let reader = import_stream(capsule)?;
        let schema = reader.schema();
        let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().map_err(|e| {
            general_error(py, "input.arrow", &format!("cannot read the table: {e}"))
        })?;
        let layout = Layout::of(&schema).map_err(|p| p.into_py(py))?;
        let threads = threads
            .filter(|&t| t > 0)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let policy = &policy.inner;
        let result = py.detach(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                run(policy, &batches, &layout, threads)
            }))
        });
        // The batches (and the producer's buffers) are released here, with
        // the GIL held.
        drop(batches);
        match result {
            Ok(Ok(cols)) => Ok(cols),
            Ok(Err(p)) => Err(p.into_py(py)),
            Err(_) => Err(general_error(
                py,
                crate::errors::PANIC_CODE,
                "internal error in contactguard's audit (a bug; please report it)",
            )),
        }
    })
}

fn run(
    policy: &contactguard::Policy,
    batches: &[RecordBatch],
    layout: &Layout,
    threads: usize,
) -> Result<Audited, crate::errors::InputProblem> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| {
            crate::errors::InputProblem::new(
                "internal.threads",
                format!("cannot start audit threads: {e}"),
            )
        })?;
    pool.install(|| {
        let cols = batches
            .iter()
            .map(|b| replay::Cols::of(b, layout))
            .collect::<Result<Vec<_>, _>>()?;
        let parsed = replay::parse_all(&cols)?;
        let n = parsed.rows.len();
        let unread = replay::unread(policy, &parsed.rows);
        let flaw_count = parsed.flaws.len();
        let flaws = parsed
            .flaws
            .into_iter()
            .take(FLAWS_LISTED)
            .map(|p| (p.row.unwrap_or(0), p.field, p.message))
            .collect();
        let mut out = if threads <= 1 {
            // One thread: one streaming replay, as the command line's, with
            // no partitioning.
            replay::replay_streamed(policy, parsed.rows)?
        } else {
            // More parts than threads, so that rayon can balance uneven
            // parts.
            let outcomes = replay::replay(policy, parsed.rows, threads * 4)?;
            let mut out = replay::Results::with_capacity(n);
            for o in &outcomes {
                out.push_outcome(o.as_ref());
            }
            out
        };
        let replay::Results {
            allow,
            unevaluated,
            rules,
            retry,
        } = &mut out;
        let retry = retry.finish().with_timezone("UTC");
        Ok((
            ArrowColumn {
                array: Arc::new(allow.finish()),
                name: "allow",
            },
            ArrowColumn {
                array: Arc::new(rules.finish()),
                name: "rules",
            },
            ArrowColumn {
                array: Arc::new(retry),
                name: "retry_at",
            },
            ArrowColumn {
                array: Arc::new(unevaluated.finish()),
                name: "could_not_evaluate",
            },
            flaws,
            flaw_count,
            unread,
        ))
    })
}
