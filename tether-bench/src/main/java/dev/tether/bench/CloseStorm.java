package dev.tether.bench;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.function.IntSupplier;

/**
 * Time to cancel N blocked tasks at once and wait for all of them to end: a server shutting down.
 *
 * <ul>
 *   <li>{@code tether}: closing a scope whose N tasks are all blocked in {@code receive()} on their own channels —
 *       the cancellation of every task, its wake-up, its {@code CancelledException} and its end.
 *   <li>{@code raw}: the least the JDK does for the same: N raw virtual threads blocked in
 *       {@code SynchronousQueue.take()}, each interrupted, returning quietly, and joined.
 * </ul>
 *
 * <p>Usage: {@code java -cp tether-bench/target/benchmarks.jar dev.tether.bench.CloseStorm [tether|raw [N [rounds
 * [warm-up N]]]]} (default {@code tether 200000 0 N}). It runs {@code rounds} warm-up rounds of {@code warm-up N}
 * tasks, then one round of N, printing every round. Without warm-up the round is <em>cold</em>: the compiled code
 * the tasks parked in has never seen a wait end by cancellation, and each task's first step after waking
 * deoptimises its frame. Add {@code -XX:StartFlightRecording=filename=close.jfr,settings=profile} and look at
 * {@code jfr summary close.jfr} ({@code jdk.Deoptimization}) to see it; docs/benchmarks.md, section 5.
 */
public final class CloseStorm {
    private CloseStorm() {
    }

    public static void main(String[] args) throws Exception {
        boolean raw = args.length > 0 && switch (args[0]) {
            case "raw" -> true;
            case "tether" -> false;
            default -> throw new IllegalArgumentException("mode must be tether or raw, was " + args[0]);
        };
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        int warmN = args.length > 3 ? Integer.parseInt(args[3]) : n;
        for (int i = 0; i < rounds; i++) round(raw, warmN);
        round(raw, n);
    }

    private static void round(boolean raw, int n) throws InterruptedException {
        long nanos = raw ? rawRound(n) : tetherRound(n);
        System.out.printf("%s: cancelled %,d blocked tasks and waited for all in %.2f s = %.1f us per task%n",
                raw ? "raw" : "tether", n, nanos / 1e9, nanos / 1e3 / n);
    }

    private static long tetherRound(int n) throws InterruptedException {
        TaskScope scope = TaskScope.open("close-storm", Context.background());
        Thread spawner = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < n; i++) {
                Channel<Integer> ch = Channel.unbuffered();
                scope.go(ch::receive);
            }
        });
        spawner.join();
        awaitParked(n, () -> (int) TaskRegistry.snapshot().stream()
                .filter(t -> t.inTetherWait() && t.thread().map(CloseStorm::isParked).orElse(false))
                .count());
        long t0 = System.nanoTime();
        scope.close();
        return System.nanoTime() - t0;
    }

    private static long rawRound(int n) throws InterruptedException {
        List<Thread> threads = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            SynchronousQueue<Integer> q = new SynchronousQueue<>();
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    q.take();
                } catch (InterruptedException e) {
                    // cancelled: end quietly
                }
            }));
        }
        awaitParked(n, () -> (int) threads.stream().filter(CloseStorm::isParked).count());
        long t0 = System.nanoTime();
        for (Thread t : threads) t.interrupt();
        for (Thread t : threads) t.join();
        return System.nanoTime() - t0;
    }

    /** Polls until {@code parked} counts all {@code n} tasks parked, so the timed part starts from a quiet state. */
    private static void awaitParked(int n, IntSupplier parked) throws InterruptedException {
        while (parked.getAsInt() < n) Thread.sleep(100);
    }

    private static boolean isParked(Thread t) {
        return t.getState() == Thread.State.WAITING;
    }
}
