package dev.tether.bench;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import dev.tether.dump.TaskDump;
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

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cost of looking at a million live tasks: {@link TaskDump#grouped()}, {@link TaskRegistry#snapshot()} and
 * {@link TaskRegistry#count()}.
 *
 * <p>The trial's setup spawns {@code tasks} Tether tasks in one scope, each blocked for good on its own unbuffered
 * channel, from four creation sites with different stacks (40% forgotten senders, 30% receivers, 20% receivers one
 * call deeper, 10% senders one call deeper), and waits until every one of them is parked in its Tether wait. The
 * trial's teardown closes the scope, which cancels and reaps them. Each benchmark method runs in its own fork, so
 * each pays the setup once. The fork gets an 8 GB heap.
 */
@BenchmarkMode(Mode.AverageTime)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms8g", "-Xmx8g"})
@State(Scope.Benchmark)
public class DumpBench {

    @Param("1000000")
    public int tasks;

    private TaskScope scope;

    @Setup(Level.Trial)
    public void spawn() throws InterruptedException {
        scope = TaskScope.open("dump-bench", Context.background());
        long t0 = System.nanoTime();
        // Spawned from a virtual thread: about four times faster than from this platform thread (see SpawnBench).
        Throwable[] failure = new Throwable[1];
        Thread spawner = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < tasks; i++) {
                    switch (i % 10) {
                        case 0, 1, 2, 3 -> Sites.forgottenSender(scope);
                        case 4, 5, 6 -> Sites.idleReceiver(scope);
                        case 7, 8 -> Sites.deepReceiver(scope);
                        default -> Sites.deepSender(scope);
                    }
                }
            } catch (Throwable e) {
                failure[0] = e;
            }
        });
        spawner.join();
        if (failure[0] != null) throw new IllegalStateException("spawning failed", failure[0]);
        long t1 = System.nanoTime();
        awaitAllBlocked(scope, tasks);
        long t2 = System.nanoTime();
        String dump = TaskDump.grouped();
        System.out.printf("%n[setup] spawned %,d tasks in %.1f s, all blocked after %.1f s more; registry count=%,d"
                + "%n", tasks, (t1 - t0) / 1e9, (t2 - t1) / 1e9, TaskRegistry.count());
        System.out.println("[setup] grouped dump, first lines:");
        dump.lines().limit(14).forEach(l -> System.out.println("[setup]   " + l));
    }

    /** Waits until {@code n} tasks of the registry are parked in a Tether wait. */
    static void awaitAllBlocked(TaskScope scope, int n) throws InterruptedException {
        for (;;) {
            if (scope.liveTasks() >= n) {
                List<TaskInfo> all = TaskRegistry.snapshot();
                int blocked = 0;
                for (TaskInfo t : all) {
                    if (t.inTetherWait() && t.state() == TaskInfo.State.WAITING
                            && t.thread().map(th -> th.getState() == Thread.State.WAITING).orElse(false)) {
                        blocked++;
                    }
                }
                if (blocked >= n) return;
            }
            Thread.sleep(200);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        long t0 = System.nanoTime();
        scope.close();
        System.out.printf("%n[teardown] closed the scope (cancelled and reaped %,d tasks) in %.1f s; live=%d%n",
                tasks, (System.nanoTime() - t0) / 1e9, TaskRegistry.count());
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public String grouped() {
        return TaskDump.grouped();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public List<TaskInfo> snapshot() {
        return TaskRegistry.snapshot();
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public int count() {
        return TaskRegistry.count();
    }

    /** Four creation sites with different blocked stacks. */
    static final class Sites {
        private Sites() {
        }

        static void forgottenSender(TaskScope scope) {
            Channel<Integer> ch = Channel.unbuffered();
            scope.go(() -> ch.send(1));
        }

        static void idleReceiver(TaskScope scope) {
            Channel<Integer> ch = Channel.unbuffered();
            scope.go(ch::receive);
        }

        static void deepReceiver(TaskScope scope) {
            Channel<String> ch = Channel.unbuffered();
            scope.go(() -> awaitReply(ch));
        }

        static void deepSender(TaskScope scope) {
            Channel<String> ch = Channel.unbuffered();
            scope.go(() -> publish(ch, "event"));
        }

        private static String awaitReply(Channel<String> ch) throws InterruptedException {
            return ch.receive();
        }

        private static void publish(Channel<String> ch, String v) throws InterruptedException {
            ch.send(v);
        }
    }
}
