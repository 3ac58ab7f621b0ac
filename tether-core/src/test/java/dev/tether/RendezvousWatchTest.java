package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rendezvous waiter whose thread last woke a partner that has not run since watches that partner now and then
 * before parking (see {@code Waiter.watch}). The watch is a scheduling hint: it may decide between spinning and
 * parking, never what the wait returns.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RendezvousWatchTest {

    private static Waiter rendezvousWaiter() {
        return new Waiter(Thread.currentThread(), Waiter.Kind.RENDEZVOUS, null);
    }

    /** Runs {@code body} as a task: the watch uses the task's memory of whom it last woke. */
    private static <T> T inTask(Callable<T> body) throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            return scope.go(body).join();
        }
    }

    @Test
    void aWatchedPartnerThatNeverRunsBacksTheWatchOffExponentially() throws Exception {
        inTask(() -> {
            Task<?> me = Task.current0();
            Waiter w = rendezvousWaiter();
            // The partner never runs (it is "queued behind us"): each watch misses and doubles the next gap.
            int watches = 0;
            for (int wait = 0; wait < 600; wait++) {
                int skipsBefore = w.watchSkips;
                me.wokeLast = new Waiter.Parking();
                assertEquals(Waiter.WAITING, w.spinForRendezvous(me), "nobody claimed the waiter");
                if (skipsBefore == 0) {
                    watches++;
                    assertEquals(Math.min(watches, 8), w.watchBackoff, "backoff after " + watches + " misses");
                    assertEquals((1 << w.watchBackoff) - 1, w.watchSkips);
                } else {
                    assertEquals(skipsBefore - 1, w.watchSkips, "a wait between watches only counts down");
                }
            }
            // The k-th watch comes at wait 2^k - 2: waits 0, 2, 6, ..., 254 (the eighth reaches the cap), then 510.
            assertEquals(9, watches);
            // A partner seen running (here: before the wait) means no hint at all: a plain spin, no watch.
            while (w.watchSkips > 0) {
                me.wokeLast = new Waiter.Parking();
                w.spinForRendezvous(me);
            }
            Waiter.Parking running = new Waiter.Parking();
            running.over = true;
            me.wokeLast = running;
            assertEquals(Waiter.WAITING, w.spinForRendezvous(me));
            assertEquals(8, w.watchBackoff, "no watch took place, so the backoff stands");
            return null;
        });
    }

    @Test
    void aWaitWhoseWatchedPartnerStartsRunningSpinsAndStillReportsOnlyRealStates() throws Exception {
        // A helper marks the current partner as running while the waiting task may be watching it. Whether the
        // mark lands before, during or after the watch, the wait must end in a real state: here WAITING, since
        // nobody claims, or the claim a second helper makes.
        AtomicReference<Waiter.Parking> partner = new AtomicReference<>();
        AtomicReference<Waiter> claimable = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread marker = Thread.ofPlatform().start(() -> {
            Waiter.Parking last = null;
            int delay = 0;
            while (!stop.get()) {
                Waiter.Parking p = partner.get();
                if (p != null && p != last) {
                    // Mark each new partner after a delay that varies, so that marks land before, during and after
                    // the watch (about 16 onSpinWait calls long).
                    for (int i = delay++ % 24; i > 0; i--) Thread.onSpinWait();
                    p.over = true;
                    last = p;
                }
                Waiter w = claimable.get();
                if (w != null) w.tryClaim(0);
                Thread.onSpinWait();
            }
        });
        try {
            int[] outcomes = inTask(() -> {
                Task<?> me = Task.current0();
                int[] seen = new int[2]; // [unclaimed, claimed]
                for (int i = 0; i < 10_000; i++) {
                    Waiter w = rendezvousWaiter();
                    if (i % 2 == 1) claimable.set(w);
                    Waiter.Parking p = new Waiter.Parking();
                    me.wokeLast = p;
                    partner.set(p);
                    int s = w.spinForRendezvous(me);
                    assertTrue(s == Waiter.WAITING || s == 0, "a wait ended in state " + s);
                    seen[s == 0 ? 1 : 0]++;
                    claimable.set(null);
                    w.tryClaim(Waiter.INTERRUPTED); // end it, as the waiting thread would by parking and giving up
                }
                return seen;
            });
            assertEquals(10_000, outcomes[0] + outcomes[1]);
        } finally {
            stop.set(true);
            marker.join();
        }
    }
}
