package dev.tether.bench;

import dev.tether.Task;
import dev.tether.TaskScope;

import java.lang.invoke.MethodHandle;
import java.net.URL;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Sequential spawn + join from a virtual thread, for two builds of tether-core and for raw virtual threads, in one
 * JVM, round by round: what a change to the spawn path gains, measured so that the host's noise hits both builds
 * alike.
 *
 * <pre>
 * java -cp tether-bench/target/benchmarks.jar dev.tether.bench.PairedSpawn BASE [ROUNDS [SPAWNS]]
 * </pre>
 * {@code BASE} is tether-core's classes (a directory or a jar) as built from another commit; the other build is the
 * one in this jar. Each build is loaded by a class loader of its own, with the driver below. Every round runs, in a
 * rotating order, one driver per contender, each doing {@code SPAWNS} (default 100,000) spawns and joins one after
 * the other; the report gives the medians per spawn + join and, per pair, the median and quartiles of the
 * per-round ratio and how many rounds the first was faster. JMH's {@code SpawnBench} measures the same work with a
 * new driver every 100 spawns; forks of it settle into fast and slow states that swamp a 10% change, which these
 * paired rounds resolve. Add {@code -Djdk.virtualThreadScheduler.parallelism=1} to measure the work alone, without
 * a second carrier stealing the child.
 */
public final class PairedSpawn {
    private PairedSpawn() {
    }

    /** The driver, loaded once per build: the methods return the nanoseconds that {@code n} spawns + joins took. */
    public static final class Driver {
        private Driver() {
        }

        private static final Callable<Integer> BODY = () -> 42;
        static volatile int sink;

        public static long tether(int n) throws Exception {
            try (TaskScope scope = TaskScope.open()) {
                return scope.go(() -> {
                    long t0 = System.nanoTime();
                    int sum = 0;
                    for (int i = 0; i < n; i++) sum += Task.go(BODY).join();
                    long t = System.nanoTime() - t0;
                    sink = sum;
                    return t;
                }).join();
            }
        }

        public static long raw(int n) throws Exception {
            long[] took = new long[1];
            Runnable body = () -> sink = 42;
            Thread driver = Thread.ofVirtual().start(() -> {
                long t0 = System.nanoTime();
                try {
                    for (int i = 0; i < n; i++) Thread.ofVirtual().start(body).join();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                took[0] = System.nanoTime() - t0;
            });
            driver.join();
            return took[0];
        }
    }

    public static void main(String[] args) throws Throwable {
        String usage = "PairedSpawn BASE [ROUNDS [SPAWNS]]";
        if (args.length < 1 || args.length > 3) {
            Paired.usage(usage, "expected BASE [ROUNDS [SPAWNS]], got " + Arrays.toString(args));
        }
        Path base = Paired.coreClasses(usage, args[0]);
        int rounds = args.length > 1 ? Paired.positive(usage, args[1], "ROUNDS") : 30;
        int spawns = args.length > 2 ? Paired.positive(usage, args[2], "SPAWNS") : 100_000;
        URL self = Paired.self();
        String[] names = {"base", "new", "raw"};
        MethodHandle[] run = {
                Paired.driver(usage, Driver.class, new URL[]{base.toUri().toURL(), self}, "tether"),
                Paired.driver(usage, Driver.class, new URL[]{self}, "tether"),
                Paired.driver(usage, Driver.class, new URL[]{self}, "raw")};
        for (int w = 0; w < 5; w++) for (MethodHandle m : run) m.invoke(spawns); // warm up every contender
        double[][] ns = new double[3][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int j = 0; j < 3; j++) {
                int c = (r + j) % 3;
                ns[c][r] = (long) run[c].invoke(spawns) / (double) spawns;
            }
        }
        int carriers = Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "%d rounds of %,d sequential spawns + joins from a virtual thread, %d carrier%s%n",
                rounds, spawns, carriers, carriers == 1 ? "" : "s");
        Paired.report(names, ns, 1);
        Paired.reportRatio(names, ns, 0, 2, rounds);
    }
}
