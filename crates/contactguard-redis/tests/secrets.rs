//! No password of a URL shows in an [`Error`]'s message or a denial, even
//! when the text comes from the `redis` crate or from the server: the
//! crate hides them, so the C ABI and the bindings show its messages as
//! they are.
//!
//! The URL cases need no server; the server cases start their own
//! `redis-server` (run by `make redis-test`; without CONTACTGUARD_REDIS_URL
//! or CONTACTGUARD_REDIS_REQUIRED they say so and pass).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{ask, enabled, Server, TempDir};
use contactguard_redis::{Config, Error, RedisLedger};
use std::time::Duration;

const SECRET: &[u8] = b"contactguard-redis secrets test secret";
const PASSWORD: &str = "Pw-4kd9-do-not-print";

fn assert_hidden(what: &str, text: &str, secret: &str) {
    assert!(!text.contains(secret), "{what} shows the password: {text}");
}

fn new_error(url: &str) -> Error {
    match RedisLedger::new(
        common::cap_policy("secrets.calls"),
        SECRET,
        Config::new(url),
    ) {
        Err(e) => e,
        Ok(_) => panic!("{url} should be refused"),
    }
}

#[test]
fn a_malformed_url_is_named_without_its_password() {
    for (url, secret) in [
        (format!("redis://u:{PASSWORD}@h:99999999/"), PASSWORD),
        (format!("redis://u:{PASSWORD}@h/not-a-db"), PASSWORD),
        (format!("redis://u:{PASSWORD}@0.0.0.0/"), PASSWORD),
        (format!("rediss://u:{PASSWORD}@h/#other"), PASSWORD),
        (format!("redis://u:{PASSWORD}@h/?protocol=9"), PASSWORD),
        // Percent-encoded, and not UTF-8 once decoded.
        ("redis://u:Pw%2Fq%ff-x@h/".to_owned(), "Pw%2Fq%ff-x"),
        // Unencoded `@` and `/` in the password.
        (format!("redis://u:{PASSWORD}/@x@h/"), PASSWORD),
        (format!("redis://:{PASSWORD}@"), PASSWORD),
    ] {
        let e = new_error(&url);
        assert!(matches!(e, Error::Config(_)), "{url}: {e:?}");
        assert_hidden(&url, &e.to_string(), secret);
        assert_hidden(&url, &e.diagnostic().to_string(), secret);
    }
}

#[test]
fn a_sentinel_url_is_named_without_its_password() {
    let config = Config::new("redis://127.0.0.1:1/")
        .with_sentinel("m", &[&format!("redis://s:{PASSWORD}@h:not-a-port/")]);
    let e = match RedisLedger::new(common::cap_policy("secrets.calls"), SECRET, config) {
        Err(e) => e,
        Ok(_) => panic!("a bad Sentinel URL should be refused"),
    };
    assert_hidden("a Sentinel URL", &e.to_string(), PASSWORD);
}

/// A server that echoes what it was sent: with `AUTH` renamed away, Redis
/// answers `unknown command 'AUTH', with args beginning with: 'dialer'
/// '<password>'`. The error and the denial must not show it.
#[test]
fn a_password_the_server_echoes_is_hidden() {
    if !enabled() {
        return;
    }
    let dir = TempDir::new("secrets-echo");
    let server = Server::options()
        .lines(["rename-command AUTH \"\"".to_owned()])
        .start(&dir, "echo");
    let port = server.port;
    for password in [PASSWORD.to_owned(), "Pw%2Fq-do-not-print".to_owned()] {
        let url = format!("redis://dialer:{password}@127.0.0.1:{port}/");
        // What the server receives: the password percent-decoded.
        let decoded = password.replace("%2F", "/");
        let config = Config::new(&url)
            .with_timeouts(Duration::from_millis(500), Duration::from_millis(500))
            .with_deadline(Duration::from_millis(300));
        let ledger = RedisLedger::new(common::cap_policy("secrets.calls"), SECRET, config).unwrap();
        let e = ledger.connect().expect_err("AUTH is refused");
        let shown = e.to_string();
        assert!(shown.contains("AUTH") || shown.contains("auth"), "{shown}");
        for secret in [&password, &decoded] {
            assert_hidden("the error", &shown, secret);
            assert_hidden("the diagnostic", &e.diagnostic().to_string(), secret);
            assert_hidden("the Debug form", &format!("{e:?}"), secret);
        }
        let d = ledger.check(&ask("r", "d", "2026-03-02T02:00:00Z"));
        let denial = format!("{d:?}");
        assert!(!d.allow);
        for secret in [&password, &decoded] {
            assert_hidden("the denial", &denial, secret);
        }
    }
}
