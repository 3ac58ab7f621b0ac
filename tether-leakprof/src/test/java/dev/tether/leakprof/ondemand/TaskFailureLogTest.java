package dev.tether.leakprof.ondemand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Task;
import dev.tether.TaskFailedException;
import dev.tether.WorkerPool;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TaskFailureLogTest {
    private Thread.UncaughtExceptionHandler saved;
    /** The previous default handler: what reached it after the log. */
    private final List<Throwable> passedOn = new CopyOnWriteArrayList<>();
    private final BlockingQueue<String> logged = new LinkedBlockingQueue<>();

    @BeforeEach
    void quietPreviousHandler() {
        saved = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> passedOn.add(e));
    }

    @AfterEach
    void restore() {
        Thread.setDefaultUncaughtExceptionHandler(saved);
    }

    private String next() throws InterruptedException {
        String m = logged.poll(10, TimeUnit.SECONDS);
        if (m == null) throw new AssertionError("nothing logged in 10 s");
        return m;
    }

    @Test
    void aDetachedTaskFailureIsLoggedWithItsCreationSiteThenPassedOn() throws Exception {
        Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
        IllegalStateException boom = new IllegalStateException("boom");
        Task<Void> task;
        try (TaskFailureLog log = TaskFailureLog.install(logged::add)) {
            task = Task.detached("refresher", () -> {
                throw boom;
            });
            String m = next();
            assertTrue(m.startsWith("task " + task.id() + " \"refresher\" failed: java.lang.IllegalStateException:"
                    + " boom\n"), m);
            assertTrue(m.contains("\n  created at " + TaskFailureLogTest.class.getName()
                    + ".aDetachedTaskFailureIsLoggedWithItsCreationSiteThenPassedOn(TaskFailureLogTest.java:"), m);
            assertTrue(m.endsWith("\n  owner: detached"), m);
            TaskFailedException failed = assertThrows(TaskFailedException.class, task::join);
            assertSame(boom, failed.getCause());
            assertEquals(List.of(boom), passedOn, "then passed on to the previous handler");
        }
        assertSame(before, Thread.getDefaultUncaughtExceptionHandler(), "restored on close");
    }

    @Test
    void aPoolWorkerFailureShowsItsOwnerChain() throws Exception {
        try (TaskFailureLog log = TaskFailureLog.install(logged::add);
             WorkerPool pool = WorkerPool.open("workers", 1, 1)) {
            pool.submit(() -> {
                throw new IllegalArgumentException("bad job");
            });
            String m = next();
            assertTrue(m.contains(" failed: java.lang.IllegalArgumentException: bad job\n"), m);
            assertTrue(m.endsWith("\n  owner: pool " + pool.id() + " \"workers\""), m);
        }
    }

    @Test
    void otherThreadsArePassedOnUndescribed() throws Exception {
        RuntimeException e = new RuntimeException("not a task");
        try (TaskFailureLog log = TaskFailureLog.install(logged::add)) {
            Thread t = Thread.ofPlatform().start(() -> {
                throw e;
            });
            t.join(Duration.ofSeconds(10));
            assertTrue(!t.isAlive());
        }
        assertEquals(List.of(e), passedOn);
        assertTrue(logged.isEmpty(), logged.toString());
    }

    @Test
    void aSinkThatThrowsDoesNotStopThePassingOn() throws Exception {
        try (TaskFailureLog log = TaskFailureLog.install(m -> {
            throw new IllegalStateException("sink broke");
        })) {
            Task<Void> task = Task.detached("failing", () -> {
                throw new UnsupportedOperationException("x");
            });
            assertThrows(TaskFailedException.class, task::join);
            // join returns once the task has finished, after the handler ran
            assertEquals(1, passedOn.size(), passedOn.toString());
            assertInstanceOf(UnsupportedOperationException.class, passedOn.getFirst());
        }
    }

    @Test
    void closeLeavesALaterHandlerInPlace() {
        TaskFailureLog log = TaskFailureLog.install(logged::add);
        Thread.UncaughtExceptionHandler later = (t, e) -> { };
        Thread.setDefaultUncaughtExceptionHandler(later);
        log.close();
        assertSame(later, Thread.getDefaultUncaughtExceptionHandler());
        log.close(); // idempotent
    }
}
