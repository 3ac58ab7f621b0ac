package dev.tether.examples.checkout;

import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.dump.TaskDump;
import dev.tether.examples.checkout.CheckoutServer.Variant;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * The checkout scenario of {@code ./tether demo}: start the service in one variant, load it with impatient clients,
 * stop it, and look at what is left, the way one would in production, with the task count and a grouped dump.
 *
 * <p>Also the tools to find and reclaim what the leaky variant leaves behind: the live tasks spawned by
 * {@link Checkout#validateLeaky} (its "leaky senders"). Nothing can wake them: a thread interrupt is the only way
 * out, which is what {@link #reclaimLeakySenders} does, by way of {@link TaskRegistry#snapshot()}.
 */
public final class CheckoutScenario {
    /** The seed of the simulated downstreams, so that every run meets the same latencies. */
    public static final long SEED = 20_250_101L;

    private CheckoutScenario() {
    }

    /**
     * What one run left behind.
     *
     * @param variant          the variant that ran
     * @param load             what the clients saw
     * @param answered         what the server answered, by status (including answers nobody waited for)
     * @param abandonedReplies replies the leaky handler stopped waiting for (0 for the fixed variant)
     * @param before           live tasks before the server started
     * @param after            live tasks once the server had stopped and every leaky sender was blocked
     * @param dump             the grouped dump taken then
     */
    public record Outcome(Variant variant, LoadDriver.Report load, SortedMap<Integer, Long> answered,
                          long abandonedReplies, int before, int after, String dump) {
    }

    /**
     * Runs {@code plan} against a new server of {@code variant}, stops the server, waits until the leaky senders (if
     * any) have all reached their send, and reports.
     *
     * @throws IOException          if the server cannot start
     * @throws TimeoutException     if the leaky senders are not all blocked in {@code chan send} within 10 s
     * @throws InterruptedException if interrupted
     */
    public static Outcome run(Variant variant, LoadDriver.Plan plan)
            throws IOException, InterruptedException, TimeoutException {
        Checkout checkout = new Checkout(new Downstreams(SEED));
        int before = TaskRegistry.count();
        LoadDriver.Report load;
        SortedMap<Integer, Long> answered;
        CheckoutServer server = CheckoutServer.start(variant, checkout);
        try {
            load = LoadDriver.run(server.checkoutUri(), plan);
        } finally {
            server.close(); // once it returns, every handler has returned: what is live now outlived its request
        }
        answered = server.responses();
        awaitLeakySendersBlocked(Duration.ofSeconds(10));
        return new Outcome(variant, load, answered, checkout.abandonedReplies(), before, TaskRegistry.count(),
                TaskDump.grouped());
    }

    /** The live tasks spawned by {@link Checkout#validateLeaky}. */
    public static List<TaskInfo> leakySenders() {
        List<TaskInfo> out = new ArrayList<>();
        for (TaskInfo t : TaskRegistry.snapshot()) {
            StackTraceElement site = t.creationSite().orElse(null);
            if (site != null && site.getClassName().equals(Checkout.class.getName())
                    && site.getMethodName().equals("validateLeaky")) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * Waits until every leaky sender is blocked in {@code chan send}: those still in a slow downstream call finish
     * it first, and those whose reply was received finish altogether. Polls the registry, a diagnostic view with
     * nothing to wait on.
     *
     * @throws TimeoutException if that has not happened within {@code max}
     */
    public static void awaitLeakySendersBlocked(Duration max) throws TimeoutException {
        awaitLeakySenders(max, t -> "chan send".equals(t.waitReason()), "blocked in chan send");
    }

    /**
     * Ends every leaky sender by interrupting its thread (its {@code send} then throws
     * {@link InterruptedException}, which its task would otherwise report as uncaught), and waits until they are
     * gone from the registry.
     *
     * @return how many were interrupted
     * @throws TimeoutException if some are still live after {@code max}
     */
    public static int reclaimLeakySenders(Duration max) throws TimeoutException {
        int n = 0;
        for (TaskInfo t : leakySenders()) {
            Thread thread = t.thread().orElse(null);
            if (thread == null) continue;
            thread.setUncaughtExceptionHandler((th, e) -> {
                if (!(e instanceof InterruptedException)) th.getThreadGroup().uncaughtException(th, e);
            });
            thread.interrupt();
            n++;
        }
        awaitLeakySenders(max, t -> false, "gone");
        return n;
    }

    private static void awaitLeakySenders(Duration max, Predicate<TaskInfo> settled, String what)
            throws TimeoutException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            List<TaskInfo> unsettled = new ArrayList<>();
            for (TaskInfo t : leakySenders()) if (!settled.test(t)) unsettled.add(t);
            if (unsettled.isEmpty()) return;
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException(unsettled.size() + " leaky sender(s) not " + what + " after " + max
                        + ", e.g. " + unsettled.getFirst());
            }
            LockSupport.parkNanos(5_000_000L);
        }
    }
}
