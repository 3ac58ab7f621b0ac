package dev.tether.bench;

import dev.tether.Task;
import dev.tether.WorkerPool;
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

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Throughput of tiny jobs through a {@link WorkerPool} and through {@link ThreadPoolExecutor}s of the same size.
 *
 * <p>Per invocation the JMH thread (a platform thread) submits {@value #N} jobs, then waits on a latch that every
 * job counts down; the score is jobs per microsecond ({@code @OperationsPerInvocation}). The job is one object per
 * invocation ({@code latch::countDown}), so nothing is allocated per job by the benchmark. The pools live for the
 * whole trial.
 * <ul>
 *   <li>{@code workerPool}: {@code WorkerPool.open(name, workers, queueCapacity)}; {@code submit} waits while the
 *       queue is full.
 *   <li>{@code tpeBounded}: a {@code ThreadPoolExecutor} with {@code workers} threads and an
 *       {@link ArrayBlockingQueue} of {@code queueCapacity}, whose rejection handler {@code put}s the job, so a
 *       submitter waits while the queue is full, as with the pool. The like-for-like comparison.
 *   <li>{@code tpeFixed}: {@link Executors#newFixedThreadPool(int)}, whose queue is unbounded: the submitter never
 *       waits. The JDK's default, for reference ({@code queueCapacity} does not apply).
 *   <li>{@code tpeFixedVirtual}: the same with virtual threads as workers, as the pool's are.
 * </ul>
 * The {@code *_fromVirtual} variants submit from a virtual thread, as a Tether task does; the others from the JMH
 * thread. With a small queue the submitter waits for room about once per job, so these measure mostly what it
 * costs to park and wake the submitter: a platform thread's park costs microseconds, a virtual thread's far less.
 * Run with {@code java -jar tether-bench/target/benchmarks.jar WorkerPoolBench}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class WorkerPoolBench {

    static final int N = 100_000;

    @Param({"4"})
    public int workers;

    @Param({"16", "1024"})
    public int queueCapacity;

    private WorkerPool pool;
    private ThreadPoolExecutor bounded;
    private ExecutorService fixed, fixedVirtual;

    @Setup(Level.Trial)
    public void open() {
        pool = WorkerPool.open("bench", workers, queueCapacity);
        bounded = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queueCapacity), (job, tpe) -> {
                    try {
                        tpe.getQueue().put(job);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new RejectedExecutionException(e);
                    }
                });
        bounded.prestartAllCoreThreads();
        fixed = Executors.newFixedThreadPool(workers);
        fixedVirtual = Executors.newFixedThreadPool(workers, Thread.ofVirtual().factory());
    }

    @TearDown(Level.Trial)
    public void close() {
        pool.close();
        bounded.close();
        fixed.close();
        fixedVirtual.close();
    }

    // ---- submitter: the JMH thread, a platform thread ----------------------------------------------------------

    @Benchmark
    @OperationsPerInvocation(N)
    public void workerPool() throws InterruptedException {
        submitAll(pool);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void tpeBounded() throws InterruptedException {
        executeAll(bounded);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void tpeFixed() throws InterruptedException {
        executeAll(fixed);
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void tpeFixedVirtual() throws InterruptedException {
        executeAll(fixedVirtual);
    }

    // ---- submitter: a virtual thread, as a Tether task is ---------------------------------------------------

    @Benchmark
    @OperationsPerInvocation(N)
    public void workerPool_fromVirtual() throws Exception {
        onVirtualThread(() -> submitAll(pool));
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void tpeBounded_fromVirtual() throws Exception {
        onVirtualThread(() -> executeAll(bounded));
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public void tpeFixed_fromVirtual() throws Exception {
        onVirtualThread(() -> executeAll(fixed));
    }

    private static void submitAll(WorkerPool pool) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(N);
        Task.Body job = done::countDown;
        for (int i = 0; i < N; i++) pool.submit(job);
        done.await();
    }

    private static void executeAll(ExecutorService executor) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(N);
        Runnable job = done::countDown;
        for (int i = 0; i < N; i++) executor.execute(job);
        done.await();
    }

    /** Runs {@code body} on a new virtual thread and waits for it; its start is amortised over {@value #N} jobs. */
    private static void onVirtualThread(Task.Body body) throws Exception {
        Exception[] failed = new Exception[1];
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                body.run();
            } catch (Exception e) {
                failed[0] = e;
            }
        });
        t.join();
        if (failed[0] != null) throw failed[0];
    }
}
