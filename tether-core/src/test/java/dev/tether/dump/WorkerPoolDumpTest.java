package dev.tether.dump;

import dev.tether.Context;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.WorkerPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A worker pool as a dump's reader sees it. Lives outside package {@code dev.tether} so that its frames count as
 * user code (creation sites are the first frame outside that package).
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class WorkerPoolDumpTest {

    /** Waits until {@code n} workers of {@code pool} are idle, and returns them. */
    private static List<TaskInfo> awaitIdle(WorkerPool pool, int n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (;;) {
            List<TaskInfo> idle = new ArrayList<>();
            for (TaskInfo t : TaskRegistry.snapshot()) {
                if (t.owner().map(o -> o.id() == pool.id()).orElse(false) && "pool idle".equals(t.waitReason())) {
                    idle.add(t);
                }
            }
            if (idle.size() == n) return idle;
            if (System.nanoTime() > deadline) fail("only " + idle.size() + " of " + n + " workers idle in time");
            LockSupport.parkNanos(1_000_000);
        }
    }

    @Test
    void workersAreListedWhereTheirPoolWasOpenedWithThePoolAsOwner() {
        WorkerPool first = WorkerPool.open("first", 1, 1, Context.background(), e -> { });
        WorkerPool second = WorkerPool.open("second", 2, 1, Context.background(), e -> { });
        try {
            StackTraceElement a = awaitIdle(first, 1).getFirst().creationSite().orElseThrow();
            List<TaskInfo> seconds = awaitIdle(second, 2);
            for (TaskInfo t : seconds) {
                StackTraceElement b = t.creationSite().orElseThrow();
                assertEquals(WorkerPoolDumpTest.class.getName(), b.getClassName());
                assertEquals(a.getLineNumber() + 1, b.getLineNumber(), "each pool's workers name its own open");
            }
            String dump = TaskDump.grouped();
            assertTrue(dump.contains("2 @ [pool idle]"), dump);
            assertTrue(dump.contains("#\tcreated by " + WorkerPoolDumpTest.class.getName()
                    + ".workersAreListedWhereTheirPoolWasOpenedWithThePoolAsOwner"), dump);
            assertTrue(dump.contains("#\towner pool " + second.id() + " \"second\""), dump);
            String full = TaskDump.full();
            assertTrue(full.contains("task " + seconds.getFirst().id() + " \"second-worker-"), full);
            assertTrue(full.contains("waiting on: pool " + second.id()), full);
        } finally {
            first.close();
            second.close();
        }
    }
}
