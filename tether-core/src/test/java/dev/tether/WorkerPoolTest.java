package dev.tether;

import static dev.tether.TestSupport.await;
import static dev.tether.TestSupport.awaitParked;
import static dev.tether.TestSupport.awaitWaitReason;
import static dev.tether.TestSupport.eventually;
import static dev.tether.TestSupport.fork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.dump.TaskDump;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// Safety net only (the tests synchronize with bounded waits): a deadlock fails the test instead of hanging the build.
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class WorkerPoolTest {

    /** Collects what the pool reports as job failures. */
    private static final class Failures implements Consumer<Throwable> {
        final ConcurrentLinkedQueue<Throwable> seen = new ConcurrentLinkedQueue<>();

        @Override
        public void accept(Throwable e) {
            seen.add(e);
        }
    }

    private static WorkerPool open(String name, int workers, int capacity, Failures failures) {
        return WorkerPool.open(name, workers, capacity, Context.background(), failures);
    }

    /** The registry's view of the pool's live tasks. */
    private static List<TaskInfo> tasksOf(WorkerPool pool) {
        List<TaskInfo> mine = new ArrayList<>();
        for (TaskInfo t : TaskRegistry.snapshot()) {
            if (t.owner().map(o -> o.kind() == TaskInfo.Owner.Kind.POOL && o.id() == pool.id()).orElse(false)) {
                mine.add(t);
            }
        }
        return mine;
    }

    /** Waits until every worker of {@code pool} is idle, and returns their views. */
    private static List<TaskInfo> awaitIdle(WorkerPool pool, int workers) {
        List<List<TaskInfo>> seen = new ArrayList<>(List.of(List.of()));
        eventually(() -> {
            List<TaskInfo> ts = tasksOf(pool);
            seen.set(0, ts);
            return ts.size() == workers && ts.stream().allMatch(t -> "pool idle".equals(t.waitReason()));
        }, () -> "all " + workers + " workers of " + pool + " are idle (last seen: " + seen.get(0) + ")");
        return seen.get(0);
    }

    /** A job that counts itself in as running, then waits for {@code release}. */
    /**
     * A job that signals {@code started} and waits for {@code release}. The wait is bounded, so that a test whose
     * check fails before it releases the job fails instead of hanging in the pool's close.
     */
    private static Task.Body blocking(CountDownLatch started, CountDownLatch release) {
        return () -> {
            started.countDown();
            if (!release.await(TestSupport.WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("the test never released this job");
            }
        };
    }

    // ---- running jobs ------------------------------------------------------------------------------------------

    @Test
    void runsEverySubmittedJobExactlyOnce() throws Exception {
        int n = 500;
        AtomicIntegerArray runs = new AtomicIntegerArray(n);
        Failures failures = new Failures();
        try (WorkerPool pool = open("all", 3, 8, failures)) {
            for (int i = 0; i < n; i++) {
                int id = i;
                pool.submit(() -> runs.incrementAndGet(id));
            }
        }
        for (int i = 0; i < n; i++) assertEquals(1, runs.get(i), "job " + i + " ran once");
        assertTrue(failures.seen.isEmpty(), failures.seen::toString);
    }

    @Test
    void atMostWorkersJobsRunAtOnce() throws Exception {
        int workers = 3, jobs = 10;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        try (WorkerPool pool = open("bounded", workers, jobs, new Failures())) {
            for (int i = 0; i < jobs; i++) {
                pool.submit(() -> {
                    most.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        release.await();
                    } finally {
                        running.decrementAndGet();
                    }
                });
            }
            try {
                eventually(() -> running.get() == workers, "every worker has taken a job");
                assertEquals(jobs - workers, pool.queued(), "the rest wait in the queue");
            } finally {
                release.countDown(); // a failed check must not leave close() waiting for blocked jobs
            }
        }
        assertEquals(workers, most.get(), "never more than one job per worker");
    }

    @Test
    void jobsQueuedWhileEveryWorkerIsIdleWakeEveryWorker() throws Exception {
        // Each job waits at a barrier for the others, so this completes only if all four workers take one at once.
        // The queue wakes one idle worker per burst and each woken worker wakes the next while jobs remain: a
        // broken hand-on leaves a job queued behind idle workers, and the barrier times out. Repeated, because the
        // first job may or may not be taken before the next is queued.
        int workers = 4;
        try (WorkerPool pool = open("cascade", workers, 64, new Failures())) {
            for (int round = 0; round < 50; round++) {
                CyclicBarrier all = new CyclicBarrier(workers);
                CountDownLatch done = new CountDownLatch(workers);
                for (int i = 0; i < workers; i++) {
                    pool.submit(() -> {
                        all.await(10, TimeUnit.SECONDS);
                        done.countDown();
                    });
                }
                await(done);
                eventually(() -> pool.queued() == 0, "the queue is empty");
            }
        }
    }

    @Test
    void singleWorkerRunsJobsInSubmissionOrder() throws Exception {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        try (WorkerPool pool = open("fifo", 1, 4, new Failures())) {
            for (int i = 0; i < 50; i++) {
                int id = i;
                pool.submit(() -> order.add(id));
            }
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) expected.add(i);
        assertEquals(expected, order);
    }

    @Test
    void jobsRunInTheWorkersContextUnderThePoolsContext() throws Exception {
        CancelContext parent = Context.background().withCancel();
        AtomicReference<Context> seen = new AtomicReference<>();
        AtomicReference<Task<?>> task = new AtomicReference<>();
        WorkerPool pool = WorkerPool.open("ctx", 1, 1, parent, new Failures());
        pool.submit(() -> {
            seen.set(Context.current());
            task.set(Task.current().orElseThrow());
        });
        pool.shutdown();
        assertSame(task.get().context(), seen.get(), "a job's current context is its worker's");
        assertSame(pool.context(), seen.get().parent(), "the worker's context derives from the pool's");
        assertSame(parent, pool.context().parent());
        assertTrue(pool.context().isDone(), "shutdown releases the pool's context");
        assertFalse(parent.isDone());
        assertFalse(TestSupport.hasChildren(parent), "the pool's context no longer hangs off its parent");
        parent.close();
    }

    // ---- submitting --------------------------------------------------------------------------------------------

    @Test
    void submitWaitsWhileTheQueueIsFullAndProceedsWhenRoomFrees() throws Throwable {
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        AtomicBoolean lateRan = new AtomicBoolean();
        try (WorkerPool pool = open("full", 1, 1, new Failures());
             TaskScope submitters = TaskScope.open()) {
            pool.submit(blocking(started, release));
            await(started);
            pool.submit(() -> { }); // fills the queue
            Task<Void> submitter = submitters.go(() -> pool.submit(() -> lateRan.set(true)));
            TaskInfo view = awaitWaitReason(submitter, "pool submit");
            assertEquals("pool " + pool.id(), view.waitingOn().orElseThrow());
            assertFalse(submitter.isDone());

            release.countDown(); // the worker takes the queued job, which makes room
            submitter.join();
        }
        assertTrue(lateRan.get(), "the job accepted after waiting ran");
    }

    @Test
    void trySubmitReturnsFalseWhileTheQueueIsFull() throws Exception {
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        try (WorkerPool pool = open("try", 1, 2, new Failures())) {
            assertTrue(pool.trySubmit(blocking(started, release)));
            await(started);
            assertTrue(pool.trySubmit(ran::incrementAndGet));
            assertTrue(pool.trySubmit(ran::incrementAndGet));
            assertEquals(2, pool.queued());
            assertFalse(pool.trySubmit(ran::incrementAndGet), "full: refused without waiting");
            assertEquals(2, pool.queued());
            release.countDown();
        }
        assertEquals(2, ran.get(), "the refused job was not accepted");
    }

    @Test
    void capacityZeroHandsJobsToIdleWorkersOnly() throws Exception {
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        try (WorkerPool pool = open("handoff", 1, 0, new Failures())) {
            awaitIdle(pool, 1);
            assertTrue(pool.trySubmit(blocking(started, release)), "an idle worker takes it at once");
            await(started);
            assertFalse(pool.trySubmit(ran::incrementAndGet), "no idle worker, no buffer");
            release.countDown();
            pool.submit(ran::incrementAndGet); // waits for the worker to come back
        }
        assertEquals(1, ran.get());
    }

    @Test
    void submitWaitingForRoomThenInterruptedThrowsAndDoesNotAcceptTheJob() throws Throwable {
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        AtomicBoolean ran = new AtomicBoolean();
        try (WorkerPool pool = open("interrupted", 1, 1, new Failures())) {
            pool.submit(blocking(started, release));
            await(started);
            pool.submit(() -> { });
            TestSupport.Forked<Void> submitter = fork(() -> {
                pool.submit(() -> ran.set(true));
                return null;
            });
            awaitParked(submitter.thread());
            submitter.thread().interrupt();
            assertThrows(InterruptedException.class, submitter::get);
            assertEquals(1, pool.queued(), "the interrupted submit left the queue as it was");
            release.countDown();
        }
        assertFalse(ran.get(), "the interrupted submit's job was not accepted");
    }

    @Test
    void submitWaitingForRoomThenCallersContextCancelledThrowsAndDoesNotAcceptTheJob() throws Throwable {
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        AtomicBoolean ran = new AtomicBoolean();
        RuntimeException why = new RuntimeException("caller gave up");
        try (WorkerPool pool = open("cancelled", 1, 1, new Failures());
             CancelContext caller = Context.background().withCancel()) {
            pool.submit(blocking(started, release));
            await(started);
            pool.submit(() -> { });
            TestSupport.Forked<Void> submitter = fork(() -> caller.call(() -> {
                pool.submit(() -> ran.set(true));
                return null;
            }));
            awaitParked(submitter.thread());
            caller.cancel(why);
            CancelledException e = assertThrows(CancelledException.class, submitter::get);
            assertSame(why, e.getCause());
            assertFalse(pool.context().isDone(), "the caller's context is not the pool's");
            release.countDown();
        }
        assertFalse(ran.get(), "the cancelled submit's job was not accepted");
    }

    @Test
    void submitAndTrySubmitAfterShutdownAreRejected() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        WorkerPool pool = open("closed", 2, 4, new Failures());
        pool.shutdown();
        RejectedExecutionException e = assertThrows(RejectedExecutionException.class,
                () -> pool.submit(() -> ran.set(true)));
        assertTrue(e.getMessage().contains(pool.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("shutdown has begun"), e.getMessage());
        RejectedExecutionException t = assertThrows(RejectedExecutionException.class,
                () -> pool.trySubmit(() -> ran.set(true)));
        assertTrue(t.getMessage().contains("shutdown has begun"), t.getMessage());
        assertTrue(pool.shutdownNow().isEmpty());
        assertFalse(ran.get());
    }

    @Test
    void submitterWaitingForRoomWhenShutdownBeginsIsRejectedAndItsJobNeverRuns() throws Throwable {
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        AtomicInteger queuedRan = new AtomicInteger();
        AtomicBoolean rejectedRan = new AtomicBoolean();
        WorkerPool pool = open("closing", 1, 1, new Failures());
        pool.submit(blocking(started, release));
        await(started);
        pool.submit(queuedRan::incrementAndGet);
        TestSupport.Forked<Void> submitter = fork(() -> {
            pool.submit(() -> rejectedRan.set(true));
            return null;
        });
        awaitParked(submitter.thread());
        TestSupport.Forked<Void> closer = fork(() -> {
            pool.shutdown();
            return null;
        });
        RejectedExecutionException e = assertThrows(RejectedExecutionException.class, submitter::get);
        assertTrue(e.getMessage().contains("shutdown has begun"), e.getMessage());
        awaitParked(closer.thread());
        assertFalse(closer.isDone(), "shutdown waits for the running job");
        release.countDown();
        closer.get();
        assertEquals(1, queuedRan.get(), "the job accepted before shutdown ran");
        assertFalse(rejectedRan.get(), "the rejected job did not");
    }

    // ---- shutdown ----------------------------------------------------------------------------------------------

    @Test
    void shutdownRunsEveryQueuedJobThenEndsTheWorkers() throws Throwable {
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        List<Integer> ran = Collections.synchronizedList(new ArrayList<>());
        WorkerPool pool = open("drain", 1, 5, new Failures());
        pool.submit(blocking(started, release));
        await(started);
        for (int i = 0; i < 5; i++) {
            int id = i;
            pool.submit(() -> ran.add(id));
        }
        TestSupport.Forked<Void> closer = fork(() -> {
            pool.shutdown();
            return null;
        });
        eventually(() -> {
            try {
                pool.trySubmit(() -> { });
                return false;
            } catch (RejectedExecutionException e) {
                return true;
            }
        }, "intake has stopped");
        assertEquals(5, pool.queued(), "stopping intake keeps what was queued");
        release.countDown();
        closer.get();
        assertEquals(List.of(0, 1, 2, 3, 4), ran);
        assertEquals(List.of(), tasksOf(pool), "no task of the pool is left");
        assertTrue(pool.shutdownNow().isEmpty(), "nothing was left to hand back");
    }

    @Test
    void shutdownIsUninterruptibleAndKeepsTheInterruptStatus() throws Throwable {
        CountDownLatch started = new CountDownLatch(1), release = new CountDownLatch(1);
        AtomicBoolean finishedNormally = new AtomicBoolean();
        WorkerPool pool = open("stubborn", 1, 1, new Failures());
        pool.submit(() -> {
            started.countDown();
            release.await();
            finishedNormally.set(true);
        });
        await(started);
        TestSupport.Forked<List<Boolean>> closer = fork(() -> {
            pool.shutdown();
            return List.of(finishedNormally.get(), Thread.currentThread().isInterrupted());
        });
        awaitParked(closer.thread());
        closer.thread().interrupt();
        release.countDown();
        assertEquals(List.of(true, true), closer.get(),
                "shutdown returned only after the job had ended normally, with the interrupt status kept");
    }

    @Test
    void shutdownNowInterruptsRunningJobsAndReturnsExactlyTheJobsThatNeverRan() throws Exception {
        int workers = 2;
        CountDownLatch started = new CountDownLatch(workers);
        ConcurrentLinkedQueue<Throwable> runningGot = new ConcurrentLinkedQueue<>();
        AtomicInteger queuedRan = new AtomicInteger();
        Failures failures = new Failures();
        WorkerPool pool = open("now", workers, 5, failures);
        for (int i = 0; i < workers; i++) {
            pool.submit(() -> {
                started.countDown();
                try {
                    Thread.sleep(Duration.ofHours(1));
                } catch (InterruptedException e) {
                    runningGot.add(e);
                    throw e;
                }
            });
        }
        await(started);
        List<Task.Body> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Task.Body job = queuedRan::incrementAndGet;
            queued.add(job);
            pool.submit(job);
        }

        List<Task.Body> left = pool.shutdownNow();

        assertEquals(queued, left, "exactly the queued jobs, in queue order");
        assertEquals(workers, runningGot.size(), "each running job was interrupted");
        assertEquals(0, queuedRan.get(), "no handed-back job ran");
        assertTrue(failures.seen.isEmpty(), "an interrupt caused by shutdownNow is not a failure: " + failures.seen);
        assertTrue(pool.context().isDone());
        assertEquals(List.of(), tasksOf(pool));
        assertTrue(pool.shutdownNow().isEmpty(), "idempotent");
        pool.shutdown();
        pool.close();
    }

    @Test
    void shutdownNowAfterShutdownReturnsWhatHasNotRunYet() throws Throwable {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        WorkerPool pool = open("later", 1, 3, new Failures());
        pool.submit(() -> {
            started.countDown();
            try {
                Thread.sleep(Duration.ofHours(1));
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        await(started);
        Task.Body a = () -> { }, b = () -> { };
        pool.submit(a);
        pool.submit(b);
        TestSupport.Forked<Void> closer = fork(() -> {
            pool.shutdown();
            return null;
        });
        awaitParked(closer.thread());

        assertEquals(List.of(a, b), pool.shutdownNow());

        closer.get(); // the graceful shutdown ends too
        assertTrue(interrupted.get());
    }

    @Test
    void failuresThatAreNotCancellationAreReportedDuringShutdownNow() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Failures failures = new Failures();
        IllegalStateException real = new IllegalStateException("cleanup failed");
        WorkerPool pool = open("cleanup", 1, 1, failures);
        pool.submit(() -> {
            started.countDown();
            try {
                Thread.sleep(Duration.ofHours(1));
            } catch (InterruptedException e) {
                throw real; // replaces the InterruptedException: a failure of its own
            }
        });
        await(started);
        pool.shutdownNow();
        assertEquals(List.of(real), List.copyOf(failures.seen));
    }

    @Test
    void shutdownAndCloseAreIdempotent() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        WorkerPool pool = open("twice", 2, 2, new Failures());
        pool.submit(ran::incrementAndGet);
        pool.close();
        pool.shutdown();
        pool.close();
        assertEquals(1, ran.get());
        assertEquals(List.of(), tasksOf(pool));
    }

    @Test
    void shutdownFromOneOfThePoolsOwnJobsThrowsInsteadOfWaitingForItself() throws Exception {
        AtomicReference<Throwable> fromJob = new AtomicReference<>();
        AtomicReference<Throwable> fromChild = new AtomicReference<>();
        WorkerPool pool = open("self", 1, 1, new Failures());
        pool.submit(() -> {
            fromJob.set(assertThrows(IllegalStateException.class, pool::shutdown));
            try (TaskScope inner = TaskScope.open()) {
                inner.go(() -> fromChild.set(assertThrows(IllegalStateException.class, pool::shutdownNow))).join();
            }
        });
        pool.shutdown();
        assertTrue(fromJob.get().getMessage().contains(pool.toString()), fromJob.get().getMessage());
        assertTrue(fromChild.get().getMessage().contains("shutdownNow"), fromChild.get().getMessage());
    }

    // ---- failures and interrupts ---------------------------------------------------------------------------------

    @Test
    void aFailingJobGoesToTheHandlerAndItsWorkerKeepsServing() throws Exception {
        Failures failures = new Failures();
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        AssertionError error = new AssertionError("an Error too");
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        AtomicInteger ran = new AtomicInteger();
        try (WorkerPool pool = open("failing", 1, 4, failures)) {
            pool.submit(() -> {
                threads.add(Thread.currentThread());
                throw boom;
            });
            pool.submit(() -> {
                threads.add(Thread.currentThread());
                throw error;
            });
            pool.submit(() -> {
                threads.add(Thread.currentThread());
                ran.incrementAndGet();
            });
        }
        assertEquals(List.of(boom, error), List.copyOf(failures.seen));
        assertEquals(1, ran.get(), "the job after the failures ran");
        assertEquals(1, threads.size(), "on the same worker");
    }

    @Test
    void aHandlerThatThrowsDoesNotEndTheWorker() throws Exception {
        AtomicReference<Throwable> uncaught = new AtomicReference<>();
        RuntimeException handlerFailure = new RuntimeException("handler broke");
        IllegalStateException jobFailure = new IllegalStateException("job broke");
        AtomicBoolean laterRan = new AtomicBoolean();
        CountDownLatch handled = new CountDownLatch(1);
        // The uncaught-exception handler of the worker's thread is the default one: install a JVM-wide default for
        // the duration, which is the only handler a pool's virtual thread consults.
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            uncaught.set(e);
            handled.countDown();
        });
        try (WorkerPool pool = WorkerPool.open("handler", 1, 2, Context.background(), e -> {
            throw handlerFailure;
        })) {
            pool.submit(() -> {
                throw jobFailure;
            });
            pool.submit(() -> laterRan.set(true));
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
        await(handled);
        assertSame(handlerFailure, uncaught.get());
        assertSame(jobFailure, handlerFailure.getSuppressed()[0], "the job's failure travels with it");
        assertTrue(laterRan.get());
    }

    @Test
    void withoutAHandlerFailuresGoToTheWorkersUncaughtExceptionHandler() throws Exception {
        AtomicReference<Throwable> uncaught = new AtomicReference<>();
        AtomicReference<String> where = new AtomicReference<>();
        IllegalStateException boom = new IllegalStateException("boom");
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            where.set(t.getName());
            uncaught.set(e);
        });
        try (WorkerPool pool = Context.background().call(() -> WorkerPool.open("plain", 1, 1))) {
            pool.submit(() -> {
                throw boom;
            });
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(before);
        }
        assertSame(boom, uncaught.get());
        assertEquals("plain-worker-1", where.get());
    }

    @Test
    void anInterruptAJobLeavesBehindDoesNotReachTheNextJob() throws Exception {
        Failures failures = new Failures();
        AtomicReference<Boolean> nextSawInterrupt = new AtomicReference<>();
        AtomicBoolean nextSlept = new AtomicBoolean();
        try (WorkerPool pool = open("interrupts", 1, 2, failures)) {
            pool.submit(() -> Thread.currentThread().interrupt());
            pool.submit(() -> {
                nextSawInterrupt.set(Thread.currentThread().isInterrupted());
                Thread.sleep(1); // would throw InterruptedException if the status had leaked
                nextSlept.set(true);
            });
        }
        assertEquals(Boolean.FALSE, nextSawInterrupt.get());
        assertTrue(nextSlept.get());
        assertTrue(failures.seen.isEmpty(), failures.seen::toString);
    }

    @Test
    void anIdleWorkerInterruptedByAStrangerKeepsServing() throws Exception {
        AtomicBoolean ran = new AtomicBoolean();
        Failures failures = new Failures();
        try (WorkerPool pool = open("stray", 1, 1, failures)) {
            TaskInfo worker = awaitIdle(pool, 1).getFirst();
            worker.thread().orElseThrow().interrupt();
            pool.submit(() -> ran.set(!Thread.currentThread().isInterrupted()
                    && Task.current().orElseThrow().id() == worker.id()));
        }
        assertTrue(ran.get(), "the job ran on the same worker, without the stranger's interrupt");
        assertTrue(failures.seen.isEmpty(), failures.seen::toString);
    }

    // ---- the pool's context --------------------------------------------------------------------------------------

    @Test
    void whenTheParentIsCancelledThePoolStopsAndShutdownNowHandsBackTheQueuedJobs() throws Throwable {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        Failures failures = new Failures();
        CancelContext parent = Context.background().withCancel();
        WorkerPool pool = WorkerPool.open("orphan", 1, 2, parent, failures);
        pool.submit(() -> {
            started.countDown();
            try {
                Thread.sleep(Duration.ofHours(1));
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw e;
            }
        });
        await(started);
        Task.Body queued = () -> { };
        pool.submit(queued);
        RuntimeException why = new RuntimeException("request over");

        parent.cancel(why);

        eventually(() -> tasksOf(pool).isEmpty(), "the workers of " + pool + " have ended");
        assertTrue(interrupted.get());
        RejectedExecutionException e = assertThrows(RejectedExecutionException.class, () -> pool.submit(() -> { }));
        assertTrue(e.getMessage().contains("context is done"), e.getMessage());
        assertTrue(e.getMessage().contains("request over"), e.getMessage());
        assertEquals(List.of(queued), pool.shutdownNow());
        assertTrue(failures.seen.isEmpty(), failures.seen::toString);
    }

    @Test
    void jobsLeftByAParentsCancellationAreHandedBackByShutdownAndReportedByClose() throws Throwable {
        for (boolean viaClose : new boolean[] {false, true}) {
            CountDownLatch started = new CountDownLatch(1);
            CancelContext parent = Context.background().withCancel();
            Failures failures = new Failures();
            WorkerPool pool = WorkerPool.open("cancelled-" + viaClose, 1, 2, parent, failures);
            pool.submit(() -> {
                started.countDown();
                Thread.sleep(Duration.ofHours(1));
            });
            await(started);
            Task.Body queued = () -> { };
            pool.submit(queued);
            parent.cancel();
            eventually(() -> tasksOf(pool).isEmpty(), "the workers of " + pool + " have ended");
            if (viaClose) {
                pool.close();
                assertEquals(1, failures.seen.size(), failures.seen::toString);
                assertInstanceOf(RejectedExecutionException.class, failures.seen.peek());
                assertTrue(failures.seen.peek().getMessage().contains("never ran"));
            } else {
                assertEquals(List.of(queued), pool.shutdown(), "shutdown hands back what the cancellation stranded");
                assertTrue(failures.seen.isEmpty(), failures.seen::toString);
            }
        }
    }

    @Test
    void aSubmitterWaitingForRoomIsRejectedWhenThePoolsParentIsCancelled() throws Throwable {
        CountDownLatch started = new CountDownLatch(1);
        CancelContext parent = Context.background().withCancel();
        WorkerPool pool = WorkerPool.open("abandoned", 1, 1, parent, new Failures());
        pool.submit(() -> {
            started.countDown();
            Thread.sleep(Duration.ofHours(1));
        });
        await(started);
        Task.Body filler = () -> { };
        pool.submit(filler);
        TestSupport.Forked<Void> submitter = fork(() -> { // its own context is the background: never cancelled
            pool.submit(() -> { });
            return null;
        });
        awaitParked(submitter.thread());

        parent.cancel();

        RejectedExecutionException e = assertThrows(RejectedExecutionException.class, submitter::get);
        assertTrue(e.getMessage().contains("context is done"), e.getMessage());
        assertEquals(List.of(filler), pool.shutdownNow(), "the rejected job is not among the accepted ones");
    }

    @Test
    void aPoolOpenedUnderADoneContextAcceptsNothingAndLeavesNothing() throws Exception {
        CancelContext parent = Context.background().withCancel();
        parent.cancel();
        WorkerPool pool = WorkerPool.open("stillborn", 2, 2, parent, new Failures());
        assertThrows(RejectedExecutionException.class, () -> pool.submit(() -> { }));
        assertThrows(RejectedExecutionException.class, () -> pool.trySubmit(() -> { }));
        pool.close();
        assertEquals(List.of(), tasksOf(pool));
    }

    // ---- in dumps ------------------------------------------------------------------------------------------------

    @Test
    void dumpsShowTheWorkersOwnedByThePoolIdleAndTheBlockedSubmitter() throws Throwable {
        CountDownLatch started = new CountDownLatch(2), release = new CountDownLatch(1);
        WorkerPool pool = WorkerPool.open("dumped", 2, 1, Context.background(), new Failures());
        List<TaskInfo> idle = awaitIdle(pool, 2);
        List<String> names = idle.stream().map(t -> t.name().orElseThrow()).sorted().toList();
        assertEquals(List.of("dumped-worker-1", "dumped-worker-2"), names);
        for (TaskInfo t : idle) {
            TaskInfo.Owner owner = t.owner().orElseThrow();
            assertEquals(TaskInfo.Owner.Kind.POOL, owner.kind());
            assertEquals("pool " + pool.id(), owner.toString());
            assertEquals("dumped", owner.name());
            assertEquals("pool " + pool.id(), t.waitingOn().orElseThrow());
        }
        String grouped = TaskDump.grouped();
        assertTrue(grouped.contains("@ [pool idle]"), grouped);
        assertTrue(grouped.contains("owner pool " + pool.id()), grouped);

        try (TaskScope submitters = TaskScope.open()) {
            pool.submit(blocking(started, release));
            pool.submit(blocking(started, release));
            await(started); // both workers run a job
            pool.submit(() -> { }); // fills the queue
            Task<Void> submitter = submitters.go("submitter", () -> pool.submit(() -> { }));
            awaitWaitReason(submitter, "pool submit");
            String full = TaskDump.full();
            assertTrue(full.contains("[pool submit]"), full);
            assertTrue(full.contains("waiting on: pool " + pool.id()), full);
            release.countDown();
            submitter.join();
        }
        pool.shutdown();
        assertEquals(List.of(), tasksOf(pool), "after shutdown no task of the pool remains");
        assertEquals("pool " + pool.id() + " \"dumped\"", pool.toString());
    }

    @Test
    void noTaskOfThePoolRemainsAfterShutdownNow() throws Exception {
        CountDownLatch started = new CountDownLatch(4);
        WorkerPool pool = open("count", 4, 4, new Failures());
        for (int i = 0; i < 8; i++) {
            pool.submit(() -> {
                started.countDown();
                Thread.sleep(Duration.ofHours(1));
            });
        }
        await(started);
        assertEquals(4, tasksOf(pool).size());
        assertEquals(4, pool.shutdownNow().size());
        assertEquals(List.of(), tasksOf(pool));
    }

    // ---- bad input -----------------------------------------------------------------------------------------------

    @Test
    void badArgumentsAreRejectedAtTheCallNamingTheArgument() throws Exception {
        Failures f = new Failures();
        Context bg = Context.background();
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class,
                () -> WorkerPool.open("p", 0, 1, bg, f));
        assertEquals("workers must be >= 1, was 0", w.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WorkerPool.open("p", -3, 1));
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> WorkerPool.open("p", 1, -1, bg, f));
        assertTrue(c.getMessage().startsWith("queueCapacity must be >= 0"), c.getMessage());
        assertEquals("name", assertThrows(NullPointerException.class,
                () -> WorkerPool.open(null, 1, 1)).getMessage());
        assertEquals("parent", assertThrows(NullPointerException.class,
                () -> WorkerPool.open("p", 1, 1, null, f)).getMessage());
        assertEquals("onFailure", assertThrows(NullPointerException.class,
                () -> WorkerPool.open("p", 1, 1, bg, null)).getMessage());

        try (WorkerPool pool = open("nulls", 1, 1, f)) {
            assertEquals("job", assertThrows(NullPointerException.class, () -> pool.submit(null)).getMessage());
            assertEquals("job", assertThrows(NullPointerException.class, () -> pool.trySubmit(null)).getMessage());
            assertEquals(0, pool.queued());
        }
    }

    @Test
    void manySubmittersAndWorkersLoseNothing() throws Exception {
        int submitters = 4, perSubmitter = 5_000;
        AtomicIntegerArray runs = new AtomicIntegerArray(submitters * perSubmitter);
        CyclicBarrier go = new CyclicBarrier(submitters);
        try (WorkerPool pool = open("busy", 3, 16, new Failures())) {
            try (TaskScope scope = TaskScope.open()) {
                List<Task<Void>> ts = new ArrayList<>();
                for (int s = 0; s < submitters; s++) {
                    int base = s * perSubmitter;
                    ts.add(scope.go(() -> {
                        await(go);
                        for (int i = 0; i < perSubmitter; i++) {
                            int id = base + i;
                            pool.submit(() -> runs.incrementAndGet(id));
                        }
                    }));
                }
                for (Task<Void> t : ts) t.join();
            }
        }
        for (int i = 0; i < runs.length(); i++) assertEquals(1, runs.get(i), "job " + i);
    }
}
