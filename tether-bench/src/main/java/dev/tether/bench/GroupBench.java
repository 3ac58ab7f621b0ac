package dev.tether.bench;

import dev.tether.Group;
import dev.tether.Task;
import dev.tether.TaskScope;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fan-out of three tasks and a join: the checkout handler's shape. Per invocation, a driver on a raw virtual
 * thread runs {@value #BATCH} fan-outs one after the other; the score is per fan-out.
 *
 * <ul>
 *   <li>{@code group}: {@code Group.open()}, three {@code go}, {@code join()}, {@code close()}.
 *   <li>{@code groupLimit3}: the same with {@code limit(3)}, as the checkout example uses it.
 *   <li>{@code taskScope}: a {@code TaskScope} with three {@code go} and three {@code join}: what a group adds
 *       (failure propagation, the limit, one join) shows as the difference.
 *   <li>{@code structuredTaskScope}: the JDK 25 preview {@code StructuredTaskScope.open()}, three {@code fork},
 *       {@code join()}.
 *   <li>{@code latch}: three {@code Thread.ofVirtual().start} and a {@code CountDownLatch}: the least a fan-out
 *       can do, with no cancellation, no failure propagation and no ownership.
 * </ul>
 * Each task's work is a tiny computation ({@link #work}), so the score is the fan-out's own cost.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-preview"})
@State(Scope.Thread)
public class GroupBench {
    static final int BATCH = 100;

    private static final Callable<Long> WORK = GroupBench::work;

    static long work() {
        long x = System.nanoTime();
        return x ^ (x >>> 7);
    }

    /** One fan-out of three and its join. */
    @FunctionalInterface
    interface FanOut {
        void run() throws Exception;
    }

    /** Runs {@value #BATCH} fan-outs one after the other on a raw virtual thread and waits, rethrowing a failure. */
    private static void onVirtualDriver(FanOut fanOut) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < BATCH; i++) fanOut.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        if (failure.get() != null) throw new IllegalStateException("driver failed", failure.get());
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void group() throws Exception {
        onVirtualDriver(() -> {
            try (Group g = Group.open()) {
                g.go(WORK);
                g.go(WORK);
                g.go(WORK);
                g.join();
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void groupLimit3() throws Exception {
        onVirtualDriver(() -> {
            try (Group g = Group.open()) {
                g.limit(3);
                g.go(WORK);
                g.go(WORK);
                g.go(WORK);
                g.join();
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void taskScope() throws Exception {
        onVirtualDriver(() -> {
            try (TaskScope s = TaskScope.open()) {
                Task<Long> a = s.go(WORK), b = s.go(WORK), c = s.go(WORK);
                a.join();
                b.join();
                c.join();
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void structuredTaskScope() throws Exception {
        onVirtualDriver(() -> {
            try (var scope = StructuredTaskScope.open()) {
                scope.fork(WORK);
                scope.fork(WORK);
                scope.fork(WORK);
                scope.join();
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void latch() throws Exception {
        onVirtualDriver(() -> {
            CountDownLatch done = new CountDownLatch(3);
            Runnable r = () -> {
                work();
                done.countDown();
            };
            Thread.ofVirtual().start(r);
            Thread.ofVirtual().start(r);
            Thread.ofVirtual().start(r);
            done.await();
        });
    }
}
