package dev.tether.cli;

import dev.tether.Context;
import dev.tether.Group;
import dev.tether.profile.Snapshot;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Scans targets concurrently: each target is a task of one {@link Group} limited to {@code parallel} at once, which
 * fetches the dump, reduces it to an {@link InstanceScan} and drops it. A target that fails is an outcome like any
 * other; only cancelling the scan stops it.
 */
final class Scan {
    private Scan() {
    }

    /**
     * The outcomes of {@code targets}, in their order.
     *
     * @throws InterruptedException if the calling thread is interrupted; the scan's tasks are cancelled and
     *                              waited for
     */
    static List<Fleet.Outcome> run(List<Target> targets, Fetcher fetcher, IgnoreRules ignore, int parallel,
                                   Progress progress) throws InterruptedException {
        Fleet.Outcome[] outcomes = new Fleet.Outcome[targets.size()];
        try (Group g = Group.open("leakprof scan", Context.current()).limit(parallel)) {
            for (int i = 0; i < outcomes.length; i++) {
                int k = i;
                Target t = targets.get(i);
                g.go("scan " + t.name(), () -> {
                    outcomes[k] = one(t, fetcher, ignore);
                    progress.done(outcomes[k].error() == null);
                });
            }
            g.join();
        } finally {
            progress.finish();
        }
        return Arrays.asList(outcomes);
    }

    private static Fleet.Outcome one(Target t, Fetcher fetcher, IgnoreRules ignore) throws InterruptedException {
        long start = System.nanoTime();
        try {
            Snapshot s = fetcher.fetch(t);
            InstanceScan scan = InstanceScan.of(t.name(), s, ignore);
            return new Fleet.Outcome(t, scan, null, Duration.ofNanos(System.nanoTime() - start));
        } catch (Fetcher.TargetException e) {
            return new Fleet.Outcome(t, null, e.getMessage(), Duration.ofNanos(System.nanoTime() - start));
        } catch (RuntimeException e) {
            // One target the reader chokes on must not cost the others their scan.
            return new Fleet.Outcome(t, null, "could not be analysed: " + e, Duration.ofNanos(System.nanoTime() - start));
        }
    }
}
