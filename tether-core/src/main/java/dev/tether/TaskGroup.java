package dev.tether;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Live tasks that share a wait reason, a state, a creation site and (where tasks record it) a blocking site, as
 * counted by {@link TaskRegistry#groups(int, Duration)}: the registry's cheap answer to "how many tasks are stuck
 * where?".
 *
 * @param waitReason      the shared wait reason, or null for runnable tasks (see {@link TaskInfo#waitReason()})
 * @param state           the shared state
 * @param creationSite    the shared creation site, or null if unknown
 * @param blockingSite    the shared blocking site of tasks in a Tether wait that recorded it (see
 *                        {@link TaskInfo#blockingSite()}), else null
 * @param count           how many live tasks the group has
 * @param waitedAtLeast   how many of them had waited at least the {@code minWait} asked for (by
 *                        {@link TaskInfo#waitedAtLeast()}); 0 for runnable tasks
 * @param oldestWaitNanos the longest wait among them by {@link TaskInfo#waitedAtLeast()}, in nanoseconds, or -1 if
 *                        none is waiting
 * @param sample          up to the requested number of its tasks, chosen uniformly at random
 */
public record TaskGroup(String waitReason, TaskInfo.State state, StackTraceElement creationSite,
                        StackTraceElement blockingSite, int count, int waitedAtLeast, long oldestWaitNanos,
                        List<TaskInfo> sample) {

    /** The longest wait in the group, if any of its tasks is waiting. */
    public Optional<Duration> oldestWait() {
        return oldestWaitNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(oldestWaitNanos));
    }
}
