package dev.tether;

import static dev.tether.TestSupport.awaitParked;
import static dev.tether.TestSupport.fork;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

// Safety net only (the tests synchronize with bounded waits): a deadlock fails the test instead of hanging the build.
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class SelectTest {

    // ---- each kind of clause ------------------------------------------------------------------------------------

    @Test
    void receiveClauseYieldsAReadyValue() throws InterruptedException {
        Channel<String> ch = Channel.buffered(1);
        ch.send("v");
        assertEquals("v", Select.select(ch.onReceive()));
        assertEquals(0, ch.size());
    }

    @Test
    void sendClauseDeliversIntoBufferRoom() throws InterruptedException {
        Channel<String> ch = Channel.buffered(1);
        assertNull(Select.select(ch.onSend("v")), "an unmapped send clause yields null");
        assertEquals("v", ch.tryReceive());
    }

    @Test
    void blockedSelectTakesTheClauseThatBecomesReady() throws Throwable {
        Channel<Integer> a = Channel.unbuffered();
        Channel<Integer> b = Channel.unbuffered();
        TestSupport.Forked<String> selecting = fork(() -> Select.select(
                a.onReceive().map(v -> "a" + v),
                b.onReceive().map(v -> "b" + v)));
        awaitParked(selecting.thread());
        b.send(1);
        assertEquals("b1", selecting.get());
        assertFalse(a.trySend(9), "the losing receive clause is no longer waiting on its channel");
        assertTrue(TestSupport.queuesEmpty(a) && TestSupport.queuesEmpty(b), "the select left no node behind");
    }

    @Test
    void blockedSendClauseCompletesWhenAReceiverArrives() throws Throwable {
        Channel<String> out = Channel.unbuffered();
        Channel<String> in = Channel.unbuffered();
        TestSupport.Forked<String> selecting = fork(() -> Select.select(
                out.onSend("payload").map(x -> "sent"),
                in.onReceive().map(v -> "received " + v)));
        awaitParked(selecting.thread());
        assertEquals("payload", out.receive());
        assertEquals("sent", selecting.get());
        assertTrue(TestSupport.queuesEmpty(in));
    }

    @Test
    void doneClauseWinsWhenItsContextIsCancelled() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        CancelContext ctx = Context.background().withCancel();
        TestSupport.Forked<String> selecting = fork(() -> Select.select(
                ch.onReceive(),
                ctx.done().map(x -> "done: " + ctx.err().getMessage())));
        awaitParked(selecting.thread());
        ctx.cancel();
        assertEquals("done: context canceled", selecting.get());
        assertTrue(TestSupport.queuesEmpty(ch));
    }

    @Test
    void doneClauseOfADoneContextIsReadyAtOnce() throws InterruptedException {
        CancelContext ctx = Context.background().withCancel();
        ctx.cancel();
        assertEquals("done", Select.select(Channel.unbuffered().onReceive().map(x -> "value"),
                ctx.done().map(x -> "done")));
    }

    @Test
    void doneClauseOfANeverCancelledContextIsNeverReady() throws InterruptedException {
        assertEquals("default", Select.select(Context.background().done().map(x -> "done"),
                Select.otherwise().map(x -> "default")));
    }

    @Test
    void timeoutClauseWinsWhenNothingElseBecomesReady() throws InterruptedException {
        Channel<String> ch = Channel.unbuffered();
        long start = System.nanoTime();
        String r = Select.select(ch.onReceive(), Select.timeout(Duration.ofMillis(20)).map(x -> "timed out"));
        assertEquals("timed out", r);
        assertTrue(System.nanoTime() - start >= Duration.ofMillis(20).toNanos(), "not before the timeout");
        assertTrue(TestSupport.queuesEmpty(ch), "the timed-out select left no node behind");
    }

    @Test
    void shortestTimeoutCounts() throws InterruptedException {
        assertEquals("short", Select.select(
                Select.timeout(Duration.ofHours(1)).map(x -> "long"),
                Select.timeout(Duration.ofMillis(5)).map(x -> "short")));
    }

    @Test
    void hugeTimeoutDoesNotExpireEarly() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        TestSupport.Forked<String> selecting = fork(() -> Select.select(
                ch.onReceive(),
                Select.timeout(ChronoUnit.FOREVER.getDuration()).map(x -> "timed out")));
        awaitParked(selecting.thread());
        ch.send("value");
        assertEquals("value", selecting.get());
    }

    @Test
    void readyClauseBeatsAnExpiredTimeout() throws InterruptedException {
        Channel<Integer> ch = Channel.buffered(1);
        for (int i = 0; i < 200; i++) {
            ch.send(i);
            assertEquals(i, Select.select(ch.onReceive(), Select.timeout(Duration.ZERO).map(x -> -1)));
        }
    }

    @Test
    void otherwiseIsChosenOnlyWhenNoClauseIsReady() throws InterruptedException {
        Channel<Integer> ch = Channel.buffered(1);
        assertEquals(-1, Select.select(ch.onReceive(), Select.otherwise().map(x -> -1)));
        assertTrue(TestSupport.queuesEmpty(ch), "a select with otherwise never waits");
        for (int i = 0; i < 200; i++) {
            ch.send(i);
            assertEquals(i, Select.select(ch.onReceive(), Select.otherwise().map(x -> -1)));
        }
    }

    @Test
    void otherwiseDoesNotSendIntoAFullChannel() throws InterruptedException {
        Channel<Integer> ch = Channel.buffered(1);
        ch.send(1);
        assertEquals("full", Select.select(ch.onSend(2).map(x -> "sent"), Select.otherwise().map(x -> "full")));
        assertEquals(1, ch.receive());
        assertNull(ch.tryReceive());
    }

    // ---- exactly one clause -------------------------------------------------------------------------------------

    @Test
    void whenBothAreReadyExactlyOneOfReceiveAndSendTakesEffect() throws InterruptedException {
        int receives = 0, sends = 0;
        for (int i = 0; i < 2_000; i++) {
            Channel<Integer> in = Channel.buffered(1);
            Channel<Integer> out = Channel.buffered(1);
            in.send(1);
            String r = Select.select(in.onReceive().map(v -> "received"), out.onSend(2).map(x -> "sent"));
            if (r.equals("received")) {
                receives++;
                assertEquals(0, in.size());
                assertEquals(0, out.size(), "the losing send delivered nothing");
            } else {
                sends++;
                assertEquals(1, in.size(), "the losing receive consumed nothing");
                assertEquals(1, out.size());
            }
        }
        assertTrue(receives > 0 && sends > 0, "both outcomes occur: " + receives + "/" + sends);
    }

    @Test
    void losingBlockedSendDeliversNothing() throws Throwable {
        Channel<String> in = Channel.unbuffered();
        Channel<String> out = Channel.unbuffered();
        TestSupport.Forked<String> selecting = fork(() -> Select.select(
                in.onReceive(),
                out.onSend("must not arrive").map(x -> "sent")));
        awaitParked(selecting.thread());
        in.send("in");
        assertEquals("in", selecting.get());
        assertNull(out.tryReceive(), "the send clause lost, so its value must not show up");
        assertTrue(TestSupport.queuesEmpty(out));
    }

    @Test
    void interruptedSelectThrowsAndNoClauseTakesEffect() throws Throwable {
        Channel<String> out = Channel.unbuffered();
        Channel<String> in = Channel.unbuffered();
        TestSupport.Forked<Object> selecting = fork(() -> Select.select(out.onSend("x"), in.onReceive()));
        awaitParked(selecting.thread());
        selecting.thread().interrupt();
        assertThrows(InterruptedException.class, selecting::get);
        assertNull(out.tryReceive());
        assertFalse(in.trySend("y"));
        assertTrue(TestSupport.queuesEmpty(out) && TestSupport.queuesEmpty(in));
    }

    // ---- fairness -----------------------------------------------------------------------------------------------

    @Test
    void readyClausesWinUniformlyAtRandom() throws InterruptedException {
        Channel<String> a = Channel.buffered(1);
        Channel<String> b = Channel.buffered(1);
        a.send("a");
        b.send("b");
        int aWins = 0;
        int rounds = 10_000;
        for (int i = 0; i < rounds; i++) {
            String w = Select.select(a.onReceive(), b.onReceive());
            if (w.equals("a")) aWins++;
            (w.equals("a") ? a : b).send(w);
        }
        double share = aWins / (double) rounds;
        assertTrue(share >= 0.4 && share <= 0.6, "a won " + aWins + " of " + rounds);
    }

    // ---- closed channels ----------------------------------------------------------------------------------------

    @Test
    void receiveClauseOnAClosedDrainedChannelThrows() {
        Channel<String> ch = Channel.unbuffered();
        ch.close();
        ChannelClosedException e = assertThrows(ChannelClosedException.class,
                () -> Select.select(ch.onReceive(), Select.timeout(Duration.ofHours(1))));
        assertSame(ch, e.channel());
    }

    @Test
    void receiveClauseOnAClosedChannelStillYieldsBufferedValues() throws InterruptedException {
        Channel<String> ch = Channel.buffered(1);
        ch.send("left");
        ch.close();
        assertEquals("left", Select.select(ch.onReceive()));
        assertThrows(ChannelClosedException.class, () -> Select.select(ch.onReceive()));
    }

    @Test
    void sendClauseOnAClosedChannelThrows() {
        Channel<String> ch = Channel.buffered(1);
        ch.close();
        ChannelClosedException e = assertThrows(ChannelClosedException.class,
                () -> Select.select(ch.onSend("x"), Select.timeout(Duration.ofHours(1))));
        assertSame(ch, e.channel());
    }

    @Test
    void blockedSelectWokenByCloseThrows() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        Channel<String> other = Channel.unbuffered();
        TestSupport.Forked<String> selecting = fork(() -> Select.select(ch.onReceive(), other.onReceive()));
        awaitParked(selecting.thread());
        ch.close();
        ChannelClosedException e = assertThrows(ChannelClosedException.class, selecting::get);
        assertSame(ch, e.channel());
        assertTrue(TestSupport.queuesEmpty(other));
    }

    @Test
    void blockedSendClauseWokenByCloseThrowsAndDeliversNothing() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        TestSupport.Forked<Object> selecting = fork(() -> Select.select(ch.onSend("x")));
        awaitParked(selecting.thread());
        ch.close();
        assertThrows(ChannelClosedException.class, selecting::get);
        assertThrows(ChannelClosedException.class, ch::tryReceive);
    }

    // ---- bad input ----------------------------------------------------------------------------------------------

    @Test
    void emptySelectIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Select.select());
    }

    @Test
    void moreThanOneOtherwiseIsRejected() {
        Channel<String> ch = Channel.buffered(1);
        assertThrows(IllegalArgumentException.class,
                () -> Select.select(ch.onReceive(), Select.otherwise(), Select.otherwise().map(x -> "y")));
        assertTrue(TestSupport.queuesEmpty(ch));
    }

    @Test
    void nullClauseIsRejected() {
        Channel<String> ch = Channel.buffered(1);
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> Select.select(ch.onReceive(), null));
        assertTrue(e.getMessage().contains("1"), "names the clause: " + e.getMessage());
        assertThrows(NullPointerException.class, () -> Select.select((Select.Clause<Object>[]) null));
    }

    @Test
    void badTimeoutsAndMapFunctionsAreRejected() {
        assertThrows(NullPointerException.class, () -> Select.timeout(null));
        assertThrows(IllegalArgumentException.class, () -> Select.timeout(Duration.ofNanos(-1)));
        assertThrows(NullPointerException.class, () -> Select.otherwise().map(null));
    }

    // ---- the current context ------------------------------------------------------------------------------------

    @Test
    void blockedSelectFailsWithTheCauseWhenTheCurrentContextIsCancelled() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        CancelContext ctx = Context.background().withCancel();
        RuntimeException why = new RuntimeException("why");
        TestSupport.Forked<String> selecting = fork(() -> ctx.call(() -> Select.select(ch.onReceive())));
        awaitParked(selecting.thread());
        ctx.cancel(why);
        CancelledException e = assertThrows(CancelledException.class, selecting::get);
        assertSame(why, e.getCause());
        assertTrue(TestSupport.queuesEmpty(ch));
    }

    @Test
    void doneClauseOfTheCurrentContextWinsRatherThanThrowing() throws Throwable {
        Channel<String> ch = Channel.unbuffered();
        CancelContext ctx = Context.background().withCancel();
        TestSupport.Forked<String> selecting = fork(() -> ctx.call(() -> Select.select(
                ch.onReceive(),
                Context.current().done().map(x -> "done"))));
        awaitParked(selecting.thread());
        ctx.cancel();
        assertEquals("done", selecting.get());
        assertFalse(TestSupport.hasListeners(ctx));
    }

    @Test
    void doneClauseOfATasksOwnContextWinsWhenTheTaskIsCancelled() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            Task<String> t = scope.go(() -> Select.select(
                    ch.onReceive(),
                    Context.current().done().map(x -> "cancelled")));
            TestSupport.awaitWaitReason(t, "select");
            t.cancel();
            assertEquals("cancelled", t.join(), "the body completed normally through its done clause");
        }
        assertTrue(TestSupport.queuesEmpty(ch));
    }

    @Test
    void doneClauseOfAnAncestorContextWinsInATask() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        Task<String> t;
        try (TaskScope scope = TaskScope.open()) {
            Context scopeContext = scope.context();
            t = scope.go(() -> Select.select(ch.onReceive(), scopeContext.done().map(x -> "scope done")));
            TestSupport.awaitWaitReason(t, "select");
            scope.cancel();
            assertEquals("scope done", t.join());
        }
    }

    // ---- map ----------------------------------------------------------------------------------------------------

    @Test
    void mapsComposeInOrder() throws InterruptedException {
        Channel<Integer> ch = Channel.buffered(1);
        ch.send(4);
        int r = Select.select(ch.onReceive().map(v -> v + 1).map(v -> v * 10));
        assertEquals(50, r);
    }

    @Test
    void mapRunsAfterTheClauseTookEffectAndWhatItThrowsTheSelectThrows() throws InterruptedException {
        Channel<Integer> ch = Channel.buffered(1);
        ch.send(1);
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Select.select(ch.onReceive().map(v -> {
                    throw boom;
                })));
        assertSame(boom, e);
        assertNull(ch.tryReceive(), "the receive had taken effect before the map ran");
    }

    @Test
    void aClauseCanBeReusedAcrossSelects() throws InterruptedException {
        Channel<Integer> ch = Channel.buffered(3);
        Select.Clause<Integer> doubled = ch.onReceive().map(v -> v * 2);
        Select.Clause<Void> sendSeven = ch.onSend(7);
        Select.select(sendSeven);
        Select.select(sendSeven);
        assertEquals(14, Select.select(doubled));
        assertEquals(14, Select.select(doubled));
        assertEquals(0, ch.size());
    }
}
