//! The Redis ledger over TLS as a restricted ACL user, against real
//! `redis-server` processes this file starts itself (on free loopback
//! ports, in temporary directories) with a throwaway certificate authority,
//! server and client certificates made by `openssl` at test time.
//!
//! Run by `make redis-test` (which sets CONTACTGUARD_REDIS_URL and
//! CONTACTGUARD_REDIS_REQUIRED); without either, the tests that need a
//! server say so and pass.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{ask, enabled, is_redis_denial, redis_url, Server, TempDir};
use contactguard::ledger::Ledger;
use contactguard::{AttemptResult, Channel, Event, OptOut, Policy};
use contactguard_redis::{Config, Error, RedisLedger};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const SECRET: &[u8] = b"contactguard-redis tls test secret";
/// The restricted user's password: must never show in any message.
const PASSWORD: &str = "dialer-Pw-7f3kQ9-do-not-print";
const WRONG_PASSWORD: &str = "wrong-Pw-Zx81-do-not-print";
const ADMIN_PASSWORD: &str = "admin-Pw-Lm42-do-not-print";

/// The commands the ledger sends, and nothing else; keys under `cg:` only,
/// no Pub/Sub channels. This is the ACL the crate's README recommends.
const DIALER_ACL: &str = "dialer on >dialer-Pw-7f3kQ9-do-not-print resetkeys ~cg:* \
    resetchannels -@all +hello +ping +watch +unwatch +multi +exec +lrange +rpush +lset \
    +del +expire +persist";

fn cap_policy() -> Policy {
    common::cap_policy("tls.calls")
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is needed (apt-get install openssl)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A P-256 certificate `{name}.pem` with its key `{name}.key`, valid for a
/// day, for the subject `cn`: self-signed, or signed by the CA `signer`
/// (`{signer}.pem`, `{signer}.key`); `extensions` are its `-addext` values.
fn make_cert(dir: &Path, name: &str, cn: &str, signer: Option<&str>, extensions: &[&str]) {
    let mut args: Vec<String> = [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
    ]
    .iter()
    .map(|a| (*a).to_owned())
    .collect();
    args.push(format!("/CN={cn}"));
    if let Some(ca) = signer {
        args.extend([
            "-CA".into(),
            format!("{ca}.pem"),
            "-CAkey".into(),
            format!("{ca}.key"),
        ]);
    }
    args.extend([
        "-keyout".into(),
        format!("{name}.key"),
        "-out".into(),
        format!("{name}.pem"),
    ]);
    for ext in extensions {
        args.extend(["-addext".to_owned(), (*ext).to_owned()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    openssl(dir, &args);
}

/// A CA (`{name}.pem`, `{name}.key`) valid for a day.
fn make_ca(dir: &Path, name: &str) {
    make_cert(
        dir,
        name,
        &format!("contactguard test {name}"),
        None,
        &[
            "basicConstraints=critical,CA:TRUE",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// A leaf certificate `{name}.pem` / `{name}.key` signed by `ca`.
fn make_leaf(dir: &Path, ca: &str, name: &str, usage: &str) {
    make_cert(
        dir,
        name,
        name,
        Some(ca),
        &[
            "basicConstraints=critical,CA:FALSE",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            &format!("extendedKeyUsage={usage}"),
        ],
    );
}

/// Certificates for one test run: the server's CA (`ca`), the server
/// (`server`, for localhost and 127.0.0.1), a client (`client`), and a CA
/// nobody uses (`other-ca`).
fn pki(dir: &TempDir) {
    make_ca(&dir.0, "ca");
    make_ca(&dir.0, "other-ca");
    make_leaf(&dir.0, "ca", "server", "serverAuth");
    make_leaf(&dir.0, "ca", "client", "clientAuth");
}

/// A TLS-only server that requires client certificates from `ca`, with the
/// restricted `dialer` user and an admin `default` user.
fn tls_server(dir: &TempDir) -> Server {
    pki(dir);
    Server::options()
        .tls()
        .lines([
            "tls-auth-clients yes".to_owned(),
            format!("user default on >{ADMIN_PASSWORD} ~* &* +@all"),
            format!("user {DIALER_ACL}"),
        ])
        .start(dir, "tls")
}

/// The dialer's configuration: `rediss://` as `dialer`, the test CA, the
/// client certificate, prefix `cg:{test}:`.
fn dialer_config(dir: &TempDir, port: u16, password: &str, test: &str) -> Config {
    Config::new(&format!("rediss://dialer:{password}@localhost:{port}/"))
        .with_ca_file(dir.path("ca.pem"))
        .with_client_cert(dir.path("client.pem"), dir.path("client.key"))
        .with_prefix(&format!("cg:{test}:"))
        .with_timeouts(Duration::from_millis(500), Duration::from_millis(500))
}

fn admin(dir: &TempDir, port: u16) -> redis::Connection {
    let certs = redis::TlsCertificates {
        client_tls: Some(redis::ClientTlsConfig {
            client_cert: std::fs::read(dir.path("client.pem")).unwrap(),
            client_key: std::fs::read(dir.path("client.key")).unwrap(),
        }),
        root_cert: Some(std::fs::read(dir.path("ca.pem")).unwrap()),
    };
    redis::Client::build_with_tls(
        format!("rediss://default:{ADMIN_PASSWORD}@localhost:{port}/"),
        certs,
    )
    .unwrap()
    .get_connection()
    .unwrap()
}

/// Asserts that no secret of this file appears in `text`.
fn secret_free(what: &str, text: &str) {
    for secret in [PASSWORD, WRONG_PASSWORD, ADMIN_PASSWORD] {
        assert!(!text.contains(secret), "{what} shows a password: {text}");
    }
    assert!(!text.contains("PRIVATE KEY"), "{what} shows a key: {text}");
}

#[test]
fn restricted_user_over_tls_decides_as_the_in_memory_ledger() {
    if !enabled() {
        return;
    }
    let dir = TempDir::new("tls-eq");
    let server = tls_server(&dir);
    for (name, policy) in [
        ("cap", cap_policy()),
        ("cn+conduct", Policy::preset("cn+conduct").unwrap()),
    ] {
        let cfg = dialer_config(&dir, server.port, PASSWORD, name);
        let ledger = RedisLedger::new(policy.clone(), SECRET, cfg).unwrap();
        ledger.connect().unwrap();
        let mem = Ledger::with_key(policy, SECRET);
        let mut t: jiff::Timestamp = "2026-03-02T00:30:00Z".parse().unwrap();
        let (mut allowed, mut denied) = (0, 0);
        let mut tickets = Vec::new();
        for step in 0u32..150 {
            t = t
                .checked_add(jiff::SignedDuration::from_mins(i64::from(step % 7) * 23))
                .unwrap();
            let to = format!("+8613800000{}", step % 3);
            let debt = format!("loan-{}", step % 2);
            if step % 37 == 36 {
                let optout = Event::OptOut(OptOut {
                    at: t,
                    to: to.clone(),
                    channel: Channel::Call,
                    place: None,
                });
                mem.record(&optout).unwrap();
                ledger.record(&optout).unwrap();
                continue;
            }
            let a = ask(&to, &debt, t);
            let want = mem.check_and_record(&a);
            let got = ledger.check_and_record(&a);
            assert_eq!(got.decision, want.decision, "{name}, step {step}");
            assert_eq!(got.at, want.at, "{name}, step {step}");
            match (got.ticket, want.ticket) {
                (Some(g), Some(w)) => {
                    allowed += 1;
                    tickets.push((g, w));
                }
                (None, None) => denied += 1,
                other => panic!("{name}, step {step}: tickets differ: {other:?}"),
            }
            if step % 2 == 0 {
                if let Some((g, w)) = tickets.pop() {
                    let result = [AttemptResult::NoAnswer, AttemptResult::Conversation]
                        [usize::try_from(step % 4 / 2).unwrap()];
                    mem.complete(&w, result).unwrap();
                    ledger.complete(&g, result).unwrap();
                }
            }
            assert_eq!(ledger.check(&a), mem.check(&a), "{name}, step {step}");
        }
        assert!(
            allowed >= 10 && denied >= 10,
            "{name}: {allowed} allowed, {denied} denied"
        );
    }
    // Everything the dialer wrote is under its prefix.
    let mut c = admin(&dir, server.port);
    let all: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut c).unwrap();
    assert!(!all.is_empty());
    assert!(all.iter().all(|k| k.starts_with(b"cg:")), "{all:?}");
}

#[test]
fn the_restricted_user_cannot_touch_keys_outside_its_prefix() {
    if !enabled() {
        return;
    }
    let dir = TempDir::new("tls-acl");
    let server = tls_server(&dir);
    let cfg = dialer_config(&dir, server.port, PASSWORD, "acl");
    let mut direct = redis::Client::build_with_tls(
        cfg.url.as_str(),
        redis::TlsCertificates {
            client_tls: Some(redis::ClientTlsConfig {
                client_cert: std::fs::read(dir.path("client.pem")).unwrap(),
                client_key: std::fs::read(dir.path("client.key")).unwrap(),
            }),
            root_cert: Some(std::fs::read(dir.path("ca.pem")).unwrap()),
        },
    )
    .unwrap()
    .get_connection()
    .unwrap();
    // Inside the prefix: allowed.
    let n: i64 = redis::cmd("RPUSH")
        .arg("cg:acl:mine")
        .arg("x")
        .query(&mut direct)
        .unwrap();
    assert_eq!(n, 1);
    // Outside it, or a command the ledger does not need: refused.
    for (what, cmd) in [
        (
            "RPUSH outside the prefix",
            redis::cmd("RPUSH").arg("bank:accounts").arg("x").clone(),
        ),
        (
            "LRANGE outside the prefix",
            redis::cmd("LRANGE")
                .arg("bank:accounts")
                .arg(0)
                .arg(-1)
                .clone(),
        ),
        (
            "SET inside the prefix",
            redis::cmd("SET").arg("cg:acl:k").arg("v").clone(),
        ),
        ("KEYS", redis::cmd("KEYS").arg("*").clone()),
        ("FLUSHALL", redis::cmd("FLUSHALL").clone()),
        (
            "CONFIG GET",
            redis::cmd("CONFIG").arg("GET").arg("*").clone(),
        ),
    ] {
        let err = cmd.query::<redis::Value>(&mut direct).unwrap_err();
        assert_eq!(err.code(), Some("NOPERM"), "{what}: {err}");
    }
    // A ledger configured with a prefix outside the ACL fails closed.
    let wrong = RedisLedger::new(
        cap_policy(),
        SECRET,
        cfg.clone()
            .with_prefix("bank:")
            .with_deadline(Duration::from_millis(300)),
    )
    .unwrap();
    let a = ask("r", "d", "2026-03-02T02:00:00Z");
    let denied = wrong.check_and_record(&a);
    assert!(is_redis_denial(&denied.decision), "{:?}", denied.decision);
    assert!(denied.ticket.is_none());
    let message = &denied.decision.denials[0].message;
    assert!(message.contains("no permissions"), "{message}");
    secret_free("the denial", message);
    let mut c = admin(&dir, server.port);
    let outside: Vec<Vec<u8>> = redis::cmd("KEYS").arg("bank:*").query(&mut c).unwrap();
    assert!(outside.is_empty(), "{outside:?}");
}

/// Every way a dialer can be turned away: each is an error from
/// `connect`, a fail-closed denial from every ask, and secret-free.
#[test]
fn wrong_password_and_untrusted_certificates_are_secret_free_denials() {
    if !enabled() {
        return;
    }
    let dir = TempDir::new("tls-bad");
    let server = tls_server(&dir);
    let port = server.port;
    let good = dialer_config(&dir, port, PASSWORD, "bad");
    let cases = [
        (
            "a wrong password",
            dialer_config(&dir, port, WRONG_PASSWORD, "bad"),
            "authentication failed",
        ),
        (
            "an untrusted server certificate",
            dialer_config(&dir, port, PASSWORD, "bad").with_ca_file(dir.path("other-ca.pem")),
            "certificate",
        ),
        (
            "no client certificate",
            Config {
                client_cert: None,
                ..dialer_config(&dir, port, PASSWORD, "bad")
            },
            "CertificateRequired",
        ),
        (
            "a host the certificate does not name",
            Config {
                url: format!("rediss://dialer:{PASSWORD}@127.0.0.2:{port}/"),
                ..dialer_config(&dir, port, PASSWORD, "bad")
            },
            "not valid for name",
        ),
        (
            "plain TCP to the TLS port",
            Config {
                url: format!("redis://dialer:{PASSWORD}@localhost:{port}/"),
                ca_file: None,
                client_cert: None,
                ..dialer_config(&dir, port, PASSWORD, "bad")
            },
            "",
        ),
    ];
    let at: jiff::Timestamp = "2026-03-02T02:00:00Z".parse().unwrap();
    for (what, cfg, hint) in cases {
        let cfg = cfg.with_deadline(Duration::from_millis(300));
        secret_free("Config's Debug", &format!("{cfg:?}"));
        let ledger = RedisLedger::new(cap_policy(), SECRET, cfg).unwrap();
        secret_free("RedisLedger's Debug", &format!("{ledger:?}"));
        let start = Instant::now();
        let err = ledger.connect().unwrap_err();
        let (display, debug) = (err.to_string(), format!("{err:?}"));
        eprintln!("{what}: {display}");
        secret_free(what, &display);
        secret_free(what, &debug);
        assert!(display.contains(hint), "{what}: {display}");
        assert!(matches!(err, Error::Redis(_)), "{what}: {debug}");
        assert!(start.elapsed() < Duration::from_secs(2), "{what}");
        // Every ask is denied, fail closed, and says why without secrets.
        let admission = ledger.check_and_record(&ask("r", "d", at));
        assert!(
            is_redis_denial(&admission.decision),
            "{what}: {:?}",
            admission.decision
        );
        assert!(admission.ticket.is_none());
        secret_free(what, &format!("{:?}", admission.decision));
        assert!(is_redis_denial(&ledger.check(&ask("r", "d", at))));
        let optout = Event::OptOut(OptOut {
            at,
            to: "r".to_owned(),
            channel: Channel::Call,
            place: None,
        });
        let err = ledger.record(&optout).unwrap_err();
        secret_free(what, &format!("{err} {err:?}"));
    }
    // The right credentials on the same server work, and were not
    // affected by the refused attempts.
    let ledger = RedisLedger::new(cap_policy(), SECRET, good).unwrap();
    ledger.connect().unwrap();
    for _ in 0..3 {
        assert!(ledger.check_and_record(&ask("r", "d", at)).decision.allow);
    }
    let fourth = ledger.check_and_record(&ask("r", "d", at));
    assert_eq!(fourth.decision.denials[0].id, "tls.calls");
}

#[test]
fn configurations_that_cannot_be_used_are_refused_before_connecting() {
    let dir = TempDir::new("tls-config");
    let policy = cap_policy();
    let url = format!("rediss://dialer:{PASSWORD}@localhost:1/");
    let cases = [
        (
            "a missing CA file",
            Config::new(&url).with_ca_file(dir.path("nope.pem")),
            "nope.pem",
        ),
        (
            "a missing client key",
            Config::new(&url).with_client_cert(dir.path("c.pem"), dir.path("c.key")),
            "c.pem",
        ),
        (
            "a CA file with redis://",
            Config::new(&format!("redis://dialer:{PASSWORD}@localhost:1/"))
                .with_ca_file(dir.path("ca.pem")),
            "not `rediss://`",
        ),
        (
            "no certificate check",
            Config::new(&format!("{url}#insecure")),
            "#insecure",
        ),
        (
            "a malformed URL",
            Config::new(&format!("rediss://dialer:{PASSWORD}@/")),
            "invalid",
        ),
    ];
    for (what, cfg, hint) in cases {
        let err = RedisLedger::new(policy.clone(), SECRET, cfg).unwrap_err();
        let (display, debug) = (err.to_string(), format!("{err:?}"));
        secret_free(what, &display);
        secret_free(what, &debug);
        assert!(matches!(err, Error::Config(_)), "{what}: {debug}");
        assert!(display.contains(hint), "{what}: {display}");
    }
    // A bad CA file's contents are not echoed either.
    std::fs::write(
        dir.path("junk.pem"),
        format!("not a certificate {PASSWORD}"),
    )
    .unwrap();
    if let Err(err) = RedisLedger::new(
        policy,
        SECRET,
        Config::new(&url).with_ca_file(dir.path("junk.pem")),
    ) {
        secret_free("a junk CA file", &format!("{err} {err:?}"));
    }
}

#[test]
fn a_cluster_node_or_a_sentinel_is_refused_at_connect() {
    if !enabled() {
        return;
    }
    let dir = TempDir::new("cluster");
    let cluster = Server::start(
        &dir,
        "cluster",
        [
            "cluster-enabled yes".to_owned(),
            format!("cluster-config-file {}", dir.path("nodes.conf").display()),
        ],
    );
    let sentinel = Server::options().sentinel().start(&dir, "sentinel");
    let at: jiff::Timestamp = "2026-03-02T02:00:00Z".parse().unwrap();
    for (what, port, hint) in [
        ("cluster", cluster.port, "Redis Cluster"),
        ("sentinel", sentinel.port, "`sentinel` mode"),
    ] {
        // A long deadline: a refusal is not retried, so it comes at once.
        let cfg = Config::new(&redis_url(port)).with_deadline(Duration::from_secs(5));
        let ledger = RedisLedger::new(cap_policy(), SECRET, cfg).unwrap();
        let start = Instant::now();
        let err = ledger.connect().unwrap_err();
        assert!(matches!(err, Error::Unsupported(_)), "{what}: {err:?}");
        assert!(err.to_string().contains(hint), "{what}: {err}");
        assert!(start.elapsed() < Duration::from_secs(2), "{what}");
        let admission = ledger.check_and_record(&ask("r", "d", at));
        assert!(is_redis_denial(&admission.decision), "{what}");
        assert!(
            admission.decision.denials[0].message.contains(hint),
            "{what}"
        );
    }
}

/// Sentinel over TLS: the ledger asks a TLS-only Sentinel for the primary
/// and reaches the address it gives over TLS, as the restricted user.
#[test]
fn the_primary_is_found_through_a_sentinel_over_tls() {
    if !enabled() {
        return;
    }
    let dir = TempDir::new("tls-sentinel");
    let server = tls_server(&dir);
    let sentinel = Server::options()
        .tls()
        .sentinel()
        .lines([
            // The Sentinel's own connections to the primary use TLS too.
            "tls-replication yes".to_owned(),
            format!("sentinel monitor m 127.0.0.1 {} 1", server.port),
            format!("sentinel auth-pass m {ADMIN_PASSWORD}"),
        ])
        .start(&dir, "sentinel");
    let cfg = Config {
        url: format!("rediss://dialer:{PASSWORD}@localhost:1/"),
        ..dialer_config(&dir, server.port, PASSWORD, "sentinel")
    }
    .with_sentinel("m", &[&sentinel.url()]);
    secret_free("Config's Debug", &format!("{cfg:?}"));
    let ledger = RedisLedger::new(cap_policy(), SECRET, cfg).unwrap();
    ledger.connect().unwrap();
    let at: jiff::Timestamp = "2026-03-02T02:00:00Z".parse().unwrap();
    let admitted = (0..5)
        .filter(|_| ledger.check_and_record(&ask("r", "d", at)).decision.allow)
        .count();
    assert_eq!(admitted, 3);

    // A Sentinel that knows no such primary: a clear, secret-free denial.
    let cfg = Config {
        url: format!("rediss://dialer:{PASSWORD}@localhost:1/"),
        ..dialer_config(&dir, server.port, PASSWORD, "sentinel")
    }
    .with_sentinel("nope", &[&sentinel.url()])
    .with_deadline(Duration::from_millis(300));
    let ledger = RedisLedger::new(cap_policy(), SECRET, cfg).unwrap();
    let err = ledger.connect().unwrap_err();
    assert!(
        err.to_string().contains("knows no primary named `nope`"),
        "{err}"
    );
    secret_free("the Sentinel error", &format!("{err} {err:?}"));
    let denied = ledger.check_and_record(&ask("r", "d", at));
    assert!(is_redis_denial(&denied.decision));
}
