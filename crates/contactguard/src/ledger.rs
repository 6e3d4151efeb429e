//! The ledger: thread-safe recent contact history with atomic check-and-record.
