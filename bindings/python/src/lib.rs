//! `contactguard._contactguard`: the compiled half of the `contactguard`
//! Python package.
//!
//! Single decisions (`Policy.decide`), a thread-safe ledger, and audits of
//! Arrow tables read in place through the Arrow C stream interface. The
//! pure-Python half (`python/contactguard/`) adds the pandas / polars
//! adapters, the exception classes and the conformance-vector runner.

mod audit;
mod convert;
mod errors;
mod ledger;
mod objects;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _contactguard(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<objects::Policy>()?;
    m.add_class::<objects::Rule>()?;
    m.add_class::<objects::Decision>()?;
    m.add_class::<objects::Denial>()?;
    m.add_class::<objects::Ask>()?;
    m.add_class::<objects::Attempt>()?;
    m.add_class::<objects::History>()?;
    m.add_class::<ledger::Ledger>()?;
    m.add_class::<ledger::Admission>()?;
    m.add_class::<ledger::Ticket>()?;
    m.add_class::<audit::ArrowColumn>()?;
    m.add_function(wrap_pyfunction!(objects::presets, m)?)?;
    m.add_function(wrap_pyfunction!(objects::preset_source, m)?)?;
    m.add_function(wrap_pyfunction!(audit::audit_stream, m)?)?;
    m.add_function(wrap_pyfunction!(errors::_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(errors::error_codes, m)?)?;
    Ok(())
}
