package dev.tether.bench;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.Sample;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the leak detector costs.
 *
 * <ul>
 *   <li>{@link Sample1M#sample}: one {@link LeakDetector#sampleNow()} over {@code tasks} (a million) blocked tasks
 *       from the four creation sites of {@link DumpBench}, with an age threshold of 1 ms so that every task counts
 *       and every site is a suspect (the most work a sample does: four stack samples of eight stacks each).
 *   <li>{@link Workload#buffered}: a channel-heavy workload (a producer and a consumer task moving {@value #N}
 *       values through a {@code Channel.buffered(16)}), with {@code detector=off} or with a detector sampling every
 *       {@code 10s}, while {@value #IDLE} more tasks sit blocked in the registry so that each sample has work to do.
 *       The measurement covers 60 s, six sampling periods.
 * </ul>
 */
public class LeakProfBench {
    static final int N = 100_000;
    static final int IDLE = 100_000;

    @State(Scope.Benchmark)
    public static class Sample1M {
        @Param("1000000")
        public int tasks;

        TaskScope scope;
        LeakDetector detector;

        @Setup(Level.Trial)
        public void spawn() throws InterruptedException {
            scope = TaskScope.open("leakprof-bench", Context.background());
            spawnBlocked(scope, tasks);
            detector = LeakDetector.builder().period(Duration.ofDays(1)).minAge(Duration.ofMillis(1)).start();
            Sample s = detector.sampleNow();
            System.out.printf("%n[setup] %,d tasks; first sample took %d ms; suspects:%n", TaskRegistry.count(),
                    s.took().toMillis());
            s.suspects().forEach(x -> System.out.println("[setup]   " + x));
        }

        @TearDown(Level.Trial)
        public void close() {
            detector.close();
            scope.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Fork(value = 1, jvmArgsAppend = {"-Xms8g", "-Xmx8g"})
    public Sample sample(Sample1M state) {
        return state.detector.sampleNow();
    }

    @State(Scope.Benchmark)
    public static class Workload {
        @Param({"off", "10s"})
        public String detector;

        TaskScope idle;
        TaskScope scope;
        LeakDetector running;
        long startNanos;

        @Setup(Level.Trial)
        public void start() throws InterruptedException {
            idle = TaskScope.open("idle", Context.background());
            spawnBlocked(idle, IDLE);
            scope = TaskScope.open("workload", Context.background());
            if (!detector.equals("off")) {
                running = LeakDetector.builder().period(Duration.parse("PT" + detector)).start();
            }
            startNanos = System.nanoTime();
        }

        /** CPU time the detector's thread has used, from the JVM's thread accounting. */
        static long detectorCpuNanos() {
            var mx = java.lang.management.ManagementFactory.getThreadMXBean();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals("tether-leakprof")) return mx.getThreadCpuTime(t.threadId());
            }
            return -1;
        }

        @TearDown(Level.Trial)
        public void stop() {
            if (running != null) {
                Sample last = running.latest().orElse(null);
                long cpu = detectorCpuNanos();
                long wall = System.nanoTime() - startNanos;
                System.out.printf("%n[teardown] %s samples, the last took %s ms; the detector thread used %.1f ms of"
                                + " CPU in %.1f s: %.4f%% of the machine's %d cores%n",
                        last == null ? "no" : last.sequence(), last == null ? "-" : last.took().toMillis(),
                        cpu / 1e6, wall / 1e9, 100.0 * cpu / wall / Runtime.getRuntime().availableProcessors(),
                        Runtime.getRuntime().availableProcessors());
                running.close();
            }
            scope.close();
            idle.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @OperationsPerInvocation(N)
    @Warmup(iterations = 2, time = 5)
    @Measurement(iterations = 12, time = 5)
    @Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
    public void buffered(Workload w) throws Exception {
        Channel<Integer> ch = Channel.buffered(16);
        Integer v = 7;
        var producer = w.scope.go(() -> {
            for (int i = 0; i < N; i++) ch.send(v);
            ch.close();
        });
        var consumer = w.scope.go(() -> {
            int n = 0;
            for (Integer x : ch) n += x == null ? 0 : 1;
            return n;
        });
        producer.join();
        if (consumer.join() != N) throw new IllegalStateException("lost values");
    }

    static void spawnBlocked(TaskScope scope, int n) throws InterruptedException {
        Thread spawner = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < n; i++) {
                switch (i % 10) {
                    case 0, 1, 2, 3 -> DumpBench.Sites.forgottenSender(scope);
                    case 4, 5, 6 -> DumpBench.Sites.idleReceiver(scope);
                    case 7, 8 -> DumpBench.Sites.deepReceiver(scope);
                    default -> DumpBench.Sites.deepSender(scope);
                }
            }
        });
        spawner.join();
        DumpBench.awaitAllBlocked(scope, n);
    }
}
