package dev.tether.test;

import static dev.tether.test.LeakTestSupport.fileLine;
import static dev.tether.test.LeakTestSupport.quietly;
import static dev.tether.test.SampleThreads.keep;
import static dev.tether.test.SampleThreads.release;
import static dev.tether.test.TestKit.assertSucceeded;
import static dev.tether.test.TestKit.failure;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Channel;
import dev.tether.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

/**
 * {@link VerifyNoLeaks} as a user meets it: sample test classes (nested, {@link Sample}) run through the JUnit
 * testkit, each test checked for the threads it started, with the failure naming the thread and the test, also
 * under parallel execution.
 */
@Timeout(60)
class VerifyNoLeaksTest {

    /** The runner thread's blame (set if the suite-wide check runs these tests too). */
    private Blame runner;

    @BeforeEach
    void rememberTheRunnersBlame() {
        runner = Blame.current();
    }

    @AfterEach
    void endSampleThreads() {
        SampleThreads.endAll();
        assertEquals(runner, Blame.current(), "running the samples restores the runner thread's blame");
    }

    // ---- a leak fails the test that leaked ----------------------------------------------------------------------

    @Sample
    @VerifyNoLeaks
    static class Leaky {
        @Test
        void leaks() {
            keep(Thread.ofVirtual().name("leaked-by-sample").start(quietly(() -> { // Leaky starts
                release().await(); // Leaky blocks
            })));
        }
    }

    @Test
    void leakingTestFailsWithAReportNamingTheThreadTheLinesAndTheTest() {
        Events tests = TestKit.run(Leaky.class).testEvents();

        Throwable e = failure(tests, "leaks()");
        assertInstanceOf(AssertionError.class, e);
        String m = e.getMessage();
        assertTrue(m.startsWith("the test left threads running: found 1 leaked thread\n"), m);
        assertTrue(m.contains("\n1 virtual thread [latch await] blocked in java.util.concurrent.CountDownLatch.await"
                + " at " + fileLine(Leaky.class, "Leaky blocks")
                + ", created at dev.tether.test.VerifyNoLeaksTest$Leaky.leaks(" + fileLine(Leaky.class, "Leaky starts")
                + "), by test Leaky > leaks()\n"), m);
        assertTrue(m.contains(" \"leaked-by-sample\" [WAITING]"), m);
    }

    @Test
    void samplesRunOnlyThroughTheTestKit() {
        EngineExecutionResults r = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Leaky.class)).execute();

        assertEquals(0, r.testEvents().started().count(), "a sample run on its own is skipped");
        assertEquals(1, r.containerEvents().skipped().count());
    }

    @Sample
    @VerifyNoLeaks
    static class Clean {
        private Thread worker;

        @Test
        void joinsWhatItStarts() throws Exception {
            Thread t = Thread.ofVirtual().start(() -> { });
            t.join();
        }

        @Test
        void leavesAThreadEndingWithinTheBound() {
            Thread.ofVirtual().start(quietly(() -> Thread.sleep(50)));
        }

        @Test
        void startsAWorkerThatAfterEachStops() {
            worker = Thread.ofVirtual().start(quietly(() -> new CountDownLatch(1).await()));
        }

        @AfterEach
        void stopWorker() throws InterruptedException {
            if (worker != null) {
                worker.interrupt();
                worker.join();
            }
        }
    }

    @Test
    void testsThatEndWhatTheyStartPassIncludingThroughAfterEach() {
        Events tests = TestKit.run(Clean.class).testEvents();

        assertSucceeded(tests, "joinsWhatItStarts()");
        assertSucceeded(tests, "leavesAThreadEndingWithinTheBound()");
        assertSucceeded(tests, "startsAWorkerThatAfterEachStops()");
    }

    @Sample
    @VerifyNoLeaks(maxWaitMillis = 0)
    static class LeaksThroughAChild {
        @Test
        void leaksAGrandchild() throws Exception {
            Thread child = Thread.ofPlatform().start(() -> {
                Thread.Builder named = Thread.ofVirtual().name("grandchild");
                Thread grandchild = named.start(quietly(release()::await)); // child starts
                keep(grandchild);
            });
            child.join();
        }
    }

    @Test
    void threadStartedByAThreadTheTestStartedIsBlamedOnTheTestAtTheChildsLine() {
        Events tests = TestKit.run(LeaksThroughAChild.class).testEvents();

        String m = failure(tests, "leaksAGrandchild()").getMessage();
        assertTrue(m.contains(", created at "
                + "dev.tether.test.VerifyNoLeaksTest$LeaksThroughAChild.lambda$leaksAGrandchild$"), m);
        assertTrue(m.contains("(" + fileLine(LeaksThroughAChild.class, "child starts")
                + "), by test LeaksThroughAChild > leaksAGrandchild()\n"), m);
        assertTrue(m.contains("\"grandchild\""), m);
    }

    @Sample
    @VerifyNoLeaks
    static class LeaksATask {
        static final Queue<Task<?>> SPAWNED = new ConcurrentLinkedQueue<>();

        @Test
        void leaksADetachedSender() {
            Channel<String> ch = Channel.unbuffered();
            SPAWNED.add(Task.detached("detached-sender", () -> { // LeaksATask spawns
                ch.send("nobody receives"); // LeaksATask sends
            }));
        }
    }

    @Test
    void tetherTaskLeakedByATestFailsItInChanSend() {
        try {
            Events tests = TestKit.run(LeaksATask.class).testEvents();

            String m = failure(tests, "leaksADetachedSender()").getMessage();
            assertTrue(m.contains("\n1 Tether task [chan send] blocked in dev.tether.Channel.send at "
                    + fileLine(LeaksATask.class, "LeaksATask sends") + ", created at "
                    + "dev.tether.test.VerifyNoLeaksTest$LeaksATask.leaksADetachedSender("
                    + fileLine(LeaksATask.class, "LeaksATask spawns")
                    + "), by test LeaksATask > leaksADetachedSender()\n"), m);
            assertTrue(m.contains("\"detached-sender\""), m);
        } finally {
            for (Task<?> t; (t = LeaksATask.SPAWNED.poll()) != null; ) {
                t.cancel();
                LeakTestSupport.eventually(t::isDone, () -> "the cancelled sender ends");
            }
        }
    }

    // ---- ignores through the annotation -------------------------------------------------------------------------

    @Sample
    @VerifyNoLeaks
    static class IgnoringLeaks {
        @Test
        @VerifyNoLeaks(ignoreThreadNames = "known-poller-\\d+")
        void ignoredByName() {
            keep(Thread.ofVirtual().name("known-poller-1").start(quietly(() -> release().await())));
        }

        @Test
        @VerifyNoLeaks(ignoreTopFrames = "java.util.concurrent.CountDownLatch.await")
        void ignoredByTopFrame() {
            keep(Thread.ofVirtual().start(quietly(() -> release().await())));
        }

        @Test
        @VerifyNoLeaks(ignoreAnyFrames = "dev.tether.test.VerifyNoLeaksTest$IgnoringLeaks.lambda$ignoredByAnyFrame*")
        void ignoredByAnyFrame() {
            keep(Thread.ofVirtual().start(quietly(() -> release().await())));
        }

        @Test
        @VerifyNoLeaks(ignoreCreators = "dev.tether.test.VerifyNoLeaksTest$IgnoringLeaks.ignoredByCreator")
        void ignoredByCreator() {
            keep(Thread.ofVirtual().start(quietly(() -> release().await())));
        }

        @Test
        @VerifyNoLeaks(maxWaitMillis = 5000)
        void endsWithinALongerBound() {
            keep(Thread.ofVirtual().start(quietly(() -> Thread.sleep(Leaks.DEFAULT_MAX_WAIT_MILLIS + 200))));
        }

        @Test
        @VerifyNoLeaks(ignoreThreadNames = "known-poller-\\d+", maxWaitMillis = 0)
        void notIgnored() {
            keep(Thread.ofVirtual().name("unknown-poller").start(quietly(() -> release().await())));
        }
    }

    @Test
    void leaksIgnoredThroughTheAnnotationsAttributesPass() {
        Events tests = TestKit.run(IgnoringLeaks.class).testEvents();

        assertSucceeded(tests, "ignoredByName()");
        assertSucceeded(tests, "ignoredByTopFrame()");
        assertSucceeded(tests, "ignoredByAnyFrame()");
        assertSucceeded(tests, "ignoredByCreator()");
        assertSucceeded(tests, "endsWithinALongerBound()");
        assertTrue(failure(tests, "notIgnored()").getMessage().contains("\"unknown-poller\""),
                "a leak the ignores do not match still fails");
    }

    @Sample
    static class AnnotatedMethodOnly {
        @Test
        @VerifyNoLeaks(maxWaitMillis = 0)
        void checked() {
            keep(Thread.ofVirtual().start(quietly(() -> release().await())));
        }

        @Test
        void unchecked() {
            keep(Thread.ofVirtual().start(quietly(() -> release().await())));
        }
    }

    @Test
    void onAMethodOnlyThatTestIsChecked() {
        Events tests = TestKit.run(AnnotatedMethodOnly.class).testEvents();

        assertInstanceOf(AssertionError.class, failure(tests, "checked()"));
        assertSucceeded(tests, "unchecked()");
    }

    // ---- blame under parallel execution -------------------------------------------------------------------------

    @Sample
    @VerifyNoLeaks
    static class Overlapping {
        static volatile CyclicBarrier bothRunning;
        static volatile CountDownLatch leakStarted;

        @Test
        void leaks() throws Exception {
            bothRunning.await(LeakTestSupport.WAIT_SECONDS, TimeUnit.SECONDS);
            keep(Thread.ofVirtual().name("leaked-by-leaks").start(quietly(() -> { // Overlapping starts
                release().await();
            })));
            leakStarted.countDown();
        }

        @Test
        void clean() throws Exception {
            bothRunning.await(LeakTestSupport.WAIT_SECONDS, TimeUnit.SECONDS);
            assertTrue(leakStarted.await(LeakTestSupport.WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void underParallelExecutionOnlyTheTestThatLeakedFails() {
        Overlapping.bothRunning = new CyclicBarrier(2);
        Overlapping.leakStarted = new CountDownLatch(1);

        Events tests = TestKit.run(Overlapping.class, Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "2")).testEvents();

        assertSucceeded(tests, "clean()");
        String m = failure(tests, "leaks()").getMessage();
        assertTrue(m.contains(", created at dev.tether.test.VerifyNoLeaksTest$Overlapping.leaks("
                + fileLine(Overlapping.class, "Overlapping starts") + "), by test Overlapping > leaks()\n"), m);
        assertFalse(m.contains("clean()"), m);
        assertFalse(Overlapping.bothRunning.isBroken(), "the two tests ran at the same time");
    }

    @Test
    void theCheckWaitsTheDefaultBoundBeforeFailing() {
        Events tests = TestKit.run(Leaky.class).testEvents();

        Duration d = Duration.between(
                tests.started().stream().findFirst().orElseThrow().getTimestamp(),
                tests.finished().stream().findFirst().orElseThrow().getTimestamp());
        assertTrue(d.toMillis() >= Leaks.DEFAULT_MAX_WAIT_MILLIS, () -> "the failing test took " + d);
    }
}
