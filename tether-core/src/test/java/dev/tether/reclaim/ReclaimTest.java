package dev.tether.reclaim;

import static dev.tether.TestSupport.awaitWaitReason;
import static dev.tether.TestSupport.info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tether.Channel;
import dev.tether.Select;
import dev.tether.Task;
import dev.tether.TaskFailedException;
import dev.tether.TaskGroup;
import dev.tether.TaskInfo;
import dev.tether.TaskLeakedException;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import dev.tether.TestSupport;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Leaks proven by the garbage collector. Runs only in the {@code collectable-threads} surefire execution, whose JVM
 * has {@code -Djdk.trackAllThreads=false}: with the JDK's default, no blocked virtual thread is ever reclaimed.
 */
@Tag("collectable-threads")
class ReclaimTest {

    @BeforeAll
    static void jvmLetsThreadsBeReclaimed() {
        assertTrue(TaskRegistry.provesLeaks(), "this test needs -Djdk.trackAllThreads=false");
    }

    /** Collects garbage until {@code condition} holds, failing after the usual bound. */
    private static void gcUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TestSupport.WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("timed out collecting garbage until " + what);
            System.gc();
            LockSupport.parkNanos(10_000_000); // pace the collections; the condition is polled, not assumed
        }
    }

    private static TaskInfo reclaimed(long id) {
        for (TaskInfo i : TaskRegistry.reclaimed()) if (i.id() == id) return i;
        return null;
    }

    @Test
    void forgottenSenderIsProvenLeakedAndItsOwnerCanClose() throws Exception {
        long before = TaskRegistry.reclaimedCount();
        Task<Void> leaked;
        int sendLine;
        try (TaskScope scope = TaskScope.open()) {
            sendLine = new Throwable().getStackTrace()[0].getLineNumber() + 1;
            leaked = scope.go(() -> {
                Channel<Integer> nobodyReceives = Channel.unbuffered();
                nobodyReceives.send(42);
            });
            TaskInfo live = awaitWaitReason(leaked, "chan send");
            assertEquals(sendLine + 2, live.blockingSite().orElseThrow().getLineNumber(), "blocking site recorded");

            gcUntil(() -> reclaimed(leaked.id()) != null, "task " + leaked.id() + " is reclaimed");

            TaskInfo proof = reclaimed(leaked.id());
            assertEquals(TaskInfo.State.UNREACHABLE, proof.state());
            assertEquals("chan send", proof.waitReason());
            assertEquals(sendLine + 2, proof.blockingSite().orElseThrow().getLineNumber());
            assertEquals("ReclaimTest.java", proof.blockingSite().orElseThrow().getFileName());
            assertEquals(sendLine, proof.creationSite().orElseThrow().getLineNumber());
            assertTrue(proof.waited().isPresent(), "a Tether wait has an exact age");
            assertEquals("scope", proof.owner().orElseThrow().kind().name().toLowerCase());
            assertTrue(TaskRegistry.reclaimedCount() > before);
            assertNull(info(leaked), "no longer listed as live");

            TaskFailedException e = assertThrows(TaskFailedException.class, leaked::join);
            TaskLeakedException cause = assertInstanceOf(TaskLeakedException.class, e.getCause());
            assertEquals(leaked.id(), cause.task().id());
            assertTrue(cause.getMessage().contains("[chan send] at dev.tether.reclaim.ReclaimTest"), cause.getMessage());
        } // close returns: the reaper finished the leaked task, so its owner is not left waiting
        assertTrue(leaked.isDone());
    }

    @Test
    void aTaskKeepingASpareWaiterIsStillReclaimed() throws Exception {
        Channel<Integer> partner = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            Task<Object> leaked = scope.go(() -> {
                partner.receive(); // blocks and completes: the task keeps its waiter for its next channel wait
                return Select.select(Channel.unbuffered().onReceive()); // a select takes no spare: it stays kept
            });
            awaitWaitReason(leaked, "chan receive");
            partner.send(1);
            awaitWaitReason(leaked, "select");
            gcUntil(() -> reclaimed(leaked.id()) != null, "task " + leaked.id() + " is reclaimed");
            TaskFailedException e = assertThrows(TaskFailedException.class, leaked::join);
            assertInstanceOf(TaskLeakedException.class, e.getCause());
        }
    }

    @Test
    void aSlowButLiveTaskIsNeverReclaimed() throws Exception {
        Channel<Integer> stillReachable = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            Task<Integer> slow = scope.go(stillReachable::receive);
            awaitWaitReason(slow, "chan receive");
            // A forgotten sender as a witness: once it is reclaimed, collections have run with the slow task blocked.
            Task<Void> witness = scope.go(() -> Channel.<Integer>unbuffered().send(1));
            awaitWaitReason(witness, "chan send");
            gcUntil(() -> reclaimed(witness.id()) != null, "the witness is reclaimed");
            for (int i = 0; i < 3; i++) System.gc();

            assertNull(reclaimed(slow.id()), "a task blocked on a reachable channel is not a leak");
            assertNotNull(info(slow));
            stillReachable.send(7);
            assertEquals(7, slow.join());
        }
    }

    @Test
    void aDetachedLeakGoesToTheUncaughtExceptionHandler() throws Exception {
        CompletableFuture<Throwable> reported = new CompletableFuture<>();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> reported.complete(e));
        try {
            Task<Void> leaked = Task.detached("forgotten", () -> Channel.<String>unbuffered().send("x"));
            awaitWaitReason(leaked, "chan send");
            gcUntil(reported::isDone, "the leak is reported");
            TaskLeakedException e = assertInstanceOf(TaskLeakedException.class, reported.get());
            assertEquals(leaked.id(), e.task().id());
            assertTrue(e.task().detached());
            assertTrue(e.getMessage().contains("(detached)"), e.getMessage());
            assertEquals(0, e.getStackTrace().length, "stackless: its stack went with its thread");
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }

    @Test
    void reclaimedListIsBoundedButTheCountIsExact() throws Exception {
        long before = TaskRegistry.reclaimedCount();
        int n = 200;
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 0; i < n; i++) scope.go(() -> Channel.<Integer>unbuffered().send(1));
            TestSupport.eventually(() -> TaskRegistry.groups(0).stream()
                    .filter(g -> "chan send".equals(g.waitReason())).mapToInt(TaskGroup::count).sum() >= n,
                    n + " senders blocked");
            gcUntil(() -> TaskRegistry.reclaimedCount() >= before + n, n + " tasks reclaimed");
        }
        List<TaskInfo> kept = TaskRegistry.reclaimed();
        assertTrue(kept.size() <= 4096);
        assertEquals(before + n, TaskRegistry.reclaimedCount());
        assertFalse(kept.isEmpty());
    }
}
