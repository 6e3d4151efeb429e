package dev.contactguard;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.util.ArrayList;
import java.util.List;

/**
 * Contact history: the events a decision reads. Owns one native
 * {@code cg_history}. Appending needs exclusive access; many threads may
 * decide against one history at once while nobody appends.
 */
public final class History extends Handle {
    public History() {
        super(create(), Native::cg_history_free);
    }

    private static Pointer create() {
        PointerByReference out = new PointerByReference();
        PointerByReference err = new PointerByReference();
        Native.check(Native.cg_history_new(out, err), err);
        return out.getValue();
    }

    /** Appends one event (copied into the history). */
    public History push(Event e) {
        List<String> strings = new ArrayList<>();
        strings.add(e.to);
        strings.add(e.debt);
        strings.add(e.kind);
        strings.add(e.start);
        strings.add(e.end);
        strings.addAll(e.weekdays);
        Structs.Text text = new Structs.Text(strings);
        Native.CgEvent s = new Native.CgEvent();
        s.type = e.type.code();
        Structs.time(s.at, e.at);
        text.set(s.to, 0);
        text.set(s.debt, 1);
        s.has_debt = Structs.flag(e.debt != null);
        s.has_channel = Structs.flag(e.channel != null);
        s.channel = e.channel == null ? 0 : e.channel.code();
        s.role = e.role == null ? 0 : e.role.code();
        s.result = e.result == null ? 0 : e.result.code();
        s.has_place = Structs.flag(e.place != null);
        s.place = e.place == null ? 0 : e.place.code();
        s.reason = e.reason == null ? 0 : e.reason.code();
        s.has_until = Structs.flag(e.until != null);
        if (e.until != null) {
            Structs.time(s.until, e.until);
        }
        s.has_kind = Structs.flag(e.kind != null);
        text.set(s.kind, 2);
        s.has_start = Structs.flag(e.start != null);
        text.set(s.start, 3);
        s.has_end = Structs.flag(e.end != null);
        text.set(s.end, 4);
        Memory days = text.array(5, e.weekdays.size());
        s.weekdays = days;
        s.weekdays_len = e.weekdays.size();
        s.granted = Structs.flag(e.granted);
        PointerByReference err = new PointerByReference();
        Native.check(Native.cg_history_push(ptr(), s, err), err);
        // Keep the native strings alive until the call has returned.
        java.lang.ref.Reference.reachabilityFence(text);
        java.lang.ref.Reference.reachabilityFence(days);
        return this;
    }

    /** How many events. */
    public long size() {
        return Native.cg_history_len(ptr());
    }

    /** Removes every event. */
    public void clear() {
        PointerByReference err = new PointerByReference();
        Native.check(Native.cg_history_clear(ptr(), err), err);
    }
}
