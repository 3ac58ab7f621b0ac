package dev.tether;

import static dev.tether.TestSupport.await;
import static dev.tether.TestSupport.awaitWaitReason;
import static dev.tether.TestSupport.eventually;
import static dev.tether.TestSupport.fork;
import static dev.tether.TestSupport.info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class GroupTest {

    /** Blocks until the task is cancelled; never returns normally. */
    private static Void blockUntilCancelled() throws InterruptedException {
        Channel.unbuffered().receive();
        throw new AssertionError("unreachable");
    }

    @Test
    void joinReturnsWhenEveryTaskSucceedsAndResultsAreJoinable() throws Exception {
        try (Group g = Group.open()) {
            Task<Integer> a = g.go(() -> 1);
            Task<String> b = g.go(() -> "two");
            g.join();
            assertEquals(1, a.join());
            assertEquals("two", b.join());
            assertTrue(g.context().isDone(), "join cancels the group's context, as Go's Wait does");
        }
    }

    @Test
    void joinWithNoTasksReturnsAtOnce() throws Exception {
        try (Group g = Group.open()) {
            g.join();
        }
    }

    @Test
    void firstFailureCancelsTheOthersAndJoinThrowsIt() throws Exception {
        IOException boom = new IOException("risk service down");
        CountDownLatch othersBlocked = new CountDownLatch(2);
        try (Group g = Group.open()) {
            Task<Void> slow1 = g.go(() -> {
                othersBlocked.countDown();
                return blockUntilCancelled();
            });
            Task<Void> slow2 = g.go(() -> {
                othersBlocked.countDown();
                Thread.sleep(TimeUnit.MINUTES.toMillis(5)); // plain JDK blocking: the interrupt stops it
                return null;
            });
            await(othersBlocked);
            Task<Void> failing = g.go(() -> {
                throw boom;
            });
            TaskFailedException e = assertThrows(TaskFailedException.class, g::join);
            assertSame(boom, e.getCause());
            assertEquals(0, e.getSuppressed().length, "the others only reported the cancellation: " + List.of(
                    e.getSuppressed()));
            assertTrue(e.getMessage().contains("task " + failing.id()), e.getMessage());
            assertSame(boom, g.context().cause(), "the failure is the context's cause");
            assertThrows(CancelledException.class, slow1::join);
            assertThrows(CancelledException.class, slow2::join);
            TaskFailedException own = assertThrows(TaskFailedException.class, failing::join,
                    "the failing task itself reports its failure, not a cancellation");
            assertSame(boom, own.getCause());
        }
    }

    @Test
    void laterIndependentFailuresAreAttachedAsSuppressed() throws Exception {
        CyclicBarrier together = new CyclicBarrier(2);
        IllegalStateException first = new IllegalStateException("first");
        IllegalArgumentException second = new IllegalArgumentException("second");
        try (Group g = Group.open()) {
            g.go(() -> {
                await(together);
                throw first;
            });
            g.go(() -> {
                await(together);
                // Fail only after the first failure was recorded (it cancels the group), on our own account.
                eventually(() -> g.context().isDone(), "the first failure cancels the group");
                throw second;
            });
            TaskFailedException e = assertThrows(TaskFailedException.class, g::join);
            assertSame(first, e.getCause());
            assertEquals(List.of(second), List.of(e.getSuppressed()));
            assertEquals(0, first.getSuppressed().length, "the tasks' own exceptions are not modified");
        }
    }

    @Test
    void closeWhenTheBlockThrowsCancelsAndWaitsForEveryTask() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        List<Task<?>> tasks = new ArrayList<>();
        Group[] group = new Group[1];
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> {
            try (Group g = Group.open()) {
                group[0] = g;
                tasks.add(g.go(() -> {
                    try {
                        started.countDown();
                        return blockUntilCancelled();
                    } finally {
                        finished.incrementAndGet();
                    }
                }));
                await(started);
                throw new RuntimeException("handler bug");
            }
        });
        assertEquals("handler bug", thrown.getMessage());
        assertEquals(1, finished.get(), "close() returned only after the task had finished");
        assertTrue(tasks.getFirst().isDone());
        assertThrows(IllegalStateException.class, () -> group[0].go(() -> 1), "go after close");
    }

    @Test
    void goAfterJoinIsAClearError() throws Exception {
        try (Group g = Group.open()) {
            g.go(() -> 1);
            g.join();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.go(() -> 2));
            assertTrue(e.getMessage().contains("join() or close() has begun"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> g.tryGo(() -> { }));
        }
    }

    @Test
    void limitBoundsHowManyRunAtOnceAndEveryTaskRuns() throws Exception {
        int limit = 3, tasks = 60;
        AtomicInteger running = new AtomicInteger(), maxSeen = new AtomicInteger(), ran = new AtomicInteger();
        try (Group g = Group.open()) {
            g.limit(limit);
            for (int i = 0; i < tasks; i++) {
                g.go(() -> {
                    int now = running.incrementAndGet();
                    maxSeen.accumulateAndGet(now, Math::max);
                    Thread.yield(); // give the others a chance to overlap
                    running.decrementAndGet();
                    ran.incrementAndGet();
                });
            }
            g.join();
        }
        assertEquals(tasks, ran.get());
        assertTrue(maxSeen.get() <= limit, "at most " + limit + " at once, saw " + maxSeen.get());
    }

    @Test
    void goWaitsForASlotAndTryGoDoesNot() throws Throwable {
        CountDownLatch release = new CountDownLatch(1);
        try (Group g = Group.open()) {
            g.limit(1);
            g.go(() -> {
                release.await();
                return null;
            });
            assertFalse(g.tryGo(() -> { }), "no slot free");
            AtomicInteger secondRan = new AtomicInteger();
            TestSupport.Forked<Task<Void>> waiting = fork(() -> g.go(() -> {
                secondRan.incrementAndGet();
            }));
            eventually(() -> isParkedIn(waiting.thread(), Group.class), "the second go waits for a slot");
            assertFalse(waiting.isDone());
            release.countDown();
            waiting.get().join();
            assertEquals(1, secondRan.get());
            g.join();
        }
    }

    private static boolean isParkedIn(Thread t, Class<?> blocker) {
        return blocker.isInstance(java.util.concurrent.locks.LockSupport.getBlocker(t));
    }

    @Test
    void aCallerWaitingForASlotCanBeInterruptedAndStartsNothing() throws Throwable {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        try (Group g = Group.open()) {
            g.limit(1);
            g.go(() -> {
                release.await();
                return null;
            });
            TestSupport.Forked<Boolean> waiting = fork(() -> {
                try {
                    g.go(ran::incrementAndGet);
                    return false;
                } catch (CancelledException e) {
                    return Thread.currentThread().isInterrupted();
                }
            });
            eventually(() -> isParkedIn(waiting.thread(), Group.class), "the caller waits for a slot");
            waiting.thread().interrupt();
            assertTrue(waiting.get(), "CancelledException with the interrupt status kept");
            release.countDown();
            g.join();
        }
        assertEquals(0, ran.get(), "the abandoned go started nothing");
    }

    @Test
    void aCallerWaitingForASlotIsAdmittedWithoutRunningOnceTheGroupFails() throws Throwable {
        CountDownLatch fail = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        IOException boom = new IOException("boom");
        try (Group g = Group.open()) {
            g.limit(1);
            g.go(() -> {
                fail.await();
                throw boom;
            });
            TestSupport.Forked<Task<Integer>> waiting = fork(() -> g.go(ran::incrementAndGet));
            eventually(() -> isParkedIn(waiting.thread(), Group.class), "the caller waits for a slot");
            fail.countDown();
            Task<Integer> never = waiting.get();
            assertThrows(CancelledException.class, never::join);
            TaskFailedException e = assertThrows(TaskFailedException.class, g::join);
            assertSame(boom, e.getCause());
        }
        assertEquals(0, ran.get());
    }

    @Test
    void cancellationFromOutsideMakesJoinThrowCancelled() throws Exception {
        try (CancelContext request = Context.background().withCancel(); Group g = Group.open(request)) {
            CountDownLatch started = new CountDownLatch(1);
            g.go(() -> {
                started.countDown();
                return blockUntilCancelled();
            });
            await(started);
            request.cancel(new IOException("client went away"));
            CancelledException e = assertThrows(CancelledException.class, g::join);
            assertInstanceOf(IOException.class, e.getCause());
        }
    }

    @Test
    void joinIsInterruptibleAndCloseStillCleansUp() throws Throwable {
        CountDownLatch started = new CountDownLatch(1);
        Task<?>[] task = new Task<?>[1];
        try (Group g = Group.open()) {
            task[0] = g.go(() -> {
                started.countDown();
                return blockUntilCancelled();
            });
            await(started);
            TestSupport.Forked<Boolean> joiner = fork(() -> {
                try {
                    g.join();
                    return false;
                } catch (InterruptedException e) {
                    return true;
                }
            });
            eventually(() -> isParkedIn(joiner.thread(), Group.class), "join waits");
            joiner.thread().interrupt();
            assertTrue(joiner.get());
            assertFalse(task[0].isDone(), "an interrupted join leaves the tasks to close()");
        }
        assertTrue(task[0].isDone());
    }

    @Test
    void dumpsListTheTasksAsOwnedByTheGroupAndAJoinerAsGroupWait() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope outer = TaskScope.open(); Group g = Group.open("checkout", Context.current())) {
            Task<Void> t = g.go(() -> {
                release.await();
                return null;
            });
            Task<Void> joiner = outer.go(() -> {
                g.join();
                return null;
            });
            TaskInfo waiting = awaitWaitReason(joiner, "group wait");
            assertEquals("group " + g.id(), waiting.waitingOn().orElseThrow());
            TaskInfo i = info(t);
            TaskInfo.Owner owner = i.owner().orElseThrow();
            assertEquals(TaskInfo.Owner.Kind.GROUP, owner.kind());
            assertEquals("group " + g.id(), owner.toString());
            assertEquals("checkout", owner.name());
            release.countDown();
            joiner.join();
        }
    }

    @Test
    void badLimitsAreRejected() {
        try (Group g = Group.open()) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> g.limit(0)).getMessage()
                    .contains("limit must be >= 1, was 0"));
            assertThrows(IllegalArgumentException.class, () -> g.limit(-3));
            g.go(() -> 1);
            assertThrows(IllegalStateException.class, () -> g.limit(2), "limit after the first go");
        }
        assertThrows(NullPointerException.class, () -> Group.open((Context) null));
        try (Group g = Group.open()) {
            assertThrows(NullPointerException.class, () -> g.go((Task.Body) null));
        }
    }

    /**
     * Rounds of a limited group where one random task may fail: every task that was not stopped by the failure ran
     * exactly once, no more than the limit ran at once, and join reports exactly the planted failure.
     */
    @Test
    void stressEveryTaskRunsAtMostOnceWithinTheLimit() throws Exception {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int round = 0; round < 200; round++) {
            int limit = 1 + rnd.nextInt(4), n = 1 + rnd.nextInt(40);
            int failAt = rnd.nextBoolean() ? rnd.nextInt(n) : -1;
            Set<Integer> ran = ConcurrentHashMap.newKeySet();
            AtomicInteger running = new AtomicInteger(), max = new AtomicInteger(), dup = new AtomicInteger();
            RuntimeException planted = new RuntimeException("planted in round " + round);
            Throwable reported = null;
            try (Group g = Group.open()) {
                g.limit(limit);
                for (int i = 0; i < n; i++) {
                    int id = i;
                    g.go(() -> {
                        max.accumulateAndGet(running.incrementAndGet(), Math::max);
                        try {
                            if (!ran.add(id)) dup.incrementAndGet();
                            if (id == failAt) throw planted;
                        } finally {
                            running.decrementAndGet();
                        }
                    });
                }
                try {
                    g.join();
                } catch (TaskFailedException e) {
                    reported = e.getCause();
                }
            }
            assertEquals(0, dup.get(), "a task ran twice");
            assertTrue(max.get() <= limit, "limit " + limit + " exceeded: " + max.get());
            if (failAt < 0) {
                assertEquals(n, ran.size(), "round " + round + ": every task ran");
                assertEquals(null, reported);
            } else {
                assertSame(planted, reported);
                assertTrue(ran.contains(failAt));
            }
        }
    }

    /**
     * Rounds of several threads starting tasks in one limited group at once (with {@code go} and {@code tryGo}),
     * while, in half the rounds, another thread joins before they are done: every accepted task ran exactly once and
     * no refused one ran, no more than the limit ran at once, and once {@code join} returned no task was running and
     * none started afterwards. The slot handover and the join's wake-up race with lock-free exits here.
     */
    @Test
    void stressConcurrentStartersAndAnEarlyJoinLoseNoSlotAndNoWakeUp() throws Exception {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int round = 0; round < 300; round++) {
            int limit = 1 + rnd.nextInt(3), starters = 2 + rnd.nextInt(3), perStarter = 1 + rnd.nextInt(25);
            boolean earlyJoin = rnd.nextBoolean();
            AtomicInteger running = new AtomicInteger(), max = new AtomicInteger(), started = new AtomicInteger(),
                    accepted = new AtomicInteger(), ran = new AtomicInteger(), dup = new AtomicInteger();
            Set<Integer> ids = ConcurrentHashMap.newKeySet();
            CyclicBarrier go = new CyclicBarrier(starters + 1);
            List<Thread> threads = new ArrayList<>();
            int startedAtJoin, runningAtJoin;
            try (Group g = Group.open()) {
                g.limit(limit);
                for (int t = 0; t < starters; t++) {
                    int base = t * perStarter;
                    threads.add(Thread.ofVirtual().start(() -> {
                        try {
                            go.await();
                            for (int i = 0; i < perStarter; i++) {
                                int id = base + i;
                                Task.Body body = () -> {
                                    started.incrementAndGet();
                                    max.accumulateAndGet(running.incrementAndGet(), Math::max);
                                    if (!ids.add(id)) dup.incrementAndGet();
                                    Thread.yield();
                                    running.decrementAndGet();
                                    ran.incrementAndGet();
                                };
                                if (i % 3 == 2) {
                                    if (g.tryGo(body)) accepted.incrementAndGet();
                                } else {
                                    g.go(body);
                                    accepted.incrementAndGet();
                                }
                            }
                        } catch (IllegalStateException joinBegun) {
                            // the early join stopped intake: expected in those rounds
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }));
                }
                go.await(10, TimeUnit.SECONDS);
                if (!earlyJoin) for (Thread t : threads) assertTrue(t.join(Duration.ofSeconds(30)), "a starter hung");
                g.join();
                startedAtJoin = started.get();
                runningAtJoin = running.get();
            }
            for (Thread t : threads) assertTrue(t.join(Duration.ofSeconds(30)), "a starter hung");
            String where = "round " + round + " (limit " + limit + ", " + starters + " starters, early join "
                    + earlyJoin + ")";
            assertEquals(0, dup.get(), where + ": a task ran twice");
            assertEquals(0, runningAtJoin, where + ": a task was running when join returned");
            assertEquals(startedAtJoin, started.get(), where + ": a task started after join returned");
            assertEquals(accepted.get(), ran.get(), where + ": every accepted task ran, and no other");
            assertTrue(max.get() <= limit, where + ": limit exceeded: " + max.get());
            if (!earlyJoin) assertTrue(accepted.get() >= starters * (perStarter - perStarter / 3), where);
        }
    }
}
