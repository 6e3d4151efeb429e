package dev.contactguard;

import com.sun.jna.Pointer;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The one owner of one native handle. {@link #close()} frees it exactly
 * once however often it is called (and from whichever thread); a handle
 * that is never closed is freed when unreachable, by a daemon thread that
 * drains a {@link ReferenceQueue} of phantom references (what
 * {@code java.lang.ref.Cleaner} does from Java 9, written out so the
 * binding runs on Java 8).
 * Using a closed handle throws {@link IllegalStateException}; never close a
 * handle while another thread is using it.
 */
abstract class Handle implements AutoCloseable {
    private static final ReferenceQueue<Handle> QUEUE = new ReferenceQueue<>();
    /** The phantom references of live handles, so that they are not collected before their referents. */
    private static final Set<Cleanup> PENDING = ConcurrentHashMap.newKeySet();

    static {
        Thread t = new Thread(Handle::drain, "contactguard-cleaner");
        t.setDaemon(true);
        t.start();
    }

    /** Frees the handles of owners that became unreachable without close(). */
    private static void drain() {
        while (true) {
            try {
                Cleanup c = (Cleanup) QUEUE.remove();
                c.clean();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // A failing free must not stop the others; the library's frees do not throw.
            }
        }
    }

    /** Enqueued when its owner becomes unreachable; cleaning runs the state once. */
    private static final class Cleanup extends PhantomReference<Handle> {
        final State state;

        Cleanup(Handle owner, State state) {
            super(owner, QUEUE);
            this.state = state;
            PENDING.add(this);
        }

        void clean() {
            PENDING.remove(this);
            clear();
            state.run();
        }
    }

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
    private final Cleanup cleanable;

    Handle(Pointer p, Consumer<Pointer> free) {
        this.state = new State(p, free);
        this.cleanable = new Cleanup(this, state);
    }

    /** The live pointer. */
    final Pointer ptr() {
        Pointer p = state.pointer.get();
        if (p == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
        return p;
    }

    /** The live pointer's address, for the JNI entry points. */
    final long address() {
        return Pointer.nativeValue(ptr());
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
