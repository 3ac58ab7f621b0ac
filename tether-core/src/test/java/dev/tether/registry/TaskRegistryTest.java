package dev.tether.registry;

import static dev.tether.TestSupport.await;
import static dev.tether.TestSupport.awaitWaitReason;
import static dev.tether.TestSupport.eventually;
import static dev.tether.TestSupport.info;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.JdkWaits;
import dev.tether.Select;
import dev.tether.Task;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The live task registry as a dump reader sees it.
 *
 * <p>This class lives outside package {@code dev.tether} on purpose: creation sites are "the first frame outside
 * package dev.tether", so a test in that package would be treated as library code and never be a creation site.
 */
// Safety net only (the tests synchronize with bounded waits): a deadlock fails the test instead of hanging the build.
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TaskRegistryTest {

    /** The line this is called from. */
    private static int line() {
        return StackWalker.getInstance().walk(s -> s.skip(1).findFirst().orElseThrow()).getLineNumber();
    }

    /** "chan 12" for a channel whose toString is "chan 12 (unbuffered)". */
    private static String name(Channel<?> ch) {
        String s = ch.toString();
        return s.substring(0, s.indexOf(' ', "chan ".length()));
    }

    private static Set<Long> liveIds() {
        return TaskRegistry.snapshot().stream().map(TaskInfo::id).collect(Collectors.toSet());
    }

    // ---- count and snapshot -------------------------------------------------------------------------------------

    @Test
    void countRisesWithLiveTasksAndFallsBackToTheBaseline() throws Exception {
        int baseline = TaskRegistry.count();
        CountDownLatch release = new CountDownLatch(1);
        List<Task<Void>> tasks = new ArrayList<>();
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 0; i < 50; i++) tasks.add(scope.go(() -> release.await()));
            assertEquals(baseline + 50, TaskRegistry.count(), "a task is registered from its spawn");
            Set<Long> live = liveIds();
            for (Task<Void> t : tasks) assertTrue(live.contains(t.id()), "snapshot lists " + t);
            release.countDown();
        }
        assertEquals(baseline, TaskRegistry.count(), "finished tasks are unregistered");
        Set<Long> live = liveIds();
        for (Task<Void> t : tasks) assertFalse(live.contains(t.id()), "snapshot no longer lists " + t);
    }

    @Test
    void aJoinedTaskIsNoLongerListed() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<Integer> t = scope.go(() -> 1);
            t.join();
            assertNull(info(t));
        }
    }

    // ---- Tether waits -------------------------------------------------------------------------------------------

    @Test
    void blockedSendIsShownAsChanSendOnItsChannel() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> ch.send("v"));
            TaskInfo i = awaitWaitReason(t, "chan send");
            assertEquals(Optional.of(name(ch)), i.waitingOn());
            assertEquals(TaskInfo.State.WAITING, i.state());
            assertTrue(i.inTetherWait());
            assertTrue(i.waited().isPresent());
            assertEquals("v", ch.receive());
            t.join();
        }
    }

    @Test
    void blockedReceiveIsShownAsChanReceiveOnItsChannel() throws Exception {
        Channel<String> ch = Channel.buffered(3);
        try (TaskScope scope = TaskScope.open()) {
            Task<String> t = scope.go(ch::receive);
            TaskInfo i = awaitWaitReason(t, "chan receive");
            assertEquals(Optional.of(name(ch)), i.waitingOn());
            ch.send("v");
            assertEquals("v", t.join());
        }
    }

    @Test
    void blockedSelectIsShownAsSelect() throws Exception {
        Channel<String> a = Channel.unbuffered();
        Channel<String> b = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            Task<String> t = scope.go(() -> Select.select(a.onReceive(), b.onSend("x").map(x -> "sent")));
            TaskInfo i = awaitWaitReason(t, "select");
            assertTrue(i.inTetherWait());
            assertEquals(Optional.empty(), i.waitingOn(), "a select waits on several things");
            assertEquals("x", b.receive());
            assertEquals("sent", t.join());
        }
    }

    @Test
    void joinAndScopeCloseAreShownWithWhatTheyWaitOn() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> sleeper = scope.go(() -> release.await());
            Task<Void> joiner = scope.go(() -> {
                sleeper.join();
            });
            AtomicReference<TaskScope> inner = new AtomicReference<>();
            CountDownLatch innerStarted = new CountDownLatch(1);
            Task<Void> closer = scope.go(() -> {
                try (TaskScope s = TaskScope.open()) {
                    inner.set(s);
                    s.go(() -> {
                        innerStarted.countDown();
                        // ignores cancellation until released, so the close has to wait
                        while (true) {
                            try {
                                release.await();
                                return;
                            } catch (InterruptedException ignored) {
                                // keep waiting
                            }
                        }
                    });
                    innerStarted.await();
                }
            });
            try {
                assertEquals(Optional.of("task " + sleeper.id()), awaitWaitReason(joiner, "task join").waitingOn());
                await(innerStarted);
                TaskInfo i = awaitWaitReason(closer, "scope close");
                assertEquals(Optional.of("scope " + inner.get().id()), i.waitingOn());
            } finally {
                release.countDown();
            }
        }
    }

    @Test
    void aTaskAwaitingItsChildrenIsShownAsWaitChildren() throws Exception {
        CountDownLatch childStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> parent = scope.go(() -> {
                Task.go(() -> {
                    childStarted.countDown();
                    while (true) { // ignores cancellation until released
                        try {
                            release.await();
                            return;
                        } catch (InterruptedException ignored) {
                            // keep waiting
                        }
                    }
                });
                childStarted.await();
            });
            try {
                awaitWaitReason(parent, "wait children");
            } finally {
                release.countDown();
            }
            parent.join();
        }
    }

    // ---- JDK waits ----------------------------------------------------------------------------------------------

    @Test
    void latchAwaitIsNamed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> release.await());
            TaskInfo i = awaitWaitReason(t, "latch await");
            assertFalse(i.inTetherWait());
            assertEquals(Optional.empty(), i.waited(), "JDK waits have no exact duration");
            assertEquals(TaskInfo.State.WAITING, i.state());
            release.countDown();
        }
    }

    @Test
    void sleepIsNamed() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> Thread.sleep(Duration.ofHours(1)));
            assertFalse(awaitWaitReason(t, "sleep").inTetherWait());
        }
    }

    @Test
    void refinedWaitReasonOfATetherWaitIsTheTetherReason() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            Task<String> t = scope.go(ch::receive);
            TaskInfo i = awaitWaitReason(t, "chan receive");
            assertEquals("chan receive", i.refinedWaitReason(i.stackTrace()));
            ch.send("v");
            t.join();
        }
    }

    /** A snapshot names JDK waits from the park blocker; the stack names them exactly. */
    @Test
    void refinedWaitReasonNamesJdkWaitsExactlyFromTheStack() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Object> taker = scope.go(() -> new LinkedBlockingQueue<>().take());
            Task<Void> awaiter = scope.go(() -> release.await());
            TaskInfo latch = awaitWaitReason(awaiter, "latch await");
            TaskInfo[] queue = new TaskInfo[1];
            eventually(() -> {
                queue[0] = info(taker);
                return queue[0] != null && queue[0].state() == TaskInfo.State.WAITING;
            }, "the taker blocks");
            assertEquals("queue take", queue[0].refinedWaitReason(queue[0].stackTrace()));
            assertEquals("latch await", latch.refinedWaitReason(latch.stackTrace()));
        }
    }

    /** A thread queued on a channel's own lock waits on a lock, not on an unnamed park. */
    @Test
    void aThreadQueuedOnAChannelsLockWaitsOnALock() {
        StackTraceElement[] stack = {
                new StackTraceElement("jdk.internal.misc.Unsafe", "park", null, -2),
                new StackTraceElement("java.util.concurrent.locks.LockSupport", "park", null, 221),
                new StackTraceElement("java.util.concurrent.locks.AbstractQueuedSynchronizer", "acquire", null, 790),
                new StackTraceElement("dev.tether.StateLock", "lock", null, 21),
                new StackTraceElement("dev.tether.Channel", "lock", null, 300),
                new StackTraceElement("dev.tether.Channel", "send", null, 131)};
        assertEquals("lock", JdkWaits.fromStack(stack));
    }

    @Test
    void aRunningTaskHasNoWaitReason() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch running = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> {
                running.countDown();
                while (!stop.get()) Thread.onSpinWait();
            });
            try {
                await(running);
                TaskInfo i = info(t);
                assertNotNull(i);
                assertEquals(TaskInfo.State.RUNNABLE, i.state());
                assertNull(i.waitReason());
                assertFalse(i.inTetherWait());
            } finally {
                stop.set(true);
            }
        }
    }

    @Test
    void nonBlockingChannelOperationsRecordNothing() throws Exception {
        Channel<Integer> unbuffered = Channel.unbuffered();
        Channel<Integer> buffered = Channel.buffered(4);
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> {
                unbuffered.trySend(1);
                unbuffered.tryReceive();
                buffered.trySend(1);
                buffered.send(2); // room in the buffer: completes without waiting
                buffered.tryReceive();
                buffered.receive(); // a value is buffered: completes without waiting
                Select.select(buffered.onSend(3));
                Select.select(unbuffered.onReceive(), Select.otherwise());
                release.await();
            });
            // A Tether wait would take precedence over the JDK wait: seeing the latch proves none is recorded.
            TaskInfo i = awaitWaitReason(t, "latch await");
            assertFalse(i.inTetherWait());
            assertEquals(Optional.empty(), i.waitingOn());
            release.countDown();
        }
    }

    // ---- where and by whom --------------------------------------------------------------------------------------

    @Test
    void creationSiteIsTheSpawningLine() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> release.await()); int line = line();
            StackTraceElement site = info(t).creationSite().orElseThrow();
            assertEquals("TaskRegistryTest.java", site.getFileName());
            assertEquals(TaskRegistryTest.class.getName(), site.getClassName());
            assertEquals("creationSiteIsTheSpawningLine", site.getMethodName());
            assertEquals(line, site.getLineNumber());
            release.countDown();
        }
    }

    @Test
    void creationSiteOfATaskSpawnedByATaskIsInsideThatTasksBody() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Task<Void>> child = new AtomicReference<>();
        int[] line = new int[1];
        try (TaskScope scope = TaskScope.open()) {
            CountDownLatch spawned = new CountDownLatch(1);
            scope.go(() -> {
                child.set(Task.go(() -> release.await())); line[0] = line();
                spawned.countDown();
                release.await();
            });
            await(spawned);
            StackTraceElement site = info(child.get()).creationSite().orElseThrow();
            assertEquals("TaskRegistryTest.java", site.getFileName());
            assertTrue(site.getMethodName().contains("creationSiteOfATaskSpawnedByATaskIsInsideThatTasksBody"),
                    site.getMethodName());
            assertEquals(line[0], site.getLineNumber());
            release.countDown();
        }
    }

    @Test
    void ownerChainLeadsFromTaskToTaskToScope() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch spawned = new CountDownLatch(1);
        AtomicReference<Task<Void>> child = new AtomicReference<>();
        try (TaskScope scope = TaskScope.open("outer", Context.current())) {
            Task<Void> parent = scope.go("parent", () -> {
                child.set(Task.go(() -> release.await()));
                spawned.countDown();
                release.await();
            });
            await(spawned);

            TaskInfo.Owner owner = info(child.get()).owner().orElseThrow();
            assertEquals(TaskInfo.Owner.Kind.TASK, owner.kind());
            assertEquals(parent.id(), owner.id());
            assertEquals("parent", owner.name());
            assertEquals("task " + parent.id(), owner.toString());

            TaskInfo.Owner top = owner.parent();
            assertNotNull(top);
            assertEquals(TaskInfo.Owner.Kind.SCOPE, top.kind());
            assertEquals(scope.id(), top.id());
            assertEquals("outer", top.name());
            assertEquals("scope " + scope.id(), top.toString());
            assertNull(top.parent(), "the scope was opened outside any task");
            assertNull(top.site(), "an owner's opening site is recorded only with exact creation sites");
            assertEquals("ownerChainLeadsFromTaskToTaskToScope", owner.site().getMethodName(),
                    "a task's creation site is the user code that spawned it");

            assertEquals(Optional.of(top), info(parent).owner());
            assertFalse(info(child.get()).detached());
            release.countDown();
        }
    }

    @Test
    void aScopeOpenedInsideATaskIsOwnedByThatTask() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch spawned = new CountDownLatch(1);
        AtomicReference<Task<Void>> inner = new AtomicReference<>();
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> opener = scope.go(() -> {
                try (TaskScope nested = TaskScope.open()) {
                    inner.set(nested.go(() -> release.await()));
                    spawned.countDown();
                    release.await();
                }
            });
            await(spawned);
            TaskInfo.Owner nestedScope = info(inner.get()).owner().orElseThrow();
            assertEquals(TaskInfo.Owner.Kind.SCOPE, nestedScope.kind());
            assertEquals(TaskInfo.Owner.Kind.TASK, nestedScope.parent().kind());
            assertEquals(opener.id(), nestedScope.parent().id());
            assertEquals(scope.id(), nestedScope.parent().parent().id());
            release.countDown();
        }
    }

    @Test
    void detachedTaskIsMarkedAndHasNoOwner() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Task<Void> d = Task.detached("background-worker", () -> release.await());
        try {
            TaskInfo i = info(d);
            assertNotNull(i);
            assertTrue(i.detached());
            assertEquals(Optional.empty(), i.owner());
            assertEquals(Optional.of("background-worker"), i.name());
            assertEquals("detachedTaskIsMarkedAndHasNoOwner", i.creationSite().orElseThrow().getMethodName());
        } finally {
            release.countDown();
        }
        d.join();
    }

    @Test
    void snapshotExposesTheTasksThreadWhileItLives() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Thread> t = scope.go("named-thread", () -> {
                release.await();
                return Thread.currentThread();
            });
            Thread seen = info(t).thread().orElseThrow();
            assertEquals("named-thread", seen.getName());
            assertTrue(seen.isVirtual());
            release.countDown();
            assertTrue(seen == t.join());
        }
    }
}
