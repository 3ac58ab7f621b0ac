package dev.tether.leakprof.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * {@code dev.tether.ProvenLeak}: one task the garbage collector proved leaked (its thread was reclaimed while it
 * was blocked, see {@link dev.tether.TaskRegistry#reclaimed()}), committed by {@link JfrEvents} at the first
 * leak-detector sample after it happened ({@link dev.tether.leakprof.Sample#newlyReclaimed()}). Unlike a suspect
 * this is certain: nothing could ever have woken the task.
 *
 * <p>The fields are read by name from a recording ({@code RecordedEvent.getString("waitReason")}); only
 * {@link JfrEvents} sets them.
 *
 * <p>No JFR stack trace: the event is committed on the detector's thread; the task's own stack went with its
 * thread, and {@code blockingSite} says where it was stuck.
 */
@Name(JfrEvents.PROVEN_LEAK)
@Label("Proven Leak")
@Category({"Tether", "Leaks"})
@Description("A Tether task whose thread the garbage collector reclaimed while it was blocked: certainly leaked")
@StackTrace(false)
public final class ProvenLeakEvent extends Event {
    @Label("Task Id")
    long taskId;

    @Label("Task Name")
    @Description("The name given when the task was spawned; null if none")
    String taskName;

    @Label("Wait Reason")
    @Description("What the task was blocked in (chan send, select, ...)")
    String waitReason;

    @Label("Blocking Site")
    @Description("The frame of user code that called the blocking operation; null if blocking sites were off")
    String blockingSite;

    @Label("Creation Site")
    @Description("Where the task was spawned; null if unknown")
    String creationSite;

    @Label("Owner")
    @Description("The owner chain, nearest first (task 9 <- scope 4 <- task 2); null for a detached task")
    String owner;

    @Label("Waited")
    @Description("How long the task had waited in a Tether operation when reclaimed; Long.MIN_VALUE if unknown")
    @Timespan(Timespan.NANOSECONDS)
    long waited;
}
