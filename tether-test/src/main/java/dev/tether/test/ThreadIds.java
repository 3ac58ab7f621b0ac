package dev.tether.test;

/**
 * A set of thread ids: open addressing over a {@code long[]}, so that checking ten thousand threads against a
 * baseline costs a few hundred microseconds, not the milliseconds an identity map of {@code Thread}s does. Thread
 * ids are never reused in a JVM's lifetime, so an id stands for its thread. Not thread-safe; filled once, then read.
 */
final class ThreadIds {
    private long[] slots = new long[64];
    private int size;

    void add(long id) {
        if (id <= 0) throw new IllegalArgumentException("thread ids are positive, was " + id);
        if ((size + 1) * 2 > slots.length) grow();
        if (insert(slots, id)) size++;
    }

    boolean contains(long id) {
        long[] s = slots;
        int mask = s.length - 1;
        for (int i = mix(id) & mask; ; i = (i + 1) & mask) {
            long v = s[i];
            if (v == id) return true;
            if (v == 0) return false;
        }
    }

    int size() {
        return size;
    }

    private static boolean insert(long[] s, long id) {
        int mask = s.length - 1;
        for (int i = mix(id) & mask; ; i = (i + 1) & mask) {
            if (s[i] == id) return false;
            if (s[i] == 0) {
                s[i] = id;
                return true;
            }
        }
    }

    private void grow() {
        long[] bigger = new long[slots.length * 2];
        for (long v : slots) if (v != 0) insert(bigger, v);
        slots = bigger;
    }

    private static int mix(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** The id the next thread created will get, at least: thread ids only grow. */
    static long next() {
        return Thread.ofVirtual().unstarted(NOTHING).threadId();
    }

    private static final Runnable NOTHING = () -> {
    };
}
