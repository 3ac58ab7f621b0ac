package dev.tether.leakprof;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A blocking site where many tasks (or threads) have waited a long time: LeakProf's unit of report. Most such sites
 * are leaks (a send nobody will receive, a queue nobody drains); some are idle workers, which an ignore rule or a
 * higher threshold silences.
 *
 * @param kind          whether the waiters are Tether tasks or raw JVM threads
 * @param waitReason    what they wait in, in Go's words where Go has them ({@code "chan send"}, {@code "queue put"})
 * @param blockingSite  the frame of user code that called the blocking operation, or null if no user frame was found
 * @param count         how many waited at least the detector's minimum age at this site; an estimate if
 *                      {@code estimated}
 * @param total         how many waited at this site regardless of age (also estimated if {@code estimated})
 * @param oldestWait    the longest wait seen at this site
 * @param growth        {@code count} minus the count at this site in the previous sample (the full count the first
 *                      time a site is seen): a leak grows, a pool of idle workers does not
 * @param creationSite  where the waiters were spawned (the most common creation site among them), or null if
 *                      unknown (raw threads)
 * @param stack         a representative stack, innermost frame first, trimmed to start at the blocking operation
 * @param estimated     true if the blocking site was found by taking the stacks of a few of the waiters, and the
 *                      counts divided among sites in proportion; false if every waiter's site was known
 */
public record Suspect(Kind kind, String waitReason, StackTraceElement blockingSite, int count, int total,
                      Duration oldestWait, int growth, StackTraceElement creationSite,
                      List<StackTraceElement> stack, boolean estimated) {

    /** Who waits at a suspect site. */
    public enum Kind {
        /** Tether tasks, seen through the task registry. */
        TASKS,
        /** Threads Tether did not start (platform threads, raw virtual threads), seen through a JDK thread dump. */
        THREADS
    }

    public Suspect {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(oldestWait, "oldestWait");
        stack = List.copyOf(stack);
    }

    /** Go-style one line: {@code 512 tasks [chan send] at Checkout.java:88, oldest 5 min, +40}. */
    @Override
    public String toString() {
        return count + (kind == Kind.TASKS ? " tasks" : " threads") + (estimated ? " (estimated)" : "") + " ["
                + (waitReason == null ? "blocked" : waitReason) + "] at "
                + (blockingSite == null ? "?" : blockingSite.getFileName() + ":" + blockingSite.getLineNumber())
                + ", oldest " + Durations.human(oldestWait) + ", " + (growth >= 0 ? "+" : "") + growth;
    }
}
