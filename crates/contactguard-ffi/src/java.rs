//! JNI entry points for the Java binding's hot calls (`dev.contactguard.Jni`).
//!
//! JNA marshals every argument of every call; these take only primitives:
//! the handles the C ABI already made (`cg_policy*`, `cg_history*`,
//! `cg_decision*`, as Java `long`s) and the address and capacity of a direct
//! `ByteBuffer` the Java side owns and reuses. The ask goes in and the
//! verdict comes out through that buffer, so a call allocates nothing on
//! the Java heap and makes no JNI call back into the JVM.
//!
//! The buffer's layout (native byte order, offsets in bytes), which
//! `dev.contactguard.JniBuffer` mirrors:
//!
//! | offset | type | what |
//! |---|---|---|
//! | 0 | i64 | out: `retry_at` seconds |
//! | 8 | i32 | out: `retry_at` nanoseconds |
//! | 12 | i32 | out: how many rules denied |
//! | 16 | i32 | out: how many obligations |
//! | 20 | i32 | out: flags, 1 allow, 2 has `retry_at` |
//! | 24 | i64 | out: on failure, an owned `cg_error*` (else 0) |
//! | 32 | i64 | out: `checkAndRecord` only, an owned `cg_ticket*` when admitted (else 0) |
//! | 40 | i64 | in: `at` seconds |
//! | 48 | i32 | in: `at` nanoseconds |
//! | 52 | i32 | in: channel (`CG_CHANNEL_*`) |
//! | 56 | i32 | in: role (`CG_ROLE_*`) |
//! | 60 | i32 | in: place (`CG_PLACE_*`) |
//! | 64 | i32 | in: purpose (`CG_PURPOSE_*`) |
//! | 68 | i32 | in: flags, 1 has place, 2 has purpose, 4 has autodialed, 8 autodialed, 16 has days past due |
//! | 72 | i64 | in: days past due |
//! | 80 | i32 | in: length of `to` in bytes |
//! | 84 | i32 | in: length of `debt` in bytes |
//! | 88 | i32 | in: how many time zones |
//! | 96 | i32 × zones | in: each zone's length in bytes |
//! | then | bytes | in: `to`, `debt`, each zone, UTF-8, back to back |
//!
//! Every offset and length is checked against the capacity, and the ask is
//! then validated exactly as `cg_decide` validates a `cg_ask` (it is turned
//! into one), so a malformed buffer is an error, never a read out of
//! bounds. Every entry point runs inside the C ABI's panic boundary: a
//! panic becomes `CG_RESULT_PANIC` with an error the Java side throws as a
//! `ContactGuardException`, never an unwind into the JVM. On any failure the
//! verdict says "do not contact" (fail closed) and the decision is reset as
//! `cg_decide` resets it.

use crate::boundary::guard;
use crate::decide::{cg_decision, decision_slot};
use crate::error::{cg_error, cg_result};
use crate::history::cg_history;
use crate::ledger::{cg_ledger, cg_ledger_check_and_record, cg_ticket};
use crate::policy::cg_policy;
use crate::types::{blank_ask, cg_ask, cg_str, cg_timestamp};
use contactguard::{decide, Decision};
use jni::errors::ThrowRuntimeExAndDefault;
use jni::objects::{JByteBuffer, JClass, JObject};
use jni::sys::{jint, jlong};
use jni::EnvUnowned;

/// Bytes of the output area at the start of the buffer.
const OUT_LEN: usize = 40;
const OUT_RETRY_SECONDS: usize = 0;
const OUT_RETRY_NANOS: usize = 8;
const OUT_DENIALS: usize = 12;
const OUT_OBLIGATIONS: usize = 16;
const OUT_FLAGS: usize = 20;
const OUT_ERROR: usize = 24;
const OUT_TICKET: usize = 32;
const OUT_ALLOW: i32 = 1;
const OUT_HAS_RETRY: i32 = 2;

// Input offsets, relative to the start of the input area (byte 40).
const IN_AT_SECONDS: usize = 0;
const IN_AT_NANOS: usize = 8;
const IN_CHANNEL: usize = 12;
const IN_ROLE: usize = 16;
const IN_PLACE: usize = 20;
const IN_PURPOSE: usize = 24;
const IN_FLAGS: usize = 28;
const IN_DAYS_PAST_DUE: usize = 32;
const IN_TO_LEN: usize = 40;
const IN_DEBT_LEN: usize = 44;
const IN_ZONES: usize = 48;
const IN_ZONE_LENS: usize = 56;
const HAS_PLACE: i32 = 1;
const HAS_PURPOSE: i32 = 2;
const HAS_AUTODIALED: i32 = 4;
const AUTODIALED: i32 = 8;
const HAS_DAYS_PAST_DUE: i32 = 16;

/// Zones kept on the stack; an ask with more uses a vector.
const INLINE_ZONES: usize = 8;

fn malformed(what: &str) -> cg_error {
    cg_error::new(
        cg_result::InvalidArgument,
        format!("malformed ask buffer from Java: {what}"),
    )
    .with_field("ask")
}

fn bytes_at<const N: usize>(input: &[u8], at: usize) -> Result<[u8; N], cg_error> {
    input
        .get(at..at.saturating_add(N))
        .and_then(|b| <[u8; N]>::try_from(b).ok())
        .ok_or_else(|| malformed("the buffer is too short"))
}

fn i32_at(input: &[u8], at: usize) -> Result<i32, cg_error> {
    bytes_at::<4>(input, at).map(i32::from_ne_bytes)
}

fn i64_at(input: &[u8], at: usize) -> Result<i64, cg_error> {
    bytes_at::<8>(input, at).map(i64::from_ne_bytes)
}

fn len_at(input: &[u8], at: usize, what: &str) -> Result<usize, cg_error> {
    usize::try_from(i32_at(input, at)?).map_err(|_| malformed(&format!("negative {what}")))
}

/// Cuts `len` bytes at `*cursor` out of `input` as a `cg_str` borrowing it.
fn text(input: &[u8], cursor: &mut usize, len: usize) -> Result<cg_str, cg_error> {
    let end = cursor.saturating_add(len);
    let bytes = input
        .get(*cursor..end)
        .ok_or_else(|| malformed("a string runs past the end of the buffer"))?;
    *cursor = end;
    Ok(cg_str {
        ptr: bytes.as_ptr().cast(),
        len: bytes.len(),
    })
}

/// The fixed fields of a `cg_ask` read from the input area; strings are
/// filled by [`with_ask`].
fn fixed_fields(input: &[u8]) -> Result<cg_ask, cg_error> {
    let flags = i32_at(input, IN_FLAGS)?;
    let nanos = i32_at(input, IN_AT_NANOS)?;
    let code = |at| i32_at(input, at).map(|v| u32::try_from(v).unwrap_or(u32::MAX));
    Ok(cg_ask {
        at: cg_timestamp {
            seconds: i64_at(input, IN_AT_SECONDS)?,
            nanos,
        },
        to: cg_str::EMPTY,
        debt: cg_str::EMPTY,
        timezones: std::ptr::null(),
        timezones_len: 0,
        days_past_due: i64_at(input, IN_DAYS_PAST_DUE)?,
        channel: code(IN_CHANNEL)?,
        role: code(IN_ROLE)?,
        place: code(IN_PLACE)?,
        purpose: code(IN_PURPOSE)?,
        has_place: u8::from(flags & HAS_PLACE != 0),
        has_purpose: u8::from(flags & HAS_PURPOSE != 0),
        has_autodialed: u8::from(flags & HAS_AUTODIALED != 0),
        autodialed: u8::from(flags & AUTODIALED != 0),
        has_days_past_due: u8::from(flags & HAS_DAYS_PAST_DUE != 0),
    })
}

/// Reads the ask in `input` as a `cg_ask` whose strings borrow `input`, and
/// runs `f` with it.
fn with_ask<T>(
    input: &[u8],
    f: impl FnOnce(&cg_ask) -> Result<T, cg_error>,
) -> Result<T, cg_error> {
    let mut ask = fixed_fields(input)?;
    let to_len = len_at(input, IN_TO_LEN, "length of `to`")?;
    let debt_len = len_at(input, IN_DEBT_LEN, "length of `debt`")?;
    let zones = len_at(input, IN_ZONES, "number of time zones")?;
    let lens_end = zones
        .checked_mul(4)
        .and_then(|n| n.checked_add(IN_ZONE_LENS))
        .filter(|end| *end <= input.len())
        .ok_or_else(|| malformed("too many time zones for the buffer"))?;
    let mut cursor = lens_end;
    ask.to = text(input, &mut cursor, to_len)?;
    ask.debt = text(input, &mut cursor, debt_len)?;
    let mut inline = [cg_str::EMPTY; INLINE_ZONES];
    let mut spilled = Vec::new();
    let slots: &mut [cg_str] = if zones <= INLINE_ZONES {
        inline.get_mut(..zones).unwrap_or_default()
    } else {
        spilled.resize(zones, cg_str::EMPTY);
        &mut spilled
    };
    for (i, slot) in slots.iter_mut().enumerate() {
        let len = len_at(input, IN_ZONE_LENS + 4 * i, "time zone length")?;
        *slot = text(input, &mut cursor, len)?;
    }
    ask.timezones = if zones == 0 {
        std::ptr::null()
    } else {
        slots.as_ptr()
    };
    ask.timezones_len = zones;
    f(&ask)
}

/// The buffer's output and input areas.
///
/// # Safety
///
/// `buf` is 0 or the address of `cap` bytes that are readable and
/// writable, and used by nobody else, for `'a`.
unsafe fn areas<'a>(buf: jlong, cap: jint) -> Result<(&'a mut [u8], &'a [u8]), cg_error> {
    let cap = usize::try_from(cap).unwrap_or(0);
    if buf == 0 {
        return Err(cg_error::null("buffer"));
    }
    if cap < OUT_LEN {
        return Err(malformed("the buffer is too short"));
    }
    // SAFETY: not NULL; the caller owns `cap` bytes at `buf` exclusively
    // for the call (a live direct ByteBuffer it keeps reachable).
    let all = unsafe { std::slice::from_raw_parts_mut(buf as usize as *mut u8, cap) };
    let (out, input) = all.split_at_mut(OUT_LEN);
    Ok((out, input))
}

fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(slot) = out.get_mut(at..at + bytes.len()) {
        slot.copy_from_slice(bytes);
    }
}

fn write_verdict(out: &mut [u8], d: &Decision) {
    let retry = d.retry_at.map(cg_timestamp::of).unwrap_or_default();
    let flags = if d.allow { OUT_ALLOW } else { 0 }
        | if d.retry_at.is_some() {
            OUT_HAS_RETRY
        } else {
            0
        };
    let count = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    put(out, OUT_RETRY_SECONDS, &retry.seconds.to_ne_bytes());
    put(out, OUT_RETRY_NANOS, &retry.nanos.to_ne_bytes());
    put(out, OUT_DENIALS, &count(d.denials.len()).to_ne_bytes());
    put(
        out,
        OUT_OBLIGATIONS,
        &count(d.obligations.len()).to_ne_bytes(),
    );
    put(out, OUT_FLAGS, &flags.to_ne_bytes());
    put(out, OUT_ERROR, &0_i64.to_ne_bytes());
    put(out, OUT_TICKET, &0_i64.to_ne_bytes());
}

/// Runs `f` on the buffer inside the panic boundary. On failure the
/// verdict is "do not contact" and the error's address is left at
/// `OUT_ERROR` for Java to read and free (or freed here when the buffer
/// cannot hold it).
///
/// # Safety
///
/// As for [`areas`].
unsafe fn on_buffer(
    buf: jlong,
    cap: jint,
    f: impl FnOnce(&mut [u8], &[u8]) -> Result<(), cg_error>,
) -> jint {
    let mut error: *mut cg_error = std::ptr::null_mut();
    let result = guard(&mut error, || {
        // SAFETY: forwarded from the caller.
        let (out, input) = unsafe { areas(buf, cap) }?;
        f(out, input)
    });
    if result != cg_result::Ok {
        // SAFETY: forwarded from the caller; the areas of the call above
        // are no longer borrowed.
        match unsafe { areas(buf, cap) } {
            Ok((out, _)) => {
                out.fill(0);
                put(out, OUT_ERROR, &(error as usize as i64).to_ne_bytes());
            }
            Err(_) if !error.is_null() => {
                // SAFETY: made by `guard` with `Box::into_raw`, owned here.
                drop(unsafe { Box::from_raw(error) });
            }
            Err(_) => {}
        }
    }
    result as jint
}

/// `Jni.decide(policyOwner, historyOwner, policy, history, decision, buffer,
/// capacity)`: decides the
/// ask in the buffer into the decision (as `cg_decide`, whose validation
/// and fail-closed reset it shares) and writes the verdict to the buffer.
/// Returns the `cg_result`.
///
/// The handles are those of `cg_policy_from_*`, `cg_history_new` and
/// `cg_decision_new`, live for the call (0 is `CG_RESULT_NULL_ARGUMENT`):
/// the Java side passes only handles whose owners are open, and the address
/// and capacity of its own direct buffer. The owners are not read: passing
/// the Java objects that own the policy and history handles keeps them
/// reachable (so no cleaner frees a handle under the call) until the call
/// returns, on every Java version; the caller uses the decision's owner,
/// which holds the buffer, after the call.
#[no_mangle]
pub extern "system" fn Java_dev_contactguard_Jni_decide(
    _env: EnvUnowned<'_>,
    _class: JClass<'_>,
    _policy_owner: JObject<'_>,
    _history_owner: JObject<'_>,
    policy: jlong,
    history: jlong,
    decision: jlong,
    buf: jlong,
    cap: jint,
) -> jint {
    // SAFETY: the buffer is the caller's, per the contract above.
    unsafe {
        on_buffer(buf, cap, |out, input| {
            // SAFETY (these three): 0 or live handles made by this library,
            // the decision used by this call alone, per the contract above.
            let out_decision = (decision as usize as *mut cg_decision)
                .as_mut()
                .ok_or_else(|| cg_error::null("decision"))?;
            decision_slot(out_decision, |scratch| {
                let policy = (policy as usize as *const cg_policy)
                    .as_ref()
                    .ok_or_else(|| cg_error::null("policy"))?;
                let history = (history as usize as *const cg_history)
                    .as_ref()
                    .ok_or_else(|| cg_error::null("history"))?;
                // SAFETY: the ask's strings borrow `input`, alive here.
                with_ask(input, |ask| ask.fill(scratch)).map_err(|e| e.within("ask"))?;
                Ok(decide(&policy.policy, scratch, &history.history))
            })?;
            write_verdict(out, &out_decision.decision);
            Ok(())
        })
    }
}

/// `Jni.checkAndRecord(ledgerOwner, ledger, decision, buffer, capacity)`:
/// `cg_ledger_check_and_record` on the ask in the buffer (the C function
/// itself, with a `cg_ask` that borrows the buffer), writing the verdict and,
/// when the attempt was admitted, the new ticket (`cg_ticket*`, owned by the
/// caller, freed with `cg_ticket_free`) to the buffer. Returns the
/// `cg_result`. Handles and owners as for `Jni.decide`.
#[no_mangle]
pub extern "system" fn Java_dev_contactguard_Jni_checkAndRecord(
    _env: EnvUnowned<'_>,
    _class: JClass<'_>,
    _ledger_owner: JObject<'_>,
    ledger: jlong,
    decision: jlong,
    buf: jlong,
    cap: jint,
) -> jint {
    // SAFETY: the buffer is the caller's, per the contract above.
    unsafe {
        on_buffer(buf, cap, |out, input| {
            let ledger = ledger as usize as *const cg_ledger;
            let decision = decision as usize as *mut cg_decision;
            let mut ticket: *mut cg_ticket = std::ptr::null_mut();
            let mut error: *mut cg_error = std::ptr::null_mut();
            let result = with_ask(input, |ask| {
                // The C function checks the handles (NULL is an error) and
                // runs inside its own panic boundary.
                Ok(cg_ledger_check_and_record(
                    ledger,
                    ask,
                    decision,
                    &mut ticket,
                    &mut error,
                ))
            })
            .map_err(|e| e.within("ask"))?;
            if result != cg_result::Ok {
                return Err(if error.is_null() {
                    cg_error::new(result, "cg_ledger_check_and_record failed".to_owned())
                } else {
                    // SAFETY: an error the C function made with
                    // `Box::into_raw` and handed to us.
                    *Box::from_raw(error)
                });
            }
            // SAFETY: the call succeeded, so `decision` is a live decision
            // it just wrote, used by this call alone.
            let d = decision
                .as_ref()
                .ok_or_else(|| cg_error::null("decision"))?;
            write_verdict(out, &d.decision);
            put(out, OUT_TICKET, &(ticket as usize as i64).to_ne_bytes());
            Ok(())
        })
    }
}

/// `Jni.address(buffer)`: the address of a direct `ByteBuffer`, read once
/// when the Java side allocates it. Throws `RuntimeException` for a buffer
/// that is not direct.
#[no_mangle]
pub extern "system" fn Java_dev_contactguard_Jni_address<'local>(
    mut env: EnvUnowned<'local>,
    _class: JClass<'local>,
    buffer: JByteBuffer<'local>,
) -> jlong {
    env.with_env(|env| -> jni::errors::Result<jlong> {
        let address = env.get_direct_buffer_address(&buffer)?;
        Ok(address as usize as jlong)
    })
    .resolve::<ThrowRuntimeExAndDefault>()
}

/// `Jni.rustDecideLoop(policy, history, buffer, capacity, n)`: the Rust
/// call alone, for the benchmark: reads the ask in the buffer once, then
/// times `n` calls of `contactguard::decide` on it and returns the
/// nanoseconds they took (negative: the `cg_result` of a failure, whose
/// error is in the buffer as for `decide`). Reads its handles only.
#[no_mangle]
pub extern "system" fn Java_dev_contactguard_Jni_rustDecideLoop(
    _env: EnvUnowned<'_>,
    _class: JClass<'_>,
    policy: jlong,
    history: jlong,
    buf: jlong,
    cap: jint,
    n: jint,
) -> jlong {
    let mut nanos: jlong = 0;
    // SAFETY: the buffer is the caller's, per the contract above.
    let result = unsafe {
        on_buffer(buf, cap, |out, input| {
            // SAFETY (both): 0 or live handles made by this library.
            let policy = (policy as usize as *const cg_policy)
                .as_ref()
                .ok_or_else(|| cg_error::null("policy"))?;
            let history = (history as usize as *const cg_history)
                .as_ref()
                .ok_or_else(|| cg_error::null("history"))?;
            let mut ask = blank_ask();
            // SAFETY: the ask's strings borrow `input`, alive here.
            with_ask(input, |a| a.fill(&mut ask)).map_err(|e| e.within("ask"))?;
            let mut last = None;
            let start = std::time::Instant::now();
            for _ in 0..n {
                last = Some(std::hint::black_box(decide(
                    std::hint::black_box(&policy.policy),
                    std::hint::black_box(&ask),
                    std::hint::black_box(&history.history),
                )));
            }
            nanos = i64::try_from(start.elapsed().as_nanos()).unwrap_or(i64::MAX);
            if let Some(d) = last {
                write_verdict(out, &d);
            }
            Ok(())
        })
    };
    if result == cg_result::Ok as jint {
        nanos
    } else {
        -jlong::from(result)
    }
}

/// Test hook: panics inside the same boundary as `Jni.decide`, so a test can
/// prove the panic becomes `CG_RESULT_PANIC` (and a Java exception) and
/// never unwinds into the JVM. Only with the `test-panic` feature.
#[cfg(feature = "test-panic")]
#[no_mangle]
pub extern "system" fn Java_dev_contactguard_Jni_testPanic(
    _env: EnvUnowned<'_>,
    _class: JClass<'_>,
    buf: jlong,
    cap: jint,
) -> jint {
    // SAFETY: the buffer is the caller's, as for `Jni.decide`.
    unsafe {
        on_buffer(buf, cap, |_, _| {
            #[expect(clippy::panic, reason = "the point of this test hook")]
            {
                panic!("test panic requested through Jni.testPanic")
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contactguard::{Channel, Place, Purpose, Role};

    /// An ask laid out as `JniBuffer.write` lays it out (the whole buffer,
    /// output area included).
    fn encode(to: &str, debt: &str, zones: &[&str]) -> Vec<u8> {
        let mut b = vec![0_u8; OUT_LEN + IN_ZONE_LENS + 4 * zones.len()];
        let mut set = |at: usize, bytes: &[u8]| {
            b[OUT_LEN + at..OUT_LEN + at + bytes.len()].copy_from_slice(bytes);
        };
        set(IN_AT_SECONDS, &1_792_074_600_i64.to_ne_bytes());
        set(IN_AT_NANOS, &5_i32.to_ne_bytes());
        set(IN_CHANNEL, &2_i32.to_ne_bytes()); // sms
        set(IN_ROLE, &1_i32.to_ne_bytes()); // debtor
        set(IN_PLACE, &2_i32.to_ne_bytes()); // mobile
        set(IN_PURPOSE, &1_i32.to_ne_bytes()); // collection
        set(
            IN_FLAGS,
            &(HAS_PLACE | HAS_PURPOSE | HAS_AUTODIALED | HAS_DAYS_PAST_DUE).to_ne_bytes(),
        );
        set(IN_DAYS_PAST_DUE, &42_i64.to_ne_bytes());
        set(IN_TO_LEN, &i32::try_from(to.len()).unwrap().to_ne_bytes());
        set(
            IN_DEBT_LEN,
            &i32::try_from(debt.len()).unwrap().to_ne_bytes(),
        );
        set(IN_ZONES, &i32::try_from(zones.len()).unwrap().to_ne_bytes());
        for (i, z) in zones.iter().enumerate() {
            set(
                IN_ZONE_LENS + 4 * i,
                &i32::try_from(z.len()).unwrap().to_ne_bytes(),
            );
        }
        b.extend_from_slice(to.as_bytes());
        b.extend_from_slice(debt.as_bytes());
        for z in zones {
            b.extend_from_slice(z.as_bytes());
        }
        b
    }

    fn read(buf: &[u8]) -> Result<contactguard::Ask, cg_error> {
        let mut ask = blank_ask();
        // SAFETY: the cg_ask borrows `buf`, alive here.
        with_ask(&buf[OUT_LEN..], |a| unsafe { a.fill(&mut ask) })?;
        Ok(ask)
    }

    #[test]
    fn an_encoded_ask_reads_back_field_for_field() {
        let many: Vec<String> = (0..12).map(|i| format!("Etc/GMT+{}", i % 12)).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        for zones in [&["America/New_York", "Europe/Zürich"][..], &[], &many[..]] {
            let ask = read(&encode("José", "d-1", zones)).unwrap();
            assert_eq!(ask.at.as_second(), 1_792_074_600);
            assert_eq!(ask.at.subsec_nanosecond(), 5);
            assert_eq!(ask.channel, Channel::Sms);
            assert_eq!(ask.role, Role::Debtor);
            assert_eq!(ask.to, "José");
            assert_eq!(ask.debt, "d-1");
            assert_eq!(ask.timezones, zones);
            assert_eq!(ask.place, Some(Place::Mobile));
            assert_eq!(ask.purpose, Some(Purpose::Collection));
            assert_eq!(ask.autodialed, Some(false));
            assert_eq!(ask.days_past_due, Some(42));
        }
    }

    fn malformed_at(buf: &[u8]) -> cg_error {
        let e = read(buf).unwrap_err();
        assert_eq!(e.result, cg_result::InvalidArgument, "{}", e.message);
        e
    }

    #[test]
    fn lengths_and_counts_that_leave_the_buffer_are_errors() {
        let good = encode("c1", "d1", &["UTC"]);
        for (at, value) in [
            (IN_ZONES, 1_000_000_000_i32),
            (IN_ZONES, -1),
            (IN_TO_LEN, -5),
            (IN_TO_LEN, i32::MAX),
            (IN_DEBT_LEN, 1_000),
            (IN_ZONE_LENS, 4),
        ] {
            let mut b = good.clone();
            b[OUT_LEN + at..OUT_LEN + at + 4].copy_from_slice(&value.to_ne_bytes());
            malformed_at(&b);
        }
        for cut in [0, 10, IN_ZONE_LENS, good.len() - OUT_LEN - 1] {
            malformed_at(&good[..OUT_LEN + cut]);
        }
    }

    #[test]
    fn a_bad_string_or_code_is_the_c_abi_error() {
        let mut b = encode("c1", "d1", &["UTC"]);
        let to = OUT_LEN + IN_ZONE_LENS + 4;
        b[to] = 0xFF;
        assert_eq!(read(&b).unwrap_err().result, cg_result::InvalidUtf8);
        let mut b = encode("c1", "d1", &["UTC"]);
        b[OUT_LEN + IN_ROLE..OUT_LEN + IN_ROLE + 4].copy_from_slice(&0_i32.to_ne_bytes());
        assert_eq!(read(&b).unwrap_err().result, cg_result::MissingField);
    }

    #[test]
    fn failures_and_panics_leave_a_denying_verdict_and_the_error() {
        let mut b = encode("c1", "d1", &["UTC"]);
        b[..OUT_LEN].fill(0xAA);
        let addr = b.as_mut_ptr() as usize as jlong;
        let cap = jint::try_from(b.len()).unwrap();
        // SAFETY: `b` is ours for the call.
        let r = unsafe { on_buffer(addr, cap, |_, _| panic!("boom")) };
        assert_eq!(r, cg_result::Panic as jint);
        assert_eq!(
            i32::from_ne_bytes(b[OUT_FLAGS..OUT_FLAGS + 4].try_into().unwrap()),
            0
        );
        let error = i64::from_ne_bytes(b[OUT_ERROR..OUT_ERROR + 8].try_into().unwrap());
        assert_ne!(error, 0);
        // SAFETY: the error the call left, owned here.
        let error = unsafe { Box::from_raw(error as usize as *mut cg_error) };
        assert!(error.message.contains("boom"), "{}", error.message);
        // A buffer too short for the error: the status alone, nothing leaked.
        // SAFETY: as above.
        let r = unsafe { on_buffer(addr, 16, |_, _| Ok(())) };
        assert_eq!(r, cg_result::InvalidArgument as jint);
        // SAFETY: NULL is refused before any read.
        let r = unsafe { on_buffer(0, 64, |_, _| Ok(())) };
        assert_eq!(r, cg_result::NullArgument as jint);
    }
}
