package dev.contactguard;

import com.sun.jna.Pointer;
import java.time.Instant;

/**
 * A pending attempt admitted by {@link Ledger#checkAndRecord}: report its
 * result with {@link Ledger#complete}, then close it. Owns one native
 * {@code cg_ticket}.
 */
public final class Ticket extends Handle {
    Ticket(Pointer p) {
        super(p, Native::cg_ticket_free);
    }

    /** When the attempt was admitted (the ask's time). */
    public Instant at() {
        return Structs.instant(Native.cg_ticket_at(ptr()));
    }
}
