package dev.contactguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The JNI path ({@link Jni}, {@link JniBuffer}) against the JNA path: the
 * same decisions (every conformance vector runs through both, in
 * {@link VectorsTest}), and invalid input, closed handles and panics end in
 * exceptions, never a crash, with a decision that does not allow.
 */
class JniTest {
    static final Instant AT = Instant.parse("2026-10-15T14:30:00Z"); // 10:30 in New York

    /** Decides {@code ask} through JNI and through JNA and asserts the two decisions are identical. */
    static void assertSameThroughBoth(Policy policy, History history, Ask ask) {
        try (Decision viaJni = new Decision(); Decision viaJna = new Decision()) {
            policy.decideJni(history, ask, viaJni);
            policy.decideJna(history, ask, viaJna);
            assertEquals(viaJna.verdict(), viaJni.verdict(), "verdict through JNI and JNA");
            assertEquals(viaJna.denials(), viaJni.denials(), "denials through JNI and JNA");
            assertEquals(viaJna.obligations(), viaJni.obligations(), "obligations through JNI and JNA");
        }
    }

    static Ask ask() {
        return Ask.of(AT, Channel.CALL, "c1", Role.DEBTOR, "d1", "America/New_York").withPlace(Place.MOBILE)
                .withPurpose(Purpose.COLLECTION).withAutodialed(false);
    }

    @Test
    void theTestLibraryHasTheJniEntryPoints() {
        assertTrue(Jni.AVAILABLE, "the library the tests load must export Java_dev_contactguard_Jni_*");
    }

    @Test
    void policyDecideGoesThroughJniAndMatchesJna() {
        try (Policy policy = Policy.presets("us-reg-f+us-ma+conduct"); History history = new History()) {
            Bench.fill(history, true);
            Ask ask = ask();
            assertSameThroughBoth(policy, history, ask);
            try (Decision d = policy.decide(history, ask)) {
                assertFalse(d.allow());
                assertTrue(d.retryAt().isPresent());
            }
            // Every optional field left out, and each given.
            assertSameThroughBoth(policy, history,
                    Ask.of(AT, Channel.SMS, "c1", Role.DEBTOR, "d1", "America/New_York"));
            assertSameThroughBoth(policy, history, ask.withDaysPastDue(3L).withAutodialed(true));
            assertSameThroughBoth(policy, history, ask.withAt(AT.plusNanos(123_456_789)));
            // Non-ASCII keys take the UTF-8 path; many zones and long keys grow the buffer.
            assertSameThroughBoth(policy, history, new Ask(AT, Channel.CALL, "José Ñúñez ☎", Role.DEBTOR, "dé1",
                    Arrays.asList("America/New_York", "Europe/Zürich"), null, null, null, null));
            List<String> zones = new ArrayList<>();
            for (String z : new String[] {"America/New_York", "America/Chicago", "America/Denver",
                "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu", "America/Phoenix",
                "America/Boise", "America/Detroit", "America/Indiana/Indianapolis"}) {
                zones.add(z);
            }
            StringBuilder longKey = new StringBuilder();
            for (int i = 0; i < 500; i++) {
                longKey.append("c1-");
            }
            assertSameThroughBoth(policy, history, new Ask(AT, Channel.CALL, longKey.toString(), Role.DEBTOR, "d1",
                    zones, Place.HOME, false, Purpose.COLLECTION, 42L));
            assertSameThroughBoth(policy, history, new Ask(AT, Channel.CALL, "c1", Role.DEBTOR, "d1",
                    Arrays.asList("Not/A_Zone"), null, null, null, null));
        }
    }

    @Test
    void aDecisionIsReusedAcrossJniCalls() {
        try (Policy policy = Policy.presets("us-reg-f+us-ma"); History history = new History();
             Decision d = new Decision()) {
            Bench.fill(history, false);
            policy.decideJni(history, ask(), d);
            assertTrue(d.allow(), () -> "denied by " + d.denials());
            policy.decideJni(history, ask().withAt(Instant.parse("2026-10-15T03:00:00Z")), d); // 23:00
            assertFalse(d.allow());
            assertEquals("us-reg-f.1", d.denials().get(0).id());
        }
    }

    @Test
    void threadsShareAPolicyAndHistoryEachWithItsOwnDecision() throws Exception {
        try (Policy policy = Policy.presets("us-reg-f+us-ma+conduct"); History history = new History()) {
            Bench.fill(history, true);
            Verdict expected;
            try (Decision d = policy.decide(history, ask())) {
                expected = d.verdict();
            }
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    results.add(pool.submit(() -> {
                        int same = 0;
                        try (Decision d = new Decision()) {
                            for (int i = 0; i < 500; i++) {
                                policy.decide(history, ask(), d);
                                same += d.verdict().equals(expected) ? 1 : 0;
                            }
                        }
                        return same;
                    }));
                }
                for (java.util.concurrent.Future<Integer> r : results) {
                    assertEquals(500, r.get().intValue());
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void nullsAndClosedHandlesThrow() {
        try (Policy policy = Policy.presets("us-reg-f"); History history = new History();
             Decision d = new Decision()) {
            assertThrows(NullPointerException.class, () -> policy.decideJni(null, ask(), d));
            assertThrows(NullPointerException.class, () -> policy.decideJni(history, null, d));
            assertThrows(NullPointerException.class, () -> policy.decideJni(history, ask(), null));
            History closed = new History();
            closed.close();
            assertThrows(IllegalStateException.class, () -> policy.decideJni(closed, ask(), d));
            Decision closedDecision = new Decision();
            closedDecision.close();
            assertThrows(IllegalStateException.class, () -> policy.decideJni(history, ask(), closedDecision));
            Policy closedPolicy = Policy.presets("us-reg-f");
            closedPolicy.close();
            assertThrows(IllegalStateException.class, () -> closedPolicy.decideJni(history, ask(), d));
        }
    }

    @Test
    void aMissingChannelOrRoleIsTheSameErrorAsThroughJna() {
        try (Policy policy = Policy.presets("us-reg-f"); History history = new History();
             Decision d = new Decision()) {
            policy.decideJni(history, Ask.of(AT, Channel.CALL, "c1", Role.DEBTOR, "d1", "America/New_York"), d);
            assertTrue(d.allow());
            Ask noRole = Ask.of(AT, Channel.CALL, "c1", null, "d1", "America/New_York");
            ContactGuardException viaJni = assertThrows(ContactGuardException.class,
                    () -> policy.decideJni(history, noRole, d));
            assertFalse(d.allow(), "a failed decide leaves a decision that does not allow");
            ContactGuardException viaJna = assertThrows(ContactGuardException.class,
                    () -> policy.decideJna(history, noRole, d));
            assertEquals(viaJna.describe(), viaJni.describe());
            assertEquals("ffi.missing_field", viaJni.code());
            assertEquals("ask.role", viaJni.field());
        }
    }

    /** The handles of an open policy, history and decision, for calls straight to {@link Jni}. */
    @Test
    void zeroHandlesAndMalformedBuffersAreErrorsNotCrashes() {
        try (Policy policy = Policy.presets("us-reg-f"); History history = new History();
             Decision d = new Decision()) {
            JniBuffer b = d.jniBuffer();
            b.write(ask());
            long p = policy.address();
            long h = history.address();
            long dec = d.address();
            assertEquals(Native.OK, Jni.decide(policy, history, p, h, dec, b.address(), b.capacity()));
            assertTrue(b.allow());

            assertNullArgument("policy", Jni.decide(policy, history, 0, h, dec, b.address(), b.capacity()), b);
            assertFalse(b.allow(), "the verdict of a failed call does not allow");
            assertNullArgument("history", Jni.decide(policy, history, p, 0, dec, b.address(), b.capacity()), b);
            assertNullArgument("decision", Jni.decide(policy, history, p, h, 0, b.address(), b.capacity()), b);
            // No buffer to leave the error in: the library frees it and says NULL_ARGUMENT.
            assertEquals(2, Jni.decide(policy, history, p, h, dec, 0, 512));
            // Too short for the verdict: the library frees the error itself.
            ContactGuardException tooShort = assertThrows(ContactGuardException.class,
                    () -> Jni.fail(Jni.decide(policy, history, p, h, dec, b.address(), 16), b));
            assertEquals(6, tooShort.result()); // CG_RESULT_INVALID_ARGUMENT

            ByteBuffer raw = b.buffer();
            b.write(ask());
            raw.putInt(JniBuffer.IN_ZONES, 1_000_000_000);
            assertMalformed(Jni.decide(policy, history, p, h, dec, b.address(), b.capacity()), b);
            b.write(ask());
            raw.putInt(JniBuffer.IN_TO_LEN, -5);
            assertMalformed(Jni.decide(policy, history, p, h, dec, b.address(), b.capacity()), b);
            b.write(ask());
            raw.putInt(JniBuffer.IN_DEBT_LEN, Integer.MAX_VALUE);
            assertMalformed(Jni.decide(policy, history, p, h, dec, b.address(), b.capacity()), b);
            b.write(ask());
            assertMalformed(Jni.decide(policy, history, p, h, dec, b.address(), JniBuffer.IN_ZONE_LENS), b);

            b.write(ask());
            raw.put(JniBuffer.IN_ZONE_LENS + 4, (byte) 0xFF); // the first byte of `to`
            ContactGuardException utf8 = assertThrows(ContactGuardException.class,
                    () -> Jni.fail(Jni.decide(policy, history, p, h, dec, b.address(), b.capacity()), b));
            assertEquals(3, utf8.result()); // CG_RESULT_INVALID_UTF8
            assertEquals("ask.to", utf8.field());

            b.write(ask());
            raw.putInt(JniBuffer.IN_CHANNEL, 999);
            ContactGuardException badEnum = assertThrows(ContactGuardException.class,
                    () -> Jni.fail(Jni.decide(policy, history, p, h, dec, b.address(), b.capacity()), b));
            assertEquals(4, badEnum.result()); // CG_RESULT_INVALID_ENUM

            b.write(ask());
            raw.putInt(JniBuffer.IN_AT_NANOS, -1);
            ContactGuardException badTime = assertThrows(ContactGuardException.class,
                    () -> Jni.fail(Jni.decide(policy, history, p, h, dec, b.address(), b.capacity()), b));
            assertEquals(5, badTime.result()); // CG_RESULT_INVALID_TIME

            // And the decision still works afterwards.
            policy.decideJni(history, ask(), d);
            assertTrue(d.allow());
        }
    }

    private static void assertNullArgument(String field, int result, JniBuffer b) {
        assertEquals(2, result, "CG_RESULT_NULL_ARGUMENT for " + field); // CG_RESULT_NULL_ARGUMENT
        ContactGuardException e = assertThrows(ContactGuardException.class, () -> Jni.fail(result, b));
        assertEquals(field, e.field());
    }

    private static void assertMalformed(int result, JniBuffer b) {
        assertEquals(6, result, "CG_RESULT_INVALID_ARGUMENT"); // CG_RESULT_INVALID_ARGUMENT
        ContactGuardException e = assertThrows(ContactGuardException.class, () -> Jni.fail(result, b));
        assertTrue(e.getMessage().contains("malformed ask buffer"), e::getMessage);
        assertFalse(b.allow());
    }

    @Test
    void ledgerCheckAndRecordThroughJniMatchesJna() {
        try (Policy policy = Policy.presets("us-reg-f+us-ma+conduct"); Ledger viaJni = new Ledger(policy);
             Ledger viaJna = new Ledger(policy); Decision a = new Decision(); Decision b = new Decision()) {
            // Calls every 10 minutes: admitted until a cap denies; half complete unanswered.
            int admitted = 0;
            for (int i = 0; i < 12; i++) {
                Ask ask = ask().withAt(AT.plusSeconds(600L * i));
                java.util.Optional<Ticket> t1 = viaJni.checkAndRecordJni(ask, a);
                java.util.Optional<Ticket> t2 = viaJna.checkAndRecordJna(ask, b);
                assertEquals(b.verdict(), a.verdict(), "verdict of ask " + i);
                assertEquals(b.denials(), a.denials(), "denials of ask " + i);
                assertEquals(t2.isPresent(), t1.isPresent(), "admitted " + i);
                assertEquals(a.allow(), t1.isPresent());
                if (t1.isPresent()) {
                    admitted++;
                    assertEquals(t2.get().at(), t1.get().at());
                    if (i % 2 == 0) {
                        viaJni.complete(t1.get(), AttemptResult.NO_ANSWER);
                        viaJna.complete(t2.get(), AttemptResult.NO_ANSWER);
                    }
                    t1.get().close();
                    t2.get().close();
                }
            }
            assertTrue(admitted > 0 && admitted < 12, "some admitted, some denied: " + admitted);
            // Ledger.checkAndRecord itself goes through JNI and fails closed on a bad ask.
            Ask noChannel = Ask.of(AT, null, "c1", Role.DEBTOR, "d1", "America/New_York");
            ContactGuardException e = assertThrows(ContactGuardException.class,
                    () -> viaJni.checkAndRecord(noChannel, a));
            assertEquals("ask.channel", e.field());
            assertFalse(a.allow());
            assertNullArgument("ledger", Jni.checkAndRecord(viaJni, 0, a.address(), a.jniBuffer().address(),
                    a.jniBuffer().capacity()), a.jniBuffer());
            Ledger closed = new Ledger(policy);
            closed.close();
            assertThrows(IllegalStateException.class, () -> closed.checkAndRecord(ask(), a));
        }
    }

    /** Whether the loaded library is the test build, with the JNI panic hook. */
    static boolean hasPanicHook() {
        try {
            Native.LIB.getFunction("Java_dev_contactguard_Jni_testPanic");
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    @Test
    void aPanicInsideTheJniBoundaryIsAnExceptionNotACrash() {
        Assumptions.assumeTrue(hasPanicHook(), "the loaded library is not the test build (no Jni.testPanic)");
        try (Decision d = new Decision()) {
            JniBuffer b = d.jniBuffer();
            int r = Jni.testPanic(b.address(), b.capacity());
            ContactGuardException e = assertThrows(ContactGuardException.class, () -> Jni.fail(r, b));
            assertEquals(1, e.result()); // CG_RESULT_PANIC
            assertTrue(e.getMessage().contains("test panic requested through Jni.testPanic"), e::getMessage);
            assertFalse(b.allow());
        }
    }

    @Test
    void theRustLoopDecidesLikeJni() {
        try (Policy policy = Policy.presets("us-reg-f+us-ma+conduct"); History history = new History();
             Decision d = new Decision()) {
            Bench.fill(history, true);
            JniBuffer b = d.jniBuffer();
            b.write(ask());
            long nanos = Jni.rustDecideLoop(policy.address(), history.address(), b.address(), b.capacity(), 3);
            assertTrue(nanos >= 0, "rustDecideLoop failed: " + nanos);
            assertFalse(b.allow());
            assertTrue(b.hasRetry());
            assertTrue(Jni.rustDecideLoop(0, history.address(), b.address(), b.capacity(), 3) < 0);
            assertThrows(ContactGuardException.class, () -> Jni.fail(2, b));
        }
    }
}
