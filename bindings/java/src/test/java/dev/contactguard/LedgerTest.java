package dev.contactguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class LedgerTest {
    static final byte[] KEY = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    static final Instant MONDAY_10AM = Instant.parse("2026-10-12T14:00:00Z");

    static Ask call(Instant at) {
        return Ask.of(at, Channel.CALL, "+1-617-555-0100", Role.DEBTOR, "loan-42", "America/New_York")
                .withPurpose(Purpose.COLLECTION);
    }

    @Test
    void checkAndRecordEnforcesRegFsCap() {
        try (Policy policy = Policy.presets("us-reg-f"); Ledger ledger = new Ledger(policy, KEY);
                Decision d = new Decision()) {
            int admitted = 0;
            for (int i = 0; i < 8; i++) {
                Optional<Ticket> t = ledger.checkAndRecord(call(MONDAY_10AM.plusSeconds(3600L * i)), d);
                assertEquals(d.allow(), t.isPresent());
                if (t.isPresent()) {
                    try (Ticket ticket = t.get()) {
                        assertEquals(MONDAY_10AM.plusSeconds(3600L * i), ticket.at());
                        ledger.complete(ticket, AttemptResult.NO_ANSWER);
                        ContactGuardException e = assertThrows(ContactGuardException.class,
                                () -> ledger.complete(ticket, AttemptResult.NO_ANSWER));
                        assertEquals("ledger.unknown_ticket", e.code());
                    }
                    admitted++;
                }
            }
            assertEquals(7, admitted);
            ledger.check(call(MONDAY_10AM.plusSeconds(86_400)), d);
            assertFalse(d.allow());
            assertTrue(d.retryAt().isPresent());
        }
    }

    @Test
    void snapshotRestoresUnderTheSameKeyOnly() {
        try (Policy policy = Policy.presets("us-reg-f"); Ledger ledger = new Ledger(policy, KEY);
                Decision d = new Decision()) {
            ledger.record(Event.cease(MONDAY_10AM, "+1-617-555-0100", "loan-42"));
            byte[] snapshot = ledger.snapshot();
            assertTrue(snapshot.length > 0);
            assertFalse(new String(snapshot, StandardCharsets.ISO_8859_1).contains("+1-617-555-0100"));
            try (Ledger copy = new Ledger(policy, KEY)) {
                copy.restore(snapshot);
                copy.check(call(MONDAY_10AM.plusSeconds(3600)), d);
                assertFalse(d.allow(), "the cease came back");
            }
            try (Ledger other = new Ledger(policy)) {
                ContactGuardException e = assertThrows(ContactGuardException.class, () -> other.restore(snapshot));
                assertEquals("ledger.key_mismatch", e.code());
                snapshot[snapshot.length / 2] ^= 0x5a;
                ContactGuardException c = assertThrows(ContactGuardException.class, () -> other.restore(snapshot));
                assertTrue(c.code().startsWith("ledger."), c.code());
            }
        }
    }

    /**
     * Issue 13: cn allows 6 unanswered calls to a debtor a local day (cn.3). With 5 recorded and 3
     * calls asked on 3 threads before any ends, one is admitted: a pending call counts under every
     * cap it could fall under, so the day ends with at most 6 unanswered calls.
     */
    @Test
    void callsInFlightNeverEndTheDayPastCn3() throws Exception {
        Instant morning = Instant.parse("2026-03-03T01:00:00Z");
        try (Policy policy = Policy.presets("cn"); Ledger ledger = new Ledger(policy, KEY)) {
            for (int i = 0; i < 5; i++) {
                ledger.record(Event.attempt(morning.plusSeconds(600L * i), Channel.CALL, "+8613800000000",
                        Role.DEBTOR, "loan-1", AttemptResult.NO_ANSWER));
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Optional<Ticket>>> asks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Instant at = morning.plusSeconds(7200 + i);
                asks.add(pool.submit(() -> {
                    start.await();
                    try (Decision d = new Decision()) {
                        Ask a = Ask.of(at, Channel.CALL, "+8613800000000", Role.DEBTOR, "loan-1", "Asia/Shanghai");
                        return ledger.checkAndRecord(a, d);
                    }
                }));
            }
            start.countDown();
            List<Ticket> admitted = new ArrayList<>();
            for (Future<Optional<Ticket>> f : asks) {
                f.get().ifPresent(admitted::add);
            }
            pool.shutdown();
            assertEquals(1, admitted.size());
            try (Ticket t = admitted.get(0); Decision d = new Decision()) {
                ContactGuardException e = assertThrows(ContactGuardException.class,
                        () -> ledger.complete(t, AttemptResult.PENDING));
                assertEquals("ledger.pending_outcome", e.code());
                ledger.complete(t, AttemptResult.NO_ANSWER);
                ledger.check(Ask.of(morning.plusSeconds(4 * 3600), Channel.CALL, "+8613800000000", Role.DEBTOR,
                        "loan-1", "Asia/Shanghai"), d);
                assertFalse(d.allow(), "6 unanswered calls: cn.3 denies the seventh");
            }
        }
    }

    /** A journaled ledger comes back from its directory with every acknowledged write. */
    @Test
    void journaledLedgerReopensWithItsWrites(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Instant morning = Instant.parse("2026-03-03T01:00:00Z");
        Ask next = Ask.of(morning.plusSeconds(7200), Channel.CALL, "+8613800000000", Role.DEBTOR, "loan-1",
                "Asia/Shanghai");
        try (Policy policy = Policy.presets("cn"); Decision d = new Decision()) {
            try (Ledger ledger = Ledger.openJournaled(policy, KEY, dir, Ledger.JournalSync.ALWAYS)) {
                for (int i = 0; i < 6; i++) {
                    ledger.record(Event.attempt(morning.plusSeconds(600L * i), Channel.CALL, "+8613800000000",
                            Role.DEBTOR, "loan-1", AttemptResult.NO_ANSWER));
                    if (i == 2) {
                        ledger.checkpoint();
                    }
                }
            }
            try (Ledger again = Ledger.openJournaled(policy, KEY, dir, Ledger.JournalSync.ALWAYS)) {
                again.check(next, d);
                assertFalse(d.allow(), "6 unanswered calls came back: cn.3 denies");
            }
            try (Ledger plain = new Ledger(policy, KEY)) {
                ContactGuardException e = assertThrows(ContactGuardException.class, plain::checkpoint);
                assertEquals("ledger.not_journaled", e.code());
            }
        }
    }
}
