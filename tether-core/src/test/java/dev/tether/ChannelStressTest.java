package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The delivery contract under contention: every value is delivered to exactly one receiver or its sender learns it
 * was not delivered, including when sends and receives race with close, interrupts and cancellation.
 */
// Safety net only (the tests synchronize with bounded waits): a deadlock fails the test instead of hanging the build.
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ChannelStressTest {

    /** A task that receives until the channel is closed and drained, counting every value in {@code ledger}. */
    private static Task<Integer> drainer(TaskScope scope, Channel<Integer> ch, Ledger ledger, AtomicInteger count) {
        return scope.go(() -> {
            int n = 0;
            for (int v : ch) {
                ledger.received(v);
                count.incrementAndGet();
                n++;
            }
            return n;
        });
    }

    /**
     * Simulated slow work now and then, so that the other side of the channel really blocks (parks) often enough
     * for interrupts to find it blocked, however fast a handoff happens to be on this machine.
     */
    private static void sometimesSlow() {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (rnd.nextInt(4) == 0) LockSupport.parkNanos(rnd.nextLong(1_000, 20_000));
    }

    /**
     * Interrupts {@code targets} at random short intervals until {@code stop} is set. A platform thread, so that
     * it gets to run even when the targets keep every carrier thread busy (as on a one-CPU machine).
     */
    static TestSupport.Forked<Integer> interrupter(List<Thread> targets, AtomicInteger stop) {
        return TestSupport.forkPlatform(() -> {
            int n = 0;
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            while (stop.get() == 0) {
                targets.get(rnd.nextInt(targets.size())).interrupt();
                n++;
                LockSupport.parkNanos(rnd.nextLong(5_000, 50_000));
            }
            return n;
        });
    }

    /** One receive of a receiver under {@link #interrupter}: it may be interrupted. */
    @FunctionalInterface
    interface Receive {
        int receive() throws InterruptedException;
    }

    /**
     * Receives with {@code receive} into {@code ledger} until the channel is closed; counts in {@code interrupted}
     * the receives that an interrupt ended, and goes on after them. Returns null, for {@link TestSupport#fork}.
     */
    static Object receiveUntilClosed(Receive receive, Ledger ledger, AtomicInteger interrupted) {
        while (true) {
            int v;
            try {
                v = receive.receive();
            } catch (InterruptedException e) {
                interrupted.incrementAndGet();
                continue;
            } catch (ChannelClosedException e) {
                return null;
            }
            ledger.received(v);
        }
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 1, 16})
    void manyProducersAndConsumersLoseAndDuplicateNothing(int capacity) throws Exception {
        int producers = 4, perProducer = 20_000;
        Channel<Integer> ch = Channel.buffered(capacity);
        Ledger ledger = new Ledger(producers * perProducer);
        AtomicInteger count = new AtomicInteger();
        try (TaskScope scope = TaskScope.open()) {
            List<Task<Integer>> consumers = new ArrayList<>();
            for (int c = 0; c < 4; c++) consumers.add(drainer(scope, ch, ledger, count));
            List<Task<Void>> senders = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                int base = p * perProducer;
                senders.add(scope.go(() -> {
                    for (int i = 0; i < perProducer; i++) {
                        ch.send(base + i);
                        ledger.sent(base + i);
                    }
                }));
            }
            for (Task<Void> s : senders) s.join();
            ch.close();
            int total = 0;
            for (Task<Integer> c : consumers) total += c.join();
            assertEquals(producers * perProducer, total);
        }
        Ledger.Totals t = ledger.verify(true);
        assertEquals(producers * perProducer, t.delivered());
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 16})
    void sendsRacingWithCloseAreEachReceivedOnceOrFailed(int capacity) throws Exception {
        int producers = 4, range = 100_000;
        for (int round = 0; round < 100; round++) {
            Channel<Integer> ch = Channel.buffered(capacity);
            Ledger ledger = new Ledger(producers * range);
            AtomicInteger count = new AtomicInteger();
            // The consumer that receives value number closeAfter closes the channel itself, so the close comes
            // while producers are mid-stream however the threads happen to be scheduled.
            int closeAfter = ThreadLocalRandom.current().nextInt(0, 400);
            if (closeAfter == 0) ch.close();
            try (TaskScope scope = TaskScope.open()) {
                List<Task<Void>> consumers = new ArrayList<>();
                for (int c = 0; c < 3; c++) {
                    consumers.add(scope.go(() -> {
                        for (int v : ch) {
                            ledger.received(v);
                            if (count.incrementAndGet() == closeAfter) ch.close();
                        }
                    }));
                }
                List<Task<Void>> senders = new ArrayList<>();
                for (int p = 0; p < producers; p++) {
                    int base = p * range;
                    senders.add(scope.go(() -> {
                        for (int i = 0; i < range; i++) { // in practice: until the channel is closed
                            try {
                                ch.send(base + i);
                                ledger.sent(base + i);
                            } catch (ChannelClosedException e) {
                                ledger.failed(base + i);
                                return;
                            }
                        }
                        throw new AssertionError("producer ran out of values before the close");
                    }));
                }
                for (Task<Void> s : senders) s.join();
                for (Task<Void> c : consumers) c.join();
            }
            Ledger.Totals t = ledger.verify(false);
            assertEquals(producers, t.failed(), "each producer's send in flight at close failed, and only that");
        }
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 16})
    void sendsRacingWithInterruptsAreEachReceivedOnceOrFailed(int capacity) throws Throwable {
        int senders = 4, perSender = 10_000;
        Channel<Integer> ch = Channel.buffered(capacity);
        Ledger ledger = new Ledger(senders * perSender);
        AtomicInteger stop = new AtomicInteger();
        try (TaskScope scope = TaskScope.open()) {
            List<Task<Void>> consumers = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                consumers.add(scope.go(() -> {
                    for (int v : ch) {
                        ledger.received(v);
                        sometimesSlow(); // so that senders block
                    }
                }));
            }
            List<TestSupport.Forked<Object>> sending = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int base = s * perSender;
                sending.add(TestSupport.fork(() -> {
                    for (int i = 0; i < perSender; i++) {
                        try {
                            ch.send(base + i);
                            ledger.sent(base + i);
                        } catch (InterruptedException e) {
                            ledger.failed(base + i);
                        }
                    }
                    return null;
                }));
            }
            List<Thread> targets = sending.stream().map(TestSupport.Forked::thread).toList();
            TestSupport.Forked<Integer> interrupts = interrupter(targets, stop);
            try {
                for (var s : sending) s.get();
            } finally {
                stop.set(1);
            }
            assertTrue(interrupts.get() > 0);
            ch.close();
            for (Task<Void> c : consumers) c.join();
        }
        Ledger.Totals t = ledger.verify(true);
        assertTrue(t.failed() > 0 && t.delivered() > 0, "both outcomes occurred: " + t);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 16})
    void sendsRacingWithDeadlinesAreEachReceivedOnceOrFailed(int capacity) throws Throwable {
        int senders = 4, perSender = 10_000;
        Channel<Integer> ch = Channel.buffered(capacity);
        Ledger ledger = new Ledger(senders * perSender);
        AtomicInteger count = new AtomicInteger();
        try (TaskScope scope = TaskScope.open()) {
            List<Task<Integer>> consumers = new ArrayList<>();
            for (int c = 0; c < 2; c++) consumers.add(drainer(scope, ch, ledger, count));
            List<TestSupport.Forked<Object>> sending = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int base = s * perSender;
                sending.add(TestSupport.fork(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < perSender; i++) {
                        int v = base + i;
                        try (CancelContext ctx = Context.background()
                                .withTimeout(Duration.ofNanos(rnd.nextLong(0, 50_000)))) {
                            ctx.call(() -> {
                                ch.send(v);
                                return null;
                            });
                            ledger.sent(v);
                        } catch (CancelledException e) {
                            ledger.failed(v);
                        }
                    }
                    return null;
                }));
            }
            for (var s : sending) s.get();
            ch.close();
            for (Task<Integer> c : consumers) c.join();
        }
        Ledger.Totals t = ledger.verify(true);
        assertTrue(t.failed() > 0 && t.delivered() > 0, "both outcomes occurred: " + t);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 16})
    void sendsInTasksRacingWithTaskCancellationAreEachReceivedOnceOrFailed(int capacity) throws Exception {
        int n = 10_000;
        Channel<Integer> ch = Channel.buffered(capacity);
        Ledger ledger = new Ledger(n);
        AtomicInteger count = new AtomicInteger();
        try (TaskScope consumers = TaskScope.open(); TaskScope senders = TaskScope.open()) {
            List<Task<Integer>> drainers = new ArrayList<>();
            for (int c = 0; c < 2; c++) drainers.add(drainer(consumers, ch, ledger, count));
            List<Task<Void>> tasks = new ArrayList<>();
            for (int v = 0; v < n; v++) {
                int value = v;
                tasks.add(senders.go(() -> {
                    try {
                        ch.send(value);
                        ledger.sent(value);
                    } catch (CancelledException e) {
                        ledger.failed(value);
                        throw e;
                    }
                }));
            }
            List<Task<Void>> shuffled = new ArrayList<>(tasks);
            Collections.shuffle(shuffled);
            for (int i = 0; i < shuffled.size(); i += 2) shuffled.get(i).cancel();
            for (Task<Void> t : tasks) {
                try {
                    t.join();
                } catch (CancelledException expected) {
                    // cancelled: either before its body ran, or while its send waited
                }
            }
            ch.close();
            for (Task<Integer> c : drainers) c.join();
        }
        Ledger.Totals t = ledger.verify(false);
        assertTrue(t.delivered() >= n / 2, "every task not cancelled delivered its value: " + t);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 16})
    void receivesRacingWithInterruptsConsumeNothingTheyDoNotReturn(int capacity) throws Throwable {
        int senders = 4, perSender = 10_000;
        Channel<Integer> ch = Channel.buffered(capacity);
        Ledger ledger = new Ledger(senders * perSender);
        AtomicInteger stop = new AtomicInteger();
        AtomicInteger interruptedReceives = new AtomicInteger();
        try (TaskScope scope = TaskScope.open()) {
            List<Task<Void>> sending = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int base = s * perSender;
                sending.add(scope.go(() -> {
                    for (int i = 0; i < perSender; i++) {
                        ch.send(base + i);
                        ledger.sent(base + i);
                        sometimesSlow(); // so that receivers block
                    }
                }));
            }
            List<TestSupport.Forked<Object>> receivers = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                receivers.add(TestSupport.fork(() -> receiveUntilClosed(ch::receive, ledger, interruptedReceives)));
            }
            TestSupport.Forked<Integer> interrupts =
                    interrupter(receivers.stream().map(TestSupport.Forked::thread).toList(), stop);
            try {
                for (Task<Void> s : sending) s.join();
            } finally {
                stop.set(1);
            }
            interrupts.get();
            ch.close();
            for (var r : receivers) r.get();
        }
        Ledger.Totals t = ledger.verify(true);
        assertEquals(senders * perSender, t.received(), "an interrupted receive consumed nothing");
        assertTrue(interruptedReceives.get() > 0, "some receives were interrupted");
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 16})
    void receivesRacingWithDeadlinesConsumeNothingTheyDoNotReturn(int capacity) throws Throwable {
        int senders = 4, perSender = 10_000;
        Channel<Integer> ch = Channel.buffered(capacity);
        Ledger ledger = new Ledger(senders * perSender);
        AtomicInteger expired = new AtomicInteger();
        try (TaskScope scope = TaskScope.open()) {
            List<Task<Void>> sending = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int base = s * perSender;
                sending.add(scope.go(() -> {
                    for (int i = 0; i < perSender; i++) {
                        ch.send(base + i);
                        ledger.sent(base + i);
                    }
                }));
            }
            List<TestSupport.Forked<Object>> receivers = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                receivers.add(TestSupport.fork(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    while (true) {
                        int v;
                        try (CancelContext ctx = Context.background()
                                .withTimeout(Duration.ofNanos(rnd.nextLong(0, 50_000)))) {
                            v = ctx.call(ch::receive);
                        } catch (CancelledException e) {
                            expired.incrementAndGet();
                            continue;
                        } catch (ChannelClosedException e) {
                            return null;
                        }
                        ledger.received(v);
                    }
                }));
            }
            for (Task<Void> s : sending) s.join();
            ch.close();
            for (var r : receivers) r.get();
        }
        Ledger.Totals t = ledger.verify(true);
        assertEquals(senders * perSender, t.received(), "a cancelled receive consumed nothing");
        assertTrue(expired.get() > 0, "some receives were cancelled");
    }

    /**
     * Ping-pong over two unbuffered channels, the rendezvous that spins before it parks and whose claimer skips the
     * unpark of a partner still spinning. Every echo must come back in order, and a lost wake-up would hang an
     * endpoint (caught by the bounded wait). Random pauses on both sides make the waits cross between spinning,
     * yielding and parking; the kinds of thread cover a claimer with and without a carrier, and a task's hint and a
     * raw thread's.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"task-task", "virtual-virtual", "platform-virtual", "virtual-platform"})
    void pingPongAcrossThreadKindsEchoesEveryValueInOrder(String kinds) throws Throwable {
        int rounds = 30_000;
        Channel<Integer> ping = Channel.unbuffered(), pong = Channel.unbuffered();
        Callable<Integer> pinger = () -> {
            for (int i = 0; i < rounds; i++) {
                ping.send(i);
                int echo = pong.receive();
                if (echo != i + 1) throw new AssertionError("round " + i + ": echo " + echo);
                if ((i & 15) == 0) sometimesSlow();
            }
            return rounds;
        };
        Callable<Integer> ponger = () -> {
            for (int i = 0; i < rounds; i++) {
                pong.send(ping.receive() + 1);
                if ((i & 7) == 0) sometimesSlow();
            }
            return rounds;
        };
        String[] k = kinds.split("-");
        if (k[0].equals("task")) {
            try (TaskScope scope = TaskScope.open()) {
                Task<Integer> a = scope.go(pinger), b = scope.go(ponger);
                assertEquals(rounds, a.join(Duration.ofSeconds(20)));
                assertEquals(rounds, b.join(Duration.ofSeconds(20)));
            }
        } else {
            var a = k[0].equals("platform") ? TestSupport.forkPlatform(pinger) : TestSupport.fork(pinger);
            var b = k[1].equals("platform") ? TestSupport.forkPlatform(ponger) : TestSupport.fork(ponger);
            assertEquals(rounds, a.get());
            assertEquals(rounds, b.get());
        }
    }
}
