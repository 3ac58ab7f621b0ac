package dev.tether.leakprof;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tether.Task;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded waits for the leak-detector tests: polls a condition, never sleeps a fixed time to synchronize. */
public final class Waits {
    private Waits() {
    }

    public static final long SECONDS = 10;

    public static void eventually(BooleanSupplier condition, String what) {
        eventually(condition, () -> what);
    }

    public static void eventually(BooleanSupplier condition, Supplier<String> what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) fail("timed out waiting until " + what.get());
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Returns the first non-null value of {@code probe}, polling up to the bound. */
    public static <T> T eventuallyGet(Supplier<T> probe, String what) {
        return eventuallyGet(probe, () -> what);
    }

    public static <T> T eventuallyGet(Supplier<T> probe, Supplier<String> what) {
        Object[] got = new Object[1];
        eventually(() -> (got[0] = probe.get()) != null, what);
        @SuppressWarnings("unchecked") T t = (T) got[0];
        return t;
    }

    /** Waits until every task in {@code tasks} waits in {@code reason} and has done so for at least {@code age}. */
    public static void awaitBlocked(Collection<? extends Task<?>> tasks, String reason, Duration age) {
        Set<Long> ids = new HashSet<>();
        for (Task<?> t : tasks) ids.add(t.id());
        eventually(() -> {
            int n = 0;
            for (TaskInfo i : TaskRegistry.snapshot()) {
                if (ids.contains(i.id()) && reason.equals(i.waitReason())
                        && i.waited().map(w -> w.compareTo(age) >= 0).orElse(false)) n++;
            }
            return n == ids.size();
        }, tasks.size() + " tasks wait in [" + reason + "] for " + age);
    }
}
