package dev.tether.bench;

import dev.tether.CancelContext;
import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.Select;
import dev.tether.Task;
import dev.tether.TaskScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;

/**
 * Nanoseconds per message through a channel or queue, both endpoints on virtual threads.
 *
 * <ul>
 *   <li>{@code pingPong_*}: unbuffered (rendezvous) ping-pong. A sends to B on {@code ping}, B sends the value back on
 *       {@code pong}; {@value #N} round trips per invocation. Each round trip is two messages, so the score
 *       ({@code @OperationsPerInvocation(2 * N)}) is per one-way rendezvous handoff. Tether {@link Channel#unbuffered()}
 *       vs jox {@code Channel.newRendezvousChannel()} vs {@link SynchronousQueue}, in its default (unfair, LIFO) and its
 *       fair (FIFO) policy.
 *   <li>{@code buffered16_*}: one producer sends {@value #N} values, one consumer receives them, through a buffer of
 *       16: Tether {@code Channel.buffered(16)} vs jox {@code Channel.newBufferedChannel(16)} vs
 *       {@code ArrayBlockingQueue(16)}. Score per message.
 * </ul>
 *
 * <p>Tether's endpoints are Tether tasks ({@code scope.go}), as in real use: their blocking operations record the
 * wait in the registry. The {@code *_tetherOnRawThreads} variants run Tether channels between raw virtual threads,
 * to isolate the registry's share. Every other endpoint is a raw {@code Thread.ofVirtual()} thread. Each invocation
 * creates its channel(s) and its two endpoints and joins them; that fixed cost is amortised over {@value #N}
 * messages. The value sent is one cached {@code Integer}, so nothing is allocated per message by the benchmark.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class ChannelBench {

    static final int N = 100_000;
    private static final Integer V = 7;

    private TaskScope scope;

    @Setup(Level.Trial)
    public void open() {
        scope = TaskScope.open();
    }

    @TearDown(Level.Trial)
    public void close() {
        scope.close();
    }

    /** A body that may block; failures are rethrown by {@link #runPair}. */
    @FunctionalInterface
    interface Endpoint {
        long run() throws Exception;
    }

    /** Runs {@code a} and {@code b} on two raw virtual threads and returns the sum of their results. */
    static long runPair(Endpoint a, Endpoint b) throws Exception {
        long[] out = new long[2];
        Throwable[] err = new Throwable[2];
        Thread ta = Thread.ofVirtual().start(() -> {
            try {
                out[0] = a.run();
            } catch (Throwable e) {
                err[0] = e;
            }
        });
        Thread tb = Thread.ofVirtual().start(() -> {
            try {
                out[1] = b.run();
            } catch (Throwable e) {
                err[1] = e;
            }
        });
        ta.join();
        tb.join();
        for (Throwable e : err) {
            if (e != null) throw new IllegalStateException("endpoint failed", e);
        }
        return out[0] + out[1];
    }

    /** Runs {@code a} and {@code b} as two Tether tasks of {@code scope} and returns the sum of their results. */
    static long runTasks(TaskScope scope, Endpoint a, Endpoint b) throws InterruptedException {
        Task<Long> ta = scope.go(a::run);
        Task<Long> tb = scope.go(b::run);
        return ta.join() + tb.join();
    }

    // ---- unbuffered ping-pong -------------------------------------------------------------------------------

    @Benchmark
    @OperationsPerInvocation(2 * N)
    public long pingPong_tether() throws Exception {
        Channel<Integer> ping = Channel.unbuffered(), pong = Channel.unbuffered();
        return runTasks(scope, () -> tetherPinger(ping, pong), () -> tetherPonger(ping, pong));
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    public long pingPong_tetherOnRawThreads() throws Exception {
        Channel<Integer> ping = Channel.unbuffered(), pong = Channel.unbuffered();
        return runPair(() -> tetherPinger(ping, pong), () -> tetherPonger(ping, pong));
    }

    private static long tetherPinger(Channel<Integer> ping, Channel<Integer> pong) throws InterruptedException {
        long sum = 0;
        for (int i = 0; i < N; i++) {
            ping.send(V);
            sum += pong.receive();
        }
        return sum;
    }

    private static long tetherPonger(Channel<Integer> ping, Channel<Integer> pong) throws InterruptedException {
        for (int i = 0; i < N; i++) pong.send(ping.receive());
        return 0;
    }

    /**
     * The same, every send and receive a select with a {@code ctx.done()} clause: Go's cancellation-aware
     * {@code select { case ch <- v: case <-ctx.Done(): }}. A select always takes the channels' locks, so this
     * measures an unbuffered channel's locked path.
     */
    @Benchmark
    @OperationsPerInvocation(2 * N)
    public long pingPong_tetherSelect() throws Exception {
        Channel<Integer> ping = Channel.unbuffered(), pong = Channel.unbuffered();
        try (CancelContext ctx = Context.background().withCancel()) {
            return runTasks(scope, () -> {
                long sum = 0;
                for (int i = 0; i < N; i++) {
                    Select.select(ping.onSend(V), ctx.done());
                    sum += Select.select(pong.onReceive(), ctx.done().map(x -> 0));
                }
                return sum;
            }, () -> {
                for (int i = 0; i < N; i++) {
                    Integer v = Select.select(ping.onReceive(), ctx.done().map(x -> 0));
                    Select.select(pong.onSend(v), ctx.done());
                }
                return 0;
            });
        }
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    public long pingPong_jox() throws Exception {
        return pingPongJox(N);
    }

    @Benchmark
    @OperationsPerInvocation(2 * N)
    public long pingPong_synchronousQueue() throws Exception {
        return pingPongSynchronousQueue(N, false);
    }

    /** The same with {@code SynchronousQueue}'s fair (FIFO) policy, the one a channel's FIFO contract matches. */
    @Benchmark
    @OperationsPerInvocation(2 * N)
    public long pingPong_synchronousQueueFair() throws Exception {
        return pingPongSynchronousQueue(N, true);
    }

    /** {@code n} round trips over two jox rendezvous channels between two raw virtual threads; also for PairedPingPong. */
    static long pingPongJox(int n) throws Exception {
        com.softwaremill.jox.Channel<Integer> ping = com.softwaremill.jox.Channel.newRendezvousChannel();
        com.softwaremill.jox.Channel<Integer> pong = com.softwaremill.jox.Channel.newRendezvousChannel();
        return runPair(() -> {
            long sum = 0;
            for (int i = 0; i < n; i++) {
                ping.send(V);
                sum += pong.receive();
            }
            return sum;
        }, () -> {
            for (int i = 0; i < n; i++) pong.send(ping.receive());
            return 0;
        });
    }

    /** The same over two {@code SynchronousQueue}s of the given policy. */
    static long pingPongSynchronousQueue(int n, boolean fair) throws Exception {
        SynchronousQueue<Integer> ping = new SynchronousQueue<>(fair), pong = new SynchronousQueue<>(fair);
        return runPair(() -> {
            long sum = 0;
            for (int i = 0; i < n; i++) {
                ping.put(V);
                sum += pong.take();
            }
            return sum;
        }, () -> {
            for (int i = 0; i < n; i++) pong.put(ping.take());
            return 0;
        });
    }

    // ---- producer / consumer over a buffer of 16 ------------------------------------------------------------

    @Benchmark
    @OperationsPerInvocation(N)
    public long buffered16_tether() throws Exception {
        Channel<Integer> ch = Channel.buffered(16);
        return runTasks(scope, () -> tetherProduce(ch), () -> tetherConsume(ch));
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long buffered16_tetherOnRawThreads() throws Exception {
        Channel<Integer> ch = Channel.buffered(16);
        return runPair(() -> tetherProduce(ch), () -> tetherConsume(ch));
    }

    private static long tetherProduce(Channel<Integer> ch) throws InterruptedException {
        for (int i = 0; i < N; i++) ch.send(V);
        return 0;
    }

    private static long tetherConsume(Channel<Integer> ch) throws InterruptedException {
        long sum = 0;
        for (int i = 0; i < N; i++) sum += ch.receive();
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long buffered16_jox() throws Exception {
        com.softwaremill.jox.Channel<Integer> ch = com.softwaremill.jox.Channel.newBufferedChannel(16);
        return runPair(() -> {
            for (int i = 0; i < N; i++) ch.send(V);
            return 0;
        }, () -> {
            long sum = 0;
            for (int i = 0; i < N; i++) sum += ch.receive();
            return sum;
        });
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long buffered16_arrayBlockingQueue() throws Exception {
        ArrayBlockingQueue<Integer> q = new ArrayBlockingQueue<>(16);
        return runPair(() -> {
            for (int i = 0; i < N; i++) q.put(V);
            return 0;
        }, () -> {
            long sum = 0;
            for (int i = 0; i < N; i++) sum += q.take();
            return sum;
        });
    }
}
