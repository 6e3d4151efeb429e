//! `cg_ledger_open_redis`: a `cg_ledger` whose history lives in Redis
//! (crates/contactguard-redis), shared by every process of a dialer fleet.

#[cfg(feature = "redis")]
use crate::boundary::write_out;
use crate::boundary::{arg, guard, slice_arg, text_arg};
use crate::error::{cg_error, cg_result};
use crate::ledger::cg_ledger;
use crate::policy::cg_policy;
use crate::types::cg_str;

/// Options of a Redis ledger (`cg_ledger_open_redis`). Zero-initialise it,
/// set `struct_size` to `sizeof(cg_redis_options)`, then set the fields you
/// need: a zero or empty field means "the default". Fields added by later
/// versions go at the end, and a library reads only the first
/// `struct_size` bytes, so a program built against an older header keeps
/// working.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct cg_redis_options {
    /// `sizeof(cg_redis_options)` as the caller was compiled (at least the
    /// size of the fields up to `sentinel_url_count`).
    pub struct_size: usize,
    /// With `rediss://`: a PEM file of the certificate authorities trusted
    /// for the server's certificate (empty: Mozilla's roots, bundled).
    pub ca_file: cg_str,
    /// With `rediss://`: a PEM client certificate (chain), for servers that
    /// require one; needs `client_key_file` too.
    pub client_cert_file: cg_str,
    /// The PEM private key of `client_cert_file`.
    pub client_key_file: cg_str,
    /// Timeout of opening a connection (TCP and TLS), in milliseconds
    /// (0: 200 ms).
    pub connect_timeout_ms: u32,
    /// Timeout of each socket read and write, in milliseconds (0: 200 ms).
    pub io_timeout_ms: u32,
    /// Total time one call may spend reconnecting and retrying before it
    /// gives up and denies, in milliseconds (0: 1000 ms).
    pub deadline_ms: u32,
    /// Prefix of every key the ledger writes (empty: `cg:`).
    pub key_prefix: cg_str,
    /// When not 0, admit an ask only after this many replicas acknowledged
    /// its pending attempt (`WAIT`), within `wait_timeout_ms`.
    pub wait_replicas: u32,
    /// How long to wait for the replicas, in milliseconds (0: 1 ms).
    pub wait_timeout_ms: u32,
    /// When not empty: find the primary through Redis Sentinel, by this
    /// name; `url` then gives only the scheme, user, password and database.
    pub sentinel_master: cg_str,
    /// The Sentinels' `redis://` or `rediss://` URLs (`sentinel_url_count`
    /// of them; NULL when the count is 0).
    pub sentinel_urls: *const cg_str,
    /// How many URLs `sentinel_urls` holds.
    pub sentinel_url_count: usize,
}

/// The size of the first version of `cg_redis_options`: every field up to
/// `sentinel_url_count`.
#[cfg(feature = "redis")]
const OPTIONS_V1_SIZE: usize = std::mem::size_of::<cg_redis_options>();

/// The Redis ledger crate's error (its messages show URLs without their
/// password) with its code from the one list (`redis.unavailable` when
/// Redis failed, was unreachable or refused the credentials or the
/// certificate, `redis.config`, `redis.unsupported` for a Cluster node or a
/// Sentinel, ... see docs/errors.md).
#[cfg(feature = "redis")]
pub(crate) fn redis_error(e: contactguard_redis::Error) -> cg_error {
    cg_error::diagnostic(cg_result::Ledger, e.diagnostic())
}

/// Reads an optional text field: `None` when empty.
///
/// # Safety
///
/// As [`cg_str::read`].
#[cfg(feature = "redis")]
unsafe fn opt_text<'a>(s: &cg_str, name: &str) -> Result<Option<&'a str>, cg_error> {
    // SAFETY: forwarded from the caller.
    let text = unsafe { text_arg(s.ptr, s.len, name) }?;
    Ok((!text.is_empty()).then_some(text))
}

/// The crate's configuration from the URL and the options.
///
/// # Safety
///
/// `options` is NULL or a readable `cg_redis_options` (of at least its
/// `struct_size` bytes) whose strings and array are readable.
#[cfg(feature = "redis")]
unsafe fn config(
    url: &str,
    options: *const cg_redis_options,
) -> Result<contactguard_redis::Config, cg_error> {
    use std::time::Duration;
    let mut config = contactguard_redis::Config::new(url);
    if options.is_null() {
        return Ok(config);
    }
    // The size is read first, alone: a caller's struct may be shorter.
    // SAFETY: a readable struct starts with its size.
    let size = unsafe { options.cast::<usize>().read_unaligned() };
    if size < OPTIONS_V1_SIZE {
        return Err(cg_error::new(
            cg_result::InvalidArgument,
            format!(
                "`options.struct_size` is {size}, smaller than the {OPTIONS_V1_SIZE} bytes of cg_redis_options (set it to sizeof(cg_redis_options))"
            ),
        )
        .with_field("options.struct_size"));
    }
    // SAFETY: at least this version's fields are readable.
    let o = unsafe { &*options };
    let text = |s: &cg_str, name: &str| {
        // SAFETY: the strings are readable per the contract.
        unsafe { opt_text(s, name) }
    };
    if let Some(ca) = text(&o.ca_file, "options.ca_file")? {
        config = config.with_ca_file(ca);
    }
    match (
        text(&o.client_cert_file, "options.client_cert_file")?,
        text(&o.client_key_file, "options.client_key_file")?,
    ) {
        (Some(cert), Some(key)) => config = config.with_client_cert(cert, key),
        (None, None) => {}
        (cert, _) => {
            let missing = if cert.is_none() {
                "client_cert_file"
            } else {
                "client_key_file"
            };
            return Err(cg_error::new(
                cg_result::InvalidArgument,
                "a client certificate needs both `client_cert_file` and `client_key_file`",
            )
            .with_field(format!("options.{missing}")));
        }
    }
    let ms = |v: u32, default: Duration| {
        if v == 0 {
            default
        } else {
            Duration::from_millis(u64::from(v))
        }
    };
    let (connect, io) = (
        ms(o.connect_timeout_ms, config.connect_timeout),
        ms(o.io_timeout_ms, config.io_timeout),
    );
    config = config.with_timeouts(connect, io);
    config.deadline = ms(o.deadline_ms, config.deadline);
    if let Some(prefix) = text(&o.key_prefix, "options.key_prefix")? {
        config = config.with_prefix(prefix);
    }
    if o.wait_replicas > 0 {
        config = config.with_wait(
            o.wait_replicas,
            Duration::from_millis(u64::from(o.wait_timeout_ms)),
        );
    }
    // SAFETY: `sentinel_url_count` readable cg_str per the contract.
    let urls = unsafe {
        slice_arg(
            o.sentinel_urls,
            o.sentinel_url_count,
            "options.sentinel_urls",
        )
    }?;
    let urls = urls
        .iter()
        .enumerate()
        .map(|(i, u)| {
            // SAFETY: readable per the contract.
            unsafe { text_arg(u.ptr, u.len, &format!("options.sentinel_urls[{i}]")) }
        })
        .collect::<Result<Vec<&str>, cg_error>>()?;
    match text(&o.sentinel_master, "options.sentinel_master")? {
        Some(master) if !urls.is_empty() => config = config.with_sentinel(master, &urls),
        None if urls.is_empty() => {}
        _ => {
            return Err(cg_error::new(
                cg_result::InvalidArgument,
                "Sentinel needs both `sentinel_master` and at least one of `sentinel_urls`",
            )
            .with_field("options.sentinel_master"))
        }
    }
    Ok(config)
}

/// Opens a ledger kept in the Redis at `url` (UTF-8, `url_len` bytes):
/// `redis://[user:password@]host:port/db`, or `rediss://…` for TLS, the
/// password percent-encoded. Every process opening the same server with
/// the same key prefix and secret shares one history, with the same atomic
/// check-and-record as one in-memory ledger. Keys are hashed with `secret`
/// (`secret_len` bytes, as `cg_ledger_new`'s key: every process of the
/// fleet must use the same). `options` may be NULL for the defaults.
///
/// Connects before returning: `CG_RESULT_LEDGER` with `redis.unavailable` when
/// Redis cannot be reached or refuses the credentials or the certificate,
/// `redis.config` for a malformed URL or unreadable certificate files,
/// `redis.unsupported` for a Cluster node or a Sentinel. Messages
/// never contain the password. Afterwards, when Redis fails, asks are
/// denied (rule id `contactguard.redis`: fail closed) and
/// `cg_ledger_complete` / `cg_ledger_record` fail with `redis.unavailable`.
///
/// The result is an ordinary `cg_ledger` for `cg_ledger_check`,
/// `cg_ledger_check_and_record`, `cg_ledger_complete` and
/// `cg_ledger_record`; `cg_ledger_snapshot`, `cg_ledger_restore` and
/// `cg_ledger_checkpoint` fail with `ledger.unsupported` and
/// `cg_ledger_prune` returns 0. One ledger holds one connection, which
/// threads take turns on: give each busy thread its own ledger.
/// `CG_RESULT_LEDGER` with `ledger.unsupported` when the library was built
/// without the `redis` feature.
#[no_mangle]
pub extern "C" fn cg_ledger_open_redis(
    policy: *const cg_policy,
    url: *const std::ffi::c_char,
    url_len: usize,
    secret: *const u8,
    secret_len: usize,
    options: *const cg_redis_options,
    out_ledger: *mut *mut cg_ledger,
    out_error: *mut *mut cg_error,
) -> cg_result {
    guard(out_error, || {
        // SAFETY: NULL or a live policy; readable bytes as stated.
        let policy = unsafe { arg(policy, "policy") }?;
        let url = unsafe { text_arg(url, url_len, "url") }?;
        let secret = unsafe { slice_arg(secret, secret_len, "secret") }?;
        if out_ledger.is_null() {
            return Err(cg_error::null("out_ledger"));
        }
        #[cfg(feature = "redis")]
        {
            // SAFETY: NULL or a readable options struct per the contract.
            let config = unsafe { config(url, options) }?;
            let ledger =
                contactguard_redis::RedisLedger::new(policy.policy.clone(), secret, config)
                    .map_err(redis_error)?;
            ledger.connect().map_err(redis_error)?;
            let handle = cg_ledger {
                ledger: crate::ledger::Backend::Redis(Box::new(ledger)),
                dir: None,
            };
            // SAFETY: checked not NULL.
            unsafe { write_out(out_ledger, Box::into_raw(Box::new(handle))) };
            Ok(())
        }
        #[cfg(not(feature = "redis"))]
        {
            let _ = (policy, url, secret, options);
            Err(crate::ledger::coded(
                "this contactguard library was built without Redis support (the `redis` feature)",
                contactguard::ErrorCode::LedgerUnsupported,
            ))
        }
    })
}

#[cfg(all(test, feature = "redis"))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
    use super::*;
    use crate::error::cg_error_free;
    use crate::ledger::cg_ledger_free;
    use crate::policy::{cg_policy_free, cg_policy_from_presets};

    fn policy() -> *const cg_policy {
        let mut p = std::ptr::null();
        let names = "us-reg-f";
        let r = cg_policy_from_presets(
            names.as_ptr().cast(),
            names.len(),
            &mut p,
            std::ptr::null_mut(),
        );
        assert_eq!(r, cg_result::Ok);
        p
    }

    /// Opens with `url` and `options`; the status and the error (code,
    /// field, message), the ledger freed.
    fn open(url: &str, options: Option<&cg_redis_options>) -> (cg_result, String, String, String) {
        let p = policy();
        let mut ledger = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        let r = cg_ledger_open_redis(
            p,
            url.as_ptr().cast(),
            url.len(),
            b"secret".as_ptr(),
            6,
            options.map_or(std::ptr::null(), |o| o as *const _),
            &mut ledger,
            &mut err,
        );
        // SAFETY: NULL or an error this call made.
        let (code, field, message) = unsafe { err.as_ref() }.map_or_else(Default::default, |e| {
            (
                e.code.as_str().to_owned(),
                e.field.clone(),
                e.message.clone(),
            )
        });
        cg_error_free(err);
        cg_ledger_free(ledger);
        cg_policy_free(p);
        (r, code, field, message)
    }

    fn options() -> cg_redis_options {
        cg_redis_options {
            struct_size: std::mem::size_of::<cg_redis_options>(),
            ca_file: cg_str::EMPTY,
            client_cert_file: cg_str::EMPTY,
            client_key_file: cg_str::EMPTY,
            connect_timeout_ms: 100,
            io_timeout_ms: 100,
            deadline_ms: 200,
            key_prefix: cg_str::EMPTY,
            wait_replicas: 0,
            wait_timeout_ms: 0,
            sentinel_master: cg_str::EMPTY,
            sentinel_urls: std::ptr::null(),
            sentinel_url_count: 0,
        }
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[test]
    fn an_unreachable_server_fails_the_open_without_showing_the_password() {
        let url = format!("redis://:Hidden-pass-42@127.0.0.1:{}/", free_port());
        let (r, code, _, message) = open(&url, Some(&options()));
        assert_eq!(r, cg_result::Ledger);
        assert_eq!(code, "redis.unavailable");
        assert!(!message.contains("Hidden-pass-42"), "{message}");
    }

    #[test]
    fn bad_urls_and_options_are_refused_before_connecting() {
        let (r, code, _, _) = open("http://127.0.0.1:1/", None);
        assert_eq!((r, code.as_str()), (cg_result::Ledger, "redis.config"));

        // The CA file reaches the crate: read (and missing) at open.
        let mut o = options();
        o.ca_file = cg_str::of("/nonexistent/cg-ca.pem");
        let (r, code, _, message) = open("rediss://127.0.0.1:1/", Some(&o));
        assert_eq!((r, code.as_str()), (cg_result::Ledger, "redis.config"));
        assert!(message.contains("/nonexistent/cg-ca.pem"), "{message}");
        // TLS files with a plain redis:// URL.
        let (r, code, _, _) = open("redis://127.0.0.1:1/", Some(&o));
        assert_eq!((r, code.as_str()), (cg_result::Ledger, "redis.config"));

        let mut o = options();
        o.struct_size = 8;
        let (r, _, field, _) = open("redis://127.0.0.1:1/", Some(&o));
        assert_eq!(
            (r, field.as_str()),
            (cg_result::InvalidArgument, "options.struct_size")
        );

        let mut o = options();
        o.client_key_file = cg_str::of("/x/key.pem");
        let (r, _, field, _) = open("redis://127.0.0.1:1/", Some(&o));
        assert_eq!(
            (r, field.as_str()),
            (cg_result::InvalidArgument, "options.client_cert_file")
        );

        let mut o = options();
        o.sentinel_master = cg_str::of("mymaster");
        let (r, _, field, _) = open("redis://127.0.0.1:1/", Some(&o));
        assert_eq!(
            (r, field.as_str()),
            (cg_result::InvalidArgument, "options.sentinel_master")
        );

        let mut o = options();
        o.sentinel_url_count = 2;
        let (r, _, field, _) = open("redis://127.0.0.1:1/", Some(&o));
        assert_eq!(
            (r, field.as_str()),
            (cg_result::NullArgument, "options.sentinel_urls")
        );

        let mut o = options();
        let bad = [0xffu8];
        o.key_prefix = cg_str {
            ptr: bad.as_ptr().cast(),
            len: 1,
        };
        let (r, _, field, _) = open("redis://127.0.0.1:1/", Some(&o));
        assert_eq!(
            (r, field.as_str()),
            (cg_result::InvalidUtf8, "options.key_prefix")
        );
    }

    #[test]
    fn null_arguments_are_refused() {
        let p = policy();
        let url = "redis://127.0.0.1:1/";
        let mut ledger = std::ptr::null_mut();
        let null = std::ptr::null_mut();
        let open = |p, u: *const std::ffi::c_char, out| {
            cg_ledger_open_redis(
                p,
                u,
                url.len(),
                std::ptr::null(),
                0,
                std::ptr::null(),
                out,
                null,
            )
        };
        assert_eq!(
            open(std::ptr::null(), url.as_ptr().cast(), &mut ledger),
            cg_result::NullArgument
        );
        assert_eq!(
            open(p, std::ptr::null(), &mut ledger),
            cg_result::NullArgument
        );
        assert_eq!(
            open(p, url.as_ptr().cast(), std::ptr::null_mut()),
            cg_result::NullArgument
        );
        assert!(ledger.is_null());
        cg_policy_free(p);
    }
}
