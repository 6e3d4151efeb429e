package dev.contactguard;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;

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
        Structs.EventStruct s = new Structs.EventStruct(e);
        PointerByReference err = new PointerByReference();
        int r = Native.cg_history_push(ptr(), s.struct, err);
        s.fence();
        Native.check(r, err);
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
