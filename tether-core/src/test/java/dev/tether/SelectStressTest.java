package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * "Exactly one clause takes effect" under contention: values pass through selects that mix send, receive,
 * timeout and done clauses over several channels, and every value arrives exactly once.
 */
// Safety net only (the tests synchronize with bounded waits): a deadlock fails the test instead of hanging the build.
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class SelectStressTest {

    /** Selects over a list of clauses built at run time. */
    @SuppressWarnings("unchecked")
    private static <R> R select(List<Select.Clause<R>> clauses) throws InterruptedException {
        Select.Clause<R>[] array = (Select.Clause<R>[]) clauses.toArray(new Select.Clause<?>[0]);
        return Select.select(array);
    }

    private static Select.Clause<Void> shortTimeout() {
        return Select.timeout(Duration.ofNanos(ThreadLocalRandom.current().nextLong(0, 20_000)));
    }

    /**
     * Producers send into three input channels; relay tasks move values to three output channels with selects that
     * offer to receive from every open input and to send their oldest pending value to every output, with a short
     * timeout; consumers drain the outputs, some with selects. A losing receive clause that consumed a value would
     * lose it; a losing send clause that delivered would duplicate it.
     */
    @Test
    void relaysMixingSendAndReceiveClausesDeliverEveryValueExactlyOnce() throws Throwable {
        int producers = 3, perProducer = 10_000, relays = 4;
        List<Channel<Integer>> ins = List.of(Channel.unbuffered(), Channel.buffered(1), Channel.buffered(4));
        List<Channel<Integer>> outs = List.of(Channel.unbuffered(), Channel.unbuffered(), Channel.buffered(8));
        Ledger ledger = new Ledger(producers * perProducer);
        AtomicInteger timeouts = new AtomicInteger();
        try (TaskScope scope = TaskScope.open()) {
            List<Task<Void>> sending = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int base = p * perProducer;
                sending.add(scope.go(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < perProducer; i++) {
                        ins.get(rnd.nextInt(ins.size())).send(base + i);
                        ledger.sent(base + i);
                    }
                }));
            }
            List<Task<Void>> relaying = new ArrayList<>();
            for (int r = 0; r < relays; r++) {
                relaying.add(scope.go(() -> {
                    ArrayDeque<Integer> pending = new ArrayDeque<>();
                    List<Channel<Integer>> open = new ArrayList<>(ins);
                    while (!open.isEmpty() || !pending.isEmpty()) {
                        List<Select.Clause<String>> clauses = new ArrayList<>();
                        if (pending.size() < 8) {
                            for (Channel<Integer> in : open) {
                                clauses.add(in.onReceive().map(v -> {
                                    pending.add(v);
                                    return "received";
                                }));
                            }
                        }
                        Integer head = pending.peek();
                        if (head != null) {
                            for (Channel<Integer> out : outs) {
                                clauses.add(out.onSend(head).map(x -> {
                                    pending.poll();
                                    return "sent";
                                }));
                            }
                        }
                        clauses.add(shortTimeout().map(x -> "timeout"));
                        try {
                            String what = select(clauses);
                            if (what.equals("timeout")) timeouts.incrementAndGet();
                        } catch (ChannelClosedException e) {
                            open.remove(e.channel());
                        }
                    }
                }));
            }
            List<Task<Void>> consuming = new ArrayList<>();
            consuming.add(scope.go(() -> { // a plain consumer of the first output
                for (int v : outs.get(0)) ledger.received(v);
            }));
            for (int c = 0; c < 2; c++) { // select consumers over all outputs
                consuming.add(scope.go(() -> {
                    List<Channel<Integer>> open = new ArrayList<>(outs);
                    while (!open.isEmpty()) {
                        List<Select.Clause<Integer>> clauses = new ArrayList<>();
                        for (Channel<Integer> out : open) clauses.add(out.onReceive());
                        clauses.add(shortTimeout().map(x -> -1));
                        try {
                            int v = select(clauses);
                            if (v >= 0) ledger.received(v);
                            else timeouts.incrementAndGet();
                        } catch (ChannelClosedException e) {
                            open.remove(e.channel());
                        }
                    }
                }));
            }
            for (Task<Void> t : sending) t.join();
            ins.forEach(Channel::close);
            for (Task<Void> t : relaying) t.join();
            outs.forEach(Channel::close);
            for (Task<Void> t : consuming) t.join();
        }
        Ledger.Totals t = ledger.verify(true);
        assertEquals(producers * perProducer, t.received());
        assertTrue(timeouts.get() > 0, "timeouts expired during the run");
    }

    /**
     * Selects whose timeouts mostly expire must leave nothing behind: no node in any channel's wait queues and no
     * listener on a context whose done clause they included, while every value offered still arrives once.
     */
    @Test
    void frequentlyExpiringSelectsLoseNothingAndLeaveNoNodesBehind() throws Exception {
        int offerers = 2, perOfferer = 5_000, pollers = 4;
        Channel<Integer> a = Channel.unbuffered();
        Channel<Integer> b = Channel.buffered(2);
        Ledger ledger = new Ledger(offerers * perOfferer);
        AtomicInteger received = new AtomicInteger();
        AtomicInteger expired = new AtomicInteger();
        Duration bound = Duration.ofSeconds(TestSupport.WAIT_SECONDS);
        try (CancelContext watched = Context.background().withCancel()) {
            TaskScope scope = TaskScope.open();
            List<Task<Void>> offering = new ArrayList<>();
            for (int o = 0; o < offerers; o++) {
                int base = o * perOfferer;
                offering.add(scope.go(() -> {
                    for (int i = 0; i < perOfferer; i++) {
                        int v = base + i;
                        while (true) {
                            boolean sent = Select.select(
                                    a.onSend(v).map(x -> true),
                                    b.onSend(v).map(x -> true),
                                    watched.done().map(x -> false),
                                    shortTimeout().map(x -> false));
                            if (sent) break;
                            expired.incrementAndGet();
                        }
                        ledger.sent(v);
                    }
                }));
            }
            List<Task<Void>> polling = new ArrayList<>();
            for (int p = 0; p < pollers; p++) {
                polling.add(scope.go(() -> {
                    while (received.get() < offerers * perOfferer) {
                        Integer v = Select.select(
                                a.onReceive(),
                                b.onReceive(),
                                watched.done().map(x -> (Integer) null),
                                shortTimeout().map(x -> (Integer) null));
                        if (v == null) {
                            expired.incrementAndGet();
                        } else {
                            ledger.received(v);
                            received.incrementAndGet();
                        }
                    }
                }));
            }
            try {
                // Bounded: pollers stop once every value arrived, so a lost value would keep them polling.
                for (Task<Void> t : polling) t.join(bound);
                for (Task<Void> t : offering) t.join(bound);
            } finally {
                scope.close();
            }
            assertFalse(watched.isDone());
            assertTrue(TestSupport.queuesEmpty(a), "no dead or live node left in a's queues");
            assertTrue(TestSupport.queuesEmpty(b), "no dead or live node left in b's queues");
            assertEquals(0, b.size());
            assertFalse(TestSupport.hasListeners(watched), "no done-clause listener left on the context");
        }
        Ledger.Totals t = ledger.verify(true);
        assertEquals(offerers * perOfferer, t.received());
        assertTrue(expired.get() > 0, "timeouts expired during the run");
    }

    /** Select senders over two channels that get closed mid-run: each value is received once or its select threw. */
    @Test
    void selectSendsRacingWithCloseAreEachReceivedOnceOrFailed() throws Exception {
        int senders = 4, range = 100_000;
        for (int round = 0; round < 20; round++) {
            Channel<Integer> a = Channel.unbuffered();
            Channel<Integer> b = Channel.buffered(4);
            Ledger ledger = new Ledger(senders * range);
            AtomicInteger count = new AtomicInteger();
            AtomicInteger failures = new AtomicInteger();
            // The receiver of value number closeAAfter closes a, that of number closeBAfter closes b: the closes
            // come mid-stream however the threads happen to be scheduled.
            int closeAAfter = ThreadLocalRandom.current().nextInt(0, 300);
            int closeBAfter = closeAAfter + ThreadLocalRandom.current().nextInt(1, 300);
            if (closeAAfter == 0) a.close();
            try (TaskScope scope = TaskScope.open()) {
                List<Task<Void>> sending = new ArrayList<>();
                for (int s = 0; s < senders; s++) {
                    int base = s * range;
                    sending.add(scope.go(() -> {
                        List<Channel<Integer>> open = new ArrayList<>(List.of(a, b));
                        for (int i = 0; !open.isEmpty(); i++) {
                            if (i == range) throw new AssertionError("sender ran out of values before the closes");
                            int v = base + i;
                            List<Select.Clause<Void>> clauses = new ArrayList<>();
                            for (Channel<Integer> ch : open) clauses.add(ch.onSend(v));
                            try {
                                select(clauses);
                                ledger.sent(v);
                            } catch (ChannelClosedException e) {
                                ledger.failed(v);
                                failures.incrementAndGet();
                                open.remove(e.channel());
                            }
                        }
                    }));
                }
                List<Task<Void>> receiving = new ArrayList<>();
                for (Channel<Integer> ch : List.of(a, b)) {
                    receiving.add(scope.go(() -> {
                        for (int v : ch) {
                            ledger.received(v);
                            int n = count.incrementAndGet();
                            if (n == closeAAfter) a.close();
                            if (n == closeBAfter) b.close();
                        }
                    }));
                }
                for (Task<Void> t : sending) t.join();
                for (Task<Void> t : receiving) t.join();
            }
            Ledger.Totals t = ledger.verify(false);
            assertTrue(t.failed() >= senders, "every sender met a closed channel: " + t);
            assertEquals(failures.get(), t.failed());
        }
    }
}
