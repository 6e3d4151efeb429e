package dev.contactguard;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * A direct buffer, reused across calls, that carries one ask into
 * {@link Jni#decide} and the verdict out, in the layout documented in
 * crates/contactguard-ffi/src/java.rs (native byte order). Writing an ask
 * allocates nothing when its strings are ASCII and fit. Not thread-safe:
 * each owner (a {@link Decision}) has its own.
 */
final class JniBuffer {
    // Output area.
    static final int OUT_RETRY_SECONDS = 0;
    static final int OUT_RETRY_NANOS = 8;
    static final int OUT_DENIALS = 12;
    static final int OUT_OBLIGATIONS = 16;
    static final int OUT_FLAGS = 20;
    static final int OUT_ERROR = 24;
    static final int OUT_TICKET = 32;
    static final int OUT_ALLOW = 1;
    static final int OUT_HAS_RETRY = 2;
    // Input area.
    static final int IN = 40;
    static final int IN_AT_SECONDS = IN;
    static final int IN_AT_NANOS = IN + 8;
    static final int IN_CHANNEL = IN + 12;
    static final int IN_ROLE = IN + 16;
    static final int IN_PLACE = IN + 20;
    static final int IN_PURPOSE = IN + 24;
    static final int IN_FLAGS = IN + 28;
    static final int IN_DAYS_PAST_DUE = IN + 32;
    static final int IN_TO_LEN = IN + 40;
    static final int IN_DEBT_LEN = IN + 44;
    static final int IN_ZONES = IN + 48;
    static final int IN_ZONE_LENS = IN + 56;
    static final int HAS_PLACE = 1;
    static final int HAS_PURPOSE = 2;
    static final int HAS_AUTODIALED = 4;
    static final int AUTODIALED = 8;
    static final int HAS_DAYS_PAST_DUE = 16;

    private ByteBuffer buf;
    private long address;

    JniBuffer() {
        allocate(512);
    }

    private void allocate(int capacity) {
        buf = ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
        address = Jni.address(buf);
    }

    /** The buffer's address, valid while this object is reachable. */
    long address() {
        return address;
    }

    int capacity() {
        return buf.capacity();
    }

    /** The buffer itself, for tests that write malformed input. */
    ByteBuffer buffer() {
        return buf;
    }

    /** Writes {@code a} into the input area. */
    void write(Ask a) {
        List<String> zones = a.timezones();
        int nz = zones.size();
        String to = a.to();
        String debt = a.debt();
        long worst = IN_ZONE_LENS + 4L * nz + 3L * (to.length() + debt.length());
        for (int z = 0; z < nz; z++) {
            worst += 3L * zones.get(z).length();
        }
        if (worst > buf.capacity()) {
            if (worst > Integer.MAX_VALUE - 64) {
                throw new IllegalArgumentException("ask too large: " + worst + " bytes");
            }
            allocate((int) Math.max(worst, 2L * buf.capacity()));
        }
        ByteBuffer b = buf;
        Instant at = a.at();
        b.putLong(IN_AT_SECONDS, at.getEpochSecond());
        b.putInt(IN_AT_NANOS, at.getNano());
        // A null channel or role stays 0 (UNSET): the library reports it.
        b.putInt(IN_CHANNEL, a.channel() == null ? 0 : a.channel().code());
        b.putInt(IN_ROLE, a.role() == null ? 0 : a.role().code());
        int flags = 0;
        b.putInt(IN_PLACE, a.place() == null ? 0 : a.place().code());
        if (a.place() != null) {
            flags |= HAS_PLACE;
        }
        b.putInt(IN_PURPOSE, a.purpose() == null ? 0 : a.purpose().code());
        if (a.purpose() != null) {
            flags |= HAS_PURPOSE;
        }
        Boolean autodialed = a.autodialed();
        if (autodialed != null) {
            flags |= HAS_AUTODIALED | (autodialed ? AUTODIALED : 0);
        }
        Long dpd = a.daysPastDue();
        b.putLong(IN_DAYS_PAST_DUE, dpd == null ? 0 : dpd);
        if (dpd != null) {
            flags |= HAS_DAYS_PAST_DUE;
        }
        b.putInt(IN_FLAGS, flags);
        b.putInt(IN_ZONES, nz);
        int pos = IN_ZONE_LENS + 4 * nz;
        pos = text(IN_TO_LEN, pos, to);
        pos = text(IN_DEBT_LEN, pos, debt);
        for (int z = 0; z < nz; z++) {
            pos = text(IN_ZONE_LENS + 4 * z, pos, zones.get(z));
        }
    }

    /** Writes {@code s} as UTF-8 at {@code pos} and its length at {@code lenAt}; returns the next position. */
    private int text(int lenAt, int pos, String s) {
        ByteBuffer b = buf;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                for (int j = 0; j < utf8.length; j++) {
                    b.put(pos + j, utf8[j]);
                }
                b.putInt(lenAt, utf8.length);
                return pos + utf8.length;
            }
            b.put(pos + i, (byte) c);
        }
        b.putInt(lenAt, n);
        return pos + n;
    }

    boolean allow() {
        return (buf.getInt(OUT_FLAGS) & OUT_ALLOW) != 0;
    }

    boolean hasRetry() {
        return (buf.getInt(OUT_FLAGS) & OUT_HAS_RETRY) != 0;
    }

    long retrySeconds() {
        return buf.getLong(OUT_RETRY_SECONDS);
    }

    int retryNanos() {
        return buf.getInt(OUT_RETRY_NANOS);
    }

    int denials() {
        return buf.getInt(OUT_DENIALS);
    }

    int obligations() {
        return buf.getInt(OUT_OBLIGATIONS);
    }

    /** The cg_ticket address {@link Jni#checkAndRecord} left (0: not admitted), now owned by the caller; clears the slot. */
    long takeTicket() {
        long t = buf.getLong(OUT_TICKET);
        buf.putLong(OUT_TICKET, 0);
        return t;
    }

    /** The cg_error address a failed call left, now owned by the caller; clears the slot. */
    long takeError() {
        long e = buf.getLong(OUT_ERROR);
        buf.putLong(OUT_ERROR, 0);
        return e;
    }
}
