package dev.tether;

import static dev.tether.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * "Every accepted job either runs or is handed back": several submitters race {@code shutdownNow} (and
 * {@code shutdown}), and every job is accounted for exactly once, as run, handed back or not accepted.
 */
// Safety net only (the tests synchronize with bounded waits): a deadlock fails the test instead of hanging the build.
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WorkerPoolStressTest {

    /** A job that counts its own start in {@code ledger}, now and then taking a little longer. */
    private static final class Job implements Task.Body {
        final int id;
        private final Ledger ledger;
        private final CountDownLatch progress;

        Job(int id, Ledger ledger, CountDownLatch progress) {
            this.id = id;
            this.ledger = ledger;
            this.progress = progress;
        }

        @Override
        public void run() {
            ledger.received(id); // "started running": first thing, so an interrupt cannot skip it
            progress.countDown();
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            if (rnd.nextInt(8) == 0) LockSupport.parkNanos(rnd.nextLong(1_000, 20_000));
        }
    }

    /**
     * Submitters that each submit distinct ids until the pool rejects them; {@code ledger} records each attempt as
     * accepted ({@code sent}) or not ({@code failed}).
     */
    private static List<Task<Void>> submitters(TaskScope scope, WorkerPool pool, int n, int range, Ledger ledger,
                                               CountDownLatch progress, boolean useTry) {
        List<Task<Void>> ts = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            int base = s * range;
            ts.add(scope.go(() -> {
                for (int i = 0; i < range; i++) { // in practice: until the pool rejects
                    int id = base + i;
                    try {
                        if (useTry && (i & 1) == 0) {
                            if (pool.trySubmit(new Job(id, ledger, progress))) ledger.sent(id);
                            else ledger.failed(id);
                        } else {
                            pool.submit(new Job(id, ledger, progress));
                            ledger.sent(id);
                        }
                    } catch (RejectedExecutionException e) {
                        ledger.failed(id);
                        return;
                    }
                }
                throw new AssertionError("submitter ran out of ids before the shutdown");
            }));
        }
        return ts;
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 16})
    void shutdownNowRacingSubmittersLosesAndDuplicatesNoJob(int capacity) throws Exception {
        int submitters = 4, range = 50_000, rounds = 150;
        long handedBackTotal = 0, rejectedTotal = 0;
        for (int round = 0; round < rounds; round++) {
            Ledger ledger = new Ledger(submitters * range);
            int stopAfter = ThreadLocalRandom.current().nextInt(1, 300);
            CountDownLatch progress = new CountDownLatch(stopAfter);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            WorkerPool pool = WorkerPool.open("stress", 3, capacity, Context.background(), failures::add);
            List<Task.Body> left;
            try (TaskScope scope = TaskScope.open()) {
                List<Task<Void>> ts = submitters(scope, pool, submitters, range, ledger, progress, round % 2 == 1);
                await(progress);
                left = pool.shutdownNow();
                for (Task<Void> t : ts) t.join();
            }
            for (Task.Body job : left) ledger.received(((Job) job).id); // handed back: accounted for once
            Ledger.Totals t = ledger.verify(false);
            assertTrue(t.failed() >= submitters, "every submitter was rejected in the end");
            assertTrue(failures.isEmpty(), failures::toString);
            assertTrue(left.size() <= capacity, "no more handed back than the queue holds");
            handedBackTotal += left.size();
            rejectedTotal += t.failed();
        }
        if (capacity > 0) assertTrue(handedBackTotal > 0, "the race was exercised: some rounds handed jobs back");
        assertTrue(rejectedTotal >= (long) rounds * submitters);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 16})
    void shutdownRacingSubmittersRunsEveryAcceptedJob(int capacity) throws Exception {
        int submitters = 4, range = 50_000;
        for (int round = 0; round < 100; round++) {
            Ledger ledger = new Ledger(submitters * range);
            int stopAfter = ThreadLocalRandom.current().nextInt(1, 300);
            CountDownLatch progress = new CountDownLatch(stopAfter);
            WorkerPool pool = WorkerPool.open("graceful", 2, capacity, Context.background(), e -> {
                throw new AssertionError("no job fails", e);
            });
            AtomicInteger afterNow = new AtomicInteger(-1);
            try (TaskScope scope = TaskScope.open()) {
                List<Task<Void>> ts = submitters(scope, pool, submitters, range, ledger, progress, false);
                await(progress);
                pool.shutdown();
                afterNow.set(pool.shutdownNow().size());
                for (Task<Void> t : ts) t.join();
            }
            assertEquals(0, afterNow.get(), "shutdown ran everything: nothing left to hand back");
            Ledger.Totals t = ledger.verify(false);
            assertEquals(t.delivered(), t.received(), "every accepted job ran");
        }
    }
}
