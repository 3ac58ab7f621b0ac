package dev.tether;

import static dev.tether.TestSupport.awaitParked;
import static dev.tether.TestSupport.eventually;
import static dev.tether.TestSupport.fork;
import static dev.tether.TestSupport.forkPlatform;
import static dev.tether.TestSupport.linkedJoiners;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Task#join()}: joiners wait on a lock-free stack that the task's end swaps out (see "Joining" in
 * {@link Task}). Every joiner must be woken exactly once with the outcome, also when joins time out, are
 * interrupted or race the task's end; abandoned joins must not pile up; and a completed join leaves its waiter
 * as the thread's spare without links to other joiners.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class JoinTest {

    /** A task of {@code scope} that returns {@code value} once {@code release} is counted down. */
    private static <T> Task<T> blockedUntil(TaskScope scope, CountDownLatch release, T value) {
        return scope.go(() -> {
            release.await();
            return value;
        });
    }

    @Test
    void everyKindOfJoinerGetsTheResultOnce() throws Throwable {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<String> task = blockedUntil(scope, release, "done");
            List<TestSupport.Forked<String>> joiners = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                joiners.add(fork(task::join));
                joiners.add(forkPlatform(task::join));
                joiners.add(fork(() -> task.join(Duration.ofMinutes(1))));
            }
            List<Task<String>> taskJoiners = new ArrayList<>();
            for (int i = 0; i < 16; i++) taskJoiners.add(scope.go(() -> task.join()));
            eventually(() -> linkedJoiners(task) == 64, () -> "64 joiners wait, saw " + linkedJoiners(task));
            release.countDown();
            for (TestSupport.Forked<String> j : joiners) assertEquals("done", j.get());
            for (Task<String> j : taskJoiners) assertEquals("done", j.join());
            assertTrue(task.isDone());
            assertEquals(-1, linkedJoiners(task), "a finished task keeps no joiner");
        }
    }

    @Test
    void timedOutJoinsDoNotPileUpBehindLiveOnes() throws Throwable {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Integer> task = blockedUntil(scope, release, 7);
            List<TestSupport.Forked<Integer>> live = new ArrayList<>();
            for (int i = 0; i < 3; i++) live.add(fork(task::join));
            eventually(() -> linkedJoiners(task) == 3, "three joiners wait");
            // Two threads time out over and over, interleaving with each other's waits: each abandoned waiter may
            // sit below a live one when it is abandoned, so only unlinking keeps the stack short.
            List<TestSupport.Forked<Integer>> impatient = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                impatient.add(fork(() -> {
                    int timeouts = 0;
                    for (int k = 0; k < 5_000; k++) {
                        try {
                            task.join(Duration.ofNanos(ThreadLocalRandom.current().nextInt(1, 20_000)));
                            fail("the task was still blocked");
                        } catch (TimeoutException expected) {
                            timeouts++;
                        }
                    }
                    return timeouts;
                }));
            }
            for (TestSupport.Forked<Integer> f : impatient) assertEquals(5_000, f.get());
            assertEquals(3, linkedJoiners(task), "only the live joiners stay linked");
            release.countDown();
            for (TestSupport.Forked<Integer> j : live) assertEquals(7, j.get());
        }
    }

    @Test
    void interruptedJoinIsUnlinkedAndTheOthersStillWake() throws Throwable {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<Integer> task = blockedUntil(scope, release, 1);
            TestSupport.Forked<Integer> first = fork(task::join);
            eventually(() -> linkedJoiners(task) == 1, "the first joiner waits");
            TestSupport.Forked<Integer> interrupted = fork(task::join);
            eventually(() -> linkedJoiners(task) == 2, "the second joiner waits");
            TestSupport.Forked<Integer> last = fork(task::join);
            eventually(() -> linkedJoiners(task) == 3, "the third joiner waits");
            awaitParked(interrupted.thread());
            interrupted.thread().interrupt();
            assertThrows(InterruptedException.class, interrupted::get);
            assertEquals(2, linkedJoiners(task), "the interrupted joiner, in the middle, is unlinked");
            release.countDown();
            assertEquals(1, first.get());
            assertEquals(1, last.get());
        }
    }

    @Test
    void joinsRacingTheEndOfTheTaskEachEndExactlyOnce() throws Throwable {
        AtomicInteger values = new AtomicInteger(), timeouts = new AtomicInteger(), interrupts = new AtomicInteger();
        int rounds = 2_000, joinersPerKind = 2;
        try (TaskScope scope = TaskScope.open()) {
            for (int r = 0; r < rounds; r++) {
                CountDownLatch go = new CountDownLatch(1);
                int expected = r;
                Task<Integer> task = blockedUntil(scope, go, expected);
                List<TestSupport.Forked<Void>> joiners = new ArrayList<>();
                for (int i = 0; i < joinersPerKind; i++) {
                    joiners.add(fork(() -> {
                        assertEquals(expected, task.join());
                        values.incrementAndGet();
                        return null;
                    }));
                    joiners.add(fork(() -> {
                        try {
                            assertEquals(expected, task.join(Duration.ofNanos(ThreadLocalRandom.current().nextInt(50_000))));
                            values.incrementAndGet();
                        } catch (TimeoutException e) {
                            timeouts.incrementAndGet();
                        }
                        return null;
                    }));
                    TestSupport.Forked<Void> interruptible = fork(() -> {
                        try {
                            assertEquals(expected, task.join());
                            values.incrementAndGet();
                        } catch (InterruptedException e) {
                            interrupts.incrementAndGet();
                        }
                        return null;
                    });
                    joiners.add(interruptible);
                    interruptible.thread().interrupt(); // races its join, and the task's end
                }
                go.countDown();
                for (TestSupport.Forked<Void> j : joiners) j.get();
                assertEquals(-1, linkedJoiners(task));
            }
        }
        assertEquals(rounds * joinersPerKind * 3, values.get() + timeouts.get() + interrupts.get(),
                "every join ended exactly once");
        assertTrue(values.get() >= rounds * joinersPerKind, "every untimed, uninterrupted join got its value");
    }

    @Test
    void aCompletedJoinLeavesItsWaiterAsTheSpareLinkedToNoOtherJoiner() throws Throwable {
        CountDownLatch release = new CountDownLatch(1);
        try (TaskScope scope = TaskScope.open()) {
            Task<String> child = blockedUntil(scope, release, "x");
            TestSupport.Forked<String> other = fork(child::join);
            eventually(() -> linkedJoiners(child) == 1, "another joiner waits first");
            Task<Waiter> joiner = scope.go(() -> {
                assertEquals("x", child.join());
                return Task.current0().spareWaiter;
            });
            eventually(() -> linkedJoiners(child) == 2, "the task's waiter is pushed above the other's");
            release.countDown();
            Waiter spare = joiner.join();
            assertNotNull(spare, "the join's waiter became the task's spare");
            assertNull(spare.thread, "a spare holds no thread");
            assertNull(spare.next, "a spare links to no other joiner's waiter");
            assertEquals("x", other.get());
        }
    }
}
