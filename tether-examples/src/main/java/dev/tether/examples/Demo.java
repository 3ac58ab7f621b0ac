package dev.tether.examples;

import dev.tether.Context;
import dev.tether.Task;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import dev.tether.dump.TaskDump;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.Sample;
import dev.tether.leakprof.Suspect;
import dev.tether.examples.checkout.CheckoutScenario;
import dev.tether.examples.checkout.CheckoutServer;
import dev.tether.examples.checkout.LoadDriver;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./tether demo}: runs each version of the forgotten sender many times, concurrently, then loads each variant
 * of the checkout service with impatient clients, and shows what each leaves behind: the live task count before and
 * after, and the grouped dump.
 */
public final class Demo {
    /** Checkout requests per variant, how many in flight at once, and the deadline each states. */
    private static final int CHECKOUT_REQUESTS = 2000;
    private static final int CHECKOUT_CONCURRENCY = 16; // sized for a small machine: more only queues for the CPU
    private static final Duration CHECKOUT_DEADLINE = Duration.ofMillis(40);
    /** How many groups of a checkout dump to print. */
    private static final int DUMP_GROUPS = 4;

    private Demo() {
    }

    /** One version of {@code process}. */
    @FunctionalInterface
    interface Process {
        String call(TaskScope workers, String term) throws Exception;
    }

    /** What one run of a version left behind. */
    record Outcome(int calls, int canceled, int before, int after, String dump, int afterOwnerClosed) {
    }

    public static void main(String[] args) throws Exception {
        int calls = 500;
        if (args.length > 1 || (args.length == 1 && !args[0].matches("[1-9][0-9]{0,6}"))) {
            System.err.println("usage: ./tether demo [CALLS]   (CALLS: concurrent calls per version, 1 to 9999999;"
                    + " default 500), got: " + String.join(" ", args));
            System.exit(2);
        }
        if (args.length == 1) calls = Integer.parseInt(args[0]);
        System.out.println("Tether demo: the forgotten sender");
        System.out.println("process(term) waits " + ForgottenSender.TIMEOUT.toMillis() + " ms for a "
                + ForgottenSender.SEARCH_TIME.toMillis() + " ms search running in a task owned by a long-lived"
                + " 'workers' scope; " + calls + " concurrent calls per version.");
        show("leaky: unbuffered channel", run(ForgottenSender::processLeaky, calls));
        show("fixed: buffer of one", run(ForgottenSender::processBuffered, calls));
        show("fixed: cancellation-aware send", run(ForgottenSender::processCancellable, calls));
        checkout();
    }

    private static void checkout() throws Exception {
        System.out.println();
        System.out.println("Tether demo: the checkout service");
        System.out.println("POST /checkout on 127.0.0.1 asks risk, inventory and promotions concurrently (simulated;"
                + " about 8% of calls take 150-400 ms). " + CHECKOUT_REQUESTS + " requests per variant, "
                + CHECKOUT_CONCURRENCY + " at a time, each stating a " + CHECKOUT_DEADLINE.toMillis()
                + " ms deadline. The server is stopped before the count.");
        show("leaky: detached children sending on unbuffered channels", CheckoutScenario.run(
                CheckoutServer.Variant.LEAKY, new LoadDriver.Plan("leaky", CHECKOUT_REQUESTS, CHECKOUT_CONCURRENCY,
                        CHECKOUT_DEADLINE)));
        int reclaimed = CheckoutScenario.reclaimLeakySenders(Duration.ofSeconds(10));
        System.out.printf("interrupting the %d leaky senders found with TaskRegistry.snapshot(): %d live tasks%n",
                reclaimed, TaskRegistry.count());
        show("fixed: a group bound to the request context, limit 3", CheckoutScenario.run(
                CheckoutServer.Variant.FIXED, new LoadDriver.Plan("fixed", CHECKOUT_REQUESTS, CHECKOUT_CONCURRENCY,
                        CHECKOUT_DEADLINE)));
    }

    private static void show(String title, CheckoutScenario.Outcome o) {
        System.out.println();
        System.out.println("== " + title + " ==");
        System.out.println("clients: " + o.load());
        System.out.println("server answered: " + o.answered() + " (by status)");
        if (o.variant() == CheckoutServer.Variant.LEAKY) {
            System.out.println("replies the handlers stopped waiting for: " + o.abandonedReplies());
        }
        System.out.printf("live tasks before: %d, after: %d (%+d)%n", o.before(), o.after(), o.after() - o.before());
        System.out.println("grouped dump of what is left:");
        System.out.print(topGroups(o.dump(), DUMP_GROUPS).indent(2));
        // What the production detector says (its defaults are 100 tasks and 1 minute; this run is shorter).
        try (LeakDetector detector = LeakDetector.builder().period(Duration.ofHours(1)).minTasks(20)
                .minAge(Duration.ofMillis(1)).start()) {
            Sample sample = detector.sampleNow();
            System.out.println("leak detector (20 tasks waiting 1 ms at one site), sample took "
                    + sample.took().toMillis() + " ms: " + (sample.suspects().isEmpty() ? "no suspects" : ""));
            for (Suspect suspect : sample.suspects()) System.out.println("  suspect: " + suspect);
        }
    }

    /** The dump's header and its first {@code n} groups (the largest), and how many were left out. */
    static String topGroups(String dump, int n) {
        String[] parts = dump.split("\n\n");
        StringBuilder sb = new StringBuilder(parts[0].strip()).append('\n');
        for (int i = 1; i < parts.length && i <= n; i++) sb.append('\n').append(parts[i].strip()).append('\n');
        if (parts.length - 1 > n) sb.append("\n(").append(parts.length - 1 - n).append(" smaller groups left out)\n");
        return sb.toString();
    }

    private static void show(String title, Outcome o) {
        System.out.println();
        System.out.println("== " + title + " ==");
        System.out.printf("%d calls, %d gave up after the timeout%n", o.calls(), o.canceled());
        System.out.printf("live tasks before: %d, after: %d (%+d)%n", o.before(), o.after(), o.after() - o.before());
        System.out.println("grouped dump of what is left:");
        System.out.print(o.dump().indent(2));
        System.out.printf("after closing the owning scope: %d live tasks%n", o.afterOwnerClosed());
    }

    /** Runs {@code calls} concurrent calls of {@code p}; package-private so tests can check the outcome. */
    static Outcome run(Process p, int calls) throws InterruptedException {
        int before = TaskRegistry.count();
        int canceled = 0;
        int after;
        String dump;
        long workersId;
        try (TaskScope workers = TaskScope.open("workers", Context.background())) {
            workersId = workers.id();
            try (TaskScope requests = TaskScope.open("requests", Context.background())) {
                List<Task<Boolean>> results = new ArrayList<>(calls);
                for (int i = 0; i < calls; i++) {
                    String term = "term-" + i;
                    results.add(requests.go(() -> {
                        try {
                            p.call(workers, term);
                            return true;
                        } catch (ForgottenSender.SearchCanceledException e) {
                            return false;
                        }
                    }));
                }
                for (Task<Boolean> r : results) if (!r.join()) canceled++;
            }
            settle(workersId);
            after = TaskRegistry.count();
            dump = TaskDump.grouped();
        }
        return new Outcome(calls, canceled, before, after, dump, TaskRegistry.count());
    }

    /**
     * Waits (at most 10 s) until every search task of the scope has either finished or is blocked in a channel
     * operation: the searches take 200 ms, so this is where each version's steady state shows.
     */
    private static void settle(long workersId) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            boolean busy = false;
            for (TaskInfo t : TaskRegistry.snapshot()) {
                boolean mine = t.owner().map(o -> o.id() == workersId).orElse(false);
                if (mine && !"chan send".equals(t.waitReason())) {
                    busy = true;
                    break;
                }
            }
            if (!busy) return;
            LockSupport.parkNanos(10_000_000L); // polling a diagnostic view: nothing to wait on
        }
    }
}
