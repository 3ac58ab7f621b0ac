package dev.tether;

/**
 * A fixed ring buffer of values and the lock that guards it, in one object (see {@link StateLock}): the state shared
 * by a buffered {@link Channel} and a {@link WorkerPool}'s {@link JobQueue}. Every method but {@link #capacity()}
 * requires the lock.
 */
abstract class LockedRing extends StateLock {
    /** The slots; null for no buffer (an unbuffered channel, a hand-off pool). */
    final Object[] buffer;
    /** The slot of the oldest value, and how many values there are. */
    int head, count;

    LockedRing(int capacity) {
        this.buffer = capacity == 0 ? null : new Object[capacity];
    }

    /** The number of slots; 0 without a buffer. Needs no lock. */
    final int capacity() {
        return buffer == null ? 0 : buffer.length;
    }

    /** True if a value can be added. */
    final boolean hasRoom() {
        return buffer != null && count < buffer.length;
    }

    /** Adds {@code v} after the newest value; the caller has checked {@link #hasRoom()}. */
    final void push(Object v) {
        Object[] buf = buffer;
        int tail = head + count;
        buf[tail < buf.length ? tail : tail - buf.length] = v;
        count++;
    }

    /** Removes and returns the oldest value, or null if there is none. */
    final Object pop() {
        if (count == 0) return null;
        Object[] buf = buffer;
        int h = head;
        Object v = buf[h];
        buf[h] = null;
        head = h + 1 == buf.length ? 0 : h + 1;
        count--;
        return v;
    }
}
