package dev.tether.bench;

import dev.tether.Channel;
import dev.tether.Task;
import dev.tether.TaskScope;

import java.lang.invoke.MethodHandle;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.SynchronousQueue;

/**
 * Unbuffered ping-pong between two virtual threads, for Tether's channel, {@link SynchronousQueue} in both of its
 * policies and jox's rendezvous channel, in one JVM, round by round: the comparison of {@code ChannelBench.pingPong_*}
 * measured so that the host's noise hits every contender alike. One more contender, {@code spinFloor}, is the floor
 * under them all: a hand-off of two spinning threads through one field and nothing else ({@link SpinHandoff}).
 *
 * <pre>
 * java -cp tether-bench/target/benchmarks.jar dev.tether.bench.PairedPingPong [ROUNDS [ROUND_TRIPS [BASE]]]
 * </pre>
 * Every round runs, in a rotating order, one ping-pong of {@code ROUND_TRIPS} (default 200,000) round trips per
 * contender, each between two new threads (Tether's between two tasks) over two new channels, as a JMH invocation
 * of {@code ChannelBench} does; the report gives the medians in nanoseconds per one-way message and, for Tether
 * against each other contender, the median and quartiles of the per-round ratio and how many rounds Tether was
 * faster. A JMH fork settles for its whole life into a fast or a slow state, and a handful of forks per contender
 * cannot resolve a 10% difference between them; a few dozen paired rounds can. With {@code BASE}, tether-core's
 * classes (a directory or a jar) as built from another commit, that build runs as one more contender,
 * {@code base}, loaded with the Tether driver by a class loader of its own (see {@link PairedSpawn}).
 */
public final class PairedPingPong {
    private PairedPingPong() {
    }

    /** The driver, loaded once per build of tether-core: each method returns the nanoseconds of {@code n} round trips. */
    public static final class Driver {
        private Driver() {
        }

        private static final Integer V = 7; // its own: loading the driver in another class loader loads nothing else

        public static long tether(int n) throws Exception {
            Channel<Integer> ping = Channel.unbuffered(), pong = Channel.unbuffered();
            try (TaskScope scope = TaskScope.open()) {
                long t0 = System.nanoTime();
                Task<Long> a = scope.go(() -> {
                    long sum = 0;
                    for (int i = 0; i < n; i++) {
                        ping.send(V);
                        sum += pong.receive();
                    }
                    return sum;
                });
                Task<Long> b = scope.go(() -> {
                    for (int i = 0; i < n; i++) pong.send(ping.receive());
                    return 0L;
                });
                long sum = a.join() + b.join();
                long t = System.nanoTime() - t0;
                if (sum != (long) n * V) throw new IllegalStateException("ping-pong summed " + sum);
                return t;
            }
        }
    }

    /** A ping-pong of {@code n} round trips of {@link ChannelBench}'s. */
    @FunctionalInterface
    private interface PingPong {
        long run(int n) throws Exception;
    }

    /** The nanoseconds a ping-pong of {@code n} round trips took. */
    private static long timed(PingPong pingPong, int n) throws Exception {
        long t0 = System.nanoTime();
        pingPong.run(n);
        return System.nanoTime() - t0;
    }

    /** One contender: a name and what it runs. */
    private record Contender(String name, Paired.Run run) {
    }

    public static void main(String[] args) throws Throwable {
        String usage = "PairedPingPong [ROUNDS [ROUND_TRIPS [BASE]]]";
        if (args.length > 3) Paired.usage(usage, "expected at most three arguments, got " + Arrays.toString(args));
        int rounds = args.length > 0 ? Paired.positive(usage, args[0], "ROUNDS") : 40;
        int trips = args.length > 1 ? Paired.positive(usage, args[1], "ROUND_TRIPS") : 200_000;
        List<Contender> cs = new ArrayList<>();
        URL self = Paired.self();
        MethodHandle tether = Paired.driver(usage, Driver.class, new URL[]{self}, "tether");
        cs.add(new Contender("tether", n -> (long) tether.invoke(n)));
        if (args.length > 2) {
            Path base = Paired.coreClasses(usage, args[2]);
            MethodHandle old = Paired.driver(usage, Driver.class, new URL[]{base.toUri().toURL(), self}, "tether");
            cs.add(new Contender("base", n -> (long) old.invoke(n)));
        }
        cs.add(new Contender("synchronousQueue", n -> timed(m -> ChannelBench.pingPongSynchronousQueue(m, false), n)));
        cs.add(new Contender("synchronousQueueFair", n -> timed(m -> ChannelBench.pingPongSynchronousQueue(m, true), n)));
        cs.add(new Contender("jox", n -> timed(ChannelBench::pingPongJox, n)));
        cs.add(new Contender("spinFloor", n -> timed(SpinHandoff::pingPong, n)));

        int k = cs.size();
        for (int w = 0; w < 5; w++) for (Contender c : cs) c.run().nanos(trips); // warm up every contender
        double[][] ns = new double[k][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < k; j++) {
                int c = (r + j) % k;
                ns[c][r] = cs.get(c).run().nanos(trips) / (2.0 * trips);
            }
        }
        System.out.printf(Locale.ROOT, "%d rounds of %,d round trips between two virtual threads, ns per one-way message%n",
                rounds, trips);
        String[] names = cs.stream().map(Contender::name).toArray(String[]::new);
        Paired.report(names, ns, 0);
    }
}
