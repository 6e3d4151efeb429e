package dev.contactguard;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Optional;

/**
 * Thread-safe recent contact history over a policy, with atomic
 * check-and-record and checksummed snapshots. Owns one native
 * {@code cg_ledger}, which synchronises inside: one Ledger may serve every
 * thread (each with its own {@link Decision}). Close it once every thread
 * is done.
 */
public final class Ledger extends Handle {
    /** A ledger deciding with {@code policy}, keys hashed with a public default key. */
    public Ledger(Policy policy) {
        this(policy, new byte[0]);
    }

    /**
     * A ledger deciding with {@code policy}, recipient and debt keys stored
     * hashed with a key derived from {@code key} (at least 16 random bytes,
     * kept outside the snapshots); a snapshot restores only under the same key.
     */
    public Ledger(Policy policy, byte[] key) {
        super(create(policy, key), Native::cg_ledger_free);
    }

    private Ledger(Pointer p) {
        super(p, Native::cg_ledger_free);
    }

    /** When a journaled ledger's writes are made durable ({@code cg_journal_sync}). */
    public enum JournalSync {
        /** Synced before every write returns: survives a crash of the machine. */
        ALWAYS(1),
        /** Written to the operating system before every write returns: survives a crash of the process only. */
        NEVER(2);

        private final int code;

        JournalSync(int code) {
            this.code = code;
        }
    }

    /**
     * Opens (creating it when missing) a ledger journaled to {@code dir}: restored from the
     * snapshot of the last {@link #checkpoint} and the journal written since (a torn tail is
     * truncated); every admission, completion and event is then in the journal before the call
     * returns. Keys as {@link #Ledger(Policy, byte[])}. Use one process per directory.
     */
    public static Ledger openJournaled(Policy policy, byte[] key, java.nio.file.Path dir, JournalSync sync) {
        byte[] d = dir.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        PointerByReference out = new PointerByReference();
        PointerByReference err = new PointerByReference();
        Native.check(Native.cg_ledger_open_journaled(policy.ptr(), key, key.length, d, d.length, sync.code, out, err),
                err);
        return new Ledger(out.getValue());
    }

    /**
     * Opens a ledger kept in the Redis at {@code url} ({@code redis://[user:password@]host:port/db}, or
     * {@code rediss://...} for TLS): every process that opens the same server and key prefix with the same
     * {@code secret} shares one history, with the same atomic check-and-record as one in-memory ledger.
     * Connects now: throws {@link ContactGuardException} with code {@code redis.unavailable} (unreachable, wrong
     * password, untrusted certificate), {@code redis.config} (malformed URL, unreadable certificate files)...,
     * never showing the password. Afterwards a Redis failure denies asks (rule {@code contactguard.redis}) and
     * {@link #complete} / {@link #record} throw; {@link #snapshot}, {@link #restore} and {@link #checkpoint}
     * throw {@code ledger.unsupported}. One ledger holds one connection, which threads take turns on: give each
     * busy thread its own.
     */
    public static Ledger openRedis(Policy policy, String url, byte[] secret, RedisOptions options) {
        byte[] u = Native.utf8(url);
        java.util.List<String> strings = new java.util.ArrayList<>(java.util.Arrays.asList(options.caFile,
                options.clientCertFile, options.clientKeyFile, options.keyPrefix, options.sentinelMaster));
        strings.addAll(options.sentinelUrls());
        Structs.Text text = new Structs.Text(strings);
        Native.CgRedisOptions o = new Native.CgRedisOptions();
        o.struct_size = o.size();
        text.set(o.ca_file, 0);
        text.set(o.client_cert_file, 1);
        text.set(o.client_key_file, 2);
        text.set(o.key_prefix, 3);
        text.set(o.sentinel_master, 4);
        o.connect_timeout_ms = options.connectTimeoutMs;
        o.io_timeout_ms = options.ioTimeoutMs;
        o.deadline_ms = options.deadlineMs;
        o.wait_replicas = options.waitReplicas;
        o.wait_timeout_ms = options.waitTimeoutMs;
        com.sun.jna.Memory urls = text.array(5, options.sentinelUrls().size());
        o.sentinel_urls = urls;
        o.sentinel_url_count = options.sentinelUrls().size();
        PointerByReference out = new PointerByReference();
        PointerByReference err = new PointerByReference();
        int r = Native.cg_ledger_open_redis(policy.ptr(), u, u.length, secret, secret.length, o, out, err);
        Native.fence(text);
        if (urls != null) {
            Native.fence(urls);
        }
        Native.fence(policy);
        Native.check(r, err);
        return new Ledger(out.getValue());
    }

    /** {@link #openRedis(Policy, String, byte[], RedisOptions)} with the default options. */
    public static Ledger openRedis(Policy policy, String url, byte[] secret) {
        return openRedis(policy, url, secret, new RedisOptions());
    }

    /**
     * Writes a journaled ledger's snapshot to its directory and empties its journal
     * ({@code ledger.not_journaled} for a ledger without one).
     */
    public void checkpoint() {
        PointerByReference err = new PointerByReference();
        Native.check(Native.cg_ledger_checkpoint(ptr(), err), err);
    }

    private static Pointer create(Policy policy, byte[] key) {
        PointerByReference out = new PointerByReference();
        PointerByReference err = new PointerByReference();
        Native.check(Native.cg_ledger_new(policy.ptr(), key, key.length, out, err), err);
        return out.getValue();
    }

    /** Decides against the recorded history, without recording, into {@code out}. */
    public void check(Ask ask, Decision out) {
        out.asks.write(java.util.Collections.singletonList(ask));
        int r = Native.cg_ledger_check(ptr(), out.asks.pointer(), out.ptr(), out.errSlot);
        out.asks.fence();
        out.settle(r);
    }

    /**
     * Decides and, when allowed, records the attempt as pending, in one
     * atomic step. Returns its ticket when admitted (close it after
     * {@link #complete}).
     */
    public Optional<Ticket> checkAndRecord(Ask ask, Decision out) {
        if (Jni.AVAILABLE) {
            return checkAndRecordJni(ask, out);
        }
        return checkAndRecordJna(ask, out);
    }

    /** {@link #checkAndRecord} through JNI: one native call, primitives only. */
    Optional<Ticket> checkAndRecordJni(Ask ask, Decision out) {
        JniBuffer b = out.jniBuffer();
        b.write(ask);
        int r = Jni.checkAndRecord(this, address(), out.address(), b.address(), b.capacity());
        out.settleJni(r, b);
        long t = b.takeTicket();
        return t == 0 ? Optional.<Ticket>empty() : Optional.of(new Ticket(new Pointer(t)));
    }

    /** {@link #checkAndRecord} through JNA. */
    Optional<Ticket> checkAndRecordJna(Ask ask, Decision out) {
        out.asks.write(java.util.Collections.singletonList(ask));
        PointerByReference ticket = new PointerByReference();
        int r = Native.cg_ledger_check_and_record(ptr(), out.asks.pointer(), out.ptr(), ticket, out.errSlot);
        out.asks.fence();
        out.settle(r);
        Pointer t = ticket.getValue();
        return t == null ? Optional.empty() : Optional.of(new Ticket(t));
    }

    /** Sets the result of a pending attempt; {@code ledger.unknown_ticket} when already completed. */
    public void complete(Ticket ticket, AttemptResult result) {
        PointerByReference err = new PointerByReference();
        Native.check(Native.cg_ledger_complete(ptr(), ticket.ptr(), result.code(), err), err);
    }

    /** Records an event: an attempt made elsewhere, a consent, an opt-out, a cease, a hold... */
    public void record(Event e) {
        Structs.EventStruct s = new Structs.EventStruct(e);
        PointerByReference err = new PointerByReference();
        int r = Native.cg_ledger_record(ptr(), s.struct, err);
        s.fence();
        Native.check(r, err);
    }

    /** A versioned, checksummed snapshot of everything the ledger holds. */
    public byte[] snapshot() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Native.WriteFn write = (user, data, len) -> {
            out.write(data.getByteArray(0, (int) len), 0, (int) len);
            return 0;
        };
        PointerByReference err = new PointerByReference();
        Native.check(Native.cg_ledger_snapshot(ptr(), write, null, new LongByReference(), err), err);
        Native.fence(write);
        return out.toByteArray();
    }

    /**
     * Restores a snapshot. A corrupt, truncated or foreign-key snapshot is
     * refused with a {@link ContactGuardException} whose code says why
     * ({@code ledger.checksum}, {@code ledger.truncated}, {@code ledger.key_mismatch}...).
     */
    public void restore(byte[] snapshot) {
        PointerByReference err = new PointerByReference();
        Native.check(Native.cg_ledger_restore(ptr(), snapshot, snapshot.length, err), err);
    }
}
