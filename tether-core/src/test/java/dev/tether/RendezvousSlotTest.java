package dev.tether;

import static dev.tether.TestSupport.awaitWaitReason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An unbuffered channel's slot (see "The slot" in {@code Channel.Rendezvous}): a send or receive that meets its partner
 * alone passes through one field without the lock, and everything else (select, try-operations, close, a second
 * waiter) goes through the lock, which first moves the slot's waiter into its queue. These tests put the two paths
 * on one channel at once.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RendezvousSlotTest {

    /** Each of the ways in which a lock holder can meet a plain send or receive waiting in the slot. */
    @Test
    void everyLockedOperationSeesTheWaiterInTheSlot() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        Channel<String> never = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            Task<String> receiver = scope.go(ch::receive);
            awaitWaitReason(receiver, "chan receive");
            assertTrue(ch.trySend("try"), "trySend completes the receive waiting in the slot");
            assertEquals("try", receiver.join());

            receiver = scope.go(ch::receive);
            awaitWaitReason(receiver, "chan receive");
            int won = Select.select(ch.onSend("select").map(v -> 0), never.onReceive().map(v -> 1));
            assertEquals(0, won);
            assertEquals("select", receiver.join());

            Task<Void> sender = scope.go(() -> ch.send("to try"));
            awaitWaitReason(sender, "chan send");
            assertEquals("to try", ch.tryReceive());
            sender.join();

            sender = scope.go(() -> ch.send("to select"));
            awaitWaitReason(sender, "chan send");
            assertEquals("to select", Select.select(ch.onReceive(), never.onReceive()));
            sender.join();

            // A second sender joins the first in the queue: the first, which waited in the slot, goes first.
            Task<Void> first = scope.go(() -> ch.send("first"));
            awaitWaitReason(first, "chan send");
            Task<Void> second = scope.go(() -> ch.send("second"));
            awaitWaitReason(second, "chan send");
            assertEquals("first", ch.receive());
            assertEquals("second", ch.receive());
            first.join();
            second.join();

            Task<String> closed = scope.go(() -> {
                try {
                    return ch.receive();
                } catch (ChannelClosedException e) {
                    return "closed";
                }
            });
            awaitWaitReason(closed, "chan receive");
            ch.close();
            assertEquals("closed", closed.join());
            assertThrows(ChannelClosedException.class, ch::receive, "a closed slot sends everyone to the lock");
            assertThrows(ChannelClosedException.class, () -> ch.send("late"));
        }
    }

    /**
     * A spare waiter serves waits of one direction only: were a receive's waiter reused for a send, a sender that
     * read the slot just before would take the new wait out of it as a receiver (see "The slot").
     */
    @Test
    void aWaiterIsReusedOnlyForWaitsOfItsDirection() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            Task<Waiter[]> t = scope.go(() -> {
                assertEquals("in", ch.receive());
                ch.send("out");
                Task<?> me = Task.current0();
                return new Waiter[] {me.spareWaiter, me.spareSendWaiter};
            });
            awaitWaitReason(t, "chan receive");
            ch.send("in");
            awaitWaitReason(t, "chan send");
            assertEquals("out", ch.receive());
            Waiter[] spares = t.join();
            assertNotNull(spares[0]);
            assertNotNull(spares[1]);
            assertNotSame(spares[0], spares[1]);
            assertFalse(spares[0].sends, "the receive's waiter stays a receiver");
            assertTrue(spares[1].sends, "the send's waiter stays a sender");
        }
    }

    /**
     * Relays that each receive a token and send it on, over one channel, so that every thread alternates between
     * the two directions on the same slot, with its two spares: each hop of each token must happen exactly once.
     * Fewer tokens than relays, so some relay is always free to receive.
     */
    @Test
    void relaysSendingAndReceivingOnOneChannelPassEveryHopOnce() throws Exception {
        int relays = 4, tokens = 3, hops = 20_000;
        Channel<Integer> ch = Channel.unbuffered();
        Ledger ledger = new Ledger(tokens * hops);
        AtomicInteger received = new AtomicInteger();
        try (TaskScope scope = TaskScope.open()) {
            List<Task<Integer>> rs = new ArrayList<>();
            for (int r = 0; r < relays; r++) {
                rs.add(scope.go(() -> {
                    int mine = 0;
                    for (int v : ch) {
                        ledger.received(v);
                        mine++;
                        if (v % hops < hops - 1) {
                            ch.send(v + 1);
                            ledger.sent(v + 1);
                        }
                        if (received.incrementAndGet() == tokens * hops) ch.close(); // the last hop: no send in flight
                    }
                    return mine;
                }));
            }
            for (int k = 0; k < tokens; k++) {
                ch.send(k * hops);
                ledger.sent(k * hops);
            }
            int total = 0;
            for (Task<Integer> r : rs) total += r.join(Duration.ofSeconds(60));
            assertEquals(tokens * hops, total);
        }
        Ledger.Totals t = ledger.verify(true);
        assertEquals(tokens * hops, t.received());
    }

    /**
     * Plain sends and receives (which use the slot), select clauses and try-operations (which use the lock), all on
     * one unbuffered channel, with interrupts hitting every plain sender and receiver: every value is received
     * once or its sender learnt it was not delivered.
     */
    @Test
    void slotAndLockUsersOnOneChannelWithInterruptsLoseAndDuplicateNothing() throws Throwable {
        int perSender = 10_000;
        Channel<Integer> ch = Channel.unbuffered();
        Channel<Integer> never = Channel.unbuffered();
        Ledger ledger = new Ledger(3 * perSender);
        AtomicInteger stop = new AtomicInteger();
        AtomicInteger interruptedReceives = new AtomicInteger();
        List<TestSupport.Forked<Object>> threads = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            int base = s * perSender, how = s;
            threads.add(TestSupport.fork(() -> {
                for (int i = 0; i < perSender; i++) {
                    int v = base + i;
                    try {
                        switch (how) {
                            case 0 -> ch.send(v);
                            case 1 -> Select.select(ch.onSend(v), never.onReceive());
                            default -> {
                                while (!ch.trySend(v)) {
                                    if (Thread.interrupted()) throw new InterruptedException();
                                    Thread.yield();
                                }
                            }
                        }
                        ledger.sent(v);
                    } catch (InterruptedException e) {
                        ledger.failed(v);
                    }
                    if ((i & 31) == 0) LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(1_000, 10_000));
                }
                return null;
            }));
        }
        List<TestSupport.Forked<Object>> receivers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            int how = r;
            receivers.add(TestSupport.fork(() -> ChannelStressTest.receiveUntilClosed(() -> switch (how) {
                case 0 -> ch.receive();
                case 1 -> Select.select(ch.onReceive(), never.onReceive());
                default -> {
                    Integer got;
                    while ((got = ch.tryReceive()) == null) {
                        if (Thread.interrupted()) throw new InterruptedException();
                        Thread.yield();
                    }
                    yield got;
                }
            }, ledger, interruptedReceives)));
        }
        List<Thread> targets = new ArrayList<>();
        targets.add(threads.get(0).thread());
        targets.add(threads.get(1).thread());
        targets.add(receivers.get(0).thread());
        targets.add(receivers.get(1).thread());
        TestSupport.Forked<Integer> interrupts = ChannelStressTest.interrupter(targets, stop);
        try {
            for (var s : threads) s.get();
        } finally {
            stop.set(1);
        }
        assertTrue(interrupts.get() > 0);
        ch.close();
        for (var r : receivers) r.get();
        assertTrue(TestSupport.queuesEmpty(ch), "no waiter left behind, in the slot or the queues");
        Ledger.Totals t = ledger.verify(true);
        assertTrue(t.delivered() > 0 && t.failed() > 0, "both outcomes occurred: " + t);
    }

    /** A plain wait that gives up while in the slot takes itself out: the next partner does not meet it. */
    @Test
    void anAbandonedWaitLeavesTheSlotEmpty() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        try (TaskScope scope = TaskScope.open()) {
            Task<String> receiver = scope.go(ch::receive);
            awaitWaitReason(receiver, "chan receive");
            receiver.cancel();
            assertThrows(CancelledException.class, receiver::join);
            assertTrue(TestSupport.queuesEmpty(ch));
            assertFalse(ch.trySend("nobody"), "no receiver is waiting any more");
            assertNull(ch.tryReceive());
        }
    }
}
