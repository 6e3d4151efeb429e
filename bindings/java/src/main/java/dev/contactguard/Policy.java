package dev.contactguard;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled, immutable policy. Owns one native {@code cg_policy} reference.
 * Thread-safe: any number of threads may decide against one Policy at once
 * (each with its own {@link Decision}). Close it once every thread is done.
 *
 * <pre>{@code
 * try (Policy policy = Policy.presets("us-reg-f+us-ma");
 *      History history = new History();
 *      Decision d = policy.decide(history, ask)) {
 *     if (!d.allow()) d.denials().forEach(System.out::println);
 * }
 * }</pre>
 */
public final class Policy extends Handle {
    private Policy(Pointer p) {
        super(p, Native::cg_policy_free);
    }

    private interface Loader {
        int load(byte[] text, long len, PointerByReference out, PointerByReference err);
    }

    private static Policy load(String text, Loader loader) {
        byte[] bytes = Native.utf8(text);
        PointerByReference out = new PointerByReference();
        PointerByReference err = new PointerByReference();
        Native.check(loader.load(bytes, bytes.length, out, err), err);
        return new Policy(out.getValue());
    }

    /** Presets by name joined by {@code +}, e.g. {@code "us-reg-f+us-ma"}. */
    public static Policy presets(String names) {
        return load(names, Native::cg_policy_from_presets);
    }

    /**
     * Loads a policy file, TOML or JSON by its name ({@code .toml}, {@code .json}).
     *
     * @throws PolicyException naming the file: {@code policy.io} (cannot be read), {@code policy.encoding} (not
     *     UTF-8), {@code policy.file_type} (neither extension), or a mistake at its line, column and field
     */
    public static Policy load(java.nio.file.Path path) {
        return load(path.toString(), Native::cg_policy_load);
    }

    /** A policy written in TOML. @throws PolicyException with line, column and field */
    public static Policy fromToml(String text) {
        return load(text, Native::cg_policy_from_toml);
    }

    /** A policy written in JSON. @throws PolicyException with line, column and field */
    public static Policy fromJson(String text) {
        return load(text, Native::cg_policy_from_json);
    }

    /** The policy's name (the preset expression or the file's {@code name}). */
    public String name() {
        return Native.CgStr.text(Native.cg_policy_name(ptr()));
    }

    /** How many rules. */
    public long ruleCount() {
        return Native.cg_policy_rule_count(ptr());
    }

    /** Decides into a new {@link Decision}, which the caller closes. */
    public Decision decide(History history, Ask ask) {
        Decision d = new Decision();
        try {
            decide(history, ask, d);
            return d;
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
    }

    /**
     * Decides into {@code out}, reusing its native decision and buffers:
     * through JNI when the library has its entry points (no marshalling),
     * else through JNA.
     */
    public void decide(History history, Ask ask, Decision out) {
        if (Jni.AVAILABLE) {
            decideJni(history, ask, out);
        } else {
            decideJna(history, ask, out);
        }
    }

    /** {@link #decide(History, Ask, Decision)} through JNI: one native call, primitives only. */
    void decideJni(History history, Ask ask, Decision out) {
        JniBuffer b = out.jniBuffer();
        b.write(ask);
        int r = Jni.decide(this, history, address(), history.address(), out.address(), b.address(), b.capacity());
        out.settleJni(r, b);
    }

    /** {@link #decide(History, Ask, Decision)} through JNA. */
    void decideJna(History history, Ask ask, Decision out) {
        NativeAsks buf = out.asks;
        buf.write(java.util.Collections.singletonList(ask));
        int r = Native.cg_decide(ptr(), history.ptr(), buf.pointer(), out.ptr(), out.errSlot);
        buf.fence();
        out.settle(r);
    }

    /**
     * Decides many asks against one history in one native call: one
     * {@link Verdict} per ask, in order. For the reasons of a denial, decide
     * that ask with {@link #decide(History, Ask)}.
     */
    public List<Verdict> decideBatch(History history, List<Ask> asks) {
        if (asks.isEmpty()) {
            return java.util.Collections.emptyList();
        }
        NativeAsks buf = new NativeAsks();
        buf.write(asks);
        Memory verdicts = new Memory((long) asks.size() * Decision.VERDICT_SIZE);
        Memory errSlot = new Memory(8);
        errSlot.setPointer(0, null);
        int r = Native.cg_decide_batch(ptr(), history.ptr(), buf.pointer(), asks.size(), verdicts, errSlot);
        buf.fence();
        Native.check(r, errSlot);
        List<Verdict> out = new ArrayList<>(asks.size());
        for (int i = 0; i < asks.size(); i++) {
            out.add(Decision.readVerdict(verdicts, (long) i * Decision.VERDICT_SIZE));
        }
        return out;
    }

    /**
     * JSON in, JSON out: decides {@code {"ask": {...}, "history": [...]}}
     * (wire names as in the conformance vectors) and returns the decision
     * as JSON.
     */
    public String decideJson(String request) {
        byte[] in = Native.utf8(request);
        byte[] out = new byte[1024];
        LongByReference len = new LongByReference();
        PointerByReference err = new PointerByReference();
        int r = Native.cg_decide_json(ptr(), in, in.length, out, out.length, len, err);
        if (r == Native.BUFFER_TOO_SMALL) {
            Native.cg_error_free(err.getValue());
            out = new byte[(int) len.getValue()];
            r = Native.cg_decide_json(ptr(), in, in.length, out, out.length, len, err);
        }
        Native.check(r, err);
        return new String(out, 0, (int) len.getValue(), StandardCharsets.UTF_8);
    }

    /** The native library's version, {@code MAJOR.MINOR.PATCH}. */
    public static String libraryVersion() {
        return Native.cg_version();
    }
}
