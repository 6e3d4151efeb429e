//! Every error of the Redis ledger has its own code from the one list
//! (`docs/errors.md`); no server needed.

use contactguard::ErrorCode;
use contactguard_redis::Error;
use std::time::Duration;

#[test]
fn each_error_has_its_code_and_the_message_is_its_display() {
    let cases = [
        (Error::Contention, ErrorCode::RedisContention),
        (Error::UnknownTicket, ErrorCode::LedgerUnknownTicket),
        (Error::Invalid("bad".into()), ErrorCode::RedisInvalid),
        (Error::Config("no url".into()), ErrorCode::RedisConfig),
        (
            Error::Unsupported("cluster".into()),
            ErrorCode::RedisUnsupported,
        ),
        (
            Error::NotReplicated {
                acknowledged: 0,
                wanted: 1,
                timeout: Duration::from_millis(50),
            },
            ErrorCode::RedisNotReplicated,
        ),
    ];
    for (e, code) in cases {
        let d = e.diagnostic();
        assert_eq!(d.code, code, "{e}");
        assert_eq!(d.message, e.to_string());
        assert_eq!(d.code.as_str().parse::<ErrorCode>(), Ok(code));
    }
}
