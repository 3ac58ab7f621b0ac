package dev.tether;

import static dev.tether.TestSupport.awaitWaitReason;
import static dev.tether.TestSupport.eventually;
import static dev.tether.TestSupport.fork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class WaitGroupTest {

    private static boolean parkedOn(Thread t, Object blocker) {
        return java.util.concurrent.locks.LockSupport.getBlocker(t) == blocker;
    }

    @Test
    void awaitReturnsAtOnceWhenTheCounterIsZero() throws Exception {
        new WaitGroup().await();
    }

    @Test
    void awaitReturnsWhenEveryAddedUnitIsDone() throws Throwable {
        WaitGroup wg = new WaitGroup();
        AtomicInteger finished = new AtomicInteger();
        int n = 50;
        try (TaskScope scope = TaskScope.open()) {
            wg.add(n);
            for (int i = 0; i < n; i++) {
                scope.go(() -> {
                    finished.incrementAndGet();
                    wg.done();
                });
            }
            wg.await();
            assertEquals(n, finished.get(), "await returned before every done()");
            assertEquals(0, wg.count());
        }
    }

    @Test
    void everyWaiterIsReleasedAndTheGroupCanBeReused() throws Throwable {
        WaitGroup wg = new WaitGroup();
        for (int batch = 0; batch < 3; batch++) {
            wg.add(1);
            List<TestSupport.Forked<Boolean>> waiters = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                waiters.add(fork(() -> {
                    wg.await();
                    return true;
                }));
            }
            for (var w : waiters) eventually(() -> parkedOn(w.thread(), wg), "waiter parked");
            wg.done();
            for (var w : waiters) assertTrue(w.get());
        }
    }

    @Test
    void aCounterBelowZeroIsAClearErrorAndLeavesTheCounterAlone() {
        WaitGroup wg = new WaitGroup();
        wg.add(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> wg.add(-3));
        assertTrue(e.getMessage().contains("would become negative (2 + -3)"), e.getMessage());
        assertEquals(2, wg.count());
        wg.done();
        wg.done();
        assertThrows(IllegalStateException.class, wg::done, "done() once too often");
        assertEquals(0, wg.count());
        wg.add(Integer.MAX_VALUE);
        assertThrows(IllegalStateException.class, () -> wg.add(1), "overflow");
    }

    @Test
    void awaitIsInterruptible() throws Throwable {
        WaitGroup wg = new WaitGroup();
        wg.add(1);
        TestSupport.Forked<Boolean> waiter = fork(() -> {
            try {
                wg.await();
                return false;
            } catch (InterruptedException e) {
                return !Thread.currentThread().isInterrupted();
            }
        });
        eventually(() -> parkedOn(waiter.thread(), wg), "waiter parked");
        waiter.thread().interrupt();
        assertTrue(waiter.get(), "InterruptedException with the status cleared");
        wg.done(); // no waiter left to wake, and nothing breaks
    }

    @Test
    void awaitStopsWhenTheCurrentContextIsCancelled() throws Exception {
        WaitGroup wg = new WaitGroup();
        wg.add(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> waiter = scope.go(() -> {
                wg.await();
                return null;
            });
            awaitWaitReason(waiter, "sync.WaitGroup.Wait");
            waiter.cancel();
            assertThrows(CancelledException.class, waiter::join);
        }
    }

    @Test
    void timedAwaitTimesOutAndReportsTheCounter() throws Exception {
        WaitGroup wg = new WaitGroup();
        wg.add(2);
        TimeoutException e = assertThrows(TimeoutException.class, () -> wg.await(Duration.ofMillis(20)));
        assertTrue(e.getMessage().contains("still 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> wg.await(Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> wg.await(null));
        wg.add(-2);
        wg.await(Duration.ZERO);
        assertFalse(wg.toString().isEmpty());
    }
}
