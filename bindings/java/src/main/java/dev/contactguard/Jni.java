package dev.contactguard;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.ByteBuffer;

/**
 * The JNI entry points of the library (crates/contactguard-ffi/src/java.rs)
 * for the hot calls, beside JNA for the rest. They take only primitives:
 * the C ABI's handles as {@code long}s and the address of a direct buffer
 * ({@link JniBuffer}) that carries the ask in and the verdict out, so a
 * call marshals nothing. Package-private: callers pass only handles whose
 * owners they keep open and reachable for the call, and buffers they own.
 *
 * <p>The library is the very file JNA loaded ({@link Native#LIB}), loaded a
 * second time with {@link System#load}: the dynamic loader returns the same
 * copy, so handles made through JNA are valid here. A library built without
 * the {@code java} feature has no JNI entry points; then {@link #AVAILABLE}
 * is false and the binding keeps to JNA.
 */
final class Jni {
    private Jni() {}

    /** Whether the loaded library has the JNI entry points. */
    static final boolean AVAILABLE = load();

    private static boolean load() {
        try {
            Native.LIB.getFunction("Java_dev_contactguard_Jni_decide");
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
        java.io.File file = Native.LIB.getFile();
        if (file == null) {
            return false;
        }
        try {
            System.load(file.getAbsolutePath());
        } catch (UnsatisfiedLinkError | SecurityException e) {
            return false; // JNA still works; BundledLibraryIT and JniTest fail on this
        }
        return true;
    }

    /**
     * Decides the ask in the buffer into the decision; returns the cg_result
     * (0: the verdict is in the buffer). The owners are not read: passing
     * them keeps the objects that own the policy and history handles
     * reachable until the call returns (what {@code reachabilityFence} does
     * from Java 9, here on Java 8 too); the caller uses the decision's
     * owner, which holds the buffer, after the call.
     */
    static native int decide(Object policyOwner, Object historyOwner, long policy, long history, long decision,
            long buffer, int capacity);

    /**
     * Decides the ask in the buffer against the ledger and records it as
     * pending when admitted ({@code cg_ledger_check_and_record}); the
     * verdict and the new ticket's address (0 when denied) are in the
     * buffer. Owners as for {@link #decide}.
     */
    static native int checkAndRecord(Object ledgerOwner, long ledger, long decision, long buffer, int capacity);

    /** The address of a direct buffer. */
    static native long address(ByteBuffer buffer);

    /**
     * Times {@code n} calls of the Rust {@code contactguard::decide} on the
     * ask in the buffer (read once); returns the nanoseconds, or minus the
     * cg_result of a failure. For the benchmark.
     */
    static native long rustDecideLoop(long policy, long history, long buffer, int capacity, int n);

    /** Only in the test build (the {@code test-panic} feature): panics inside the boundary. */
    static native int testPanic(long buffer, int capacity);

    /** Throws the error a failed call left in the buffer (freeing it), or a bare one when it left none. */
    static void fail(int result, JniBuffer buffer) {
        long error = buffer.takeError();
        if (error == 0) {
            throw new ContactGuardException(result, "ffi.jni", "the JNI call failed with status " + result, "", "",
                    0, 0);
        }
        Native.check(result, new PointerByReference(new Pointer(error)));
        throw new ContactGuardException(result, "ffi.jni", "the JNI call failed with status " + result, "", "", 0,
                0);
    }
}
