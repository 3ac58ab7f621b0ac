package dev.tether.test;

import static dev.tether.test.LeakTestSupport.awaitLeak;
import static dev.tether.test.LeakTestSupport.awaitState;
import static dev.tether.test.LeakTestSupport.awaitTaskLeak;
import static dev.tether.test.LeakTestSupport.end;
import static dev.tether.test.LeakTestSupport.eventually;
import static dev.tether.test.LeakTestSupport.fileLine;
import static dev.tether.test.LeakTestSupport.join;
import static dev.tether.test.LeakTestSupport.leakOf;
import static dev.tether.test.LeakTestSupport.line;
import static dev.tether.test.LeakTestSupport.quietly;
import static dev.tether.test.LeakTestSupport.reports;
import static dev.tether.test.LeakOption.ignoreAnyFrame;
import static dev.tether.test.LeakOption.ignoreCreator;
import static dev.tether.test.LeakOption.ignoreThreadName;
import static dev.tether.test.LeakOption.ignoreTopFrame;
import static dev.tether.test.LeakOption.maxWait;
import static dev.tether.test.LeakOption.noDefaultIgnores;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Channel;
import dev.tether.Task;
import dev.tether.TaskScope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link Leaks#find} and {@link Leaks#verifyNone}: what they see (raw virtual threads, platform threads, Tether
 * tasks), how they describe it, the options, the wait bound and the grouped report. These tests run without the
 * JUnit integration's blame (set aside if the suite-wide check set it), so raw threads carry none; each test compares
 * against the threads alive when it started.
 */
@Timeout(60)
class LeaksTest {
    /** The threads alive when the test started: whatever else the JVM runs is not this test's business. */
    private LeakOption before;
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Thread> started = new ArrayList<>();
    private final List<Runnable> cleanups = new ArrayList<>();
    private TaskScope scope;

    /** The blame the JUnit integration may have set on the test thread, set aside while the test runs. */
    private Blame integration;

    @BeforeEach
    void unblamedFromASnapshot() {
        integration = Blame.current();
        Blame.restore(null);
        before = LeakOption.ignoreCurrent();
    }

    @AfterEach
    void endWhatTheTestLeaked() {
        Blame.restore(integration);
        release.countDown();
        for (int i = cleanups.size() - 1; i >= 0; i--) cleanups.get(i).run();
        if (scope != null) scope.close();
        end(started);
        LeakReport left = Leaks.find(before, maxWait(Duration.ofSeconds(5)));
        assertTrue(left.isEmpty(), () -> "the test's cleanup left threads running:\n" + left);
    }

    /** What leaked since the test started, checked once, with the options {@code more}. */
    private LeakReport now(LeakOption... more) {
        List<LeakOption> options = new ArrayList<>(List.of(more));
        options.add(before);
        options.add(maxWait(Duration.ZERO));
        return Leaks.find(options.toArray(LeakOption[]::new));
    }

    private Thread start(Thread.Builder builder, LeakTestSupport.Blocking body) {
        Thread t = builder.start(quietly(body));
        started.add(t);
        return t;
    }

    private TaskScope scope() {
        if (scope == null) scope = TaskScope.open();
        return scope;
    }

    private static void assertFirstUserFrameAt(String marker, LeakedThread l) {
        StackTraceElement f = l.firstUserFrame().orElseThrow(() -> new AssertionError("no user frame: " + l.stack()));
        assertEquals("LeaksTest.java", f.getFileName(), () -> "first user frame " + f);
        assertEquals(line(LeaksTest.class, marker), f.getLineNumber(), () -> "first user frame of " + l.stack());
    }

    private static String topFrame(LeakedThread l) {
        return l.topFrame().map(LeakReport::method).orElse("(empty stack)");
    }

    // ---- what is found, and how it is described ----------------------------------------------------------------

    @Test
    void virtualThreadBlockedInPutIsFoundWithItsKindNameStateWaitAndBlockingLine() {
        SynchronousQueue<String> results = new SynchronousQueue<>();
        Thread t = start(Thread.ofVirtual().name("stuck-producer"), () -> {
            results.put("result"); // virtual put
        });

        LeakedThread l = awaitLeak(this::now, t, "queue put");

        assertEquals(LeakedThread.Kind.VIRTUAL_THREAD, l.kind());
        assertEquals(t.threadId(), l.id());
        assertEquals("stuck-producer", l.name());
        assertEquals(Thread.State.WAITING, l.state());
        assertEquals("java.util.concurrent.SynchronousQueue.put", topFrame(l));
        assertFirstUserFrameAt("virtual put", l);
        assertNull(l.waited(), "how long a raw thread waited is unknown");
        assertNull(l.creationSite(), "without the JUnit integration a raw thread's creator is unknown");
        assertNull(l.test());
    }

    @Test
    void platformThreadBlockedOnALatchIsFoundAsAPlatformThread() {
        CountDownLatch ready = new CountDownLatch(1);
        Thread t = start(Thread.ofPlatform().name("waits-for-ready"), () -> {
            ready.await(); // platform latch
        });

        LeakedThread l = awaitLeak(this::now, t, "latch await");

        assertEquals(LeakedThread.Kind.PLATFORM_THREAD, l.kind());
        assertEquals(t.threadId(), l.id());
        assertEquals("waits-for-ready", l.name());
        assertEquals(Thread.State.WAITING, l.state());
        assertEquals("java.util.concurrent.CountDownLatch.await", topFrame(l));
        assertFirstUserFrameAt("platform latch", l);
    }

    @Test
    void tetherTaskBlockedInChanSendIsFoundWithItsIdWaitAndCreationSite() {
        Channel<String> ch = Channel.unbuffered();
        Task<Void> task = scope().go("forgotten-sender", () -> { // spawns the sender
            ch.send("result"); // task send
        });

        LeakedThread l = awaitTaskLeak(this::now, task.id(), "chan send");

        assertEquals(LeakedThread.Kind.TETHER_TASK, l.kind());
        assertEquals("forgotten-sender", l.name());
        assertEquals(Thread.State.WAITING, l.state());
        assertEquals("dev.tether.Channel.send", topFrame(l));
        assertFirstUserFrameAt("task send", l);
        assertNotNull(l.waited(), "a Tether wait is timed");
        assertNotNull(l.creationSite(), "a task records where it was spawned");
        assertEquals("LeaksTest.java", l.creationSite().getFileName());
        assertEquals(line(LeaksTest.class, "spawns the sender"), l.creationSite().getLineNumber());
        LeakReport r = now();
        assertEquals(1, r.leaks().size(), () -> "the task is listed once, not also as its virtual thread:\n" + r);
    }

    /** Calls that block forever, each on a fresh object: the JDK waits that reports name. */
    enum BlockingCall {
        SYNCHRONOUS_QUEUE_PUT("queue put", "java.util.concurrent.SynchronousQueue.put"),
        LINKED_QUEUE_TAKE("queue take", "java.util.concurrent.LinkedBlockingQueue.take"),
        FULL_ARRAY_QUEUE_PUT("queue put", "java.util.concurrent.ArrayBlockingQueue.put"),
        LATCH_AWAIT("latch await", "java.util.concurrent.CountDownLatch.await"),
        COMPLETABLE_FUTURE_GET("future get", "java.util.concurrent.CompletableFuture.get"),
        FUTURE_TASK_GET("future get", "java.util.concurrent.FutureTask.get"),
        LOCK("lock", "java.util.concurrent.locks.ReentrantLock.lockInterruptibly"),
        SLEEP("sleep", "java.lang.Thread.sleep");

        final String wait, method;

        BlockingCall(String wait, String method) {
            this.wait = wait;
            this.method = method;
        }

        /** The blocking call; {@code held} is a lock the test thread holds. */
        LeakTestSupport.Blocking body(ReentrantLock held) {
            return switch (this) {
                case SYNCHRONOUS_QUEUE_PUT -> () -> new SynchronousQueue<>().put("x"); // blocks: SYNCHRONOUS_QUEUE_PUT
                case LINKED_QUEUE_TAKE -> () -> new LinkedBlockingQueue<String>().take(); // blocks: LINKED_QUEUE_TAKE
                case FULL_ARRAY_QUEUE_PUT -> () -> {
                    ArrayBlockingQueue<String> q = new ArrayBlockingQueue<>(1);
                    q.put("fills it");
                    q.put("x"); // blocks: FULL_ARRAY_QUEUE_PUT
                };
                case LATCH_AWAIT -> () -> new CountDownLatch(1).await(); // blocks: LATCH_AWAIT
                case COMPLETABLE_FUTURE_GET -> () -> new CompletableFuture<>().get(); // blocks: COMPLETABLE_FUTURE_GET
                case FUTURE_TASK_GET -> () -> new FutureTask<>(() -> "never run").get(); // blocks: FUTURE_TASK_GET
                case LOCK -> () -> held.lockInterruptibly(); // blocks: LOCK
                case SLEEP -> () -> Thread.sleep(Duration.ofHours(1)); // blocks: SLEEP
            };
        }
    }

    @ParameterizedTest
    @EnumSource(BlockingCall.class)
    void jdkWaitIsNamedAndItsBlockingLineIsTheFirstUserFrame(BlockingCall call) {
        ReentrantLock held = new ReentrantLock();
        held.lock();
        cleanups.add(held::unlock);
        Thread t = start(Thread.ofVirtual().name("blocked-in-" + call), call.body(held));

        LeakedThread l = awaitLeak(this::now, t, call.wait);

        assertEquals(call == BlockingCall.SLEEP ? Thread.State.TIMED_WAITING : Thread.State.WAITING, l.state());
        assertFirstUserFrameAt("blocks: " + call, l);
    }

    /**
     * The top frame is the public method the thread is blocked in, as {@link LeakOption} documents
     * ({@code SynchronousQueue.put}, not {@code Unsafe.park}), so that {@code ignoreTopFrame} can name it and the
     * report's "blocked in" reads as the call the code made.
     */
    @ParameterizedTest
    @EnumSource(BlockingCall.class)
    void topFrameIsThePublicMethodTheThreadIsBlockedIn(BlockingCall call) {
        ReentrantLock held = new ReentrantLock();
        held.lock();
        cleanups.add(held::unlock);
        Thread t = start(Thread.ofVirtual().name("blocked-in-" + call), call.body(held));

        LeakedThread l = awaitLeak(this::now, t, call.wait);

        assertEquals(call.method, topFrame(l), () -> "stack: " + l.stack());
        assertFalse(reports(now(ignoreTopFrame(call.method)), t), "ignoreTopFrame(" + call.method + ") ignores it");
    }

    @Test
    void threadWaitingToEnterAMonitorIsBlockedInMonitorEnter() {
        Object monitor = new Object();
        Thread t;
        synchronized (monitor) {
            t = start(Thread.ofPlatform().name("enters-monitor"), () -> {
                // The JVM reports a thread blocked entering a monitor at the first line of the block.
                synchronized (monitor) { assertTrue(Thread.holdsLock(monitor)); } // monitor enter
            });
            awaitState(t, Thread.State.BLOCKED);

            LeakedThread l = leakOf(now(), t);

            assertNotNull(l);
            assertEquals(Thread.State.BLOCKED, l.state());
            assertEquals("monitor enter", l.waitReason());
            assertFirstUserFrameAt("monitor enter", l);
        }
        join(t);
    }

    /** A task in a JDK wait is named as a raw thread in that wait is: one vocabulary in one report. */
    @Test
    void tetherTaskInAJdkWaitIsNamedLikeARawThreadInTheSameWait() {
        SynchronousQueue<String> q = new SynchronousQueue<>();
        Thread raw = start(Thread.ofVirtual(), () -> q.put("raw"));
        Task<Void> task = scope().go("puts-on-a-jdk-queue", () -> q.put("task"));
        awaitLeak(this::now, raw, "queue put");
        eventually(() -> task.isDone() || Thread.State.WAITING.equals(stateOf(task)), () -> "the task parks in put");

        LeakReport r = now();
        assertEquals("queue put", task(r, task).waitReason(), r::toString);
    }

    private Thread.State stateOf(Task<?> task) {
        LeakedThread l = task(now(), task);
        return l == null ? null : l.state();
    }

    private static LeakedThread task(LeakReport r, Task<?> task) {
        return r.leaks().stream().filter(l -> l.kind() == LeakedThread.Kind.TETHER_TASK && l.id() == task.id())
                .findFirst().orElse(null);
    }

    @Test
    void rawVirtualThreadsAreVisibleWithTheExport() {
        LeakReport r = now();

        assertTrue(r.sawVirtualThreads(), "the surefire argLine exports jdk.internal.vm");
        assertFalse(r.toString().contains("not visible"), r::toString);
        assertFalse(r.toString().contains("are unknown"), () -> "java.lang is opened too:\n" + r);
    }

    // ---- verifyNone and the report ------------------------------------------------------------------------------

    @Test
    void verifyNonePassesWhenEverythingTheTestStartedHasEnded() throws Exception {
        Thread t = Thread.ofVirtual().start(() -> { });
        t.join();

        Leaks.verifyNone(before);
    }

    @Test
    void verifyNoneThrowsAnAssertionErrorCarryingTheReport() {
        CountDownLatch never = new CountDownLatch(1);
        Thread t = start(Thread.ofPlatform().name("reported"), () -> {
            never.await(); // verifyNone latch
        });
        awaitLeak(this::now, t, "latch await");

        AssertionError e = assertThrows(AssertionError.class, () -> Leaks.verifyNone(before, maxWait(Duration.ZERO)));

        String m = e.getMessage();
        assertTrue(m.startsWith("found 1 leaked thread\n"), m);
        assertTrue(m.contains("\n1 platform thread [latch await] blocked in java.util.concurrent.CountDownLatch.await"
                + " at " + fileLine(LeaksTest.class, "verifyNone latch") + "\n"), m);
        assertTrue(m.contains("\n  e.g. platform thread #" + t.threadId() + " \"reported\" [WAITING]\n"), m);
        assertTrue(m.contains("\n  > dev.tether.test.LeaksTest.lambda$"), () -> "the user frame is marked:\n" + m);
        assertTrue(m.contains("(" + fileLine(LeaksTest.class, "verifyNone latch") + ")\n"), m);
        assertEquals(now().toString(), m, "the message is the report");
    }

    @Test
    void fiftyThreadsLeakedAtOneLineMakeOneGroup() {
        SynchronousQueue<Integer> q = new SynchronousQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int n = i;
            threads.add(start(Thread.ofVirtual(), () -> {
                q.put(n); // fifty puts
            }));
        }
        for (Thread t : threads) awaitState(t, Thread.State.WAITING);

        LeakReport r = now();

        assertEquals(50, r.leaks().size(), r::toString);
        assertEquals(1, r.groups().size(), r::toString);
        assertEquals(50, r.groups().getFirst().size());
        String header = "50 virtual threads [queue put] blocked in java.util.concurrent.SynchronousQueue.put at "
                + fileLine(LeaksTest.class, "fifty puts");
        assertTrue(r.toString().lines().anyMatch(header::equals), () -> "'" + header + "' in\n" + r);
        assertTrue(r.toString().startsWith("found 50 leaked threads\n"), r::toString);
        assertEquals(1, r.toString().lines().filter(s -> s.startsWith("  e.g. ")).count(), "one stack per group");
    }

    @Test
    void groupsComeLargestFirst() {
        SynchronousQueue<Integer> q = new SynchronousQueue<>();
        CountDownLatch never = new CountDownLatch(1);
        Thread single = start(Thread.ofVirtual(), () -> never.await());
        List<Thread> three = new ArrayList<>();
        for (int i = 0; i < 3; i++) three.add(start(Thread.ofVirtual(), () -> q.put(1)));
        awaitState(single, Thread.State.WAITING);
        for (Thread t : three) awaitState(t, Thread.State.WAITING);

        LeakReport r = now();

        assertEquals(List.of(3, 1), r.groups().stream().map(List::size).toList(), r::toString);
        assertTrue(r.toString().startsWith("found 4 leaked threads in 2 groups\n"), r::toString);
        String report = r.toString();
        assertTrue(report.indexOf("3 virtual threads [queue put]") < report.indexOf("1 virtual thread [latch await]"),
                report);
    }

    // ---- options ------------------------------------------------------------------------------------------------

    @Test
    void ignoreCurrentExcludesTheThreadsAliveWhenItWasCreated() {
        Thread earlier = start(Thread.ofVirtual(), release::await);
        awaitState(earlier, Thread.State.WAITING);
        LeakOption current = LeakOption.ignoreCurrent();
        Thread later = start(Thread.ofVirtual(), release::await);
        awaitState(later, Thread.State.WAITING);

        LeakReport r = now(current);

        assertFalse(reports(r, earlier), r::toString);
        assertTrue(reports(r, later), r::toString);
    }

    @Test
    void ignoreCurrentExcludesTetherTasksAliveWhenItWasCreated() {
        Channel<String> ch = Channel.unbuffered();
        Task<Void> earlier = scope().go(() -> ch.send("x"));
        awaitTaskLeak(this::now, earlier.id(), "chan send");

        LeakReport r = now(LeakOption.ignoreCurrent());

        assertNull(task(r, earlier), r::toString);
    }

    @Test
    void ignoreTopFrameIgnoresThreadsBlockedInThatMethodOnly() {
        Thread latched = start(Thread.ofVirtual(), () -> release.await());
        Thread putting = start(Thread.ofVirtual(), () -> new SynchronousQueue<String>().put("x"));
        awaitLeak(this::now, latched, "latch await");
        awaitLeak(this::now, putting, "queue put");

        LeakReport r = now(ignoreTopFrame("java.util.concurrent.CountDownLatch.await"));

        assertFalse(reports(r, latched), r::toString);
        assertTrue(reports(r, putting), r::toString);
    }

    /** Blocks below its own frame: a frame that is on the stack but not on top. */
    static final class Poller {
        static void poll(CountDownLatch latch) throws InterruptedException {
            latch.await();
        }
    }

    @Test
    void ignoreAnyFrameIgnoresThreadsWithThatFrameAnywhereOnTheStack() {
        Thread polling = start(Thread.ofVirtual(), () -> Poller.poll(release));
        Thread other = start(Thread.ofVirtual(), () -> release.await());
        awaitLeak(this::now, polling, "latch await");
        awaitLeak(this::now, other, "latch await");

        LeakReport exact = now(ignoreAnyFrame("dev.tether.test.LeaksTest$Poller.poll"));
        LeakReport partial = now(ignoreAnyFrame("dev.tether.test.LeaksTest$Poller.pol"));

        assertFalse(reports(exact, polling), exact::toString);
        assertTrue(reports(exact, other), exact::toString);
        assertTrue(reports(partial, polling), () -> "without * a frame must match whole:\n" + partial);
    }

    @Test
    void ignoreAnyFrameEndingInAStarMatchesFramesStartingWithTheRest() {
        Thread polling = start(Thread.ofVirtual(), () -> Poller.poll(release));
        Thread other = start(Thread.ofVirtual(), () -> release.await());
        awaitLeak(this::now, polling, "latch await");
        awaitLeak(this::now, other, "latch await");

        LeakReport r = now(ignoreAnyFrame("dev.tether.test.LeaksTest$Pol*"));

        assertFalse(reports(r, polling), r::toString);
        assertTrue(reports(r, other), r::toString);
    }

    @Test
    void ignoreCreatorIgnoresTasksSpawnedThere() {
        Task<Void> task = scope().go(() -> release.await());
        awaitTaskLeak(this::now, task.id(), "latch await");

        LeakReport here = now(ignoreCreator("dev.tether.test.LeaksTest.ignoreCreatorIgnoresTasksSpawnedThere"));
        LeakReport elsewhere = now(ignoreCreator("dev.tether.test.LeaksTest.somewhereElse"));
        LeakReport prefix = now(ignoreCreator("dev.tether.test.LeaksTest.ignoreCreator*"));

        assertNull(task(here, task), here::toString);
        assertNotNull(task(elsewhere, task), elsewhere::toString);
        assertNull(task(prefix, task), prefix::toString);
    }

    @Test
    void ignoreCreatorIgnoresRawThreadsStartedThereWhenTheTestIsBlamed() {
        Blame prev = Blame.enter("LeaksTest > ignoreCreator()", "[test:ignoreCreator]");
        Thread t;
        try {
            t = Thread.ofVirtual().start(quietly(release::await));
            started.add(t);
        } finally {
            Blame.restore(prev);
        }
        awaitLeak(this::now, t, "latch await");

        LeakReport here = now(ignoreCreator(
                "dev.tether.test.LeaksTest.ignoreCreatorIgnoresRawThreadsStartedThereWhenTheTestIsBlamed"));
        LeakReport elsewhere = now(ignoreCreator("dev.tether.test.LeaksTest.somewhereElse"));

        assertFalse(reports(here, t), here::toString);
        assertTrue(reports(elsewhere, t), elsewhere::toString);
    }

    @Test
    void ignoreThreadNameMatchesTheWholeName() {
        Thread worker = start(Thread.ofVirtual().name("poller-7"), release::await);
        Thread other = start(Thread.ofVirtual().name("other"), release::await);
        awaitState(worker, Thread.State.WAITING);
        awaitState(other, Thread.State.WAITING);

        LeakReport whole = now(ignoreThreadName("poller-\\d+"));
        LeakReport part = now(ignoreThreadName("poller"));

        assertFalse(reports(whole, worker), whole::toString);
        assertTrue(reports(whole, other), whole::toString);
        assertTrue(reports(part, worker), () -> "the regex must match the whole name:\n" + part);
    }

    @Test
    void defaultIgnoresHideInfrastructureNamesAndNoDefaultIgnoresShowsThem() {
        Thread timer = start(Thread.ofPlatform().name("tether-timer"), release::await);
        Thread main = start(Thread.ofPlatform().name("main"), release::await);
        awaitState(timer, Thread.State.WAITING);
        awaitState(main, Thread.State.WAITING);

        LeakReport defaults = now();
        LeakReport all = now(noDefaultIgnores());

        assertFalse(reports(defaults, timer), defaults::toString);
        assertFalse(reports(defaults, main), defaults::toString);
        assertTrue(reports(all, timer), all::toString);
        assertTrue(reports(all, main), all::toString);
    }

    // ---- the wait bound -----------------------------------------------------------------------------------------

    @Test
    void threadEndingSoonAfterTheCheckStartsIsNotReportedWithinTheDefaultBound() {
        Thread t = start(Thread.ofVirtual().name("ends-soon"), () -> Thread.sleep(150));

        LeakReport r = Leaks.find(before);

        assertTrue(r.isEmpty(), r::toString);
        assertFalse(t.isAlive(), "the check waited for it to end rather than missing it");
    }

    @Test
    void threadEndingSoonAfterTheCheckStartsIsReportedWithAZeroBound() {
        // It ends once released after the test, so "after the check starts" holds however slow the machine is.
        Thread t = start(Thread.ofVirtual().name("ends-soon"), release::await);

        LeakReport r = Leaks.find(before, maxWait(Duration.ZERO));

        assertTrue(reports(r, t), r::toString);
    }

    @Test
    void theBoundIsWaitedOutBeforeReporting() {
        Thread t = start(Thread.ofVirtual(), release::await);
        awaitState(t, Thread.State.WAITING);
        long start = System.nanoTime();

        LeakReport r = Leaks.find(before, maxWait(Duration.ofMillis(200)));

        assertTrue(reports(r, t), r::toString);
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200), "waited at least the bound");
    }

    @Test
    void interruptedCallerStillWaitsOutTheBoundAndKeepsItsInterrupt() {
        Thread t = start(Thread.ofVirtual(), () -> Thread.sleep(150));
        Thread.currentThread().interrupt();

        LeakReport r = Leaks.find(before);

        assertTrue(Thread.interrupted(), "the interrupt is restored");
        assertTrue(r.isEmpty(), r::toString);
        assertFalse(t.isAlive());
    }

    @Test
    void findNeverInterruptsTheThreadsItReports() throws Exception {
        AtomicBoolean interrupted = new AtomicBoolean();
        Thread t = start(Thread.ofPlatform(), () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
        });
        awaitState(t, Thread.State.WAITING);

        LeakReport r = Leaks.find(before, maxWait(Duration.ofMillis(100)));
        Leaks.find(before, maxWait(Duration.ZERO));
        assertThrows(AssertionError.class, () -> Leaks.verifyNone(before, maxWait(Duration.ofMillis(50))));

        assertTrue(reports(r, t));
        assertTrue(t.isAlive());
        assertFalse(t.isInterrupted());
        release.countDown();
        assertTrue(t.join(Duration.ofSeconds(LeakTestSupport.WAIT_SECONDS)));
        assertFalse(interrupted.get(), "the thread ended by its latch, not by an interrupt");
    }

    /** A bound too long to count in nanoseconds means "wait as long as it takes", not an arithmetic error. */
    @Test
    void hugeWaitBoundIsAcceptedAndReturnsAtOnceWhenNothingLeaked() {
        LeakOption forever = maxWait(Duration.ofSeconds(Long.MAX_VALUE));

        LeakReport r = Leaks.find(before, forever);

        assertTrue(r.isEmpty(), r::toString);
    }

    // ---- bad and conflicting options ----------------------------------------------------------------------------

    @Test
    void nullOptionsFailWithANullPointerException() {
        assertThrows(NullPointerException.class, () -> ignoreTopFrame(null));
        assertThrows(NullPointerException.class, () -> ignoreAnyFrame(null));
        assertThrows(NullPointerException.class, () -> ignoreCreator(null));
        assertThrows(NullPointerException.class, () -> ignoreThreadName(null));
        assertThrows(NullPointerException.class, () -> maxWait(null));
        NullPointerException e = assertThrows(NullPointerException.class, () -> Leaks.find(before, null));
        assertEquals("a leak option is null", e.getMessage());
    }

    @Test
    void blankFrameFails() {
        for (String blank : List.of("", "  ", "*")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ignoreTopFrame(blank));
            assertTrue(e.getMessage().contains("a frame must name Class.method"), e.getMessage());
            assertTrue(e.getMessage().contains("'" + blank + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ignoreAnyFrame(" "));
        assertThrows(IllegalArgumentException.class, () -> ignoreCreator(""));
    }

    @Test
    void frameWithoutADotFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ignoreAnyFrame("run"));
        assertEquals("a frame must be fully.qualified.Class.method, was 'run'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ignoreTopFrame("await"));
        assertThrows(IllegalArgumentException.class, () -> ignoreCreator("handle"));
    }

    @Test
    void invalidRegularExpressionFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ignoreThreadName("pool-[0-9"));
        assertTrue(e.getMessage().startsWith("ignoreThreadName: not a valid regular expression: pool-[0-9"),
                e.getMessage());
    }

    @Test
    void negativeWaitFails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> maxWait(Duration.ofMillis(-1)));
        assertTrue(e.getMessage().startsWith("maxWait must not be negative"), e.getMessage());
    }

    @Test
    void twoWaitBoundsConflict() {
        LeakOption a = maxWait(Duration.ZERO), b = maxWait(Duration.ofSeconds(1));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Leaks.find(a, b));

        assertTrue(e.getMessage().startsWith("maxWait given twice"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Leaks.verifyNone(a, before, a));
    }

    // ---- the common pool ----------------------------------------------------------------------------------------

    /**
     * A common-pool worker running a task that never returns is a leak, not an idle worker, whatever the task is
     * blocked in. (No {@link #before} here: the worker may well have existed before the test.)
     */
    @Test
    void commonPoolTaskBlockedInAQueueIsReported() throws Exception {
        LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
        AtomicReference<Thread> worker = new AtomicReference<>();
        CompletableFuture<Void> f = CompletableFuture.runAsync(quietly(() -> {
            worker.set(Thread.currentThread());
            q.take(); // common pool take
        }));
        cleanups.add(() -> {
            q.add("stop");
            eventually(f::isDone, () -> "the common-pool task ends");
        });
        eventually(() -> worker.get() != null && worker.get().getState() == Thread.State.WAITING,
                () -> "the common-pool task parks in take");

        LeakReport r = Leaks.find(maxWait(Duration.ZERO));

        LeakedThread l = leakOf(r, worker.get());
        assertNotNull(l, () -> worker.get() + " is missing from\n" + r);
        assertEquals("queue take", l.waitReason());
        assertFirstUserFrameAt("common pool take", l);
    }

    /**
     * Same for a task with no frame of user code: a method reference to a JDK method, here a join on a future
     * nobody completes. Its worker is blocked, not idle, though no user frame says so.
     */
    @Test
    void commonPoolTaskJoiningAFutureNobodyCompletesIsReported() {
        CompletableFuture<Void> never = new CompletableFuture<>();
        CompletableFuture<Void> joiner = CompletableFuture.runAsync(never::join);
        cleanups.add(() -> {
            never.complete(null);
            eventually(joiner::isDone, () -> "the common-pool task ends");
        });
        LeakedThread[] worker = new LeakedThread[2]; // two sightings that agree: it is blocked, not on its way
        eventually(() -> {
            worker[0] = joiningWorker(Leaks.find(maxWait(Duration.ZERO), noDefaultIgnores()));
            worker[1] = joiningWorker(Leaks.find(maxWait(Duration.ZERO), noDefaultIgnores()));
            return worker[0] != null && worker[1] != null && worker[0].stack().equals(worker[1].stack());
        }, () -> "a common-pool worker parks in CompletableFuture.join");

        LeakReport r = Leaks.find(maxWait(Duration.ZERO));

        assertTrue(r.leaks().stream().anyMatch(l -> l.id() == worker[0].id()),
                () -> "the worker blocked in " + worker[0].stack() + " is missing from\n" + r);
    }

    private static LeakedThread joiningWorker(LeakReport r) {
        return r.leaks().stream()
                .filter(l -> l.name().startsWith("ForkJoinPool.commonPool-worker-"))
                .filter(l -> l.state() == Thread.State.WAITING)
                .filter(l -> l.stack().stream().anyMatch(f -> LeakReport.method(f).equals(
                        "java.util.concurrent.CompletableFuture.join")))
                .findFirst().orElse(null);
    }
}
