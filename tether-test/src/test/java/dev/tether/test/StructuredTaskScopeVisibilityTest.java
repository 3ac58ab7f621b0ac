package dev.tether.test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Virtual threads that live in the JDK's other thread containers — a {@code StructuredTaskScope}'s and a
 * thread-per-task executor's — are seen too, not only those started with {@code Thread.ofVirtual()}.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class StructuredTaskScopeVisibilityTest {

    @Test
    void subtasksOfAStructuredTaskScopeAreSeen() throws Exception {
        LeakOption before = LeakOption.ignoreCurrent();
        CountDownLatch release = new CountDownLatch(1), forked = new CountDownLatch(2);
        Thread owner = Thread.ofVirtual().name("sts-owner").start(() -> {
            try (var scope = StructuredTaskScope.open()) {
                for (int i = 0; i < 2; i++) {
                    scope.fork(() -> {
                        forked.countDown();
                        release.await(); // the subtasks wait here
                        return null;
                    });
                }
                scope.join();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertTrue(forked.await(10, TimeUnit.SECONDS));
            LeakReport r = Leaks.find(before); // the full bound: the last scan sees every thread settled
            List<LeakedThread> subtasks = r.leaks().stream()
                    .filter(l -> l.kind() == LeakedThread.Kind.VIRTUAL_THREAD && !l.name().equals("sts-owner")).toList();
            assertEquals(2, subtasks.size(), r::toString);
            for (LeakedThread l : subtasks) {
                assertEquals("latch await", l.waitReason(), r::toString);
                assertEquals("java.util.concurrent.CountDownLatch.await", LeakReport.method(l.topFrame().orElseThrow()));
            }
            assertTrue(r.leaks().stream().anyMatch(l -> l.name().equals("sts-owner")), "the owner, in join: " + r);
        } finally {
            release.countDown();
            owner.join();
        }
        assertTrue(Leaks.find(before).isEmpty());
    }

    @Test
    void threadsOfAVirtualThreadPerTaskExecutorAreSeen() throws Exception {
        LeakOption before = LeakOption.ignoreCurrent();
        CountDownLatch release = new CountDownLatch(1), started = new CountDownLatch(3);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        try {
            for (int i = 0; i < 3; i++) {
                executor.submit(() -> {
                    started.countDown();
                    release.await();
                    return null;
                });
            }
            assertTrue(started.await(10, TimeUnit.SECONDS));
            LeakReport r = Leaks.find(before); // the full bound: the last scan sees every thread settled
            assertEquals(3, r.leaks().stream().filter(l -> l.kind() == LeakedThread.Kind.VIRTUAL_THREAD).count(),
                    r::toString);
            assertEquals(1, r.groups().size(), "one group: " + r);
        } finally {
            release.countDown();
            executor.close();
        }
        assertTrue(Leaks.find(before).isEmpty());
    }
}
