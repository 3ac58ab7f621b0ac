package dev.tether;

import static dev.tether.TestSupport.awaitParked;
import static dev.tether.TestSupport.fork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// Safety net only (the tests synchronize with bounded waits): a deadlock fails the test instead of hanging the build.
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ChannelTest {

    // ---- unbuffered -------------------------------------------------------------------------------------------

    @Test
    void unbufferedSendWaitsForAReceiver() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        TestSupport.Forked<Object> sender = fork(() -> {
            ch.send("hello");
            return null;
        });
        awaitParked(sender.thread());
        assertFalse(sender.isDone(), "a rendezvous send does not complete without a receiver");
        assertEquals("hello", ch.receive());
        sender.get();
    }

    @Test
    void unbufferedReceiveWaitsForASender() throws Throwable {
        Channel<Integer> ch = Channel.unbuffered();
        TestSupport.Forked<Integer> receiver = fork(ch::receive);
        awaitParked(receiver.thread());
        assertFalse(receiver.isDone());
        ch.send(42);
        assertEquals(42, receiver.get());
    }

    @Test
    void unbufferedChannelHoldsNothing() {
        Channel<String> ch = Channel.unbuffered();
        assertEquals(0, ch.capacity());
        assertFalse(ch.trySend("x"), "no receiver is waiting");
        assertNull(ch.tryReceive(), "no sender is waiting");
        assertEquals(0, ch.size());
        assertTrue(TestSupport.queuesEmpty(ch), "non-blocking operations leave nothing queued");
    }

    @Test
    void trySendHandsTheValueToAWaitingReceiver() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        TestSupport.Forked<String> receiver = fork(ch::receive);
        awaitParked(receiver.thread());
        assertTrue(ch.trySend("v"));
        assertEquals("v", receiver.get());
    }

    @Test
    void tryReceiveTakesTheValueOfAWaitingSender() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        TestSupport.Forked<Object> sender = fork(() -> {
            ch.send("v");
            return null;
        });
        awaitParked(sender.thread());
        assertEquals("v", ch.tryReceive());
        sender.get();
        assertNull(ch.tryReceive(), "the value was received once");
    }

    // ---- buffered ---------------------------------------------------------------------------------------------

    @Test
    void bufferedChannelDeliversInFifoOrder() throws InterruptedException {
        Channel<Integer> ch = Channel.buffered(5);
        assertEquals(5, ch.capacity());
        for (int i = 0; i < 5; i++) ch.send(i);
        assertEquals(5, ch.size());
        for (int i = 0; i < 5; i++) assertEquals(i, ch.receive());
        assertEquals(0, ch.size());
    }

    @Test
    void bufferedFifoHoldsAcrossWrapAround() throws InterruptedException {
        Channel<Integer> ch = Channel.buffered(3);
        int next = 0, expected = 0;
        for (int round = 0; round < 10; round++) {
            ch.send(next++);
            ch.send(next++);
            assertEquals(expected++, ch.receive());
            assertEquals(expected++, ch.receive());
        }
    }

    @Test
    void bufferedTrySendFailsOnlyWhenFull() {
        Channel<Integer> ch = Channel.buffered(2);
        assertTrue(ch.trySend(1));
        assertTrue(ch.trySend(2));
        assertFalse(ch.trySend(3), "the buffer is full");
        assertEquals(1, ch.tryReceive());
        assertEquals(2, ch.tryReceive());
        assertNull(ch.tryReceive(), "the refused value was not delivered");
    }

    @Test
    void bufferedSendBlocksWhileFullAndJoinsTheQueueInOrder() throws Throwable {
        Channel<Integer> ch = Channel.buffered(2);
        ch.send(1);
        ch.send(2);
        TestSupport.Forked<Object> sender = fork(() -> {
            ch.send(3);
            return null;
        });
        awaitParked(sender.thread());
        assertFalse(sender.isDone());
        assertEquals(1, ch.receive());
        sender.get();
        assertEquals(2, ch.receive());
        assertEquals(3, ch.receive());
    }

    @Test
    void bufferedReceiveBlocksWhileEmpty() throws Throwable {
        Channel<String> ch = Channel.buffered(4);
        TestSupport.Forked<String> receiver = fork(ch::receive);
        awaitParked(receiver.thread());
        assertFalse(receiver.isDone());
        ch.send("x");
        assertEquals("x", receiver.get());
        assertEquals(0, ch.size(), "the value went to the waiting receiver, not the buffer");
    }

    @Test
    void bufferedOfZeroIsUnbuffered() {
        Channel<String> ch = Channel.buffered(0);
        assertEquals(0, ch.capacity());
        assertFalse(ch.trySend("x"));
    }

    // ---- close --------------------------------------------------------------------------------------------------

    @Test
    void sendAfterCloseFailsAndDeliversNothing() {
        Channel<String> ch = Channel.buffered(2);
        ch.close();
        assertTrue(ch.isClosed());
        ChannelClosedException e = assertThrows(ChannelClosedException.class, () -> ch.send("x"));
        assertSame(ch, e.channel());
        assertThrows(ChannelClosedException.class, () -> ch.trySend("y"));
        assertEquals(0, ch.size());
        assertThrows(ChannelClosedException.class, ch::receive);
    }

    @Test
    void bufferedValuesStayReceivableAfterCloseThenReceiveFails() throws InterruptedException {
        Channel<Integer> ch = Channel.buffered(3);
        ch.send(1);
        ch.send(2);
        ch.close();
        assertEquals(1, ch.receive());
        assertEquals(2, ch.tryReceive());
        ChannelClosedException e = assertThrows(ChannelClosedException.class, ch::receive);
        assertSame(ch, e.channel());
        assertThrows(ChannelClosedException.class, ch::tryReceive);
    }

    @Test
    void closeIsIdempotent() throws InterruptedException {
        Channel<Integer> ch = Channel.buffered(1);
        ch.send(1);
        ch.close();
        ch.close();
        assertTrue(ch.isClosed());
        assertEquals(1, ch.receive());
    }

    @Test
    void blockedSenderWokenByCloseFailsAndItsValueIsNotDelivered() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        TestSupport.Forked<Object> sender = fork(() -> {
            ch.send("lost?");
            return null;
        });
        awaitParked(sender.thread());
        ch.close();
        assertThrows(ChannelClosedException.class, sender::get);
        assertThrows(ChannelClosedException.class, ch::tryReceive, "the value was not delivered");
    }

    @Test
    void blockedSenderOfAFullBufferWokenByCloseFailsButBufferedValuesRemain() throws Throwable {
        Channel<Integer> ch = Channel.buffered(1);
        ch.send(1);
        TestSupport.Forked<Object> sender = fork(() -> {
            ch.send(2);
            return null;
        });
        awaitParked(sender.thread());
        ch.close();
        assertThrows(ChannelClosedException.class, sender::get);
        assertEquals(1, ch.receive());
        assertThrows(ChannelClosedException.class, ch::receive);
    }

    @Test
    void blockedReceiverWokenByCloseFails() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        TestSupport.Forked<String> receiver = fork(ch::receive);
        awaitParked(receiver.thread());
        ch.close();
        assertThrows(ChannelClosedException.class, receiver::get);
    }

    // ---- iteration ----------------------------------------------------------------------------------------------

    @Test
    void iterationYieldsEveryValueUntilClosedAndDrained() throws Exception {
        Channel<Integer> ch = Channel.buffered(2);
        try (TaskScope scope = TaskScope.open()) {
            scope.go(() -> {
                for (int i = 0; i < 10; i++) ch.send(i);
                ch.close();
            });
            List<Integer> got = new ArrayList<>();
            for (int v : ch) got.add(v);
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), got);
        }
    }

    @Test
    void iterationInterruptedWhileWaitingThrowsCancelledAndKeepsTheInterrupt() throws Throwable {
        Channel<Integer> ch = Channel.unbuffered();
        TestSupport.Forked<Boolean> iterating = fork(() -> {
            try {
                for (int ignored : ch) {
                    throw new AssertionError("nothing was sent");
                }
                return false;
            } catch (CancelledException e) {
                return Thread.currentThread().isInterrupted();
            }
        });
        awaitParked(iterating.thread());
        iterating.thread().interrupt();
        assertTrue(iterating.get(), "the interrupt status is set again");
    }

    // ---- bad input ----------------------------------------------------------------------------------------------

    @Test
    void nullValuesAreRejected() {
        Channel<String> ch = Channel.buffered(1);
        assertThrows(NullPointerException.class, () -> ch.send(null));
        assertThrows(NullPointerException.class, () -> ch.trySend(null));
        assertThrows(NullPointerException.class, () -> ch.onSend(null));
        assertEquals(0, ch.size());
    }

    @Test
    void negativeCapacityIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Channel.buffered(-1));
        assertTrue(e.getMessage().contains("capacity"), e.getMessage());
    }

    // ---- interruption -------------------------------------------------------------------------------------------

    @Test
    void interruptedBlockedSendThrowsAndDoesNotDeliver() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        TestSupport.Forked<Boolean> sender = fork(() -> {
            try {
                ch.send("v");
                return null;
            } catch (InterruptedException e) {
                return Thread.currentThread().isInterrupted();
            }
        });
        awaitParked(sender.thread());
        sender.thread().interrupt();
        assertEquals(Boolean.FALSE, sender.get(), "InterruptedException, with the interrupt status cleared");
        assertNull(ch.tryReceive(), "the value was not delivered");
        assertTrue(TestSupport.queuesEmpty(ch), "the abandoned send left no node behind");
    }

    @Test
    void interruptedBlockedReceiveThrowsAndConsumesNothing() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        TestSupport.Forked<String> receiver = fork(ch::receive);
        awaitParked(receiver.thread());
        receiver.thread().interrupt();
        assertThrows(InterruptedException.class, receiver::get);
        assertFalse(ch.trySend("v"), "no receiver is waiting any more");
        assertTrue(TestSupport.queuesEmpty(ch));
    }

    @Test
    void sendThatMustWaitInAnInterruptedThreadThrowsAtOnce() {
        Channel<String> ch = Channel.unbuffered();
        Thread.currentThread().interrupt();
        try {
            assertThrows(InterruptedException.class, () -> ch.send("v"));
            assertFalse(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }
    }

    // ---- context cancellation -----------------------------------------------------------------------------------

    @Test
    void blockedReceiveFailsWithTheCauseWhenTheCurrentContextIsCancelled() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        CancelContext ctx = Context.background().withCancel();
        RuntimeException why = new RuntimeException("shutting down");
        TestSupport.Forked<String> receiver = fork(() -> ctx.call(ch::receive));
        awaitParked(receiver.thread());
        ctx.cancel(why);
        CancelledException e = assertThrows(CancelledException.class, receiver::get);
        assertSame(why, e.getCause());
        assertFalse(ch.trySend("v"), "the cancelled receive consumes nothing");
        assertTrue(TestSupport.queuesEmpty(ch));
    }

    @Test
    void blockedSendFailsWhenTheCurrentContextIsCancelledAndDoesNotDeliver() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        CancelContext ctx = Context.background().withCancel();
        TestSupport.Forked<Object> sender = fork(() -> ctx.call(() -> {
            ch.send("v");
            return null;
        }));
        awaitParked(sender.thread());
        ctx.cancel();
        assertThrows(CancelledException.class, sender::get);
        assertNull(ch.tryReceive());
        assertTrue(TestSupport.queuesEmpty(ch));
    }

    @Test
    void operationThatMustWaitUnderADoneContextFailsAtOnce() {
        Channel<String> ch = Channel.unbuffered();
        CancelContext ctx = Context.background().withCancel();
        ctx.cancel();
        assertThrows(CancelledException.class, () -> ctx.call(ch::receive));
        assertThrows(CancelledException.class, () -> ctx.call(() -> {
            ch.send("v");
            return null;
        }));
        assertTrue(TestSupport.queuesEmpty(ch));
    }

    @Test
    void completedWaitLeavesNoListenerOnTheContext() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        try (CancelContext ctx = Context.background().withCancel()) {
            TestSupport.Forked<String> receiver = fork(() -> ctx.call(ch::receive));
            awaitParked(receiver.thread());
            assertTrue(TestSupport.hasListeners(ctx), "the waiting receive listens to its context");
            ch.send("v");
            assertEquals("v", receiver.get());
            assertFalse(TestSupport.hasListeners(ctx), "the finished receive no longer listens");
        }
    }

    @Test
    void blockedOperationInATaskStopsWhenTheTaskIsCancelled() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        RuntimeException why = new RuntimeException("stop");
        try (TaskScope scope = TaskScope.open()) {
            Task<String> t = scope.go(ch::receive);
            TestSupport.awaitWaitReason(t, "chan receive");
            t.cancel(why);
            CancelledException e = assertThrows(CancelledException.class, t::join);
            assertSame(why, e.getCause());
        }
        assertFalse(ch.trySend("v"), "the cancelled receive consumed nothing");
        assertTrue(TestSupport.queuesEmpty(ch));
    }

    @Test
    void blockedOperationInATaskStopsWhenItsScopeCloses() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        Task<Void> t;
        try (TaskScope scope = TaskScope.open()) {
            t = scope.go(() -> ch.send("v"));
            TestSupport.awaitWaitReason(t, "chan send");
        }
        assertTrue(t.isDone());
        assertThrows(CancelledException.class, t::join);
        assertNull(ch.tryReceive(), "the cancelled send delivered nothing");
    }

    @Test
    void sendHappensBeforeTheMatchingReceive() throws Exception {
        Channel<int[]> ch = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            CountDownLatch done = new CountDownLatch(1);
            Task<Integer> reader = scope.go(() -> {
                int sum = 0;
                for (int i = 0; i < 1_000; i++) {
                    int[] box = ch.receive();
                    sum += box[0] == i ? 1 : 0;
                }
                done.countDown();
                return sum;
            });
            for (int i = 0; i < 1_000; i++) {
                int[] box = new int[1];
                box[0] = i; // plain write, published only by the send
                ch.send(box);
            }
            TestSupport.await(done);
            assertEquals(1_000, reader.join());
        }
    }
}
