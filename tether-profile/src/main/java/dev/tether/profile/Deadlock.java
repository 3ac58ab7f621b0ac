package dev.tether.profile;

import java.util.List;
import java.util.Objects;

/**
 * A Java-level deadlock as the dump itself reports it (jstack's {@code Found one Java-level deadlock} section): a
 * cycle of threads, each waiting for a lock the next one holds. The JDK's JSON and plain dumps report none; a cycle
 * there has to be inferred from {@link Entry#blockedOn()}, {@link Entry#parkBlocker()} and {@link Entry#locksHeld()}.
 *
 * @param cycle the threads in the order the dump lists them; the last one's lock is held by the first
 */
public record Deadlock(List<Edge> cycle) {

    /** @throws NullPointerException if {@code cycle} or an element is null */
    public Deadlock {
        cycle = List.copyOf(cycle);
    }

    /** What kind of lock a thread in a deadlock waits for. */
    public enum LockKind {
        /** A monitor ({@code synchronized}). */
        MONITOR,
        /** An ownable synchronizer ({@code ReentrantLock}, {@code ReentrantReadWriteLock}, ...). */
        OWNABLE_SYNCHRONIZER
    }

    /**
     * One thread of the cycle.
     *
     * @param thread   the waiting thread's name
     * @param lockKind what it waits for
     * @param lock     the object it waits for (jstack gives its address and class)
     * @param heldBy   the name of the thread holding it, or the dump's text if it names no thread
     */
    public record Edge(String thread, LockKind lockKind, ObjectRef lock, String heldBy) {
        /** @throws NullPointerException if an argument is null */
        public Edge {
            Objects.requireNonNull(thread, "thread");
            Objects.requireNonNull(lockKind, "lockKind");
            Objects.requireNonNull(lock, "lock");
            Objects.requireNonNull(heldBy, "heldBy");
        }
    }
}
