package dev.tether.bench;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Heap per live, blocked task: what a Tether task costs on top of a raw virtual thread blocked the same way.
 *
 * <p>Method. Two configurations, each measured after a warm-up round of both:
 * <ul>
 *   <li><b>raw</b>: N raw virtual threads ({@code Thread.ofVirtual().start}), each blocked in {@code receive()} on
 *       its own unbuffered Tether channel;
 *   <li><b>tether</b>: N Tether tasks ({@code scope.go} on one scope), each blocked the same way.
 * </ul>
 * Both keep an array of N channels and an array of N handles (threads or tasks), so the harness's own references
 * are identical. For each, the program waits until every thread is parked, then takes the heap's used bytes after
 * {@code System.gc()} (a full, compacting collection with G1) and a class histogram of live objects (the JVM's
 * {@code GC.class_histogram} diagnostic command, which also runs a full collection), and subtracts a baseline taken
 * the same way before spawning. Heap per task = (used - baseline) / N. The difference tether - raw per task is what
 * Tether's task machinery adds: Task, TaskRecord, TaskContext, lambdas, the scoped-value bindings and the extra
 * stack frames in the parked thread's stack chunk. The histogram gives the same difference class by class, and the
 * exact shallow size of a {@code TaskRecord} (bytes / instances), which is the registry's own per-task cost
 * (its other fields point to objects shared by all tasks of a creation site, or are null).
 *
 * <p>Usage: {@code java -cp tether-bench/target/benchmarks.jar dev.tether.bench.RegistryFootprint [N]}
 * (default 200000).
 */
public final class RegistryFootprint {
    private RegistryFootprint() {
    }

    private static final Pattern HISTO_LINE =
            Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)(?:\\s+\\(.*\\))?\\s*$");

    /** Bytes and instances of one class in a histogram. */
    record Cell(long instances, long bytes) {
    }

    /** One measurement: heap delta and histogram delta against the baseline. */
    record Result(String mode, int n, long heapDelta, Map<String, Cell> histoDelta) {
        double perTask() {
            return (double) heapDelta / n;
        }
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        System.out.printf("RegistryFootprint: N=%,d, JDK %s, max heap %,d MB, %d CPUs, compressed oops assumed%n",
                n, Runtime.version(), Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors());

        // Warm-up: class loading, JIT (so that parked frames are compiled frames in both configurations), carrier
        // threads, the creation-site cache.
        for (int round = 0; round < 3; round++) {
            measure("raw", Math.min(n, 100_000), false);
            measure("tether", Math.min(n, 100_000), false);
        }

        Result raw = measure("raw", n, true);
        Result tether = measure("tether", n, true);

        System.out.printf("%nheap per blocked task: raw virtual thread %.1f B, Tether task %.1f B, "
                + "difference %.1f B%n", raw.perTask(), tether.perTask(), tether.perTask() - raw.perTask());

        // Per class difference, per task.
        Map<String, double[]> diff = new HashMap<>();
        for (Result r : List.of(raw, tether)) {
            int sign = r == raw ? -1 : 1;
            for (Map.Entry<String, Cell> e : r.histoDelta().entrySet()) {
                double[] d = diff.computeIfAbsent(e.getKey(), k -> new double[2]);
                d[0] += sign * (double) e.getValue().bytes() / n;
                d[1] += sign * (double) e.getValue().instances() / n;
            }
        }
        List<Map.Entry<String, double[]>> rows = new ArrayList<>(diff.entrySet());
        rows.removeIf(e -> Math.abs(e.getValue()[0]) < 2);
        rows.sort((a, b) -> Double.compare(Math.abs(b.getValue()[0]), Math.abs(a.getValue()[0])));
        double histoTotal = 0;
        System.out.println("\nlive-object histogram, tether minus raw, per task (classes with |delta| >= 2 B):");
        System.out.printf("  %10s %10s  %s%n", "bytes", "instances", "class");
        for (Map.Entry<String, double[]> e : rows) {
            System.out.printf("  %10.1f %10.2f  %s%n", e.getValue()[0], e.getValue()[1], e.getKey());
            histoTotal += e.getValue()[0];
        }
        System.out.printf("  %10.1f             total of the rows above%n", histoTotal);

        for (String cls : List.of("dev.tether.TaskRecord", "dev.tether.Task", "dev.tether.TaskContext")) {
            Cell c = tether.histoDelta().get(cls);
            if (c != null && c.instances() > 0) {
                System.out.printf("shallow size of %s: %d B (%,d instances, %,d bytes)%n", cls,
                        c.bytes() / c.instances(), c.instances(), c.bytes());
            }
        }
        Cell rec = tether.histoDelta().get("dev.tether.TaskRecord");
        if (rec != null) {
            System.out.printf("RESULT raw=%.1f tether=%.1f diff=%.1f taskRecord=%d%n", raw.perTask(),
                    tether.perTask(), tether.perTask() - raw.perTask(), rec.bytes() / rec.instances());
        }
    }

    private static Result measure(String mode, int n, boolean report) throws Exception {
        long base = usedAfterGc();
        Map<String, Cell> histoBase = histogram();
        base = Math.min(base, usedAfterGc());

        Channel<?>[] channels = new Channel<?>[n];
        Object[] handles = new Object[n];
        TaskScope scope = null;
        if (mode.equals("raw")) {
            for (int i = 0; i < n; i++) {
                Channel<Integer> ch = Channel.unbuffered();
                channels[i] = ch;
                handles[i] = Thread.ofVirtual().start(() -> {
                    try {
                        ch.receive();
                    } catch (InterruptedException e) {
                        // released
                    }
                });
            }
            for (Object h : handles) awaitParked((Thread) h);
        } else {
            scope = TaskScope.open("footprint", Context.background());
            for (int i = 0; i < n; i++) {
                Channel<Integer> ch = Channel.unbuffered();
                channels[i] = ch;
                handles[i] = scope.go(ch::receive);
            }
            awaitAllTasksParked(n);
        }

        long used = usedAfterGc();
        Map<String, Cell> histo = histogram();
        used = Math.min(used, usedAfterGc());
        Result r = new Result(mode, n, used - base, minus(histo, histoBase));
        if (report) {
            Cell chunks = r.histoDelta().getOrDefault("jdk.internal.vm.StackChunk", new Cell(0, 0));
            System.out.printf("%-6s N=%,d: used %,d B over a baseline of %,d B -> %.1f B per task "
                            + "(of which stack chunks %.1f B in %.2f chunks)%n", mode, n, used - base, base,
                    r.perTask(), (double) chunks.bytes() / n, (double) chunks.instances() / n);
        }

        // Release everything and wait until it has ended.
        if (scope != null) {
            scope.close();
        } else {
            for (Object h : handles) ((Thread) h).interrupt();
            for (Object h : handles) ((Thread) h).join();
        }
        if (TaskRegistry.count() != 0) {
            throw new IllegalStateException("tasks left: " + TaskRegistry.count());
        }
        java.lang.ref.Reference.reachabilityFence(channels);
        java.lang.ref.Reference.reachabilityFence(handles);
        return r;
    }

    private static void awaitParked(Thread t) throws InterruptedException {
        while (t.getState() != Thread.State.WAITING) Thread.sleep(1);
    }

    private static void awaitAllTasksParked(int n) throws InterruptedException {
        for (;;) {
            int parked = 0;
            for (TaskInfo t : TaskRegistry.snapshot()) {
                if (t.inTetherWait() && t.thread().map(th -> th.getState() == Thread.State.WAITING).orElse(false)) {
                    parked++;
                }
            }
            if (parked >= n) return;
            Thread.sleep(50);
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /** The live-object class histogram ({@code jcmd <pid> GC.class_histogram}), by class name. */
    private static Map<String, Cell> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, Cell> out = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher m = HISTO_LINE.matcher(line);
            if (m.matches()) {
                out.merge(m.group(3), new Cell(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))),
                        (a, b) -> new Cell(a.instances() + b.instances(), a.bytes() + b.bytes()));
            }
        }
        return out;
    }

    private static Map<String, Cell> minus(Map<String, Cell> a, Map<String, Cell> b) {
        Map<String, Cell> out = new HashMap<>();
        for (Map.Entry<String, Cell> e : a.entrySet()) {
            Cell x = e.getValue(), y = b.getOrDefault(e.getKey(), new Cell(0, 0));
            out.put(e.getKey(), new Cell(x.instances() - y.instances(), x.bytes() - y.bytes()));
        }
        for (Map.Entry<String, Cell> e : b.entrySet()) {
            if (!a.containsKey(e.getKey())) {
                out.put(e.getKey(), new Cell(-e.getValue().instances(), -e.getValue().bytes()));
            }
        }
        return out;
    }
}
