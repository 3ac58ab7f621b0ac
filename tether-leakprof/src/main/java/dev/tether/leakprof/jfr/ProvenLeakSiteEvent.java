package dev.tether.leakprof.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * {@code dev.tether.ProvenLeakSite}: a site where the leak detector saw tasks proven leaked since its previous
 * sample (a {@link dev.tether.leakprof.ProvenLeak} with a positive {@code newCount}), committed by
 * {@link JfrEvents}. It counts what {@link ProvenLeakEvent} reports task by task, including tasks the registry no
 * longer kept (those have no reason or sites).
 *
 * <p>The fields are read by name from a recording; only {@link JfrEvents} sets them.
 */
@Name(JfrEvents.PROVEN_LEAK_SITE)
@Label("Proven Leak Site")
@Category({"Tether", "Leaks"})
@Description("Tether tasks proven leaked since the previous sample, by blocking and creation site")
@StackTrace(false)
public final class ProvenLeakSiteEvent extends Event {
    @Label("Sample")
    @Description("The sequence number of the leak-detector sample that counted them")
    long sample;

    @Label("Wait Reason")
    String waitReason;

    @Label("Blocking Site")
    @Description("Null if not recorded (blocking sites off, or tasks dropped before a sample saw them)")
    String blockingSite;

    @Label("Creation Site")
    String creationSite;

    @Label("New Count")
    @Description("Tasks proven leaked at this site since the previous sample")
    long newCount;

    @Label("Count")
    @Description("Tasks proven leaked at this site since the detector started")
    long count;

    @Label("Longest Wait")
    @Description("The longest any of them had waited when reclaimed")
    @Timespan(Timespan.NANOSECONDS)
    long longestWait;

    @Label("Last Task Id")
    long lastTaskId;
}
