package dev.contactguard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-call and batch cost of deciding from Java through JNA (run by
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

    static void run(String name, String presets, boolean denied) {
        try (Policy policy = Policy.presets(presets); History history = new History(); Decision d = new Decision()) {
            fill(history, denied);
            Ask ask = Ask.of(Instant.ofEpochSecond(ASK_AT), Channel.CALL, "c1", Role.DEBTOR, "d1", "America/New_York")
                    .withPlace(Place.MOBILE).withPurpose(Purpose.COLLECTION).withAutodialed(false);
            policy.decide(history, ask, d);
            if (d.allow() == denied) {
                throw new IllegalStateException(name + ": unexpected decision " + d.denials());
            }
            int perCall = denied ? 10_000 : 30_000;
            int batch = 1_000;
            List<Ask> asks = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                asks.add(ask);
            }
            for (int i = 0; i < perCall; i++) { // warm up the JIT and the library
                policy.decide(history, ask, d);
            }
            for (int i = 0; i < perCall / batch; i++) {
                policy.decideBatch(history, asks);
            }
            double[] single = new double[5];
            double[] batched = new double[5];
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < perCall; i++) {
                    policy.decide(history, ask, d);
                }
                single[round] = (System.nanoTime() - t0) / (double) perCall;
                int rounds = perCall / batch;
                t0 = System.nanoTime();
                for (int i = 0; i < rounds; i++) {
                    policy.decideBatch(history, asks);
                }
                batched[round] = (System.nanoTime() - t0) / (double) (rounds * batch);
            }
            Arrays.sort(single);
            Arrays.sort(batched);
            System.out.printf("%-8s per-call decide (reused Decision): median %7.0f ns/ask (min %7.0f, max %7.0f)%n",
                    name, single[2], single[0], single[4]);
            System.out.printf("%-8s batch of %d asks:               median %7.0f ns/ask (min %7.0f, max %7.0f)%n",
                    name, batch, batched[2], batched[0], batched[4]);
        }
    }

    public static void main(String[] args) {
        System.out.println("contactguard " + Policy.libraryVersion() + " from Java through JNA, 50 events of history");
        run("allowed", "us-reg-f+us-ma", false);
        run("denied", "us-reg-f+us-ma+conduct", true);
    }
}
