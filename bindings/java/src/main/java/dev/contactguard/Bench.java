package dev.contactguard;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-call and batch cost of deciding from Java through JNA (run by
 * {@code make bench-java}; timings are printed, never asserted). The same
 * policy, 50-event history and ask as the Rust criterion bench
 * (crates/contactguard-ffi/benches/decide_ffi.rs).
 */
public final class Bench {
    private Bench() {}

    static final String POLICY = "us-reg-f+us-ma+conduct";
    static final long ASK_AT = 1_792_065_600L; // 2026-10-15T12:00:00Z

    public static void main(String[] args) {
        try (Policy policy = Policy.presets(POLICY); History history = new History(); Decision d = new Decision()) {
            String[][] kinds = {{"call", "no_answer"}, {"sms", "delivered"}, {"email", "delivered"},
                {"call", "voicemail"}, {"call", "not_connected"}, {"sms", "failed"}};
            for (int i = 0; i < 49; i++) {
                String[] k = kinds[i % 6];
                history.push(Event.attempt(Instant.ofEpochSecond(ASK_AT - 3600L * 23 * (i + 1)),
                        Channel.fromWire(k[0]), "c1", Role.DEBTOR, "d1", AttemptResult.fromWire(k[1])));
            }
            history.push(Event.consent(Instant.parse("2026-08-01T12:00:00Z"), "c1", Channel.SMS, true));
            Ask ask = Ask.of(Instant.ofEpochSecond(ASK_AT), Channel.CALL, "c1", Role.DEBTOR, "d1", "America/New_York")
                    .withPlace(Place.MOBILE).withPurpose(Purpose.COLLECTION).withAutodialed(false);

            int perCall = 200_000;
            int batch = 1_000;
            List<Ask> asks = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                asks.add(ask);
            }
            // Warm up the JIT and the library.
            for (int i = 0; i < 50_000; i++) {
                policy.decide(history, ask, d);
            }
            for (int i = 0; i < 50; i++) {
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
            System.out.printf("decision: allow=%s, %d denials%n", d.allow(), d.denials().size());
            System.out.printf("java per-call decide (JNA, reused Decision): median %.0f ns/ask (min %.0f, max %.0f)%n",
                    single[2], single[0], single[4]);
            System.out.printf("java batch decide (%d asks per call):       median %.0f ns/ask (min %.0f, max %.0f)%n",
                    batch, batched[2], batched[0], batched[4]);
        }
    }
}
