package dev.tether.bench;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.TaskScope;
import dev.tether.test.LeakOption;
import dev.tether.test.LeakReport;
import dev.tether.test.Leaks;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One leak check that finds nothing, as run after every test.
 *
 * <ul>
 *   <li>{@code tenThousandVirtual_*}: 10,000 idle raw virtual threads (blocked on a latch) are alive, started before
 *       the check's baseline, plus 100 idle Tether tasks. The JVM has
 *       {@code --add-exports java.base/jdk.internal.vm=ALL-UNNAMED}, so every virtual thread is enumerated.
 *       {@code _ignoreCurrent}: {@code Leaks.find(ignoreCurrent)} (goleak's IgnoreCurrent).
 *   <li>{@code tasksAndPlatform_ignoreCurrent}: no raw virtual threads to see (no export: the verifier enumerates
 *       platform threads through the thread group and Tether tasks through the registry); 100 idle Tether tasks.
 * </ul>
 * A check that finds nothing returns without waiting, so the score is the scan itself.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 2)
@State(Scope.Benchmark)
public class VerifyBench {
    static final String EXPORTS = "--add-exports=java.base/jdk.internal.vm=ALL-UNNAMED";
    static final String OPENS = "--add-opens=java.base/java.lang=ALL-UNNAMED";

    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Thread> raw = new ArrayList<>();
    private TaskScope scope;
    private LeakOption baseline;

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
        boolean virtual = Boolean.getBoolean("bench.virtual");
        if (virtual) {
            for (int i = 0; i < 10_000; i++) {
                raw.add(Thread.ofVirtual().start(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
        }
        scope = TaskScope.open("idle", Context.background());
        Channel<String> never = Channel.unbuffered();
        for (int i = 0; i < 100; i++) scope.go(never::receive);
        baseline = LeakOption.ignoreCurrent();
        LeakReport r = Leaks.find(baseline);
        if (!r.isEmpty()) throw new IllegalStateException("benchmark setup is not clean: " + r);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        release.countDown();
        for (Thread t : raw) t.join();
        scope.close();
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dbench.virtual=true", EXPORTS, OPENS})
    public LeakReport tenThousandVirtual_ignoreCurrent() {
        return Leaks.find(baseline);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
    public LeakReport tasksAndPlatform_ignoreCurrent() {
        return Leaks.find(baseline);
    }
}
