package dev.contactguard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
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
}
