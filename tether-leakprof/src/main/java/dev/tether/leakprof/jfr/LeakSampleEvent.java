package dev.tether.leakprof.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * {@code dev.tether.LeakSample}: one leak-detector sample, committed by {@link JfrEvents} after its suspects and
 * proven leaks: the live-task count over time (Go's {@code runtime.NumGoroutine}) and what the sample cost.
 *
 * <p>The fields are read by name from a recording; only {@link JfrEvents} sets them.
 */
@Name(JfrEvents.LEAK_SAMPLE)
@Label("Leak Detector Sample")
@Category({"Tether", "Leaks"})
@Description("One sample of the Tether leak detector: live and blocked tasks, suspects, proven leaks, cost")
@StackTrace(false)
public final class LeakSampleEvent extends Event {
    @Label("Sample")
    @Description("The sample's sequence number, 1 for the detector's first")
    long sample;

    @Label("Live Tasks")
    int liveTasks;

    @Label("Blocked Tasks")
    @Description("Live tasks that were blocked, whatever the reason")
    int blockedTasks;

    @Label("Suspects")
    int suspects;

    @Label("Proven Leaks")
    @Description("Tasks the garbage collector has proven leaked in this process")
    long provenLeakTotal;

    @Label("Newly Reclaimed")
    @Description("Tasks proven leaked since the previous sample that the registry still kept")
    int newlyReclaimed;

    @Label("Threads Scanned")
    @Description("True if the sample also scanned raw JVM threads through a thread dump")
    boolean threadsScanned;

    @Label("Sample Duration")
    @Description("How long the sample took")
    @Timespan(Timespan.NANOSECONDS)
    long took;
}
