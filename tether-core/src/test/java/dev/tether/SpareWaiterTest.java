package dev.tether;

import static dev.tether.TestSupport.awaitParked;
import static dev.tether.TestSupport.awaitWaitReason;
import static dev.tether.TestSupport.fork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A thread's blocked channel operations reuse one waiter (see "Spare waiters" in {@link Waiter}). Reuse must be
 * invisible: a reused waiter is interruptible and cancellable like a new one, and a waiter that something else may
 * still reach (a closing channel's chain, a context's listener) is never reused.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SpareWaiterTest {

    /** The spare a task is left with after a receive of {@code value} on {@code ch} that blocked and completed. */
    private static Waiter spareAfterACompletedReceive(Channel<String> ch, String value) throws Exception {
        try (TaskScope scope = TaskScope.open()) {
            Task<Waiter> receiver = scope.go(() -> {
                assertEquals(value, ch.receive());
                return Task.current0().spareWaiter;
            });
            awaitWaitReason(receiver, "chan receive");
            ch.send(value);
            return receiver.join();
        }
    }

    @Test
    void aCompletedWaitLeavesItsWaiterAsTheSpareWithoutItsThreadAndTheNextWaitReusesIt() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        Channel<String> answers = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            Task<Boolean> t = scope.go(() -> {
                assertEquals("a", ch.receive());
                Waiter first = Task.current0().spareWaiter;
                assertNotNull(first, "the completed wait left its waiter as the spare");
                assertNull(first.thread, "a spare holds no thread");
                assertNull(first.item, "a spare holds no value");
                answers.send("b"); // blocks: the partner receives only after seeing this task wait
                return Task.current0().spareWaiter == first;
            });
            awaitWaitReason(t, "chan receive");
            ch.send("a");
            awaitWaitReason(t, "chan send");
            assertEquals("b", answers.receive());
            assertTrue(t.join(), "the second wait took the spare and gave it back");
        }
    }

    @Test
    void aReusedWaiterIsStillInterruptibleAndDeliversNothing() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        CyclicBarrier sending = new CyclicBarrier(2), interrupted = new CyclicBarrier(2);
        TestSupport.Forked<String> t = fork(() -> {
            String got = ch.receive(); // blocks and completes: leaves a spare
            TestSupport.await(sending);
            try {
                ch.send("never delivered"); // reuses the spare; interrupted below
                return "delivered";
            } catch (InterruptedException e) {
                boolean clean = TestSupport.queuesEmpty(ch);
                TestSupport.await(interrupted);
                return got + ", then interrupted" + (clean ? "" : " leaving a node") + "; then " + ch.receive();
            }
        });
        awaitParked(t.thread());
        ch.send("first");
        TestSupport.await(sending);
        TestSupport.eventually(() -> !TestSupport.queuesEmpty(ch), "the second send waits");
        t.thread().interrupt();
        TestSupport.await(interrupted);
        ch.send("third");
        assertEquals("first, then interrupted; then third", t.get(), "the third wait is not matched by the second");
    }

    @Test
    void aReusedWaiterIsStillCancelledWithItsTask() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        RuntimeException why = new RuntimeException("stop");
        try (TaskScope scope = TaskScope.open()) {
            Task<Void> t = scope.go(() -> {
                ch.receive();
                assertNotNull(Task.current0().spareWaiter);
                ch.send("never delivered"); // reuses the spare, then is cancelled
            });
            awaitWaitReason(t, "chan receive");
            ch.send("first");
            awaitWaitReason(t, "chan send");
            t.cancel(why);
            CancelledException e = assertThrows(CancelledException.class, t::join);
            assertSame(why, e.getCause());
        }
        assertNull(ch.tryReceive(), "the cancelled send delivered nothing");
        assertTrue(TestSupport.queuesEmpty(ch));
    }

    @Test
    void aWaiterCompletedByCloseIsNotKept() throws Exception {
        Channel<String> warmUp = Channel.unbuffered();
        Channel<String> closing = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            Task<Waiter> t = scope.go(() -> {
                warmUp.receive();
                Waiter spare = Task.current0().spareWaiter;
                assertNotNull(spare);
                assertThrows(ChannelClosedException.class, closing::receive); // takes the spare; close completes it
                assertNull(Task.current0().spareWaiter, "close's chain may still reach the waiter: not kept");
                return spare;
            });
            awaitWaitReason(t, "chan receive");
            warmUp.send("x");
            TestSupport.eventually(() -> !TestSupport.queuesEmpty(closing), "the task waits on the closing channel");
            closing.close();
            assertNotNull(t.join());
        }
    }

    @Test
    void aWaitThatListenedToAContextIsNotKept() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open(); CancelContext ctx = Context.background().withCancel()) {
            Task<Boolean> t = scope.go(() -> {
                ctx.call(ch::receive); // another context than the task's own: the wait registers a listener
                return Task.current0().spareWaiter == null;
            });
            TestSupport.eventually(() -> TestSupport.hasListeners(ctx), "the receive listens to its context");
            ch.send("v");
            assertTrue(t.join(), "a waiter a listener reached is not kept");
        }
        // And the plain wait of a task (its own context interrupts it: no listener) is kept.
        assertNotNull(spareAfterACompletedReceive(Channel.unbuffered(), "w"));
    }

    /**
     * A context cancelled while a wait of that context completes may still claim through the listener it has just
     * detached. Were that waiter reused, the claim would hit the thread's next wait, which that context does not
     * govern. Every round races a cancellation against a completing receive, then receives once outside the
     * context: every value must arrive once, in order, and no wait outside the context may fail.
     */
    @Test
    void cancellationsRacingCompletedWaitsNeverReachALaterWait() throws Exception {
        int rounds = 20_000;
        Channel<Integer> ch = Channel.unbuffered();
        AtomicReference<CancelContext> current = new AtomicReference<>();
        CyclicBarrier start = new CyclicBarrier(2);
        try (TaskScope scope = TaskScope.open()) {
            scope.go(() -> {
                for (int i = 0; i < 2 * rounds; i++) ch.send(i);
            });
            scope.go(() -> {
                for (int r = 0; r < rounds; r++) {
                    TestSupport.await(start);
                    current.get().cancel();
                }
            });
            Task<Integer> receiver = scope.go(() -> {
                int next = 0, cancelled = 0;
                for (int r = 0; r < rounds; r++) {
                    CancelContext ctx = Context.background().withCancel();
                    current.set(ctx);
                    TestSupport.await(start);
                    try {
                        assertEquals(next, ctx.call(ch::receive));
                        next++;
                    } catch (CancelledException e) {
                        cancelled++;
                    }
                    assertEquals(next, ch.receive(), "outside the context: never cancelled, nothing lost");
                    next++;
                }
                while (next < 2 * rounds) assertEquals(next++, ch.receive());
                return cancelled;
            });
            int cancelled = receiver.join();
            assertTrue(cancelled >= 0 && cancelled <= rounds);
        }
    }
}
