package dev.tether.leakprof;

/**
 * An open-addressing map from long to long, for per-task state across samples without a boxed entry per task (a
 * million tasks cost 32 MB here, over 100 MB in a {@code HashMap<Long, Long>}). Keys are thread or task ids, which
 * are positive; {@value #FREE} marks a free slot. Not thread-safe.
 */
final class LongLongMap {
    static final long FREE = 0;
    static final long MISSING = Long.MIN_VALUE;

    private long[] keys;
    private long[] values;
    private int size;

    LongLongMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
    }

    int size() {
        return size;
    }

    long get(long key) {
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) return values[i];
            if (k == FREE) return MISSING;
        }
    }

    void put(long key, long value) {
        if (key == FREE) throw new IllegalArgumentException("key must not be " + FREE);
        if ((size + 1) * 2 > keys.length) grow();
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                values[i] = value;
                return;
            }
            if (k == FREE) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
        }
    }

    private void grow() {
        long[] ok = keys, ov = values;
        keys = new long[ok.length * 2];
        values = new long[ok.length * 2];
        size = 0;
        for (int i = 0; i < ok.length; i++) if (ok[i] != FREE) put(ok[i], ov[i]);
    }

    private static int mix(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public String toString() {
        return "LongLongMap[size=" + size + ", capacity=" + keys.length + "]";
    }
}
