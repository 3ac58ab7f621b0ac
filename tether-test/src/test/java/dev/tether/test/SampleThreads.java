package dev.tether.test;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;

/**
 * The threads that {@link Sample} tests leak on purpose, kept so that the test running the sample can end them.
 * A sample starts its thread itself (so that the creation site is the sample's line) and passes it to
 * {@link #keep}; its body waits on {@link #release()} itself (so that the blocking line is the sample's too).
 */
final class SampleThreads {
    private SampleThreads() {
    }

    private static final Queue<Thread> KEPT = new ConcurrentLinkedQueue<>();
    private static volatile CountDownLatch release = new CountDownLatch(1);

    /** Keeps {@code t} for {@link #endAll}. */
    static Thread keep(Thread t) {
        KEPT.add(t);
        return t;
    }

    /** The latch that sample threads wait on until {@link #endAll}. */
    static CountDownLatch release() {
        return release;
    }

    /** Releases, interrupts and waits for every kept thread; then arms a new latch for the next run. */
    static void endAll() {
        CountDownLatch r = release;
        release = new CountDownLatch(1);
        r.countDown();
        List<Thread> all = List.copyOf(KEPT);
        KEPT.clear();
        LeakTestSupport.end(all);
    }
}
