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

    /** The median of {@code xs} (sorted in place). */
    static double median(double[] xs) {
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
            int perCall = denied ? 10_000 : 30_000;
            int batch = 1_000;
            List<Ask> asks = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                asks.add(ask);
            }
            for (int i = 0; i < 3 * perCall; i++) { // warm up the JIT and the library
                policy.decideJni(history, ask, d);
                policy.decideJna(history, ask, d);
            }
            for (int i = 0; i < perCall / batch; i++) {
                policy.decideBatch(history, asks);
            }
            Jni.rustDecideLoop(p, h, rustAsk.address(), rustAsk.capacity(), perCall);
            int rounds = 11;
            double[] viaRust = new double[rounds];
            double[] viaJni = new double[rounds];
            double[] viaJna = new double[rounds];
            double[] batched = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                long ns = Jni.rustDecideLoop(p, h, rustAsk.address(), rustAsk.capacity(), perCall);
                if (ns < 0) {
                    throw new IllegalStateException("rustDecideLoop failed: " + ns);
                }
                viaRust[round] = ns / (double) perCall;
                long t0 = System.nanoTime();
                for (int i = 0; i < perCall; i++) {
                    policy.decideJni(history, ask, d);
                }
                viaJni[round] = (System.nanoTime() - t0) / (double) perCall;
                t0 = System.nanoTime();
                for (int i = 0; i < perCall; i++) {
                    policy.decideJna(history, ask, d);
                }
                viaJna[round] = (System.nanoTime() - t0) / (double) perCall;
                int batches = perCall / batch;
                t0 = System.nanoTime();
                for (int i = 0; i < batches; i++) {
                    policy.decideBatch(history, asks);
                }
                batched[round] = (System.nanoTime() - t0) / (double) (batches * batch);
            }
            double r = median(viaRust);
            double jni = median(viaJni);
            double jna = median(viaJna);
            double target = 1.5 * r + 100;
            System.out.printf("%-8s Rust decide (in the library):       median %7.0f ns%n", name, r);
            System.out.printf("%-8s Java decide through JNI (reused):   median %7.0f ns  %.2f x Rust, %+.0f ns;"
                    + " target <= 1.5 x Rust + 100 ns = %.0f ns: %s%n", name, jni, jni / r, jni - r, target,
                    jni <= target ? "met" : "NOT met");
            System.out.printf("%-8s Java decide through JNA (reused):   median %7.0f ns  %.2f x Rust, %+.0f ns%n",
                    name, jna, jna / r, jna - r);
            System.out.printf("%-8s JNA batch of %d asks:             median %7.0f ns/ask%n", name, batch,
                    median(batched));
        }
    }

    public static void main(String[] args) {
        System.out.println("contactguard " + Policy.libraryVersion() + " from Java " + System.getProperty("java.version")
                + ", 50 events of history; medians of 11 rounds, each path timed in every round");
        run("allowed", "us-reg-f+us-ma", false);
        run("denied", "us-reg-f+us-ma+conduct", true);
    }
}
