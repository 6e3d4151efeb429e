package dev.contactguard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-call cost of deciding from Java through JNI and through JNA against
 * the Rust call itself (timed inside the library, on the same policy,
 * history and ask), in one run, plus JNA's batch entry point (run by
 * {@code make bench-java}; timings are printed, never asserted). The same
 * two scenarios, 50 events of history each, as the Rust criterion bench
 * (crates/contactguard-ffi/benches/decide_ffi.rs): an allowed 10:30 call
 * under us-reg-f+us-ma, and a call under us-reg-f+us-ma+conduct that a cap
 * denies (so the engine also searches for retry_at).
 */
public final class Bench {
    private Bench() {}

    static final long ASK_AT = 1_792_074_600L; // 2026-10-15T14:30:00Z, 10:30 in New York

    static void fill(History history, boolean denied) {
        for (int i = 0; i < 49; i++) {
            String channel;
            String result;
            int k = i % 6;
            if (denied) {
                String[][] kinds = {{"call", "no_answer"}, {"sms", "delivered"}, {"email", "delivered"},
                    {"call", "voicemail"}, {"call", "not_connected"}, {"sms", "failed"}};
                channel = kinds[k][0];
                result = kinds[k][1];
            } else if (k == 0 && i > 40) {
                channel = "call";
                result = "no_answer";
            } else if (k == 0 || k == 2 || k == 4) {
                channel = "letter";
                result = "delivered";
            } else {
                channel = "email";
                result = "delivered";
            }
            history.push(Event.attempt(Instant.ofEpochSecond(ASK_AT - 3600L * 23 * (i + 1)), Channel.fromWire(channel),
                    "c1", Role.DEBTOR, "d1", AttemptResult.fromWire(result)));
        }
        history.push(Event.consent(Instant.parse("2026-08-01T12:00:00Z"), "c1", Channel.SMS, true));
    }

    /** The median of {@code xs}. */
    static double median(double[] in) {
        double[] xs = in.clone();
        Arrays.sort(xs);
        int n = xs.length;
        return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
    }

    static void run(String name, String presets, boolean denied) {
        try (Policy policy = Policy.presets(presets); History history = new History(); Decision d = new Decision();
             Decision rust = new Decision()) {
            fill(history, denied);
            Ask ask = Ask.of(Instant.ofEpochSecond(ASK_AT), Channel.CALL, "c1", Role.DEBTOR, "d1", "America/New_York")
                    .withPlace(Place.MOBILE).withPurpose(Purpose.COLLECTION).withAutodialed(false);
            policy.decideJni(history, ask, d);
            if (d.allow() == denied) {
                throw new IllegalStateException(name + ": unexpected decision " + d.denials());
            }
            policy.decideJna(history, ask, d);
            if (d.allow() == denied) {
                throw new IllegalStateException(name + ": unexpected decision through JNA " + d.denials());
            }
            // The Rust call alone, timed inside the library on the same handles and ask.
            JniBuffer rustAsk = rust.jniBuffer();
            rustAsk.write(ask);
            long p = policy.address();
            long h = history.address();
            int perRound = denied ? 500 : 2_000;
            int batch = 1_000;
            List<Ask> asks = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                asks.add(ask);
            }
            for (int i = 0; i < 40 * perRound; i++) { // warm up the JIT and the library
                policy.decideJni(history, ask, d);
                policy.decideJna(history, ask, d);
            }
            for (int i = 0; i < 10; i++) {
                policy.decideBatch(history, asks);
            }
            Jni.rustDecideLoop(p, h, rustAsk.address(), rustAsk.capacity(), 40 * perRound);
            // Many short rounds, the three paths interleaved in each; every
            // round is timed in CPU time of this thread (what the machine's
            // other load cannot inflate) and in wall-clock time.
            int rounds = 101;
            double[][] cpu = new double[3][rounds];
            double[][] wall = new double[3][rounds];
            for (int round = 0; round < rounds; round++) {
                for (int path = 0; path < 3; path++) {
                    long c0 = THREADS.getCurrentThreadCpuTime();
                    long w0 = System.nanoTime();
                    if (path == 0) {
                        long ns = Jni.rustDecideLoop(p, h, rustAsk.address(), rustAsk.capacity(), perRound);
                        if (ns < 0) {
                            throw new IllegalStateException("rustDecideLoop failed: " + ns);
                        }
                    } else if (path == 1) {
                        for (int i = 0; i < perRound; i++) {
                            policy.decideJni(history, ask, d);
                        }
                    } else {
                        for (int i = 0; i < perRound; i++) {
                            policy.decideJna(history, ask, d);
                        }
                    }
                    wall[path][round] = (System.nanoTime() - w0) / (double) perRound;
                    cpu[path][round] = (THREADS.getCurrentThreadCpuTime() - c0) / (double) perRound;
                }
            }
            double[] batched = new double[5];
            for (int round = 0; round < batched.length; round++) {
                long t0 = System.nanoTime();
                policy.decideBatch(history, asks);
                batched[round] = (System.nanoTime() - t0) / (double) batch;
            }
            double r = median(cpu[0]);
            double jni = median(cpu[1]);
            double jna = median(cpu[2]);
            double target = 1.5 * r + 100;
            System.out.printf("%-8s Rust decide (in the library):      CPU median %6.0f ns  (wall median %6.0f, min %6.0f)%n",
                    name, r, median(wall[0]), min(wall[0]));
            System.out.printf("%-8s Java decide through JNI (reused):  CPU median %6.0f ns  (wall median %6.0f, min %6.0f)"
                    + "  %.2f x Rust, %+.0f ns; target <= 1.5 x Rust + 100 = %.0f ns: %s%n", name, jni, median(wall[1]),
                    min(wall[1]), jni / r, jni - r, target, jni <= target ? "met" : "NOT met");
            System.out.printf("%-8s Java decide through JNA (reused):  CPU median %6.0f ns  (wall median %6.0f, min %6.0f)"
                    + "  %.2f x Rust, %+.0f ns%n", name, jna, median(wall[2]), min(wall[2]), jna / r, jna - r);
            System.out.printf("%-8s JNA batch of %d asks:            wall median %6.0f ns/ask%n", name, batch,
                    median(batched));
        }
    }

    static double min(double[] xs) {
        double m = Double.MAX_VALUE;
        for (double x : xs) {
            m = Math.min(m, x);
        }
        return m;
    }

    static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();

    public static void main(String[] args) {
        System.out.println("contactguard " + Policy.libraryVersion() + " from Java " + System.getProperty("java.version")
                + ", 50 events of history; 101 rounds, the three paths interleaved in each");
        run("allowed", "us-reg-f+us-ma", false);
        run("denied", "us-reg-f+us-ma+conduct", true);
    }
}
