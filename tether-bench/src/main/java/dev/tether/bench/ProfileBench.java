package dev.tether.bench;

import dev.tether.Context;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import dev.tether.profile.Entry;
import dev.tether.profile.Format;
import dev.tether.profile.Frame;
import dev.tether.profile.Snapshot;
import dev.tether.profile.Snapshots;
import dev.tether.profile.TaskSnapshots;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * tether-profile at scale: the pprof profile of a million live tasks, a pprof profile of a million distinct stacks,
 * and reading a ~100 MB Go debug=2 dump.
 *
 * <ul>
 *   <li>{@link #capturePprof}: {@link TaskSnapshots#capture()} of 1,000,000 blocked Tether tasks (the setup of
 *       {@link DumpBench}: four creation sites, all parked) plus {@link Snapshots#write} as a gzipped pprof profile.
 *       Target: ≤ 1 s.</li>
 *   <li>{@link #writePprofDistinct}: a synthetic snapshot of 1,000,000 entries with distinct stacks (a million samples
 *       and locations) written as pprof: the worst case for the writer's tables.</li>
 *   <li>{@link #readDebug2}: {@link Snapshots#read} of a debug=2 dump of about 100 MB, built in the setup by repeating
 *       the goroutines of the {@code chanleaks} fixture under fresh ids (as tether-profile's
 *       {@code ThroughputCheckTest}); the setup prints its size, so that MB/s = size / score, and the heap the
 *       snapshot retains (after GC). The fixtures are found at {@code -Dtether.fixtures}, default
 *       {@code ../shared/fixtures} from the working directory.</li>
 * </ul>
 * Each state is set up once per fork; the fork gets an 8 GB heap.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms8g", "-Xmx8g"})
public class ProfileBench {

    /** A million blocked tasks, as in {@link DumpBench}. */
    @State(Scope.Benchmark)
    public static class Tasks {
        @Param("1000000")
        public int tasks;

        TaskScope scope;

        @Setup(Level.Trial)
        public void spawn() throws InterruptedException, IOException {
            scope = TaskScope.open("profile-bench", Context.background());
            Throwable[] failure = new Throwable[1];
            long t0 = System.nanoTime();
            Thread spawner = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < tasks; i++) {
                        switch (i % 10) {
                            case 0, 1, 2, 3 -> DumpBench.Sites.forgottenSender(scope);
                            case 4, 5, 6 -> DumpBench.Sites.idleReceiver(scope);
                            case 7, 8 -> DumpBench.Sites.deepReceiver(scope);
                            default -> DumpBench.Sites.deepSender(scope);
                        }
                    }
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            spawner.join();
            if (failure[0] != null) throw new IllegalStateException("spawning failed", failure[0]);
            DumpBench.awaitAllBlocked(scope, tasks);
            System.out.printf("%n[setup] %,d tasks spawned and blocked in %.1f s; registry count=%,d%n", tasks,
                    (System.nanoTime() - t0) / 1e9, TaskRegistry.count());
            Snapshot s = TaskSnapshots.capture();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Snapshots.write(s, Format.GO_PPROF, out);
            System.out.printf("[setup] capture: %d entries, total %,d; pprof profile: %,d bytes%n",
                    s.entries().size(), s.total(), out.size());
        }

        @TearDown(Level.Trial)
        public void close() {
            long t0 = System.nanoTime();
            scope.close();
            System.out.printf("%n[teardown] scope closed in %.1f s; live=%d%n", (System.nanoTime() - t0) / 1e9,
                    TaskRegistry.count());
        }
    }

    /** A snapshot of a million entries with distinct stacks. */
    @State(Scope.Benchmark)
    public static class Distinct {
        Snapshot snapshot;

        @Setup(Level.Trial)
        public void build() {
            Frame api = new Frame("dev.tether.Channel.send", "Channel.java", 124);
            Frame main = new Frame("com.example.Main.run", "Main.java", 10);
            List<Entry> entries = new ArrayList<>(1_000_000);
            Entry.Builder b = Entry.builder(Entry.Kind.TETHER_TASK);
            for (int i = 0; i < 1_000_000; i++) {
                b.stack(List.of(api, new Frame("com.example.Gen.f" + i, "Gen.java", 1 + i % 1000), main))
                        .state(Entry.State.WAITING).waitReason("chan send");
                entries.add(b.build());
            }
            snapshot = new Snapshot(new Snapshot.Metadata(Format.TETHER_REGISTRY, "synthetic", null, null, null, null,
                    List.of()), entries, List.of());
        }
    }

    /** A ~100 MB debug=2 dump in memory. */
    @State(Scope.Benchmark)
    public static class Debug2 {
        byte[] dump;

        @Setup(Level.Trial)
        public void build() throws IOException {
            Path fixture = Path.of(System.getProperty("tether.fixtures", "../shared/fixtures"), "go",
                    "chanleaks.debug2.txt");
            if (!Files.isRegularFile(fixture)) {
                throw new IllegalStateException("fixture " + fixture.toAbsolutePath() + " not found: run from the"
                        + " project directory with ../shared/fixtures beside it, or pass -Dtether.fixtures=<dir>");
            }
            dump = repeat(Files.readString(fixture, StandardCharsets.UTF_8), 100 << 20);
            long before = usedAfterGc();
            Snapshot s = Snapshots.read(new ByteArrayInputStream(dump), "synthetic");
            long retained = usedAfterGc() - before;
            System.out.printf("%n[setup] debug=2 dump: %,d bytes (%.1f MB), %,d goroutines; the snapshot retains"
                    + " %.1f MB (%.2f x input)%n", dump.length, dump.length / 1e6, s.entries().size(), retained / 1e6,
                    (double) retained / dump.length);
        }

        private static byte[] repeat(String text, int size) {
            List<String> bodies = new ArrayList<>();
            for (String block : text.split("\n\n")) {
                block = block.strip();
                bodies.add(block.substring(block.indexOf(' ', "goroutine ".length())) + "\n\n");
            }
            byte[] out = new byte[size];
            int n = 0;
            for (long id = 1; ; id++) {
                byte[] b = ("goroutine " + id + bodies.get((int) (id % bodies.size()))).getBytes(StandardCharsets.UTF_8);
                if (n + b.length > size) break;
                System.arraycopy(b, 0, out, n, b.length);
                n += b.length;
            }
            return Arrays.copyOf(out, n);
        }

        private static long usedAfterGc() {
            for (int i = 0; i < 3; i++) System.gc();
            return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        }
    }

    /** The gzipped profile is written to a stream that counts and drops the bytes. */
    private static final class Sink extends OutputStream {
        long n;

        @Override
        public void write(int b) {
            n++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            n += len;
        }
    }

    @Benchmark
    public long capturePprof(Tasks t) throws IOException {
        Sink out = new Sink();
        Snapshots.write(TaskSnapshots.capture(), Format.GO_PPROF, out);
        return out.n;
    }

    @Benchmark
    public long writePprofDistinct(Distinct d) throws IOException {
        Sink out = new Sink();
        Snapshots.write(d.snapshot, Format.GO_PPROF, out);
        return out.n;
    }

    @Benchmark
    public Snapshot readDebug2(Debug2 d) throws IOException {
        return Snapshots.read(new ByteArrayInputStream(d.dump), "synthetic");
    }
}
