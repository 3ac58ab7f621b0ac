package dev.tether.test;

import static dev.tether.test.LeakTestSupport.awaitLeak;
import static dev.tether.test.LeakTestSupport.awaitState;
import static dev.tether.test.LeakTestSupport.awaitTaskLeak;
import static dev.tether.test.LeakTestSupport.end;
import static dev.tether.test.LeakTestSupport.eventually;
import static dev.tether.test.LeakTestSupport.line;
import static dev.tether.test.LeakTestSupport.quietly;
import static dev.tether.test.LeakTestSupport.reports;
import static dev.tether.test.LeakOption.maxWait;
import static dev.tether.test.LeakOption.onlyTest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Channel;
import dev.tether.Task;
import dev.tether.TaskScope;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Proof on real patterns: plain JDK code leaking in each of the ways the seeds leak, each found at its blocking line
 * and blamed on the test, at the line that started the thread (or the executor's worker). Each test runs with its
 * blame set, as under {@link VerifyNoLeaks}, and checks only the threads it created; controls show what must not be
 * reported.
 */
@Timeout(60)
class RealPatternsTest {
    private static final String CLASS_ID = "[engine:junit-jupiter]/[class:" + RealPatternsTest.class.getName() + "]";

    private String test, testId;
    private Blame previous;
    private LeakOption before;
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();
    private final List<ExecutorService> executors = new ArrayList<>();
    private TaskScope scope;

    @BeforeEach
    void blameThisTest(TestInfo info) {
        before = LeakOption.ignoreCurrent();
        test = "RealPatternsTest > " + info.getDisplayName();
        testId = CLASS_ID + "/[method:" + info.getTestMethod().orElseThrow().getName() + "()]";
        previous = Blame.enter(test, testId);
    }

    @AfterEach
    void endTheLeaksAndCheckNothingBlamedIsLeft() throws InterruptedException {
        Blame.restore(previous);
        release.countDown();
        if (scope != null) scope.close();
        for (ExecutorService e : executors) {
            e.shutdownNow();
            assertTrue(e.awaitTermination(LeakTestSupport.WAIT_SECONDS, TimeUnit.SECONDS), e + " terminates");
        }
        end(threads);
        LeakReport left = Leaks.find(onlyTest(testId), maxWait(Duration.ofSeconds(5)));
        assertTrue(left.isEmpty(), () -> "the test's cleanup left threads running:\n" + left);
    }

    /** What the test has leaked so far, checked once. */
    private LeakReport leaks() {
        return Leaks.find(onlyTest(testId), maxWait(Duration.ZERO));
    }

    private Thread keep(Thread t) {
        threads.add(t);
        return t;
    }

    /** Asserts the kind, wait, blocking line (null: no user frame), creation line and test of a leak. */
    private void assertLeak(LeakedThread l, LeakedThread.Kind kind, String wait, String blocksAt, String createdAt) {
        assertEquals(kind, l.kind(), l::toString);
        assertEquals(wait, l.waitReason(), l::toString);
        if (blocksAt == null) {
            assertTrue(l.firstUserFrame().isEmpty(), () -> "only JDK frames: " + l.stack());
        } else {
            StackTraceElement f = l.firstUserFrame().orElseThrow(() -> new AssertionError("no user frame in " + l));
            assertEquals("RealPatternsTest.java", f.getFileName(), f::toString);
            assertEquals(line(RealPatternsTest.class, blocksAt), f.getLineNumber(), () -> "blocking line of " + l);
        }
        assertNotNull(l.creationSite(), "the creation site is known under the blame");
        assertEquals("RealPatternsTest.java", l.creationSite().getFileName(), l.creationSite()::toString);
        assertEquals(line(RealPatternsTest.class, createdAt), l.creationSite().getLineNumber(),
                () -> "creation site " + l.creationSite());
        assertEquals(test, l.test());
    }

    // ---- leaks --------------------------------------------------------------------------------------------------

    @Test
    void forgottenSenderAfterATimedOutPollBlocksInPut() throws Exception {
        SynchronousQueue<String> results = new SynchronousQueue<>();
        CountDownLatch slowWorkDone = new CountDownLatch(1);
        Thread sender = keep(Thread.ofVirtual().name("slow-producer").start(quietly(() -> { // starts slow-producer
            slowWorkDone.await();
            results.put("late result"); // slow-producer blocks
        })));

        assertNull(results.poll(10, TimeUnit.MILLISECONDS), "the caller gives up before the result is ready");
        slowWorkDone.countDown();

        LeakedThread l = awaitLeak(this::leaks, sender, "queue put");
        assertLeak(l, LeakedThread.Kind.VIRTUAL_THREAD, "queue put", "slow-producer blocks", "starts slow-producer");
        assertEquals("slow-producer", l.name());
    }

    @Test
    void takeThatNobodyFeedsBlocksInTake() {
        LinkedBlockingQueue<String> jobs = new LinkedBlockingQueue<>();
        Thread consumer = keep(Thread.ofVirtual().name("consumer").start(quietly(() -> { // starts consumer
            jobs.take(); // consumer blocks
        })));

        LeakedThread l = awaitLeak(this::leaks, consumer, "queue take");
        assertLeak(l, LeakedThread.Kind.VIRTUAL_THREAD, "queue take", "consumer blocks", "starts consumer");
    }

    @Test
    void putOnAFullBoundedQueueBlocksInPut() {
        ArrayBlockingQueue<String> bounded = new ArrayBlockingQueue<>(1);
        bounded.add("nobody drains this");
        Thread producer = keep(Thread.ofPlatform().name("producer").start(quietly(() -> { // starts producer
            bounded.put("one too many"); // producer blocks
        })));

        LeakedThread l = awaitLeak(this::leaks, producer, "queue put");
        assertLeak(l, LeakedThread.Kind.PLATFORM_THREAD, "queue put", "producer blocks", "starts producer");
        assertEquals(Thread.State.WAITING, l.state());
    }

    @Test
    void executorNeverShutDownKeepsItsWorkersIdleInTake() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        executors.add(pool);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            int n = i;
            results.add(pool.submit(() -> n * n)); // starts pool worker
        }
        for (Future<Integer> r : results) r.get(LeakTestSupport.WAIT_SECONDS, TimeUnit.SECONDS);
        eventually(() -> leaks().leaks().size() == 2
                        && leaks().leaks().stream().allMatch(l -> "queue take".equals(l.waitReason())),
                () -> "both workers idle in take:\n" + leaks());

        LeakReport r = leaks();
        for (LeakedThread l : r.leaks()) {
            assertLeak(l, LeakedThread.Kind.PLATFORM_THREAD, "queue take", null, "starts pool worker");
            assertTrue(l.name().matches("pool-\\d+-thread-[12]"), l.name());
        }
        assertEquals(1, r.groups().size(), () -> "two idle workers of one pool make one group:\n" + r);
    }

    @Test
    void scheduledTickerNeverCancelledKeepsItsThreadWaitingForTheNextTick() throws Exception {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        executors.add(ticker);
        CountDownLatch ticked = new CountDownLatch(1);
        ticker.scheduleAtFixedRate(ticked::countDown, 0, 1, TimeUnit.HOURS); // starts ticker
        eventually(() -> ticked.getCount() == 0, () -> "the first tick runs");
        eventually(() -> leaks().leaks().size() == 1
                        && leaks().leaks().getFirst().state() == Thread.State.TIMED_WAITING,
                () -> "the ticker waits for its next tick:\n" + leaks());

        LeakedThread l = leaks().leaks().getFirst();
        assertLeak(l, LeakedThread.Kind.PLATFORM_THREAD, "queue take", null, "starts ticker");
        assertEquals(Thread.State.TIMED_WAITING, l.state());
    }

    @Test
    void abBaDeadlockReportsBothThreadsWaitingForALock() {
        ReentrantLock a = new ReentrantLock(), b = new ReentrantLock();
        CyclicBarrier bothHoldOne = new CyclicBarrier(2);
        Thread ab = keep(Thread.ofPlatform().name("a-then-b").start(quietly(() -> { // starts a-then-b
            a.lockInterruptibly();
            try {
                bothHoldOne.await();
                b.lockInterruptibly(); // a-then-b blocks
                b.unlock();
            } finally {
                a.unlock();
            }
        })));
        Thread ba = keep(Thread.ofVirtual().name("b-then-a").start(quietly(() -> { // starts b-then-a
            b.lockInterruptibly();
            try {
                bothHoldOne.await();
                a.lockInterruptibly(); // b-then-a blocks
                a.unlock();
            } finally {
                b.unlock();
            }
        })));

        eventually(() -> a.hasQueuedThread(ba) && b.hasQueuedThread(ab), () -> "each waits for the other's lock");
        LeakedThread first = awaitLeak(this::leaks, ab, "lock");
        LeakedThread second = awaitLeak(this::leaks, ba, "lock");

        assertLeak(first, LeakedThread.Kind.PLATFORM_THREAD, "lock", "a-then-b blocks", "starts a-then-b");
        assertLeak(second, LeakedThread.Kind.VIRTUAL_THREAD, "lock", "b-then-a blocks", "starts b-then-a");
        assertEquals(2, leaks().leaks().size(), leaks()::toString);
    }

    @Test
    void threadStuckHoldingAMonitorBlocksTheNextInMonitorEnter() {
        Object monitor = new Object();
        CountDownLatch holding = new CountDownLatch(1);
        Thread holder = keep(Thread.ofPlatform().name("holder").start(quietly(() -> { // starts holder
            synchronized (monitor) {
                holding.countDown();
                release.await(); // holder blocks
            }
        })));
        eventually(() -> holding.getCount() == 0, () -> "the holder holds the monitor");
        Thread next = keep(Thread.ofPlatform().name("next").start(() -> { // starts next
            synchronized (monitor) { assertTrue(Thread.holdsLock(monitor)); } // next blocks
        }));
        awaitState(next, Thread.State.BLOCKED);

        assertLeak(awaitLeak(this::leaks, holder, "latch await"), LeakedThread.Kind.PLATFORM_THREAD, "latch await",
                "holder blocks", "starts holder");
        LeakedThread l = awaitLeak(this::leaks, next, "monitor enter");
        assertLeak(l, LeakedThread.Kind.PLATFORM_THREAD, "monitor enter", "next blocks", "starts next");
        assertEquals(Thread.State.BLOCKED, l.state());
    }

    @Test
    void latchNeverCountedDownBlocksInLatchAwait() {
        CountDownLatch initialized = new CountDownLatch(1);
        Thread waiter = keep(Thread.ofVirtual().name("waits-for-init").start(quietly(() -> { // starts waiter
            initialized.await(); // waiter blocks
        })));

        LeakedThread l = awaitLeak(this::leaks, waiter, "latch await");
        assertLeak(l, LeakedThread.Kind.VIRTUAL_THREAD, "latch await", "waiter blocks", "starts waiter");
    }

    @Test
    void futureNobodyCompletesBlocksInFutureGet() {
        CompletableFuture<String> reply = new CompletableFuture<>();
        Thread caller = keep(Thread.ofVirtual().name("awaits-reply").start(quietly(() -> { // starts caller
            reply.get(); // caller blocks
        })));

        LeakedThread l = awaitLeak(this::leaks, caller, "future get");
        assertLeak(l, LeakedThread.Kind.VIRTUAL_THREAD, "future get", "caller blocks", "starts caller");
    }

    @Test
    void tetherTaskBlockedInChanSend() {
        scope = TaskScope.open();
        Channel<String> results = Channel.unbuffered();
        Task<Void> sender = scope.go("result-sender", () -> { // spawns result-sender
            results.send("nobody receives"); // result-sender blocks
        });

        LeakedThread l = awaitTaskLeak(this::leaks, sender.id(), "chan send");
        assertLeak(l, LeakedThread.Kind.TETHER_TASK, "chan send", "result-sender blocks", "spawns result-sender");
        assertEquals("result-sender", l.name());
    }

    // ---- controls: not leaks ------------------------------------------------------------------------------------

    @Test
    void taskFinishingSoonAfterTheTestIsNotReportedWithinTheDefaultBound() {
        Task<Void> finishing = Task.detached("finishing", () -> Thread.sleep(150));

        LeakReport r = Leaks.find(onlyTest(testId));

        assertTrue(r.isEmpty(), r::toString);
        assertTrue(finishing.isDone(), "the check waited for it");
    }

    @Test
    void executorShutDownAndAwaitedLeavesNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Future<Integer> answer = pool.submit(() -> 42);
        assertEquals(42, answer.get(LeakTestSupport.WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(1, leaks().leaks().size(), "while it runs, its worker is a leak");

        pool.shutdown();
        assertTrue(pool.awaitTermination(LeakTestSupport.WAIT_SECONDS, TimeUnit.SECONDS));

        LeakReport r = Leaks.find(onlyTest(testId), maxWait(Duration.ZERO));
        assertTrue(r.isEmpty(), r::toString);
    }

    private static Thread startedBeforeTheTests;
    private static final CountDownLatch END_OF_CLASS = new CountDownLatch(1);

    @BeforeAll
    static void startAThreadBeforeTheTests() {
        startedBeforeTheTests = Thread.ofPlatform().name("started-before").start(quietly(END_OF_CLASS::await));
    }

    @AfterAll
    static void endIt() {
        END_OF_CLASS.countDown();
        LeakTestSupport.join(startedBeforeTheTests);
    }

    @Test
    void threadsAliveBeforeTheTestAreNotReported() {
        awaitState(startedBeforeTheTests, Thread.State.WAITING);

        LeakReport r = Leaks.find(before);

        assertTrue(r.isEmpty(), r::toString);
        assertTrue(reports(Leaks.find(maxWait(Duration.ZERO)), startedBeforeTheTests),
                "without ignoreCurrent it is reported");
    }
}
