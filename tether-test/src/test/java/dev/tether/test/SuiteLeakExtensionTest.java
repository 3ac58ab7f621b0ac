package dev.tether.test;

import static dev.tether.test.LeakTestSupport.fileLine;
import static dev.tether.test.LeakTestSupport.quietly;
import static dev.tether.test.SampleThreads.keep;
import static dev.tether.test.SampleThreads.release;
import static dev.tether.test.TestKit.assertSucceeded;
import static dev.tether.test.TestKit.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.platform.testkit.engine.EngineExecutionResults;

import java.util.HashMap;
import java.util.Map;

/**
 * The suite-wide check as a build switches it on: {@code junit.jupiter.extensions.autodetection.enabled=true} loads
 * {@link SuiteLeakExtension} from its service file, and a class whose tests leave threads running fails at class
 * level, naming the test that started them.
 */
@Timeout(60)
class SuiteLeakExtensionTest {
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

    private static EngineExecutionResults runWithTheSuiteCheck(Class<?> sample, String maxWaitMillis) {
        Map<String, String> params = new HashMap<>();
        params.put(TestKit.AUTODETECT, "true");
        if (maxWaitMillis != null) params.put(SuiteLeakExtension.MAX_WAIT_KEY, maxWaitMillis);
        return TestKit.run(sample, params);
    }

    /** The class's container name in testkit events. */
    private static String container(Class<?> sample) {
        return SuiteLeakExtensionTest.class.getSimpleName() + "$" + sample.getSimpleName();
    }

    @Sample
    static class LeakyClass {
        @Test
        void leaks() {
            keep(Thread.ofVirtual().name("leaked-by-class").start(quietly(() -> { // LeakyClass starts
                release().await(); // LeakyClass blocks
            })));
        }

        @Test
        void clean() {
        }
    }

    @Test
    void classWhoseTestLeaksFailsAtClassLevelNamingTheTest() {
        EngineExecutionResults r = runWithTheSuiteCheck(LeakyClass.class, null);

        assertSucceeded(r.testEvents(), "leaks()");
        assertSucceeded(r.testEvents(), "clean()");
        Throwable e = failure(r.containerEvents(), container(LeakyClass.class));
        assertInstanceOf(AssertionError.class, e);
        String m = e.getMessage();
        assertTrue(m.startsWith(container(LeakyClass.class) + " left threads running after its tests: "
                + "found 1 leaked thread\n"), m);
        assertTrue(m.contains("\n1 virtual thread [latch await] blocked in java.util.concurrent.CountDownLatch.await"
                + " at " + fileLine(LeakyClass.class, "LeakyClass blocks") + ", created at "
                + "dev.tether.test.SuiteLeakExtensionTest$LeakyClass.leaks("
                + fileLine(LeakyClass.class, "LeakyClass starts") + "), by test LeakyClass > leaks()\n"), m);
        assertTrue(m.contains(" \"leaked-by-class\" [WAITING]"), m);
    }

    @Sample
    static class CleanClass {
        @Test
        void joinsWhatItStarts() throws Exception {
            Thread t = Thread.ofVirtual().start(() -> { });
            t.join();
        }

        @Test
        void leavesAThreadEndingWithinTheBound() {
            Thread.ofPlatform().start(quietly(() -> Thread.sleep(50)));
        }
    }

    @Test
    void cleanClassPasses() {
        EngineExecutionResults r = runWithTheSuiteCheck(CleanClass.class, null);

        assertSucceeded(r.testEvents(), "joinsWhatItStarts()");
        assertSucceeded(r.testEvents(), "leavesAThreadEndingWithinTheBound()");
        assertSucceeded(r.containerEvents(), container(CleanClass.class));
    }

    @Test
    void withoutAutodetectionTheSuiteCheckIsOff() {
        EngineExecutionResults r = TestKit.run(LeakyClass.class);

        assertSucceeded(r.containerEvents(), container(LeakyClass.class));
    }

    @Sample
    static class LeaksInBeforeAll {
        @BeforeAll
        static void startAPoller() {
            keep(Thread.ofVirtual().name("class-poller").start(quietly(() -> release().await()))); // BeforeAll starts
        }

        @Test
        void test() {
        }
    }

    @Test
    void threadLeakedByBeforeAllIsBlamedOnTheClass() {
        EngineExecutionResults r = runWithTheSuiteCheck(LeaksInBeforeAll.class, "0");

        String m = failure(r.containerEvents(), container(LeaksInBeforeAll.class)).getMessage();
        assertTrue(m.contains(", created at dev.tether.test.SuiteLeakExtensionTest$LeaksInBeforeAll.startAPoller("
                + fileLine(LeaksInBeforeAll.class, "BeforeAll starts") + "), by test LeaksInBeforeAll\n"), m);
    }

    // ---- tether.leaks.maxWaitMillis -----------------------------------------------------------------------------

    @Sample
    static class EndsSoonAfter {
        static final long END_AFTER_MILLIS = 3 * Leaks.DEFAULT_MAX_WAIT_MILLIS;

        @Test
        void leavesAThreadEndingSoonAfter() {
            keep(Thread.ofVirtual().name("ends-soon").start(quietly(() -> Thread.sleep(END_AFTER_MILLIS))));
        }
    }

    @Test
    void withTheDefaultBoundAThreadEndingLaterThanItIsReported() {
        EngineExecutionResults r = runWithTheSuiteCheck(EndsSoonAfter.class, null);

        assertTrue(failure(r.containerEvents(), container(EndsSoonAfter.class)).getMessage().contains("\"ends-soon\""));
    }

    @Test
    void maxWaitMillisLongerThanTheThreadTakesForgivesIt() {
        EngineExecutionResults r = runWithTheSuiteCheck(EndsSoonAfter.class,
                Long.toString(6 * Leaks.DEFAULT_MAX_WAIT_MILLIS));

        assertSucceeded(r.containerEvents(), container(EndsSoonAfter.class));
    }
}
