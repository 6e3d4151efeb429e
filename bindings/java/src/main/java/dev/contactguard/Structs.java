package dev.contactguard;

import com.sun.jna.Memory;
import java.time.Instant;
import java.util.List;

/** Fills the C ABI's structs from Java values; the Memory they point into is kept alive by the caller. */
final class Structs {
    private Structs() {}

    static final int STR_SIZE = new Native.CgStr().size();

    /** Native UTF-8 for each string, laid out in one block; {@link #ptr} gives each one's address. */
    static final class Text {
        final Memory block;
        private final long[] offsets;
        private final long[] lengths;

        Text(List<String> strings) {
            byte[][] bytes = new byte[strings.size()][];
            long total = 0;
            for (int i = 0; i < bytes.length; i++) {
                String s = strings.get(i);
                bytes[i] = s == null ? new byte[0] : Native.utf8(s);
                total += bytes[i].length;
            }
            block = new Memory(Math.max(1, total));
            offsets = new long[bytes.length];
            lengths = new long[bytes.length];
            long at = 0;
            for (int i = 0; i < bytes.length; i++) {
                block.write(at, bytes[i], 0, bytes[i].length);
                offsets[i] = at;
                lengths[i] = bytes[i].length;
                at += bytes[i].length;
            }
        }

        void set(Native.CgStr s, int i) {
            s.ptr = lengths[i] == 0 ? null : block.share(offsets[i]);
            s.len = lengths[i];
        }

        /** An array of cg_str for items {@code from..from+n}; null when n is 0. */
        Memory array(int from, int n) {
            if (n == 0) {
                return null;
            }
            Memory m = new Memory((long) n * STR_SIZE);
            for (int k = 0; k < n; k++) {
                long len = lengths[from + k];
                m.setPointer((long) k * STR_SIZE, len == 0 ? null : block.share(offsets[from + k]));
                m.setLong((long) k * STR_SIZE + Native.POINTER_SIZE, len);
            }
            return m;
        }
    }

    static void time(Native.CgTimestamp t, Instant i) {
        t.seconds = i.getEpochSecond();
        t.nanos = i.getNano();
    }

    static Instant instant(Native.CgTimestamp t) {
        return Instant.ofEpochSecond(t.seconds, t.nanos);
    }

    /** A cg_event for an Event, with the native strings it points into. */
    static final class EventStruct {
        final Native.CgEvent struct = new Native.CgEvent();
        private final Text text;
        private final Memory days;

        EventStruct(Event e) {
            List<String> strings = new java.util.ArrayList<>();
            strings.add(e.to);
            strings.add(e.debt);
            strings.add(e.kind);
            strings.add(e.start);
            strings.add(e.end);
            strings.addAll(e.weekdays);
            text = new Text(strings);
            Native.CgEvent s = struct;
            // Without a type, CG_EVENT_TYPE_UNSET (0), and without a hold's
            // reason CG_HOLD_REASON_UNSET: the C ABI refuses them
            // (ffi.missing_field, event.type / event.reason).
            s.type = e.type == null ? 0 : e.type.code();
            time(s.at, e.at);
            text.set(s.to, 0);
            text.set(s.debt, 1);
            s.has_debt = flag(e.debt != null);
            s.has_channel = flag(e.channel != null);
            s.channel = e.channel == null ? 0 : e.channel.code();
            s.role = e.role == null ? 0 : e.role.code();
            // Without a result, CG_ATTEMPT_RESULT_UNSET (0): the C ABI
            // refuses an attempt with it (ffi.missing_field, event.result).
            s.result = e.result == null ? 0 : e.result.code();
            s.has_place = flag(e.place != null);
            s.place = e.place == null ? 0 : e.place.code();
            s.reason = e.reason == null ? 0 : e.reason.code();
            s.has_until = flag(e.until != null);
            if (e.until != null) {
                time(s.until, e.until);
            }
            s.has_kind = flag(e.kind != null);
            text.set(s.kind, 2);
            s.has_start = flag(e.start != null);
            text.set(s.start, 3);
            s.has_end = flag(e.end != null);
            text.set(s.end, 4);
            days = text.array(5, e.weekdays.size());
            s.weekdays = days;
            s.weekdays_len = e.weekdays.size();
            s.granted = flag(e.granted);
        }

        /** Keeps the native strings alive until a call reading them has returned. */
        void fence() {
            Native.fence(text);
            Native.fence(days);
        }
    }

    static byte flag(boolean b) {
        return (byte) (b ? 1 : 0);
    }
}
