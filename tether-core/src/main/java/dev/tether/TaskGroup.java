package dev.tether;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Live tasks that share a wait reason, a state and a creation site, as counted by {@link TaskRegistry#groups(int)}:
 * the registry's cheap answer to "how many tasks are stuck where?".
 *
 * @param waitReason   the shared wait reason, or null for runnable tasks (see {@link TaskInfo#waitReason()})
 * @param state        the shared state
 * @param creationSite the shared creation site, or null if unknown
 * @param count        how many live tasks the group has
 * @param oldestWaitNanos the longest Tether wait among them in nanoseconds, or -1 if none is in a Tether wait
 * @param sample       up to the requested number of its tasks, chosen uniformly at random
 */
public record TaskGroup(String waitReason, TaskInfo.State state, StackTraceElement creationSite, int count,
                        long oldestWaitNanos, List<TaskInfo> sample) {

    /** The longest Tether wait in the group, if any of its tasks is in one. */
    public Optional<Duration> oldestWait() {
        return oldestWaitNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(oldestWaitNanos));
    }
}
