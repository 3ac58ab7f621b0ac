package dev.tether.leakprof;

import dev.tether.TaskInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What one sample of the {@link LeakDetector} found.
 *
 * @param time            when the sample was taken
 * @param took            how long it took
 * @param sequence        1 for the detector's first sample, then counting up
 * @param liveTasks       how many Tether tasks were live (Go's {@code runtime.NumGoroutine})
 * @param blockedByReason live tasks that were blocked, by wait reason; JDK waits that could not be named count
 *                        under {@code "blocked"}
 * @param suspects        sites where at least the threshold number of tasks (or threads) waited at least the
 *                        minimum age, largest count first, then fastest growing
 * @param provenLeaks     every site where the detector has seen tasks proven leaked since it started, largest first
 * @param provenLeakTotal how many tasks the collector has proven leaked in this process, including any the registry
 *                        no longer keeps (see {@link dev.tether.TaskRegistry#reclaimedCount()})
 * @param newlyReclaimed  the tasks proven leaked since the previous sample, as far as the registry still kept them
 * @param threadsScanned  true if this sample also scanned the JVM's raw threads
 */
public record Sample(Instant time, Duration took, long sequence, int liveTasks, Map<String, Integer> blockedByReason,
                     List<Suspect> suspects, List<ProvenLeak> provenLeaks, long provenLeakTotal,
                     List<TaskInfo> newlyReclaimed, boolean threadsScanned) {
    public Sample {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(took, "took");
        blockedByReason = Map.copyOf(blockedByReason);
        suspects = List.copyOf(suspects);
        provenLeaks = List.copyOf(provenLeaks);
        newlyReclaimed = List.copyOf(newlyReclaimed);
    }

    /** True if the sample found a suspect or a proven leak. */
    public boolean suspicious() {
        return !suspects.isEmpty() || !provenLeaks.isEmpty();
    }
}
