package dev.tether.leakprof;

import static dev.tether.leakprof.Waits.awaitBlocked;
import static dev.tether.leakprof.Waits.eventually;
import static dev.tether.leakprof.Waits.eventuallyGet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Channel;
import dev.tether.Task;
import dev.tether.TaskScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeakDetectorTest {

    private static final Duration AGE = Duration.ofMillis(30);

    /** A detector that samples only when asked. */
    private static LeakDetector.Builder manual() {
        return LeakDetector.builder().period(Duration.ofHours(1)).minTasks(10).minAge(AGE);
    }

    private static int line() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow().getLineNumber();
    }

    private static Suspect only(Sample s) {
        assertEquals(1, s.suspects().size(), () -> "suspects: " + s.suspects());
        return s.suspects().get(0);
    }

    @Test
    void forgottenSendersAreASuspectAtTheSendLine() throws Exception {
        Channel<Integer> nobodyReceives = Channel.unbuffered();
        try (LeakDetector detector = manual().start(); TaskScope scope = TaskScope.open()) {
            List<Task<Void>> senders = new ArrayList<>();
            int goLine = line() + 1;
            for (int i = 0; i < 20; i++) senders.add(scope.go(() -> nobodyReceives.send(1)));
            awaitBlocked(senders, "chan send", AGE);

            Sample s = detector.sampleNow();
            Suspect suspect = only(s);
            assertEquals(Suspect.Kind.TASKS, suspect.kind());
            assertEquals("chan send", suspect.waitReason());
            assertEquals("LeakDetectorTest.java", suspect.blockingSite().getFileName());
            assertEquals(goLine, suspect.blockingSite().getLineNumber(), "the send is on the spawning line");
            assertEquals(goLine, suspect.creationSite().getLineNumber());
            assertEquals(20, suspect.count());
            assertEquals(20, suspect.total());
            assertEquals(20, suspect.growth(), "first sighting: all of it is growth");
            assertTrue(suspect.oldestWait().compareTo(AGE) >= 0);
            assertEquals("dev.tether.Channel", suspect.stack().get(0).getClassName(), "stack starts at the send");
            assertTrue(suspect.estimated(), "blocking sites are off here, so the site comes from sampled stacks");
            assertEquals(20, s.blockedByReason().get("chan send"));
            assertTrue(s.liveTasks() >= 20);
            assertEquals(s, detector.latest().orElseThrow());
            assertTrue(suspect.toString().startsWith("20 tasks (estimated) [chan send] at LeakDetectorTest.java:"),
                    suspect.toString());
        }
    }

    @Test
    void fewOrYoungWaitersAreNotSuspects() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            List<Task<Void>> senders = new ArrayList<>();
            for (int i = 0; i < 9; i++) senders.add(scope.go(() -> ch.send(1)));
            awaitBlocked(senders, "chan send", AGE);
            try (LeakDetector tooFew = manual().start()) {
                Sample s = tooFew.sampleNow();
                assertTrue(s.suspects().isEmpty(), () -> "9 < 10 tasks: " + s.suspects());
                assertEquals(9, s.blockedByReason().get("chan send"));
            }
            try (LeakDetector tooYoung = manual().minTasks(5).minAge(Duration.ofHours(1)).start()) {
                assertTrue(tooYoung.sampleNow().suspects().isEmpty(), "none has waited an hour");
            }
        }
    }

    @Test
    void growthIsTheChangeSinceThePreviousSample() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        try (LeakDetector detector = manual().start(); TaskScope scope = TaskScope.open()) {
            List<Task<Void>> senders = new ArrayList<>();
            spawnSenders(scope, ch, 12, senders);
            awaitBlocked(senders, "chan send", AGE);
            assertEquals(12, only(detector.sampleNow()).growth());
            spawnSenders(scope, ch, 8, senders);
            awaitBlocked(senders, "chan send", AGE);
            Suspect second = only(detector.sampleNow());
            assertEquals(20, second.count());
            assertEquals(8, second.growth());
            Sample third = detector.sampleNow();
            assertEquals(0, only(third).growth(), "a stable site does not grow");
            assertEquals(3, third.sequence());
        }
    }

    private static void spawnSenders(TaskScope scope, Channel<Integer> ch, int n, List<Task<Void>> into) {
        for (int i = 0; i < n; i++) into.add(scope.go(() -> ch.send(1)));
    }

    @Test
    void oneCreationSiteBlockingAtTwoLinesGivesTwoSuspects() throws Exception {
        Channel<Integer> a = Channel.unbuffered(), b = Channel.unbuffered();
        int lineA, lineB;
        try (LeakDetector detector = manual().minTasks(5).stackSamples(40).start(); TaskScope scope = TaskScope.open()) {
            List<Task<Void>> senders = new ArrayList<>();
            lineA = line() + 5;
            lineB = lineA + 2;
            for (int i = 0; i < 20; i++) {
                boolean even = i % 2 == 0;
                senders.add(scope.go(() -> {
                    if (even) a.send(1);
                    else {
                        b.send(2);
                    }
                }));
            }
            awaitBlocked(senders, "chan send", AGE);
            Sample s = detector.sampleNow();
            assertEquals(2, s.suspects().size(), () -> "suspects: " + s.suspects());
            for (Suspect x : s.suspects()) {
                assertEquals(10, x.count(), "with every task's stack taken the split is exact: " + x);
                assertFalse(x.estimated(), "all 20 stacks were taken");
                int at = x.blockingSite().getLineNumber();
                assertTrue(at == lineA || at == lineB, "blocking line " + at);
            }
        }
    }

    @Test
    void jdkWaitsAreAgedAcrossSamples() throws Exception {
        ArrayBlockingQueue<Integer> full = new ArrayBlockingQueue<>(1);
        full.add(0);
        try (LeakDetector detector = manual().minAge(Duration.ofMillis(1)).start();
             TaskScope scope = TaskScope.open()) {
            int putLine = line() + 1;
            for (int i = 0; i < 10; i++) scope.go(() -> full.put(1));
            eventually(() -> detector.sampleNow().blockedByReason().values().stream().mapToInt(n -> n).sum() == 10,
                    "10 tasks block in put");
            // A JDK wait has no recorded start: the first sample that sees a task in it dates it.
            Suspect suspect = eventuallyGet(() -> detector.sampleNow().suspects().stream().findFirst().orElse(null),
                    "the putters are aged past 1 ms by later samples");
            assertEquals("queue put", suspect.waitReason());
            assertEquals(putLine, suspect.blockingSite().getLineNumber());
            assertEquals(10, suspect.count());
        }
    }

    @Test
    void rawThreadsAreScannedWhenAsked() throws Exception {
        SynchronousQueue<Integer> nobodyTakes = new SynchronousQueue<>();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(12);
        int putLine = line() + 5;
        try (LeakDetector detector = manual().minAge(Duration.ofMillis(1)).scanThreadsEvery(1).start()) {
            for (int i = 0; i < 12; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    started.countDown();
                    try { nobodyTakes.put(1); } catch (InterruptedException e) { /* released */ }
                }));
            }
            assertTrue(started.await(Waits.SECONDS, TimeUnit.SECONDS));
            Suspect suspect = eventuallyGet(() -> detector.sampleNow().suspects().stream()
                    .filter(x -> x.kind() == Suspect.Kind.THREADS).findFirst().orElse(null),
                    () -> "the raw threads are a suspect; last sample: " + detector.latest().orElseThrow());
            assertEquals(putLine, suspect.blockingSite().getLineNumber());
            assertEquals("queue put", suspect.waitReason());
            assertEquals(12, suspect.count());
            assertTrue(detector.latest().orElseThrow().threadsScanned());
        } finally {
            for (Thread t : threads) t.interrupt();
            for (Thread t : threads) assertTrue(t.join(Duration.ofSeconds(Waits.SECONDS)));
        }
    }

    @Test
    void ignoreRulesDropSuspects() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        try (LeakDetector detector = manual().ignore(s -> "chan send".equals(s.waitReason())).start();
             TaskScope scope = TaskScope.open()) {
            List<Task<Void>> senders = new ArrayList<>();
            for (int i = 0; i < 10; i++) senders.add(scope.go(() -> ch.send(1)));
            awaitBlocked(senders, "chan send", AGE);
            assertTrue(detector.sampleNow().suspects().isEmpty());
        }
    }

    @Test
    void samplesOnSchedule_andAFailingSampleOrListenerIsCountedNotFatal() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch threeSamples = new CountDownLatch(3);
        LeakDetector detector = LeakDetector.builder().period(Duration.ofMillis(20))
                .ignore(s -> false)
                .onSample(s -> {
                    if (calls.incrementAndGet() == 1) throw new IllegalStateException("listener bug");
                })
                .onSample(s -> threeSamples.countDown())
                .start();
        try {
            assertTrue(detector.isRunning());
            assertTrue(threeSamples.await(Waits.SECONDS, TimeUnit.SECONDS), "samples keep coming");
            assertEquals(1, detector.errors(), "the throwing listener was counted once");
            assertEquals("listener bug", detector.lastError().orElseThrow().getMessage());
        } finally {
            detector.close();
        }
        assertFalse(detector.isRunning());
        detector.close(); // idempotent
        assertThrows(IllegalStateException.class, detector::sampleNow);
    }

    @Test
    void aSampleThatThrowsIsCountedAndTheNextOneRuns() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        AtomicInteger rule = new AtomicInteger();
        try (LeakDetector detector = manual().ignore(s -> {
            if (rule.incrementAndGet() == 1) throw new IllegalStateException("rule bug");
            return false;
        }).start(); TaskScope scope = TaskScope.open()) {
            List<Task<Void>> senders = new ArrayList<>();
            for (int i = 0; i < 10; i++) senders.add(scope.go(() -> ch.send(1)));
            awaitBlocked(senders, "chan send", AGE);
            assertThrows(IllegalStateException.class, detector::sampleNow);
            assertEquals(1, detector.errors());
            assertNotNull(only(detector.sampleNow()));
        }
    }

    @Test
    void misconfigurationFailsAtTheCallWithAMessage() {
        var b = LeakDetector.builder();
        assertEquals("period must be a positive duration, was PT-1S",
                assertThrows(IllegalArgumentException.class, () -> b.period(Duration.ofSeconds(-1))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.period(Duration.ZERO));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.minTasks(0)).getMessage()
                .contains("minTasks must be at least 1"));
        assertThrows(IllegalArgumentException.class, () -> b.minAge(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.stackSamples(0));
        assertThrows(IllegalArgumentException.class, () -> b.scanThreadsEvery(-1));
        assertThrows(NullPointerException.class, () -> b.onSample(null));
        assertThrows(NullPointerException.class, () -> b.ignore(null));
        assertThrows(NullPointerException.class, () -> b.period(null));
    }

    @Test
    void defaultsAreLeakProfs() {
        try (LeakDetector d = LeakDetector.builder().start()) {
            assertEquals(Duration.ofSeconds(30), d.period());
            assertEquals(100, d.minTasks());
            assertEquals(Duration.ofMinutes(1), d.minAge());
            assertTrue(d.latest().isEmpty(), "no work before the first period has passed");
        }
    }
}
