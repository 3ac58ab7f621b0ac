package dev.tether.leakprof.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * {@code dev.tether.LeakSuspect}: one {@link dev.tether.leakprof.Suspect} of one leak-detector sample, committed by
 * {@link JfrEvents}. A site that stays suspect is reported again at every sample, so JDK Mission Control can chart
 * its count and growth over time. Fields mirror the record's; sites are {@link StackTraceElement#toString()}, the
 * stack one frame per line, innermost first.
 *
 * <p>The fields are read by name from a recording ({@code RecordedEvent.getString("waitReason")}); only
 * {@link JfrEvents} sets them.
 *
 * <p>No JFR stack trace: the event is committed on the detector's thread, whose stack says nothing about the leak;
 * the waiters' representative stack is in {@code stack}.
 */
@Name(JfrEvents.LEAK_SUSPECT)
@Label("Leak Suspect")
@Category({"Tether", "Leaks"})
@Description("A blocking site where many Tether tasks (or threads) have waited a long time: probably a leak")
@StackTrace(false)
public final class LeakSuspectEvent extends Event {
    @Label("Sample")
    @Description("The sequence number of the leak-detector sample that found it (1 for a detector's first)")
    long sample;

    @Label("Kind")
    @Description("Who waits: tasks (Tether tasks) or threads (threads Tether did not start)")
    String kind;

    @Label("Wait Reason")
    @Description("What they wait in, in Go's words where Go has them (chan send, select, queue put, ...)")
    String waitReason;

    @Label("Blocking Site")
    @Description("The frame of user code that called the blocking operation; null if none was found")
    String blockingSite;

    @Label("Count")
    @Description("How many waited at least the detector's minimum age at this site")
    int count;

    @Label("Total")
    @Description("How many waited at this site regardless of age")
    int total;

    @Label("Oldest Wait")
    @Description("The longest wait seen at this site")
    @Timespan(Timespan.NANOSECONDS)
    long oldestWait;

    @Label("Growth")
    @Description("Count minus the count at this site in the previous sample: a leak grows, an idle pool does not")
    int growth;

    @Label("Creation Site")
    @Description("Where the waiters were spawned (the most common creation site among them); null if unknown")
    String creationSite;

    @Label("Stack")
    @Description("A representative stack, innermost frame first, from the blocking operation")
    String stack;

    @Label("Estimated")
    @Description("True if the site and counts were estimated from the stacks of a few waiters")
    boolean estimated;
}
