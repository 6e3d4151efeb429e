//! Each error type of the crate gives its diagnostic: the code from the one
//! list, the message, and where (row, field).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use contactguard::audit::{Item, Replayer};
use contactguard::{Ask, AttemptResult, Channel, ErrorCode, LedgerError, Policy, Role};

fn attempt(at: &str) -> Item {
    Item::Attempt {
        ask: Ask {
            at: at.parse().unwrap(),
            channel: Channel::Call,
            to: "+86-138-0000-0000".into(),
            role: Role::Debtor,
            debt: "loan-1".into(),
            timezones: vec!["Asia/Shanghai".into()],
            place: None,
            autodialed: None,
            purpose: None,
            days_past_due: None,
        },
        result: AttemptResult::NoAnswer,
    }
}

#[test]
fn a_row_out_of_time_order_is_audit_out_of_order_at_its_row() {
    let policy = Policy::preset("cn").unwrap();
    let mut replayer = Replayer::new(&policy);
    replayer.step(0, &attempt("2026-03-02T02:00:00Z")).unwrap();
    let e = replayer
        .step(1, &attempt("2026-03-01T02:00:00Z"))
        .expect_err("earlier than the row before");
    let d = e.diagnostic();
    assert_eq!(d.code, ErrorCode::AuditOutOfOrder);
    assert_eq!(d.row, Some(1));
    assert!(d.message.contains("not in time order"), "{d}");
    assert!(d.help.is_some());
}

#[test]
fn a_ledger_time_it_cannot_store_keeps_the_ledger_code_and_the_row() {
    let policy = Policy::preset("cn").unwrap();
    let mut replayer = Replayer::new(&policy);
    let e = replayer
        .step(4, &attempt("2300-01-01T00:00:00Z"))
        .expect_err("outside the ledger's range");
    let d = e.diagnostic();
    assert_eq!(d.code, ErrorCode::LedgerTimeOutOfRange, "{d}");
    assert_eq!(d.row, Some(4));
}

#[test]
fn ledger_errors_give_their_code_and_message() {
    for (e, code) in [
        (LedgerError::UnknownTicket, ErrorCode::LedgerUnknownTicket),
        (LedgerError::PendingOutcome, ErrorCode::LedgerPendingOutcome),
        (LedgerError::Truncated, ErrorCode::LedgerTruncated),
    ] {
        let d = e.diagnostic();
        assert_eq!(d.code, code);
        assert_eq!(e.code(), code.as_str());
        assert_eq!(d.message, e.to_string());
        assert_eq!((d.file, d.line, d.row), (None, None, None));
    }
}

struct Cells(Vec<(contactguard::audit::Column, &'static str)>);

impl contactguard::audit::Cells for Cells {
    fn text(&self, column: contactguard::audit::Column) -> Option<std::borrow::Cow<'_, str>> {
        self.0
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| std::borrow::Cow::Borrowed(*v))
    }
}

#[test]
fn a_bad_cell_names_its_column_as_the_field() {
    use contactguard::audit::{Column, RowReader};
    let mut reader = RowReader::new(vec!["Asia/Shanghai".into()]);
    let e = reader
        .read(&Cells(vec![
            (Column::At, "2026-03-02T10:00:00+08:00"),
            (Column::Channel, "fax"),
            (Column::To, "p"),
            (Column::Role, "debtor"),
            (Column::Debt, "d"),
            (Column::Result, "no_answer"),
        ]))
        .expect_err("fax is no channel");
    let d = e.diagnostic();
    assert_eq!(d.code, ErrorCode::InputInvalid);
    assert_eq!(d.field.as_deref(), Some("channel"));
    assert!(d.message.contains("`fax`"), "{d}");
    assert_eq!(d.row, None);

    let e = reader
        .read(&Cells(vec![(Column::At, "2026-03-02T10:00:00+08:00")]))
        .expect_err("an attempt needs more");
    assert_eq!(e.diagnostic().code, ErrorCode::InputMissing);
}
