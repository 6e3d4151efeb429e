package dev.contactguard;

import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;

/**
 * The C ABI (include/contactguard.h) through JNA direct mapping: one static
 * native method per C function, no proxies. Package-private: the public API
 * is {@link Policy}, {@link History} and {@link Decision}.
 *
 * <p>Struct layouts are JNA's, checked once at load time against the
 * library's own {@code cg_abi_sizeof}, so a library built for another
 * layout is refused instead of corrupting memory.
 */
final class Native {
    private Native() {}

    static final String LIBRARY = "contactguard_ffi";
    /** The C ABI version this binding is written for (the header's {@code CG_ABI_VERSION}). */
    static final int ABI_VERSION = 2;
    /** The loaded library (see {@link #library()}). */
    static final NativeLibrary LIB = library();

    static {
        if (com.sun.jna.Native.POINTER_SIZE != 8 || com.sun.jna.Native.SIZE_T_SIZE != 8) {
            throw new UnsatisfiedLinkError("contactguard's Java binding supports 64-bit JVMs only");
        }
        com.sun.jna.Native.register(Native.class, LIB);
        int abi = cg_abi_version();
        if (abi != ABI_VERSION) {
            throw new UnsatisfiedLinkError("contactguard: " + LIBRARY + " has ABI version " + abi
                    + ", this binding needs " + ABI_VERSION);
        }
        checkLayout(0, new CgStr());
        checkLayout(1, new CgTimestamp());
        checkLayout(2, new CgAsk());
        checkLayout(3, new CgEvent());
        checkLayout(4, new CgVerdict());
        checkLayout(5, new CgDenial());
        checkLayout(6, new CgRedisOptions());
    }

    /**
     * The library to bind: with {@code -Djna.library.path} set (the unit
     * tests do), JNA's search; otherwise the copy bundled in this jar for
     * this platform ({@code linux-x86-64/libcontactguard_ffi.so}...), so
     * the Java code and the library always come from one build; with no
     * bundled copy (a jar built with {@code -Dcontactguard.native.skip}),
     * JNA's search of the system's library path.
     */
    static NativeLibrary library() {
        if (System.getProperty("jna.library.path") == null && bundledResource() != null) {
            try {
                java.io.File file = com.sun.jna.Native.extractFromResourcePath(LIBRARY, Native.class.getClassLoader());
                return NativeLibrary.getInstance(file.getAbsolutePath());
            } catch (java.io.IOException e) {
                UnsatisfiedLinkError err = new UnsatisfiedLinkError(
                        "contactguard: cannot extract the bundled " + bundledResource() + ": " + e.getMessage());
                err.initCause(e);
                throw err;
            }
        }
        return NativeLibrary.getInstance(LIBRARY);
    }

    /** The resource path of the library bundled for this platform, or null when the jar has none. */
    static String bundledResource() {
        String path = com.sun.jna.Platform.RESOURCE_PREFIX + "/" + System.mapLibraryName(LIBRARY);
        return Native.class.getClassLoader().getResource(path) != null ? path : null;
    }

    private static void checkLayout(int which, Structure s) {
        long native_ = cg_abi_sizeof(which);
        if (native_ != s.size()) {
            throw new UnsatisfiedLinkError("contactguard: " + s.getClass().getSimpleName() + " is " + s.size()
                    + " bytes in Java but " + native_ + " in " + LIBRARY + ": header and library disagree");
        }
    }

    // Results (cg_result).
    static final int OK = 0;
    static final int BUFFER_TOO_SMALL = 8;
    static final int MISSING_FIELD = 10;
    static final int POINTER_SIZE = com.sun.jna.Native.POINTER_SIZE;
    static final int POLICY = 100;

    static native String cg_version();

    static native int cg_abi_version();

    static native long cg_abi_sizeof(int which);

    static native int cg_policy_from_presets(byte[] names, long len, PointerByReference out, PointerByReference err);

    static native int cg_policy_from_toml(byte[] text, long len, PointerByReference out, PointerByReference err);

    static native int cg_policy_from_json(byte[] text, long len, PointerByReference out, PointerByReference err);

    static native int cg_policy_load(byte[] path, long len, PointerByReference out, PointerByReference err);

    static native void cg_policy_free(Pointer policy);

    static native CgStr.ByValue cg_policy_name(Pointer policy);

    static native long cg_policy_rule_count(Pointer policy);

    static native int cg_history_new(PointerByReference out, PointerByReference err);

    static native int cg_history_push(Pointer history, CgEvent event, PointerByReference err);

    static native int cg_history_clear(Pointer history, PointerByReference err);

    static native long cg_history_len(Pointer history);

    static native void cg_history_free(Pointer history);

    static native int cg_decision_new(PointerByReference out, PointerByReference err);

    static native void cg_decision_free(Pointer decision);

    // The hot path passes out_error as a reused 8-byte slot (see check(int, Memory)).
    static native int cg_decide(Pointer policy, Pointer history, Pointer ask, Pointer decision, Pointer errSlot);

    static native int cg_decide_batch(Pointer policy, Pointer history, Pointer asks, long n, Pointer out,
            Pointer errSlot);

    static native int cg_decide_json(Pointer policy, byte[] json, long len, byte[] out, long cap,
            LongByReference outLen, PointerByReference err);

    static native int cg_decision_verdict(Pointer decision, Pointer out, Pointer errSlot);

    static native int cg_decision_denial(Pointer decision, long index, CgDenial out, PointerByReference err);

    static native int cg_decision_obligation(Pointer decision, long index, CgStr out, PointerByReference err);

    static native int cg_error_result(Pointer error);

    static native CgStr.ByValue cg_error_code(Pointer error);

    static native CgStr.ByValue cg_error_message(Pointer error);

    static native CgStr.ByValue cg_error_field(Pointer error);

    static native CgStr.ByValue cg_error_help(Pointer error);

    static native CgStr.ByValue cg_error_file(Pointer error);

    static native long cg_error_row(Pointer error);

    static native int cg_error_line(Pointer error);

    static native int cg_error_column(Pointer error);

    static native void cg_error_free(Pointer error);

    static native int cg_ledger_new(Pointer policy, byte[] key, long len, PointerByReference out,
            PointerByReference err);

    static native void cg_ledger_free(Pointer ledger);

    static native int cg_ledger_open_journaled(Pointer policy, byte[] key, long keyLen, byte[] dir, long dirLen,
            int sync, PointerByReference out, PointerByReference err);

    static native int cg_ledger_checkpoint(Pointer ledger, PointerByReference err);

    static native int cg_ledger_open_redis(Pointer policy, byte[] url, long urlLen, byte[] secret, long secretLen,
            CgRedisOptions options, PointerByReference out, PointerByReference err);

    static native void cg_ticket_free(Pointer ticket);

    static native int cg_ledger_check(Pointer ledger, Pointer ask, Pointer decision, Pointer errSlot);

    static native int cg_ledger_check_and_record(Pointer ledger, Pointer ask, Pointer decision,
            PointerByReference ticket, Pointer errSlot);

    static native int cg_ledger_complete(Pointer ledger, Pointer ticket, int result, PointerByReference err);

    static native int cg_ledger_record(Pointer ledger, CgEvent event, PointerByReference err);

    static native int cg_ledger_snapshot(Pointer ledger, WriteFn write, Pointer userData, LongByReference outLen,
            PointerByReference err);

    static native int cg_ledger_restore(Pointer ledger, byte[] data, long len, PointerByReference err);

    static native CgTimestamp.ByValue cg_ticket_at(Pointer ticket);

    /** {@code cg_write_fn}: receives snapshot bytes; returns 0 to go on. */
    interface WriteFn extends com.sun.jna.Callback {
        int invoke(Pointer userData, Pointer data, long len);
    }

    /**
     * Keeps {@code o} reachable until this call: {@code
     * Reference.reachabilityFence} on Java 9 and later (found once, then a
     * constant method handle the JIT inlines), and on Java 8, where it does
     * not exist, a lock on {@code o}, which needs the reference.
     */
    static void fence(Object o) {
        if (FENCE != null) {
            try {
                FENCE.invokeExact(o);
            } catch (Throwable e) {
                throw new IllegalStateException("Reference.reachabilityFence failed", e);
            }
        } else {
            synchronized (o) {
                // Nothing: taking the lock needs the object.
            }
        }
    }

    private static final java.lang.invoke.MethodHandle FENCE = fenceHandle();

    private static java.lang.invoke.MethodHandle fenceHandle() {
        try {
            return java.lang.invoke.MethodHandles.publicLookup().findStatic(java.lang.ref.Reference.class,
                    "reachabilityFence", java.lang.invoke.MethodType.methodType(void.class, Object.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // Java 8
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Throws for a failed status, freeing the C error. */
    static void check(int result, PointerByReference err) {
        if (result == OK) {
            return;
        }
        Pointer e = err.getValue();
        try {
            String code = CgStr.text(cg_error_code(e));
            String message = CgStr.text(cg_error_message(e));
            String field = CgStr.text(cg_error_field(e));
            String help = CgStr.text(cg_error_help(e));
            String file = CgStr.text(cg_error_file(e));
            int line = cg_error_line(e);
            int column = cg_error_column(e);
            long row = cg_error_row(e);
            if (result == POLICY) {
                throw new PolicyException(result, code, message, field, help, file, line, column, row);
            }
            throw new ContactGuardException(result, code, message, field, help, file, line, column, row);
        } finally {
            cg_error_free(e);
        }
    }

    /** Throws for a failed status, reading and freeing the C error from an 8-byte slot. */
    static void check(int result, Memory errSlot) {
        if (result != OK) {
            PointerByReference err = new PointerByReference(errSlot.getPointer(0));
            errSlot.setPointer(0, null);
            check(result, err);
        }
    }

    /** Copies UTF-8 text into native memory that lives as long as the returned object. */
    static Memory text(byte[] bytes) {
        Memory m = new Memory(Math.max(1, bytes.length));
        m.write(0, bytes, 0, bytes.length);
        return m;
    }

    @Structure.FieldOrder({"ptr", "len"})
    public static class CgStr extends Structure {
        public Pointer ptr;
        public long len;

        public CgStr() {
            super();
        }

        CgStr(Pointer p) {
            super(p);
        }

        public static class ByValue extends CgStr implements Structure.ByValue {}

        void set(Memory m, long length) {
            ptr = length == 0 ? null : m;
            len = length;
        }

        static String text(CgStr s) {
            if (s == null || s.ptr == null || s.len == 0) {
                return "";
            }
            return new String(s.ptr.getByteArray(0, (int) s.len), StandardCharsets.UTF_8);
        }
    }

    @Structure.FieldOrder({"seconds", "nanos"})
    public static class CgTimestamp extends Structure {
        public long seconds;
        public int nanos;

        public static class ByValue extends CgTimestamp implements Structure.ByValue {}
    }

    @Structure.FieldOrder({"at", "to", "debt", "timezones", "timezones_len", "days_past_due", "channel", "role",
            "place", "purpose", "has_place", "has_purpose", "has_autodialed", "autodialed", "has_days_past_due"})
    public static class CgAsk extends Structure {
        public CgTimestamp at;
        public CgStr to;
        public CgStr debt;
        public Pointer timezones;
        public long timezones_len;
        public long days_past_due;
        public int channel;
        public int role;
        public int place;
        public int purpose;
        public byte has_place;
        public byte has_purpose;
        public byte has_autodialed;
        public byte autodialed;
        public byte has_days_past_due;

        public CgAsk() {
            super();
        }

        CgAsk(Pointer p) {
            super(p);
        }
    }

    @Structure.FieldOrder({"type", "channel", "at", "to", "debt", "role", "result", "place", "reason", "until",
            "kind", "start", "end", "weekdays", "weekdays_len", "has_channel", "has_place", "has_debt", "has_until",
            "has_kind", "has_start", "has_end", "granted"})
    public static class CgEvent extends Structure {
        public int type;
        public int channel;
        public CgTimestamp at;
        public CgStr to;
        public CgStr debt;
        public int role;
        public int result;
        public int place;
        public int reason;
        public CgTimestamp until;
        public CgStr kind;
        public CgStr start;
        public CgStr end;
        public Pointer weekdays;
        public long weekdays_len;
        public byte has_channel;
        public byte has_place;
        public byte has_debt;
        public byte has_until;
        public byte has_kind;
        public byte has_start;
        public byte has_end;
        public byte granted;
    }

    @Structure.FieldOrder({"retry_at", "denial_count", "obligation_count", "allow", "has_retry_at"})
    public static class CgVerdict extends Structure {
        public CgTimestamp retry_at;
        public int denial_count;
        public int obligation_count;
        public byte allow;
        public byte has_retry_at;

        public CgVerdict() {
            super();
        }

        CgVerdict(Pointer p) {
            super(p);
        }
    }

    @Structure.FieldOrder({"id", "cite", "message"})
    public static class CgDenial extends Structure {
        public CgStr id;
        public CgStr cite;
        public CgStr message;
    }

    @Structure.FieldOrder({"struct_size", "ca_file", "client_cert_file", "client_key_file", "connect_timeout_ms",
            "io_timeout_ms", "deadline_ms", "key_prefix", "wait_replicas", "wait_timeout_ms", "sentinel_master",
            "sentinel_urls", "sentinel_url_count"})
    public static class CgRedisOptions extends Structure {
        public long struct_size;
        public CgStr ca_file;
        public CgStr client_cert_file;
        public CgStr client_key_file;
        public int connect_timeout_ms;
        public int io_timeout_ms;
        public int deadline_ms;
        public CgStr key_prefix;
        public int wait_replicas;
        public int wait_timeout_ms;
        public CgStr sentinel_master;
        public Pointer sentinel_urls;
        public long sentinel_url_count;
    }
}
