package dev.tether.bench;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;

/**
 * Time to close a scope whose N tasks (default 200,000) are all blocked in {@code receive()} on their own channels:
 * the cancellation of every task, its wake-up, its {@code CancelledException} and its end.
 *
 * <p>Usage: {@code java -cp tether-bench/target/benchmarks.jar dev.tether.bench.CloseStorm [N [warm-up rounds]]}
 * (default 200000 0); every round is printed. Add
 * {@code -XX:StartFlightRecording=filename=close.jfr,settings=profile} and look at {@code jfr summary close.jfr}
 * ({@code jdk.Deoptimization}) to see where the time goes; docs/benchmarks.md, finding 5.
 */
public final class CloseStorm {
    private CloseStorm() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int warmups = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        for (int i = 0; i < warmups; i++) round(n);
        round(n);
    }

    private static void round(int n) throws InterruptedException {
        TaskScope scope = TaskScope.open("close-storm", Context.background());
        Thread spawner = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < n; i++) {
                Channel<Integer> ch = Channel.unbuffered();
                scope.go(ch::receive);
            }
        });
        spawner.join();
        for (;;) {
            int parked = 0;
            for (TaskInfo t : TaskRegistry.snapshot()) {
                if (t.inTetherWait() && t.thread().map(th -> th.getState() == Thread.State.WAITING).orElse(false)) {
                    parked++;
                }
            }
            if (parked >= n) break;
            Thread.sleep(100);
        }
        long t0 = System.nanoTime();
        scope.close();
        long t1 = System.nanoTime();
        System.out.printf("closed a scope of %,d blocked tasks in %.2f s = %.1f us per task%n", n, (t1 - t0) / 1e9,
                (t1 - t0) / 1e3 / n);
    }
}
