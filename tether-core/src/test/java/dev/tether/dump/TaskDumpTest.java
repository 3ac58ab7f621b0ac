package dev.tether.dump;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.Task;
import dev.tether.TaskGroup;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The dumps as their reader sees them. Lives outside package {@code dev.tether} so that its frames count as user
 * code (creation sites are the first frame outside that package).
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TaskDumpTest {

    /** Waits until {@code n} tasks of {@code scope} are in a Tether wait. */
    private static void awaitBlocked(TaskScope scope, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            int blocked = 0;
            for (TaskInfo t : TaskRegistry.snapshot()) {
                if (t.owner().map(o -> o.id() == scope.id()).orElse(false) && t.inTetherWait()) blocked++;
            }
            if (blocked == n) return;
            if (System.nanoTime() > deadline) fail("only " + blocked + " of " + n + " tasks blocked in time");
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static int lineOf(String marker) throws Exception {
        // This suite runs in tether-core and again in tether-test (under the leak check): find the source from either.
        java.nio.file.Path source = java.nio.file.Path.of("src/test/java/dev/tether/dump/TaskDumpTest.java");
        if (!java.nio.file.Files.exists(source)) source = java.nio.file.Path.of("..", "tether-core").resolve(source);
        List<String> lines = java.nio.file.Files.readAllLines(source);
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains(marker)) return i + 1;
        throw new AssertionError("marker " + marker + " not found");
    }

    /**
     * A blocked send or receive shows as the public operation, whichever way it waits: in an unbuffered channel's
     * slot (the first of a side) or in its queue (the second), or on a buffered channel.
     */
    @Test
    void aBlockedSendOrReceiveIsTrimmedToThePublicOperation() throws Exception {
        Channel<Integer> in = Channel.unbuffered(), out = Channel.unbuffered(), full = Channel.buffered(1);
        full.send(0);
        try (TaskScope scope = TaskScope.open()) {
            List<Task<?>> tasks = List.of(
                    scope.go(() -> out.send(1)), scope.go(() -> out.send(2)),
                    scope.go(in::receive), scope.go(in::receive),
                    scope.go(() -> full.send(3)));
            awaitBlocked(scope, tasks.size());
            java.util.Map<String, java.util.Set<Integer>> lines = new java.util.HashMap<>();
            for (TaskInfo t : TaskRegistry.snapshot()) {
                if (!t.owner().map(o -> o.id() == scope.id()).orElse(false) || !t.inTetherWait()) continue;
                StackTraceElement top = TaskDump.trimmed(t.stackTrace())[0];
                String op = t.waitReason().equals("chan send") ? "send" : "receive";
                assertEquals("dev.tether.Channel." + op, top.getClassName() + "." + top.getMethodName(), t.toString());
                lines.computeIfAbsent(op, k -> new java.util.HashSet<>()).add(top.getLineNumber());
            }
            // The same line in the slot and in the queue, so that a grouped dump counts such waits as one group.
            assertEquals(1, lines.get("send").size(), "send lines " + lines);
            assertEquals(1, lines.get("receive").size(), "receive lines " + lines);
            scope.cancel();
        }
    }

    private static void sendsAtLineA(Channel<Integer> ch) throws InterruptedException {
        ch.send(1); // LINE-A
    }

    private static void sendsAtLineB(Channel<Integer> ch) throws InterruptedException {
        ch.send(2); // LINE-B
    }

    @Test
    void groupedDumpCountsTasksStuckAtOneLineTogetherLargestFirst() throws Exception {
        try (TaskScope scope = TaskScope.open("dump-test", Context.background())) {
            for (int i = 0; i < 30; i++) {
                Channel<Integer> ch = Channel.unbuffered();
                scope.go(() -> sendsAtLineA(ch));
            }
            for (int i = 0; i < 12; i++) {
                Channel<Integer> ch = Channel.unbuffered();
                scope.go(ch::receive);
            }
            awaitBlocked(scope, 42);
            String dump = TaskDump.grouped();

            int thirty = dump.indexOf("30 @ [chan send]");
            int twelve = dump.indexOf("12 @ [chan receive]");
            assertTrue(thirty >= 0 && twelve > thirty, dump);
            assertTrue(dump.contains("TaskDumpTest.sendsAtLineA\tTaskDumpTest.java:" + lineOf("// LINE-A")), dump);
            assertTrue(dump.contains("#\towner scope " + scope.id() + " \"dump-test\""), dump);
            assertFalse(dump.contains("sampled"), "below the limit every stack is read: " + dump);
        }
    }

    @Test
    void exactGroupingSplitsOneCreationSiteBlockedAtTwoLines() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 0; i < 20; i++) {
                Channel<Integer> ch = Channel.unbuffered();
                boolean a = i % 4 != 0;
                scope.go(() -> {
                    if (a) sendsAtLineA(ch);
                    else sendsAtLineB(ch);
                });
            }
            awaitBlocked(scope, 20);
            String dump = TaskDump.grouped();

            assertTrue(dump.contains("15 @ [chan send]"), dump);
            assertTrue(dump.contains("5 @ [chan send]"), dump);
            assertTrue(dump.contains("TaskDumpTest.java:" + lineOf("// LINE-B")), dump);
        }
    }

    @Test
    void sampledGroupingReportsVariantsAsEstimatesWhenSamplesDisagree() throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 0; i < 400; i++) {
                Channel<Integer> ch = Channel.unbuffered();
                boolean a = i % 2 == 0;
                scope.go(() -> {
                    if (a) sendsAtLineA(ch);
                    else sendsAtLineB(ch);
                });
            }
            awaitBlocked(scope, 400);
            List<TaskGroup> groups = new ArrayList<>();
            for (TaskGroup g : TaskRegistry.groups(64)) if (g.count() == 400) groups.add(g);
            assertEquals(1, groups.size(), "one creation site, one wait reason: one cheap group");
            StringBuilder out = new StringBuilder();
            TaskDump.groupedSampled(groups, out);
            String dump = out.toString();

            assertTrue(dump.contains("variant 1 of 2") && dump.contains("variant 2 of 2"), dump);
            assertTrue(dump.contains("count is an estimate"), dump);
            assertTrue(dump.contains("TaskDumpTest.java:" + lineOf("// LINE-A")), dump);
            assertTrue(dump.contains("TaskDumpTest.java:" + lineOf("// LINE-B")), dump);
        }
    }

    @Test
    void sampledGroupingPrintsOneGroupWhenSamplesAgree() {
        StringBuilder out = new StringBuilder();
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 0; i < 50; i++) {
                Channel<Integer> ch = Channel.unbuffered();
                scope.go(() -> sendsAtLineA(ch));
            }
            awaitBlocked(scope, 50);
            List<TaskGroup> mine = TaskRegistry.groups(8).stream().filter(g -> g.count() == 50).toList();
            TaskDump.groupedSampled(mine, out);
        }
        assertTrue(out.toString().contains("50 @ [chan send]"), out.toString());
        assertTrue(out.toString().contains("sampled: 8 of 50 stacks read, all alike"), out.toString());
    }

    @Test
    void fullDumpPrintsEveryTaskGoStyle() throws Exception {
        try (TaskScope scope = TaskScope.open("full", Context.background())) {
            Channel<Integer> ch = Channel.unbuffered();
            Task<Void> t = scope.go(() -> sendsAtLineA(ch));
            awaitBlocked(scope, 1);
            String dump = TaskDump.full();

            assertTrue(dump.contains("task " + t.id() + " [chan send]:\n"), dump);
            assertTrue(dump.contains("dev/tether/dump/TaskDumpTest.java:" + lineOf("// LINE-A")), dump);
            assertTrue(dump.contains("created by dev.tether.dump.TaskDumpTest.fullDumpPrintsEveryTaskGoStyle in scope "
                    + scope.id()), dump);
            assertTrue(dump.contains("owners: scope " + scope.id() + " \"full\""), dump);
            assertTrue(dump.contains("waiting on: chan "), dump);
        }
    }

    @Test
    void detachedTasksAreMarkedInBothDumps() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        Task<Integer> t = Task.detached("worker", ch::receive);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!TaskDump.full().contains("task " + t.id() + " \"worker\" [chan receive, detached]")) {
                if (System.nanoTime() > deadline) fail(TaskDump.full());
                LockSupport.parkNanos(1_000_000);
            }
            assertTrue(TaskDump.grouped().contains("#\tdetached"), TaskDump.grouped());
        } finally {
            t.cancel();
        }
        assertThrows(dev.tether.CancelledException.class, t::join);
    }

    @Test
    void groupsCountsPerSiteAndReasonAndBoundsTheSample() {
        try (TaskScope scope = TaskScope.open()) {
            for (int i = 0; i < 25; i++) {
                Channel<Integer> ch = Channel.unbuffered();
                scope.go(() -> sendsAtLineA(ch));
            }
            awaitBlocked(scope, 25);
            TaskGroup g = TaskRegistry.groups(3).stream().filter(x -> x.count() == 25).findFirst().orElseThrow();

            assertEquals("chan send", g.waitReason());
            assertEquals(TaskInfo.State.WAITING, g.state());
            assertEquals(3, g.sample().size());
            assertTrue(g.oldestWait().isPresent());
            assertEquals("TaskDumpTest.java", g.creationSite().getFileName());
        }
        assertThrows(IllegalArgumentException.class, () -> TaskRegistry.groups(-1));
    }
}
