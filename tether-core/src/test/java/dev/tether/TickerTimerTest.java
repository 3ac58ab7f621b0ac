package dev.tether;

import static dev.tether.TestSupport.await;
import static dev.tether.TestSupport.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TickerTimerTest {
    private static final Duration SHORT = Duration.ofMillis(2);

    // ---- Ticker ---------------------------------------------------------------------------------------------

    @Test
    void aTickerDeliversTicksInOrderUntilStopped() throws Exception {
        try (CancelContext owner = Context.background().withCancel(); Ticker t = Ticker.start(owner, SHORT)) {
            Instant prev = t.receive();
            for (int i = 0; i < 5; i++) {
                Instant next = t.receive();
                assertFalse(next.isBefore(prev), "ticks in order");
                prev = next;
            }
            t.stop();
            assertTrue(t.isStopped());
            assertThrows(ChannelClosedException.class, t::receive, "a stopped ticker releases its receivers");
            t.stop(); // idempotent
        }
    }

    @Test
    void aTickerStartedInATaskStopsWhenTheTaskEnds() throws Exception {
        Ticker[] made = new Ticker[1];
        try (TaskScope scope = TaskScope.open()) {
            scope.go(() -> {
                made[0] = Ticker.start(SHORT);
                made[0].receive(); // uses it, then "forgets" to stop it
            }).join();
        }
        assertTrue(made[0].isStopped(), "the owner ended, so the ticker stopped");
        assertThrows(ChannelClosedException.class, made[0]::receive);
        eventually(() -> Timers.pending() == 0, "no timer left scheduled");
    }

    @Test
    void aTickerNeedsAnOwnerThatEnds() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Ticker.start(SHORT));
        assertTrue(e.getMessage().contains("needs an owner"), e.getMessage());
    }

    @Test
    void aSlowConsumerGetsDroppedTicksNotAQueue() throws Exception {
        try (CancelContext owner = Context.background().withCancel();
             Ticker t = Ticker.start(owner, Duration.ofMillis(1))) {
            eventually(() -> t.dropped() >= 5, "ticks dropped while nobody receives");
            // A queue would now hold five or more ticks; a Go-style ticker holds one (plus any that lands meanwhile).
            int ready = 0;
            while (ready < 10 && Select.select(t.onTick(), Select.otherwise().map(x -> (Instant) null)) != null) {
                ready++;
            }
            assertTrue(ready >= 1 && ready <= 3, "ticks ready at once: " + ready);
        }
    }

    @Test
    void resetChangesThePeriodAndFailsOnAStoppedTicker() throws Exception {
        try (CancelContext owner = Context.background().withCancel()) {
            Ticker t = Ticker.start(owner, Duration.ofHours(1));
            t.reset(SHORT);
            assertNotNull(t.receive(), "ticks at the new period");
            owner.cancel();
            assertTrue(t.isStopped(), "the owner's end stops the ticker");
            assertThrows(IllegalStateException.class, () -> t.reset(SHORT));
        }
    }

    @Test
    void tickerBadInput() {
        try (CancelContext owner = Context.background().withCancel()) {
            assertThrows(IllegalArgumentException.class, () -> Ticker.start(owner, Duration.ZERO));
            assertThrows(IllegalArgumentException.class, () -> Ticker.start(owner, Duration.ofMillis(-5)));
            assertThrows(NullPointerException.class, () -> Ticker.start(owner, null));
            assertThrows(NullPointerException.class, () -> Ticker.start(null, SHORT));
        }
    }

    @Test
    void aTickerStartedUnderADoneContextIsStoppedAtOnce() {
        CancelContext done = Context.background().withCancel();
        done.cancel();
        Ticker t = Ticker.start(done, SHORT);
        assertTrue(t.isStopped());
        assertThrows(ChannelClosedException.class, t::receive);
    }

    // ---- Timer ----------------------------------------------------------------------------------------------

    @Test
    void aTimerFiresOnceAfterItsDelay() throws Exception {
        long start = System.nanoTime();
        Timer t = Timer.start(Duration.ofMillis(5));
        Instant fired = t.receive();
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(5), "not before its delay");
        assertNotNull(fired);
        assertFalse(t.stop(), "stop after firing returns false");
        assertNull(Select.select(t.onFire().map(x -> (Void) null), Select.otherwise()), "fires only once");
    }

    @Test
    void stopBeforeFiringReturnsTrueOnceAndReleasesReceivers() throws Exception {
        Timer t = Timer.start(Duration.ofHours(1));
        assertTrue(t.stop());
        assertFalse(t.stop(), "idempotent: only the first stop stopped it");
        assertThrows(ChannelClosedException.class, t::receive);
        eventually(() -> Timers.pending() == 0, "the timer was unscheduled");
    }

    @Test
    void aTimerStopsWhenItsOwnerEnds() throws Exception {
        CountDownLatch made = new CountDownLatch(1);
        Timer[] timer = new Timer[1];
        try (TaskScope scope = TaskScope.open()) {
            scope.go(() -> {
                timer[0] = Timer.start(Duration.ofHours(1));
                made.countDown();
            }).join();
        }
        await(made);
        assertThrows(ChannelClosedException.class, timer[0]::receive, "stopped with its owner, never fired");
        assertFalse(timer[0].stop());
    }

    @Test
    void afterIsADeadlineThatSchedulesNothing() throws Exception {
        int before = Timers.pending();
        long start = System.nanoTime(); // before after(): its deadline counts from the call, not from the select
        Select.Clause<Instant> deadline = Timer.after(Duration.ofMillis(5));
        assertEquals(before, Timers.pending(), "after() schedules no timer");
        Channel<String> never = Channel.unbuffered();
        String r = Select.select(never.onReceive(), deadline.map(t -> "deadline"));
        assertEquals("deadline", r);
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(5) - TimeUnit.MICROSECONDS.toNanos(500));
        assertEquals("deadline", Select.select(never.onReceive(), deadline.map(t -> "deadline")),
                "a passed deadline is ready at once");
        assertThrows(IllegalArgumentException.class, () -> Timer.after(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> Timer.start(Duration.ofMillis(-1)));
        assertThrows(NullPointerException.class, () -> Timer.start(null));
    }
}
