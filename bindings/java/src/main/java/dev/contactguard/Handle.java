package dev.contactguard;

import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The one owner of one native handle. {@link #close()} frees it exactly
 * once however often it is called (and from whichever thread); a handle
 * that is never closed is freed by a {@link Cleaner} when unreachable.
 * Using a closed handle throws {@link IllegalStateException}; never close a
 * handle while another thread is using it.
 */
abstract class Handle implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /** Shared by the owner and its cleaning action: whoever takes the pointer frees it. */
    private static final class State implements Runnable {
        final AtomicReference<Pointer> pointer;
        final Consumer<Pointer> free;

        State(Pointer p, Consumer<Pointer> free) {
            this.pointer = new AtomicReference<>(p);
            this.free = free;
        }

        @Override
        public void run() {
            Pointer p = pointer.getAndSet(null);
            if (p != null) {
                free.accept(p);
            }
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;

    Handle(Pointer p, Consumer<Pointer> free) {
        this.state = new State(p, free);
        this.cleanable = CLEANER.register(this, state);
    }

    /** The live pointer. */
    final Pointer ptr() {
        Pointer p = state.pointer.get();
        if (p == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
        return p;
    }

    /** Whether {@link #close()} has run. */
    public final boolean isClosed() {
        return state.pointer.get() == null;
    }

    /** Frees the native handle; later calls do nothing. */
    @Override
    public final void close() {
        cleanable.clean();
    }
}
