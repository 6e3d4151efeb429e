package dev.contactguard;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A decision: allowed or not, every rule that denied and why, when the same
 * ask would pass, and the obligations of the contact. Owns one native
 * {@code cg_decision}, reusable across {@link Policy#decide(History, Ask, Decision)}
 * calls. Not thread-safe: one thread at a time.
 */
public final class Decision extends Handle {
    // The summary of the last decide, kept as primitives so that deciding
    // through JNI allocates nothing; verdict() builds the record on demand.
    private boolean allow;
    private boolean hasRetry;
    private long retrySeconds;
    private int retryNanos;
    private int denialCount;
    private int obligationCount;
    /** The buffer of the JNI path, made on first use. */
    private JniBuffer jni;
    /** Buffers reused by every decide into this decision. */
    final NativeAsks asks = new NativeAsks();
    final Memory errSlot = new Memory(8);
    private final Memory verdictMem = new Memory(VERDICT_SIZE);

    static final int VERDICT_SIZE = new Native.CgVerdict().size();
    private static final int V_RETRY;
    private static final int V_DENIALS;
    private static final int V_OBLIGATIONS;
    private static final int V_ALLOW;
    private static final int V_HAS_RETRY;

    /** Exposes JNA's computed offsets of cg_verdict's fields. */
    private static final class Layout extends Native.CgVerdict {
        int at(String field) {
            return fieldOffset(field);
        }
    }

    static {
        Layout l = new Layout();
        V_RETRY = l.at("retry_at");
        V_DENIALS = l.at("denial_count");
        V_OBLIGATIONS = l.at("obligation_count");
        V_ALLOW = l.at("allow");
        V_HAS_RETRY = l.at("has_retry_at");
    }

    public Decision() {
        super(create(), Native::cg_decision_free);
    }

    private static Pointer create() {
        PointerByReference out = new PointerByReference();
        PointerByReference err = new PointerByReference();
        Native.check(Native.cg_decision_new(out, err), err);
        return out.getValue();
    }

    /**
     * After a native decide into this decision: on failure the native
     * decision was reset to one that does not allow, and so is the summary
     * here before the exception is thrown (fail closed, as in C); on
     * success the summary is read.
     */
    void settle(int result) {
        if (result != Native.OK) {
            denyAll();
            Native.check(result, errSlot);
        }
        refresh();
    }

    /** Reads the summary after a decide; called by {@link Policy}. */
    void refresh() {
        Native.check(Native.cg_decision_verdict(ptr(), verdictMem, errSlot), errSlot);
        set(readVerdict(verdictMem, 0));
    }

    private void set(Verdict v) {
        allow = v.allow();
        hasRetry = v.retryAt() != null;
        retrySeconds = hasRetry ? v.retryAt().getEpochSecond() : 0;
        retryNanos = hasRetry ? v.retryAt().getNano() : 0;
        denialCount = v.denialCount();
        obligationCount = v.obligationCount();
    }

    /** The summary after a failed decide: does not allow (fail closed). */
    private void denyAll() {
        allow = false;
        hasRetry = false;
        retrySeconds = 0;
        retryNanos = 0;
        denialCount = 0;
        obligationCount = 0;
    }

    /** The buffer the JNI path writes asks into, made on first use. */
    JniBuffer jniBuffer() {
        JniBuffer b = jni;
        if (b == null) {
            b = new JniBuffer();
            jni = b;
        }
        return b;
    }

    /**
     * After {@link Jni#decide} into this decision: on success the summary is
     * read from the buffer; on failure it does not allow (the native
     * decision was reset too) and the error is thrown.
     */
    void settleJni(int result, JniBuffer b) {
        if (result != Native.OK) {
            denyAll();
            Jni.fail(result, b);
        }
        allow = b.allow();
        hasRetry = b.hasRetry();
        retrySeconds = b.retrySeconds();
        retryNanos = b.retryNanos();
        denialCount = b.denials();
        obligationCount = b.obligations();
    }

    /** The cg_verdict at {@code offset} in {@code m}. */
    static Verdict readVerdict(Memory m, long offset) {
        Instant retry = m.getByte(offset + V_HAS_RETRY) != 0
                ? Instant.ofEpochSecond(m.getLong(offset + V_RETRY), m.getInt(offset + V_RETRY + 8))
                : null;
        return new Verdict(m.getByte(offset + V_ALLOW) != 0, retry, m.getInt(offset + V_DENIALS),
                m.getInt(offset + V_OBLIGATIONS));
    }

    /** Whether the contact may go ahead. */
    public boolean allow() {
        return allow;
    }

    /** The summary: allow, retry_at, counts. */
    public Verdict verdict() {
        return new Verdict(allow, retryInstant(), denialCount, obligationCount);
    }

    private Instant retryInstant() {
        return hasRetry ? Instant.ofEpochSecond(retrySeconds, retryNanos) : null;
    }

    /** When the same ask would be allowed, if any future instant helps. */
    public Optional<Instant> retryAt() {
        return Optional.ofNullable(retryInstant());
    }

    /** Every rule that denied. */
    public List<Denial> denials() {
        List<Denial> out = new ArrayList<>(denialCount);
        Native.CgDenial d = new Native.CgDenial();
        PointerByReference err = new PointerByReference();
        for (int i = 0; i < denialCount; i++) {
            Native.check(Native.cg_decision_denial(ptr(), i, d, err), err);
            out.add(new Denial(Native.CgStr.text(d.id), Native.CgStr.text(d.cite), Native.CgStr.text(d.message)));
        }
        return out;
    }

    /** What the contact must honour if it goes ahead, e.g. {@code no_debt_disclosure}. */
    public List<String> obligations() {
        List<String> out = new ArrayList<>(obligationCount);
        Native.CgStr s = new Native.CgStr();
        PointerByReference err = new PointerByReference();
        for (int i = 0; i < obligationCount; i++) {
            Native.check(Native.cg_decision_obligation(ptr(), i, s, err), err);
            out.add(Native.CgStr.text(s));
        }
        return out;
    }
}
