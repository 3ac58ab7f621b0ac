package dev.tether;

import static dev.tether.TestSupport.await;
import static dev.tether.TestSupport.awaitParked;
import static dev.tether.TestSupport.fork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// Safety net only (the tests synchronize with bounded waits): a deadlock fails the test instead of hanging the build.
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TaskScopeTest {

    /** A body that ignores cancellation until {@code release} opens. */
    private static void awaitUninterruptibly(CountDownLatch release) {
        boolean interrupted = false;
        while (true) {
            try {
                release.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    @Test
    void closeCancelsEveryRunningTaskAndWaitsForAllOfThem() throws Exception {
        CountDownLatch started = new CountDownLatch(3);
        Channel<String> ch = Channel.unbuffered();
        List<Task<?>> tasks = new ArrayList<>();
        TaskScope scope = TaskScope.open();
        tasks.add(scope.go(() -> {
            started.countDown();
            Thread.sleep(Duration.ofHours(1));
        }));
        tasks.add(scope.go(() -> {
            started.countDown();
            return new LinkedBlockingQueue<String>().take();
        }));
        tasks.add(scope.go(() -> {
            started.countDown();
            return ch.receive();
        }));
        await(started);
        assertEquals(3, scope.liveTasks());

        scope.close();

        assertEquals(0, scope.liveTasks());
        for (Task<?> t : tasks) {
            assertTrue(t.isDone(), t + " finished before close returned");
            assertThrows(CancelledException.class, t::join);
        }
        assertTrue(scope.context().isDone());
    }

    @Test
    void closeWaitsForTheTasksCleanup() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean cleanedUp = new AtomicBoolean();
        try (TaskScope scope = TaskScope.open()) {
            scope.go(() -> {
                started.countDown();
                try {
                    Thread.sleep(Duration.ofHours(1));
                } finally {
                    Thread.sleep(30); // simulated slow cleanup
                    cleanedUp.set(true);
                }
            });
            await(started);
        }
        assertTrue(cleanedUp.get(), "close returned only after the cancelled task finished");
    }

    @Test
    void finishedResultsStayJoinableAfterClose() throws Exception {
        Task<String> t;
        try (TaskScope scope = TaskScope.open()) {
            t = scope.go(() -> "result");
            assertEquals("result", t.join());
        }
        assertEquals("result", t.join());
    }

    @Test
    void goAfterCloseThrowsIllegalStateAndRunsNothing() {
        AtomicBoolean ran = new AtomicBoolean();
        TaskScope scope = TaskScope.open();
        scope.close();
        assertThrows(IllegalStateException.class, () -> scope.go(() -> ran.set(true)));
        assertThrows(IllegalStateException.class, () -> scope.go(() -> 1));
        assertThrows(IllegalStateException.class, () -> scope.go("n", () -> ran.set(true)));
        assertThrows(IllegalStateException.class, () -> scope.go("n", () -> 1));
        assertEquals(0, scope.liveTasks());
        assertFalse(ran.get());
    }

    @Test
    void closeIsIdempotent() throws Exception {
        TaskScope scope = TaskScope.open();
        Task<Integer> t = scope.go(() -> 1);
        scope.close();
        scope.close();
        assertTrue(t.isDone());
    }

    @Test
    void cancelStopsRunningTasksButKeepsTheScopeOpen() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean lateRan = new AtomicBoolean();
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> running = scope.go(() -> {
                started.countDown();
                Thread.sleep(Duration.ofHours(1));
            });
            await(started);
            scope.cancel();
            assertThrows(CancelledException.class, running::join);
            Task<Void> late = scope.go(() -> lateRan.set(true)); // no IllegalStateException: still open
            assertThrows(CancelledException.class, late::join, "a task born under a done context never runs");
        }
        assertFalse(lateRan.get());
    }

    @Test
    void scopeContextDerivesFromTheCurrentContext() throws Exception {
        Context.Key<String> k = Context.Key.of("k", String.class);
        CancelContext ctx = Context.background().withValue(k, "v").withCancel();
        try (TaskScope scope = ctx.call(TaskScope::open)) {
            assertEquals("v", scope.context().value(k).orElseThrow());
            assertFalse(scope.context().isDone());
            RuntimeException why = new RuntimeException("why");
            ctx.cancel(why);
            assertTrue(scope.context().isDone());
            assertSame(why, scope.context().cause());
        }
    }

    @Test
    void scopeOpenedOnAParentIsCancelledWithIt() throws Exception {
        CancelContext parent = Context.background().withCancel();
        try (TaskScope scope = TaskScope.open("named", parent)) {
            Task<Void> t = scope.go(() -> Thread.sleep(Duration.ofHours(1)));
            parent.cancel();
            assertThrows(CancelledException.class, t::join);
            assertTrue(scope.context().isDone());
        }
    }

    @Test
    void closeCancelsTheScopeContextButNotItsParent() {
        try (CancelContext parent = Context.background().withCancel()) {
            TaskScope scope = TaskScope.open(parent);
            scope.close();
            assertTrue(scope.context().isDone());
            assertInstanceOf(CancelledException.class, scope.context().cause());
            assertFalse(parent.isDone());
        }
    }

    @Test
    void liveTasksCountsTasksNotYetFinished() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            assertEquals(0, scope.liveTasks());
            Task<Void> a = scope.go(() -> release.await());
            Task<Void> b = scope.go(() -> release.await());
            assertEquals(2, scope.liveTasks());
            release.countDown();
            a.join();
            b.join();
            TestSupport.eventually(() -> scope.liveTasks() == 0, "both tasks are counted out");
        }
    }

    @Test
    void closeIsUninterruptibleAndKeepsTheInterruptStatus() throws Throwable {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TaskScope scope = TaskScope.open();
        Task<Void> stubborn = scope.go(() -> {
            started.countDown();
            awaitUninterruptibly(release);
        });
        await(started);
        TestSupport.Forked<Boolean> closer = fork(() -> {
            Thread.currentThread().interrupt();
            scope.close();
            return Thread.currentThread().isInterrupted();
        });
        try {
            awaitParked(closer.thread());
            closer.thread().interrupt();
            awaitParked(closer.thread());
            assertFalse(closer.isDone(), "an interrupt does not make close abandon a running task");
        } finally {
            release.countDown();
        }
        assertTrue(closer.get(), "the interrupt status is kept");
        assertTrue(stubborn.isDone());
    }

    @Test
    void concurrentClosesAllReturnOnceTheTasksHaveFinished() throws Throwable {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        TaskScope scope = TaskScope.open();
        Task<Void> stubborn = scope.go(() -> {
            started.countDown();
            awaitUninterruptibly(release);
        });
        await(started);
        List<TestSupport.Forked<Object>> closers = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                TestSupport.Forked<Object> c = fork(() -> {
                    scope.close();
                    return null;
                });
                closers.add(c);
                awaitParked(c.thread());
            }
        } finally {
            release.countDown();
        }
        for (var c : closers) c.get(); // each close returns (bounded wait), none is left parked
        assertTrue(stubborn.isDone());
    }

    @Test
    void spawnsRacingWithCloseEitherFailOrAreFinishedWhenCloseReturns() throws Throwable {
        for (int round = 0; round < 50; round++) {
            TaskScope scope = TaskScope.open();
            CyclicBarrier go = new CyclicBarrier(5);
            ConcurrentLinkedQueue<Task<?>> spawned = new ConcurrentLinkedQueue<>();
            AtomicInteger refused = new AtomicInteger();
            List<TestSupport.Forked<Object>> spawners = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                spawners.add(fork(() -> {
                    await(go);
                    for (int i = 0; i < 50; i++) {
                        try {
                            spawned.add(scope.go(() -> Thread.sleep(Duration.ofHours(1))));
                        } catch (IllegalStateException e) {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            await(go);
            scope.close();
            List<Task<?>> admittedByClose = List.copyOf(spawned);
            for (Task<?> t : admittedByClose) assertTrue(t.isDone(), "admitted before close, finished by close");
            for (var s : spawners) s.get();
            assertEquals(200, spawned.size() + refused.get(), "every spawn either succeeded or was refused");
            for (Task<?> t : spawned) {
                assertTrue(t.isDone(), "a task admitted by a closed scope is finished, never left running");
                assertThrows(CancelledException.class, t::join);
            }
        }
    }

    @Test
    void scopeCanBeUsedFromManyThreads() throws Throwable {
        AtomicInteger sum = new AtomicInteger();
        try (TaskScope scope = TaskScope.open()) {
            List<TestSupport.Forked<List<Task<Void>>>> spawners = new ArrayList<>();
            for (int s = 0; s < 8; s++) {
                spawners.add(fork(() -> {
                    List<Task<Void>> mine = new ArrayList<>();
                    for (int i = 0; i < 50; i++) mine.add(scope.go(() -> { sum.incrementAndGet(); }));
                    return mine;
                }));
            }
            for (var s : spawners) for (Task<Void> t : s.get()) t.join();
        }
        assertEquals(400, sum.get());
    }

    @Test
    void aFailingTaskDoesNotAffectItsSiblingsOrClose() throws Exception {
        Task<Void> failing;
        Task<String> sibling;
        try (TaskScope scope = TaskScope.open()) {
            failing = scope.go(() -> {
                throw new IllegalStateException("bad");
            });
            sibling = scope.go(() -> "fine");
            assertThrows(TaskFailedException.class, failing::join);
            assertEquals("fine", sibling.join());
        }
        assertTrue(failing.isDone() && sibling.isDone());
    }

    @Test
    void scopesHaveDistinctIds() {
        try (TaskScope a = TaskScope.open(); TaskScope b = TaskScope.open()) {
            assertNotEquals(a.id(), b.id());
        }
    }

    @Test
    void nullArgumentsAreRejected() {
        assertThrows(NullPointerException.class, () -> TaskScope.open((Context) null));
        assertThrows(NullPointerException.class, () -> TaskScope.open("n", null));
        assertThrows(NullPointerException.class, () -> TaskScope.open(null, Context.background()));
    }

    @Test
    void finishedTasksDoNotAccumulateUnderALongLivedScope() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            CancelContext ctx = (CancelContext) scope.context();
            // A long-lived task adopted first ends up last in the list, behind every short one that follows it.
            Task<Void> longLived = scope.go(() -> release.await());
            // Twice the (at most 2) live tasks, plus the sweep's minimum of 16, plus the one being adopted.
            int bound = 2 * 2 + 16 + 1;
            int most = 0;
            for (int i = 0; i < 10_000; i++) {
                int n = i;
                assertEquals(n, (int) scope.go(() -> n).join());
                most = Math.max(most, TestSupport.linkedChildren(ctx));
            }
            // A finished task's context stays linked only until the list has doubled.
            assertTrue(most <= bound, "linked children peaked at " + most);
            // A burst of live tasks, then all of them finish: the next spawns sweep them out again.
            CountDownLatch burst = new CountDownLatch(1);
            List<Task<Void>> many = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) many.add(scope.go(() -> burst.await()));
            burst.countDown();
            for (Task<Void> t : many) t.join();
            for (int i = 0; i < 2_000; i++) scope.go(() -> 0).join();
            assertTrue(TestSupport.linkedChildren(ctx) <= bound,
                    "linked children after the burst: " + TestSupport.linkedChildren(ctx));
            // Cancellation still reaches the live task through the swept list.
            assertFalse(longLived.isDone());
            scope.cancel();
            assertThrows(CancelledException.class, longLived::join);
        }
    }

    @Test
    void aFinishedTasksContextLetsGoOfTheTask() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<byte[]> t = scope.go(() -> new byte[1024]);
            t.join();
            // The context may stay linked in the scope's until a sweep: it must not keep the task (and its result).
            assertNull(TestSupport.taskOf(t.context()));
        }
    }
}
