package dev.tether;

import static dev.tether.TestSupport.await;
import static dev.tether.TestSupport.awaitParked;
import static dev.tether.TestSupport.fork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// Safety net only (the tests synchronize with bounded waits): a deadlock fails the test instead of hanging the build.
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TaskTest {

    /** Blocks until {@code latch} opens, ignoring interrupts: a body that does not respond to cancellation. */
    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    // ---- results ------------------------------------------------------------------------------------------------

    @Test
    void joinReturnsTheBodysResult() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<Integer> t = scope.go(() -> 6 * 7);
            assertEquals(42, t.join());
            assertTrue(t.isDone());
            assertEquals(42, t.join(), "joining again returns the same result");
        }
    }

    @Test
    void bodyWithoutResultJoinsToNull() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> ran.set(true));
            assertNull(t.join());
            assertTrue(ran.get());
        }
    }

    @Test
    void failureMakesJoinThrowTaskFailedWithTheCause() throws Exception {
        IOException io = new IOException("disk on fire");
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> {
                throw io;
            });
            TaskFailedException e = assertThrows(TaskFailedException.class, t::join);
            assertSame(io, e.getCause());
            assertTrue(t.isDone());
        }
    }

    @Test
    void taskActionsHappenBeforeJoinReturns() throws Exception {
        int[] plain = new int[1];
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 1; i <= 200; i++) {
                int v = i;
                scope.go(() -> plain[0] = v).join();
                assertEquals(v, plain[0]);
            }
        }
    }

    // ---- cancellation ------------------------------------------------------------------------------------------

    @Test
    void cancelInterruptsABlockingQueueTakeAndJoinThrowsCancelled() throws Exception {
        RuntimeException why = new RuntimeException("no longer needed");
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean sawInterrupt = new AtomicBoolean();
        try (TaskScope scope = TaskScope.open()) {
            Task<Object> t = scope.go(() -> {
                started.countDown();
                try {
                    return new LinkedBlockingQueue<>().take();
                } catch (InterruptedException e) {
                    sawInterrupt.set(true);
                    throw e;
                }
            });
            await(started);
            t.cancel(why);
            CancelledException e = assertThrows(CancelledException.class, t::join);
            assertSame(why, e.getCause());
            assertTrue(sawInterrupt.get(), "the JDK call was interrupted");
            assertSame(why, t.context().cause());
        }
    }

    @Test
    void cancelInterruptsALongSleep() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> {
                started.countDown();
                Thread.sleep(Duration.ofHours(1));
            });
            await(started);
            t.cancel();
            assertThrows(CancelledException.class, t::join);
            assertTrue(t.isDone());
        }
    }

    @Test
    void cancelOfAFinishedTaskHasNoEffect() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<String> t = scope.go(() -> "done");
            assertEquals("done", t.join());
            t.cancel(new RuntimeException("too late"));
            assertEquals("done", t.join());
        }
    }

    @Test
    void taskWhoseContextIsDoneBeforeItStartsNeverRunsItsBody() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        try (TaskScope scope = TaskScope.open()) {
            scope.cancel();
            Task<Void> t = scope.go(() -> ran.set(true));
            assertThrows(CancelledException.class, t::join);
            assertFalse(ran.get());
        }
    }

    @Test
    void cancellingTheContextATaskDerivesFromCancelsTheTask() throws Exception {
        CancelContext ctx = Context.background().withCancel();
        CountDownLatch started = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open(ctx)) {
            Task<Void> t = scope.go(() -> {
                started.countDown();
                Thread.sleep(Duration.ofHours(1));
            });
            await(started);
            ctx.cancel(new RuntimeException("upstream"));
            CancelledException e = assertThrows(CancelledException.class, t::join);
            assertEquals("upstream", e.getCause().getMessage());
        }
    }

    @Test
    void expiringDeadlineCancelsTheTaskWithDeadlineExceeded() throws Exception {
        try (CancelContext ctx = Context.background().withTimeout(Duration.ofMillis(20));
             TaskScope scope = TaskScope.open(ctx)) {
            Task<Void> t = scope.go(() -> Thread.sleep(Duration.ofHours(1)));
            assertThrows(DeadlineExceededException.class, t::join);
            assertInstanceOf(DeadlineExceededException.class, t.context().err());
        }
    }

    // ---- ownership --------------------------------------------------------------------------------------------

    @Test
    void goOutsideATaskThrowsIllegalState() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Task.go(() -> 1));
        assertTrue(e.getMessage().contains("TaskScope"), "the message says what to do instead: " + e.getMessage());
    }

    @Test
    void goInsideATaskSpawnsATaskOwnedByIt() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<Context> parent = scope.go(() -> {
                Task<Context> child = Task.go(Context::current);
                Context childContext = child.join();
                Context mine = Context.current();
                // the child's context derives from the parent's own
                for (Context c = childContext; c != null; c = c.parent()) {
                    if (c == mine) return childContext;
                }
                throw new AssertionError("child context does not derive from the parent's");
            });
            assertTrue(parent.join().isDone(), "the child's context ended with the child");
        }
    }

    @Test
    void childrenAreCancelledAndAwaitedWhenTheBodyEnds() throws Exception {
        AtomicReference<Task<Void>> child = new AtomicReference<>();
        AtomicBoolean cleanedUp = new AtomicBoolean();
        CountDownLatch childStarted = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<String> parent = scope.go(() -> {
                child.set(Task.go(() -> {
                    childStarted.countDown();
                    try {
                        Thread.sleep(Duration.ofHours(1));
                    } finally {
                        Thread.sleep(30); // simulated slow cleanup, which the parent must wait for
                        cleanedUp.set(true);
                    }
                }));
                childStarted.await();
                return "parent body done";
            });
            assertEquals("parent body done", parent.join());
            assertTrue(child.get().isDone(), "the parent finished only after its child");
            assertTrue(cleanedUp.get());
            assertThrows(CancelledException.class, child.get()::join,
                    "a task cancelled because its owner finished is reported as cancelled, not as failed");
        }
    }

    @Test
    void taskIsNotDoneWhileAChildIgnoringCancellationRuns() throws Exception {
        CountDownLatch childStarted = new CountDownLatch(1);
        CountDownLatch childCancelled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<String> parent = scope.go(() -> {
                Task.go(() -> {
                    childStarted.countDown();
                    try {
                        Thread.sleep(Duration.ofHours(1));
                    } catch (InterruptedException e) {
                        childCancelled.countDown();
                        awaitUninterruptibly(release);
                    }
                });
                childStarted.await();
                return "v";
            });
            try {
                await(childCancelled);
                assertFalse(parent.isDone());
                TestSupport.awaitWaitReason(parent, "wait children");
                assertThrows(TimeoutException.class, () -> parent.join(Duration.ofMillis(10)));
            } finally {
                release.countDown(); // never leave the scope's close waiting on a stuck child
            }
            assertEquals("v", parent.join());
        }
    }

    @Test
    void aTaskWhoseOwnerEndedIsCancelledAndWhatItSpawnsNeverRuns() throws Exception {
        AtomicReference<Throwable> spawnAfterOwnerEnded = new AtomicReference<>();
        CountDownLatch grandchildTried = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            CountDownLatch childStarted = new CountDownLatch(1);
            Task<Void> parent = scope.go(() -> {
                Task.go(() -> {
                    childStarted.countDown();
                    try {
                        Thread.sleep(Duration.ofHours(1));
                    } catch (InterruptedException e) {
                        // the owner has ended: whatever this task spawns now must not run
                        AtomicBoolean ran = new AtomicBoolean();
                        try {
                            Task.go(() -> ran.set(true)).join();
                        } catch (CancelledException expected) {
                            spawnAfterOwnerEnded.set(expected);
                        }
                        if (ran.get()) spawnAfterOwnerEnded.set(new AssertionError("grandchild ran"));
                        grandchildTried.countDown();
                    }
                });
                childStarted.await();
            });
            parent.join();
            await(grandchildTried);
            assertInstanceOf(CancelledException.class, spawnAfterOwnerEnded.get());
        }
    }

    @Test
    void scopeTaskSpawnedByASiblingOutlivesThatSibling() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Task<String>> spawner = scope.go(() -> scope.go(() -> {
                release.await();
                return "worker done";
            }));
            Task<String> worker = spawner.join();
            assertTrue(spawner.isDone());
            assertFalse(worker.context().isDone(),
                    "the worker is owned by the scope, not by the task that spawned it");
            release.countDown();
            assertEquals("worker done", worker.join());
        }
    }

    @Test
    void spawnerCurrentContextWithinTheOwnersIsInherited() throws Exception {
        Context.Key<String> k = Context.Key.of("trace", String.class);
        try (TaskScope scope = TaskScope.open();
             CancelContext narrower = scope.context().withValue(k, "t-1").withCancel()) {
            CountDownLatch started = new CountDownLatch(1);
            Task<String> t = narrower.call(() -> scope.go(() -> {
                String trace = Context.current().value(k).orElseThrow();
                started.countDown();
                Thread.sleep(Duration.ofHours(1));
                return trace;
            }));
            await(started);
            narrower.cancel();
            assertThrows(CancelledException.class, t::join, "the narrower context governs the task");
        }
    }

    // ---- detached ---------------------------------------------------------------------------------------------

    @Test
    void detachedTaskIsNotCancelledByTheScopeOrContextItWasSpawnedIn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Task<String> d;
        try (CancelContext ctx = Context.background().withCancel()) {
            try (TaskScope scope = TaskScope.open(ctx)) {
                d = scope.context().call(() -> Task.detached("worker", () -> {
                    release.await();
                    return "still here";
                }));
            }
            ctx.cancel();
            assertFalse(d.isDone());
            assertFalse(d.context().isDone(), "a detached task derives from the background");
            release.countDown();
            assertEquals("still here", d.join());
            assertEquals(Optional.of("worker"), d.name());
        }
    }

    @Test
    void detachedTaskStopsWhenCancelled() throws Exception {
        Task<Void> d = Task.detached("sleeper", () -> Thread.sleep(Duration.ofHours(1)));
        d.cancel();
        assertThrows(CancelledException.class, d::join);
    }

    // ---- joining ----------------------------------------------------------------------------------------------

    @Test
    void joinWithTimeoutThrowsTimeoutAndTheTaskKeepsRunning() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<String> t = scope.go(() -> {
                release.await();
                return "late";
            });
            assertThrows(TimeoutException.class, () -> t.join(Duration.ofMillis(20)));
            assertFalse(t.isDone());
            assertFalse(t.context().isDone(), "a join timeout does not cancel the task");
            release.countDown();
            assertEquals("late", t.join(Duration.ofSeconds(TestSupport.WAIT_SECONDS)));
        }
    }

    @Test
    void joinWithBadTimeoutIsRejected() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<Integer> t = scope.go(() -> 1);
            assertThrows(NullPointerException.class, () -> t.join(null));
            assertThrows(IllegalArgumentException.class, () -> t.join(Duration.ofMillis(-1)));
            assertEquals(1, t.join(Duration.ZERO.plusSeconds(TestSupport.WAIT_SECONDS)));
        }
    }

    @Test
    void selfJoinThrowsIllegalState() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<Throwable> t = scope.go(() -> {
                try {
                    Task.current().orElseThrow().join();
                    return null;
                } catch (IllegalStateException e) {
                    return e;
                }
            });
            assertInstanceOf(IllegalStateException.class, t.join());
        }
    }

    @Test
    void interruptedJoinThrowsInterrupted() throws Throwable {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> release.await());
            TestSupport.Forked<Void> joiner = fork(t::join);
            awaitParked(joiner.thread());
            joiner.thread().interrupt();
            assertThrows(InterruptedException.class, joiner::get);
            assertFalse(t.isDone(), "interrupting a joiner does not affect the task");
            release.countDown();
        }
    }

    @Test
    void joinFailsWithCancelledWhenTheJoinersContextIsCancelled() throws Throwable {
        CountDownLatch release = new CountDownLatch(1);
        CancelContext ctx = Context.background().withCancel();
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> release.await());
            TestSupport.Forked<Void> joiner = fork(() -> ctx.call(t::join));
            awaitParked(joiner.thread());
            ctx.cancel();
            assertThrows(CancelledException.class, joiner::get);
            assertFalse(t.isDone());
            release.countDown();
        }
    }

    // ---- identity ---------------------------------------------------------------------------------------------

    @Test
    void currentIsTheRunningTaskAndEmptyOutsideTasks() throws Exception {
        assertEquals(Optional.empty(), Task.current());
        try (TaskScope scope = TaskScope.open()) {
            AtomicReference<Task<?>> seen = new AtomicReference<>();
            Task<Void> t = scope.go(() -> seen.set(Task.current().orElseThrow()));
            t.join();
            assertSame(t, seen.get());
        }
    }

    @Test
    void namedTaskRunsOnAThreadOfThatName() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<String> t = scope.go("fetcher", () -> Thread.currentThread().getName());
            assertEquals("fetcher", t.join());
            assertEquals(Optional.of("fetcher"), t.name());
            assertEquals(Optional.empty(), scope.go(() -> 1).name());
            Task<String> inner = scope.go(() -> Task.go("inner", () -> Thread.currentThread().getName()).join());
            assertEquals("inner", inner.join());
        }
    }

    @Test
    void idsAreUniqueAndIncreasing() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<Integer> a = scope.go(() -> 1);
            Task<Integer> b = scope.go(() -> 2);
            assertTrue(b.id() > a.id());
            assertTrue(a.id() > scope.id(), "scopes and tasks share one sequence");
        }
    }

    @Test
    void nullBodiesAndNamesAreRejected() {
        assertThrows(NullPointerException.class, () -> Task.detached(null, () -> 1));
        assertThrows(NullPointerException.class, () -> Task.detached("x", (Task.Body) null));
        try (TaskScope scope = TaskScope.open()) {
            assertThrows(NullPointerException.class, () -> scope.go((Task.Body) null));
            assertThrows(NullPointerException.class, () -> scope.go(null, () -> 1));
            assertEquals(0, scope.liveTasks());
        }
    }
}
