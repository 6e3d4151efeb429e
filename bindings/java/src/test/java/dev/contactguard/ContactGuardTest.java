package dev.contactguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.ptr.PointerByReference;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ContactGuardTest {
    static final Instant EARLY = Instant.parse("2026-10-15T11:59:00Z"); // 07:59 in New York
    static final Instant EIGHT = Instant.parse("2026-10-15T12:00:00Z");

    static Ask call(Instant at) {
        return Ask.of(at, Channel.CALL, "+1-617-555-0100", Role.DEBTOR, "loan-42", "America/New_York")
                .withPurpose(Purpose.COLLECTION);
    }

    @Test
    void decidesAndExplains() {
        try (Policy policy = Policy.presets("us-reg-f+us-ma"); History history = new History()) {
            assertEquals("us-reg-f+us-ma", policy.name());
            assertTrue(policy.ruleCount() > 0);
            history.push(Event.attempt(Instant.parse("2026-10-14T14:00:00Z"), Channel.CALL, "+1-617-555-0100",
                    Role.DEBTOR, "loan-42", AttemptResult.NO_ANSWER));
            assertEquals(1, history.size());
            try (Decision d = policy.decide(history, call(EARLY))) {
                assertFalse(d.allow());
                assertFalse(d.denials().isEmpty());
                assertFalse(d.denials().get(0).cite().isEmpty());
                assertEquals(EIGHT, d.retryAt().orElseThrow());
            }
            try (Decision d = new Decision()) {
                policy.decide(history, call(EIGHT.plusSeconds(7200)), d);
                assertTrue(d.allow());
                policy.decide(history, call(EARLY), d); // reused
                assertFalse(d.allow());
            }
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseThrows() {
        Policy policy = Policy.presets("us-reg-f");
        History history = new History();
        Decision d = new Decision();
        for (int i = 0; i < 3; i++) {
            d.close();
            history.close();
            policy.close();
        }
        assertTrue(policy.isClosed() && history.isClosed() && d.isClosed());
        assertThrows(IllegalStateException.class, policy::name);
        assertThrows(IllegalStateException.class, history::size);
        assertThrows(IllegalStateException.class, () -> Policy.presets("us-reg-f").decide(history, call(EARLY)));
    }

    @Test
    void policyErrorsCarryLineColumnAndField() {
        PolicyException e = assertThrows(PolicyException.class,
                () -> Policy.fromToml("format = \"contactguard-policy/1\"\n[[rules]]\nid = 3\n"));
        assertEquals(3, e.line());
        assertTrue(e.column() > 0);
        assertEquals("rules[0].id", e.field());
        assertTrue(e.code().startsWith("policy."), e.code());
        assertEquals(100, e.result());
        PolicyException unknown = assertThrows(PolicyException.class, () -> Policy.presets("us-nowhere"));
        assertEquals("policy.unknown_preset", unknown.code());
    }

    @Test
    void aPolicyFileMistakeNamesTheFileLineColumnAndField(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path file = dir.resolve("broken.toml");
        java.nio.file.Files.writeString(file, "format = \"contactguard-policy/1\"\n\n[[rules]]\nid = 3\n");
        PolicyException e = assertThrows(PolicyException.class, () -> Policy.load(file));
        assertEquals("policy.invalid", e.code());
        assertEquals(file.toString(), e.file());
        assertEquals(4, e.line());
        assertEquals(6, e.column());
        assertEquals("rules[0].id", e.field());
        assertEquals(-1, e.row());
        assertFalse(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.describe().contains("file " + file + ", line 4, column 6"), e.describe());

        java.nio.file.Path missing = dir.resolve("missing.json");
        PolicyException io = assertThrows(PolicyException.class, () -> Policy.load(missing));
        assertEquals("policy.io", io.code());
        assertEquals(missing.toString(), io.file());

        java.nio.file.Path text = dir.resolve("policy.txt");
        java.nio.file.Files.writeString(text, "format = \"contactguard-policy/1\"\n");
        assertEquals("policy.file_type", assertThrows(PolicyException.class, () -> Policy.load(text)).code());

        java.nio.file.Path good = dir.resolve("good.toml");
        java.nio.file.Files.writeString(good, "format = \"contactguard-policy/1\"\nextends = [\"us-reg-f\"]\n");
        try (Policy p = Policy.load(good)) {
            assertTrue(p.ruleCount() > 0);
        }
    }

    @Test
    void anUnknownPresetHasItsCodeAndAHelpListingThePresets() {
        PolicyException e = assertThrows(PolicyException.class, () -> Policy.presets("us-reg-f+nowhere"));
        assertEquals("policy.unknown_preset", e.code());
        assertTrue(e.help().contains("us-reg-f"), e.help());
        assertEquals("", e.file());
        assertEquals(0, e.line());
    }

    @Test
    void attemptResultCodesStartAfterUnset() {
        assertEquals(1, AttemptResult.NOT_CONNECTED.code());
        assertEquals(7, AttemptResult.PENDING.code());
        for (AttemptResult r : AttemptResult.values()) {
            assertTrue(r.code() > 0, r.name());
        }
    }

    @Test
    void eventTypeAndHoldReasonCodesStartAfterUnset() {
        assertEquals(1, EventType.ATTEMPT.code());
        assertEquals(10, EventType.UNREACHABLE.code());
        assertEquals(1, HoldReason.DISPUTE.code());
        assertEquals(6, HoldReason.DECEASED.code());
        for (EventType t : EventType.values()) {
            assertTrue(t.code() > 0, t.name());
        }
        for (HoldReason r : HoldReason.values()) {
            assertTrue(r.code() > 0, r.name());
        }
    }

    /**
     * Zero means "not given" for events too: a zero-initialised cg_event
     * (through JNA) and an Event without a type are refused naming
     * {@code event.type}, never read as an attempt; a hold without a reason
     * names {@code event.reason}, never a dispute. Nothing is appended.
     */
    @Test
    void anEventWithoutATypeOrAHoldWithoutAReasonIsAMissingField() {
        try (Policy policy = Policy.presets("us-reg-f"); History history = new History();
                Ledger ledger = new Ledger(policy)) {
            Native.CgEvent raw = new Native.CgEvent();
            raw.at.seconds = EIGHT.getEpochSecond() - 3600;
            PointerByReference err = new PointerByReference();
            int r = Native.cg_history_push(history.ptr(), raw, err);
            ContactGuardException z = assertThrows(ContactGuardException.class, () -> Native.check(r, err));
            assertEquals(Native.MISSING_FIELD, z.result());
            assertEquals("ffi.missing_field", z.code());
            assertEquals("event.type", z.field());

            ContactGuardException untyped = assertThrows(ContactGuardException.class,
                    () -> history.push(Event.builder(null, EIGHT.minusSeconds(3600)).to("c").debt("d").build()));
            assertEquals("ffi.missing_field", untyped.code());
            assertEquals("event.type", untyped.field());
            assertTrue(untyped.describe().contains("`type`"), untyped.describe());

            Event noReason = Event.hold(EIGHT.minusSeconds(3600), "loan-42", null, null);
            ContactGuardException h = assertThrows(ContactGuardException.class, () -> history.push(noReason));
            assertEquals(Native.MISSING_FIELD, h.result());
            assertEquals("ffi.missing_field", h.code());
            assertEquals("event.reason", h.field());
            ContactGuardException l = assertThrows(ContactGuardException.class, () -> ledger.record(noReason));
            assertEquals("event.reason", l.field());
            assertEquals(0, history.size());

            // With its reason the hold is taken, and it denies the debt.
            Ask ask = new Ask(EIGHT.plusSeconds(7200), Channel.CALL, "+1-617-555-0100", Role.DEBTOR, "loan-42",
                    List.of("America/New_York"), null, null, null, null);
            try (Decision before = policy.decide(history, ask)) {
                assertTrue(before.allow());
            }
            history.push(Event.hold(EIGHT.minusSeconds(3600), "loan-42", HoldReason.DISPUTE, null));
            assertEquals(1, history.size());
            try (Decision after = policy.decide(history, ask)) {
                assertFalse(after.allow());
            }
        }
    }

    @Test
    void invalidInputIsATypedException() {
        try (Policy policy = Policy.presets("us-reg-f"); History history = new History()) {
            ContactGuardException e = assertThrows(ContactGuardException.class,
                    () -> policy.decideJson("{\"ask\": {\"channel\": \"fax\"}}"));
            assertFalse(e instanceof PolicyException);
            assertEquals(9, e.result());
            assertEquals("ask.channel", e.field());
            Ask bad = new Ask(Instant.MAX, Channel.CALL, "c", Role.DEBTOR, "d",
                    List.of("UTC"), null, null, null, null);
            ContactGuardException t = assertThrows(ContactGuardException.class, () -> policy.decide(history, bad));
            assertEquals("ffi.invalid_time", t.code());
            assertEquals("ask.at", t.field());
        }
    }

    /** Zero means "not given": an ask with only at, to, debt and a zone is an error naming {@code role}. */
    @Test
    void anAskWithoutARoleIsAMissingField() {
        try (Policy policy = Policy.presets("us-reg-f"); History history = new History()) {
            Ask bare = new Ask(EIGHT.plusSeconds(7200), null, "+1-617-555-0100", null, "loan-42",
                    List.of("America/New_York"), null, null, null, null);
            ContactGuardException e = assertThrows(ContactGuardException.class, () -> policy.decide(history, bare));
            assertEquals(Native.MISSING_FIELD, e.result());
            assertEquals("ffi.missing_field", e.code());
            assertEquals("ask.role", e.field());
            assertTrue(e.describe().contains("`role`"), e.describe());
            // A reused decision fails closed.
            try (Decision d = policy.decide(history, call(EIGHT.plusSeconds(7200)))) {
                assertTrue(d.allow());
                assertThrows(ContactGuardException.class, () -> policy.decide(history, bare, d));
                assertFalse(d.allow());
            }
            // The batch names the ask; the channel is reported once the role is given.
            ContactGuardException b = assertThrows(ContactGuardException.class,
                    () -> policy.decideBatch(history, List.of(call(EIGHT), bare)));
            assertEquals("asks[1].role", b.field());
            Ask noChannel = new Ask(bare.at(), null, bare.to(), Role.DEBTOR, bare.debt(), bare.timezones(), null,
                    null, null, null);
            assertEquals("ask.channel",
                    assertThrows(ContactGuardException.class, () -> policy.decide(history, noChannel)).field());
            // An attempt without a role is refused by the history too.
            ContactGuardException h = assertThrows(ContactGuardException.class, () -> history.push(
                    Event.builder(EventType.ATTEMPT, EIGHT).channel(Channel.CALL).to("c").debt("d")
                            .result(AttemptResult.NO_ANSWER).build()));
            assertEquals("event.role", h.field());
            ContactGuardException r = assertThrows(ContactGuardException.class, () -> history.push(
                    Event.builder(EventType.ATTEMPT, EIGHT).channel(Channel.CALL).role(Role.DEBTOR).to("c").debt("d")
                            .build()));
            assertEquals("ffi.missing_field", r.code());
            assertEquals("event.result", r.field());
            assertEquals(0, history.size());
        }
    }

    /** The zero-initialised struct itself, as a C caller would pass it through JNA. */
    @Test
    void aZeroInitialisedStructIsAMissingRole() {
        try (Policy policy = Policy.presets("us-reg-f"); History history = new History();
                Decision d = new Decision()) {
            Native.CgAsk raw = new Native.CgAsk();
            raw.at.seconds = EIGHT.getEpochSecond();
            com.sun.jna.Memory to = Native.text(Native.utf8("c1"));
            com.sun.jna.Memory debt = Native.text(Native.utf8("d1"));
            com.sun.jna.Memory zone = Native.text(Native.utf8("UTC"));
            raw.to.set(to, 2);
            raw.debt.set(debt, 2);
            Native.CgStr zones = new Native.CgStr();
            zones.set(zone, 3);
            zones.write();
            raw.timezones = zones.getPointer();
            raw.timezones_len = 1;
            raw.write();
            com.sun.jna.Memory slot = new com.sun.jna.Memory(8);
            slot.setPointer(0, null);
            int r = Native.cg_decide(policy.ptr(), history.ptr(), raw.getPointer(), d.ptr(), slot);
            ContactGuardException e = assertThrows(ContactGuardException.class, () -> Native.check(r, slot));
            assertEquals("ffi.missing_field", e.code());
            assertEquals("ask.role", e.field());
            java.lang.ref.Reference.reachabilityFence(to);
            java.lang.ref.Reference.reachabilityFence(debt);
            java.lang.ref.Reference.reachabilityFence(zone);
        }
    }

    @Test
    void errorsSayWhatWentWrong() {
        PolicyException unknown = assertThrows(PolicyException.class, () -> Policy.presets("us-nowhere"));
        String text = unknown.describe();
        assertTrue(text.startsWith("policy.unknown_preset: "), text);
        assertTrue(text.contains("us-nowhere"), text);
        assertFalse(text.contains("0:0") || text.contains("line 0") || text.contains("``"), text);
        assertTrue(unknown.toString().contains(text), unknown.toString());
        PolicyException syntax = assertThrows(PolicyException.class,
                () -> Policy.fromToml("format = \"contactguard-policy/1\"\n[[rules]]\nid = 3\n"));
        assertTrue(syntax.describe().contains("line 3, column "), syntax.describe());
        assertTrue(syntax.describe().contains("field `rules[0].id`"), syntax.describe());
    }

    @Test
    void batchAgreesWithSingleCalls() {
        try (Policy policy = Policy.presets("us-reg-f+us-ma"); History history = new History()) {
            List<Ask> asks = new ArrayList<>();
            for (int i = 0; i < 48; i++) {
                asks.add(call(EARLY.minusSeconds(6 * 3600).plusSeconds(i * 900L)));
            }
            List<Verdict> verdicts = policy.decideBatch(history, asks);
            assertEquals(asks.size(), verdicts.size());
            for (int i = 0; i < asks.size(); i++) {
                try (Decision d = policy.decide(history, asks.get(i))) {
                    assertEquals(d.verdict(), verdicts.get(i), "ask " + i);
                }
            }
            assertTrue(verdicts.stream().anyMatch(Verdict::allow));
            assertTrue(verdicts.stream().anyMatch(v -> !v.allow()));
        }
    }

    @Test
    void onePolicyManyThreads() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Policy policy = Policy.presets("us-reg-f+us-ma"); History history = new History()) {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    int allowed = 0;
                    try (Decision d = new Decision()) {
                        for (int i = 0; i < 100; i++) {
                            policy.decide(history, call(EIGHT.plusSeconds(3600 + i)), d);
                            allowed += d.allow() ? 1 : 0;
                        }
                    }
                    return allowed;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(100, f.get());
            }
        } finally {
            pool.shutdown();
        }
    }

    /** The test library exports cg_test_panic (the `test-panic` feature). */
    static final class PanicHook {
        static native int cg_test_panic(PointerByReference err);

        static {
            com.sun.jna.Native.register(PanicHook.class, Native.LIB);
        }
    }

    /** Whether the loaded library is the test build, with the panic hook. */
    static boolean hasPanicHook() {
        try {
            Native.LIB.getFunction("cg_test_panic");
            return true;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }

    /**
     * Runs against the test build (`make java-test` points jna.library.path
     * at it); a plain `mvn install` tests the release library, which has no
     * hook, and skips this one.
     */
    @Test
    void panicsAreCaughtAtTheBoundary() {
        Assumptions.assumeTrue(hasPanicHook(), "the loaded library is not the test build (no cg_test_panic)");
        PointerByReference err = new PointerByReference();
        int r = PanicHook.cg_test_panic(err);
        assertEquals(1, r, "CG_RESULT_PANIC");
        ContactGuardException e = assertThrows(ContactGuardException.class, () -> Native.check(r, err));
        assertEquals("internal.panic", e.code());
        assertTrue(e.getMessage().contains("test panic"), e.getMessage());
        // The JVM and the library carry on.
        try (Policy p = Policy.presets("us-reg-f")) {
            assertTrue(p.ruleCount() > 0);
        }
    }

    @Test
    void versionMatchesThePom() {
        assertEquals("0.1.0", Policy.libraryVersion());
    }
}
