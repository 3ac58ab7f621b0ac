package dev.tether.bench;

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

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Spawn + join of one tracked Tether task against spawn + join of one raw virtual thread.
 *
 * <ul>
 *   <li>{@code *_fromPlatform}: one spawn + join per op, issued by the JMH worker thread (a platform thread). The
 *       Tether task is spawned with {@code scope.go} on a {@link TaskScope} that stays open for the whole trial.
 *   <li>{@code *_fromVirtual}: per invocation, one driver spawns and joins {@value #BATCH} children one after the
 *       other and is then joined; the score is per child ({@code @OperationsPerInvocation}). For Tether the driver
 *       is a task spawned with {@code scope.go} and its children are spawned with {@code Task.go} (owned by the
 *       driver); for raw threads both driver and children are {@code Thread.ofVirtual().start}. The driver's own
 *       spawn + join is amortised over the batch (about 1% of the score).
 *   <li>{@code tetherScopeGo_fromRawVirtual}: a raw virtual thread driver that spawns with {@code scope.go} on the
 *       trial's scope, to separate "spawning from a virtual thread" from "the driver is a Tether task".
 * </ul>
 *
 * <p>Every body is the same trivial one: return (or store) a constant. Run with
 * {@code ./tether bench SpawnBench}; see docs/benchmarks.md.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class SpawnBench {

    static final int BATCH = 100;

    private static final Callable<Integer> BODY = () -> 42;
    private static final Runnable RAW_BODY = () -> sink = 42;
    /** Written by raw bodies so they are not empty; never read. */
    static volatile int sink;

    private TaskScope scope;

    @Setup(Level.Trial)
    public void open() {
        scope = TaskScope.open();
    }

    @TearDown(Level.Trial)
    public void close() {
        scope.close();
    }

    // ---- from the JMH thread (platform) ---------------------------------------------------------------------

    @Benchmark
    public Integer tether_fromPlatform() throws InterruptedException {
        return scope.go(BODY).join();
    }

    @Benchmark
    public Thread raw_fromPlatform() throws InterruptedException {
        Thread t = Thread.ofVirtual().start(RAW_BODY);
        t.join();
        return t;
    }

    // ---- from inside a virtual thread -----------------------------------------------------------------------

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Integer tether_fromVirtual() throws InterruptedException {
        return scope.go(() -> {
            int sum = 0;
            for (int i = 0; i < BATCH; i++) sum += Task.go(BODY).join();
            return sum;
        }).join();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Thread raw_fromVirtual() throws InterruptedException {
        Thread driver = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < BATCH; i++) Thread.ofVirtual().start(RAW_BODY).join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        driver.join();
        return driver;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Thread tetherScopeGo_fromRawVirtual() throws InterruptedException {
        TaskScope s = scope;
        Thread driver = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < BATCH; i++) s.go(BODY).join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        driver.join();
        return driver;
    }
}
