package dev.contactguard;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.List;

/**
 * Asks laid out as a native {@code cg_ask[]} without JNA's reflective
 * Structure writes: field offsets come once from JNA's layout of
 * {@link Native.CgAsk} (itself checked against the library's
 * {@code cg_abi_sizeof}), and each call writes plain values at them into
 * buffers reused across calls. Not thread-safe: each owner (a
 * {@link Decision}, or one batch call) has its own.
 */
final class NativeAsks {
    private static final int PTR = com.sun.jna.Native.POINTER_SIZE;
    static final int SIZE = new Native.CgAsk().size();
    static final int STR = Structs.STR_SIZE;
    private static final int AT;
    private static final int TO;
    private static final int DEBT;
    private static final int TZ;
    private static final int TZ_LEN;
    private static final int DPD;
    private static final int CHANNEL;
    private static final int ROLE;
    private static final int PLACE;
    private static final int PURPOSE;
    private static final int HAS_PLACE;
    private static final int HAS_PURPOSE;
    private static final int HAS_AUTODIALED;
    private static final int AUTODIALED;
    private static final int HAS_DPD;

    /** Exposes JNA's computed offsets of cg_ask's fields. */
    private static final class Layout extends Native.CgAsk {
        int at(String field) {
            return fieldOffset(field);
        }
    }

    static {
        Layout l = new Layout();
        AT = l.at("at");
        TO = l.at("to");
        DEBT = l.at("debt");
        TZ = l.at("timezones");
        TZ_LEN = l.at("timezones_len");
        DPD = l.at("days_past_due");
        CHANNEL = l.at("channel");
        ROLE = l.at("role");
        PLACE = l.at("place");
        PURPOSE = l.at("purpose");
        HAS_PLACE = l.at("has_place");
        HAS_PURPOSE = l.at("has_purpose");
        HAS_AUTODIALED = l.at("has_autodialed");
        AUTODIALED = l.at("autodialed");
        HAS_DPD = l.at("has_days_past_due");
    }

    private Memory structs = new Memory(SIZE);
    private Memory text = new Memory(256);
    private Memory zones = new Memory(4L * STR);

    /** The first cg_ask, valid until the next {@link #write}. */
    Pointer pointer() {
        return structs;
    }

    /** Writes {@code asks} as a contiguous cg_ask array. */
    void write(List<Ask> asks) {
        int n = asks.size();
        byte[][][] bytes = new byte[n][][];
        long textLen = 0;
        long zoneCount = 0;
        for (int i = 0; i < n; i++) {
            Ask a = asks.get(i);
            byte[][] b = new byte[2 + a.timezones().size()][];
            b[0] = Native.utf8(a.to());
            b[1] = Native.utf8(a.debt());
            for (int z = 0; z < a.timezones().size(); z++) {
                b[2 + z] = Native.utf8(a.timezones().get(z));
            }
            for (byte[] x : b) {
                textLen += x.length;
            }
            zoneCount += a.timezones().size();
            bytes[i] = b;
        }
        if (structs.size() < (long) n * SIZE) {
            structs = new Memory((long) n * SIZE);
        }
        if (text.size() < textLen) {
            text = new Memory(Math.max(textLen, 2 * text.size()));
        }
        if (zones.size() < zoneCount * STR) {
            zones = new Memory(Math.max(zoneCount * STR, 2 * zones.size()));
        }
        long textBase = Pointer.nativeValue(text);
        long zoneBase = Pointer.nativeValue(zones);
        long t = 0;
        long zi = 0;
        for (int i = 0; i < n; i++) {
            Ask a = asks.get(i);
            byte[][] b = bytes[i];
            long s = (long) i * SIZE;
            structs.setMemory(s, SIZE, (byte) 0); // padding and unset optionals are zero
            structs.setLong(s + AT, a.at().getEpochSecond());
            structs.setInt(s + AT + 8, a.at().getNano());
            t = str(structs, s + TO, b[0], textBase, t);
            t = str(structs, s + DEBT, b[1], textBase, t);
            int nz = a.timezones().size();
            structs.setLong(s + TZ, nz == 0 ? 0 : zoneBase + zi * STR);
            structs.setLong(s + TZ_LEN, nz);
            for (int z = 0; z < nz; z++) {
                t = str(zones, (zi + z) * STR, b[2 + z], textBase, t);
            }
            zi += nz;
            // A null channel or role stays 0 (UNSET): the C ABI reports it.
            if (a.channel() != null) {
                structs.setInt(s + CHANNEL, a.channel().code());
            }
            if (a.role() != null) {
                structs.setInt(s + ROLE, a.role().code());
            }
            if (a.place() != null) {
                structs.setInt(s + PLACE, a.place().code());
                structs.setByte(s + HAS_PLACE, (byte) 1);
            }
            if (a.purpose() != null) {
                structs.setInt(s + PURPOSE, a.purpose().code());
                structs.setByte(s + HAS_PURPOSE, (byte) 1);
            }
            if (a.autodialed() != null) {
                structs.setByte(s + AUTODIALED, Structs.flag(a.autodialed()));
                structs.setByte(s + HAS_AUTODIALED, (byte) 1);
            }
            if (a.daysPastDue() != null) {
                structs.setLong(s + DPD, a.daysPastDue());
                structs.setByte(s + HAS_DPD, (byte) 1);
            }
        }
    }

    /** Writes a cg_str at {@code at} in {@code m} for bytes copied to text offset {@code t}; returns the next offset. */
    private long str(Memory m, long at, byte[] b, long textBase, long t) {
        if (b.length == 0) {
            m.setLong(at, 0);
        } else {
            text.write(t, b, 0, b.length);
            m.setLong(at, textBase + t);
        }
        m.setLong(at + PTR, b.length);
        return t + b.length;
    }

    /** Keeps the buffers reachable until a native call that reads them has returned. */
    void fence() {
        Native.fence(structs);
        Native.fence(text);
        Native.fence(zones);
    }
}
