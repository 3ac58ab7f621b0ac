package dev.tether.examples.checkout;

import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.dump.TaskDump;
import dev.tether.examples.checkout.CheckoutServer.Variant;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkout service under load: the leaky variant leaves one task per abandoned reply, blocked at its send, and
 * the count climbs with load; the fixed variant leaves nothing. Every count asserted is one the design guarantees
 * once the service is quiet; waits are bounded polls of the registry, never sleeps.
 */
class CheckoutServiceTest {
    private static final int REQUESTS = 300;
    private static final int CONCURRENCY = 16;
    private static final Duration DEADLINE = Duration.ofMillis(40);
    private static final Duration QUIET_WITHIN = Duration.ofSeconds(10);

    private static LoadDriver.Plan plan(String batch) {
        return new LoadDriver.Plan(batch, REQUESTS, CONCURRENCY, DEADLINE);
    }

    @Test
    void leakyVariantLeavesOneBlockedSenderPerAbandonedReplyAndClimbsWithLoad() throws Exception {
        int baseline = TaskRegistry.count();
        Checkout checkout = new Checkout(new Downstreams(CheckoutScenario.SEED));
        try (CheckoutServer server = CheckoutServer.start(Variant.LEAKY, checkout)) {
            LoadDriver.run(server.checkoutUri(), plan("leaky-1"));
            // Read before waiting: a handler counts what it abandoned before its answer is counted, so however
            // many late answers follow, the leak found below covers every 504 counted here.
            long timedOut = server.responses().getOrDefault(504, 0L);
            int leakedFirst = awaitLeakQuiet(checkout, baseline);
            assertTrue(timedOut > 0, () -> "the deadline path was exercised: " + server.responses());
            assertTrue(leakedFirst >= timedOut,
                    "every 504 leaves at least one sender behind: " + leakedFirst + " leaked, " + timedOut + " 504s");

            LoadDriver.run(server.checkoutUri(), plan("leaky-2"));
            int leakedSecond = awaitLeakQuiet(checkout, baseline);
            assertTrue(leakedSecond > leakedFirst, "the count climbs with load: " + leakedFirst + " then "
                    + leakedSecond);

            String dump = TaskDump.grouped();
            assertEquals(leakedSecond, blockedAtLeakySends(dump),
                    "the dump shows every leaked task in chan send at a leaky send line\n" + dump);
            assertTrue(dump.contains("#\tdetached"), dump);
        } finally {
            CheckoutScenario.reclaimLeakySenders(QUIET_WITHIN);
            eventually(() -> TaskRegistry.count() == baseline,
                    () -> "reclaiming the leaked senders returns the count to " + baseline + ", is "
                            + TaskRegistry.count() + "\n" + TaskDump.grouped());
        }
    }

    @Test
    void fixedVariantReturnsToBaselineAfterLoadThatTimesOutRequests() throws Exception {
        int baseline = TaskRegistry.count();
        Checkout checkout = new Checkout(new Downstreams(CheckoutScenario.SEED));
        try (CheckoutServer server = CheckoutServer.start(Variant.FIXED, checkout)) {
            LoadDriver.run(server.checkoutUri(), plan("fixed"));
            // Handlers of clients that gave up may still run; each ends by its deadline, taking its group along.
            eventually(() -> TaskRegistry.count() == baseline,
                    () -> "the live task count returns to " + baseline + ", is " + TaskRegistry.count() + "\n"
                            + TaskDump.grouped());
            assertTrue(server.responses().getOrDefault(504, 0L) > 0, () -> "the deadline path was exercised: "
                    + server.responses());
            assertEquals(0, checkout.abandonedReplies());
        }
        assertEquals(baseline, TaskRegistry.count(), "nothing outlives a handler, and close() waited for them all");
    }

    /**
     * Waits until the leaky service is quiet (every leaky sender blocked in chan send, and exactly one live task per
     * reply the handlers abandoned) and returns the number of leaked tasks.
     */
    private static int awaitLeakQuiet(Checkout checkout, int baseline) {
        eventually(() -> {
                    List<TaskInfo> senders = CheckoutScenario.leakySenders();
                    return senders.stream().allMatch(t -> "chan send".equals(t.waitReason()))
                            && senders.size() == checkout.abandonedReplies()
                            && TaskRegistry.count() - baseline == checkout.abandonedReplies();
                }, () -> "expected one live task per abandoned reply: " + checkout.abandonedReplies()
                        + " abandoned, " + (TaskRegistry.count() - baseline) + " live above the baseline\n"
                        + TaskDump.grouped());
        int leaked = TaskRegistry.count() - baseline;
        assertTrue(leaked > 0, "the leaky variant leaks under this load");
        return leaked;
    }

    /** The tasks the grouped dump shows in chan send at one of the leaky send lines. */
    private static int blockedAtLeakySends(String dump) throws IOException {
        List<String> sendSites = new ArrayList<>();
        for (int line : CheckoutLeakProfTest.leakySendLines()) sendSites.add("Checkout.java:" + line + "\n");
        int n = 0;
        for (String group : dump.split("\n\n")) {
            if (!group.contains(" @ [chan send]")) continue;
            String frames = group.substring(group.indexOf('\n') + 1);
            String firstUserFrame = frames.lines().filter(l -> l.contains("Checkout.lambda$validateLeaky$"))
                    .findFirst().orElse("") + "\n";
            if (sendSites.stream().anyMatch(firstUserFrame::endsWith)) {
                n += Integer.parseInt(group.substring(0, group.indexOf(" @ ")).strip());
            }
        }
        return n;
    }

    /** Polls {@code condition} until it holds, failing with {@code message} after {@link #QUIET_WITHIN}. */
    private static void eventually(BooleanSupplier condition, Supplier<String> message) {
        long deadline = System.nanoTime() + QUIET_WITHIN.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) throw new AssertionError(message.get());
            LockSupport.parkNanos(5_000_000L); // the registry is a diagnostic view: there is nothing to wait on
        }
    }
}
