package dev.tether.leakprof.jfr;

import dev.tether.TaskInfo;
import dev.tether.leakprof.ProvenLeak;
import dev.tether.leakprof.Sample;
import dev.tether.leakprof.Suspect;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;

/**
 * The leak detector's findings as JFR events, so that they appear in JDK Mission Control and {@code jfr print}
 * next to the JVM's own: pass {@link #listener()} to the detector.
 *
 * <pre>{@code
 * LeakDetector detector = LeakDetector.builder().onSample(JfrEvents.listener()).start();
 * // java -XX:StartFlightRecording ... ; jfr print --events dev.tether.LeakSuspect recording.jfr
 * }</pre>
 *
 * Per sample, on the detector's thread: a {@value #LEAK_SUSPECT} event per {@linkplain Sample#suspects() suspect}
 * ({@link LeakSuspectEvent}), a {@value #PROVEN_LEAK} event per task {@linkplain Sample#newlyReclaimed() newly
 * proven leaked} ({@link ProvenLeakEvent}), a {@value #PROVEN_LEAK_SITE} event per site with new proven leaks
 * ({@link ProvenLeakSiteEvent}), then one {@value #LEAK_SAMPLE} event ({@link LeakSampleEvent}). The events are
 * enabled by default (as any JFR event) and cost nothing when no recording is running or a recording has disabled
 * them: each is checked with {@link Event#shouldCommit()} before its fields, and the strings in them, are built.
 */
public final class JfrEvents {
    /** The name of {@link LeakSuspectEvent}. */
    public static final String LEAK_SUSPECT = "dev.tether.LeakSuspect";
    /** The name of {@link ProvenLeakEvent}. */
    public static final String PROVEN_LEAK = "dev.tether.ProvenLeak";
    /** The name of {@link ProvenLeakSiteEvent}. */
    public static final String PROVEN_LEAK_SITE = "dev.tether.ProvenLeakSite";
    /** The name of {@link LeakSampleEvent}. */
    public static final String LEAK_SAMPLE = "dev.tether.LeakSample";

    private static final List<Class<? extends Event>> EVENTS = List.of(LeakSuspectEvent.class,
            ProvenLeakEvent.class, ProvenLeakSiteEvent.class, LeakSampleEvent.class);

    private JfrEvents() {
    }

    /** A listener for {@link dev.tether.leakprof.LeakDetector.Builder#onSample} that calls {@link #emit}. */
    public static Consumer<Sample> listener() {
        return JfrEvents::emit;
    }

    /**
     * Registers the event types with the flight recorder now rather than at the first commit, so that they are
     * listed (in JMC's recording settings, in {@code jfr metadata}) before a sample has found anything. Optional;
     * idempotent.
     */
    public static void register() {
        for (Class<? extends Event> c : EVENTS) FlightRecorder.register(c);
    }

    /** The event classes, in the order {@link #emit} commits them. */
    public static List<Class<? extends Event>> eventClasses() {
        return EVENTS;
    }

    /**
     * Commits the events of {@code sample} (see the class comment) on the calling thread.
     *
     * @throws NullPointerException if {@code sample} is null
     */
    public static void emit(Sample sample) {
        Objects.requireNonNull(sample, "sample");
        for (Suspect s : sample.suspects()) {
            LeakSuspectEvent e = new LeakSuspectEvent();
            if (!e.shouldCommit()) break; // the same answer for every suspect
            e.sample = sample.sequence();
            e.kind = s.kind().name().toLowerCase(java.util.Locale.ROOT);
            e.waitReason = s.waitReason();
            e.blockingSite = string(s.blockingSite());
            e.count = s.count();
            e.total = s.total();
            e.oldestWait = s.oldestWait().toNanos();
            e.growth = s.growth();
            e.creationSite = string(s.creationSite());
            e.stack = stack(s.stack());
            e.estimated = s.estimated();
            e.commit();
        }
        for (TaskInfo t : sample.newlyReclaimed()) {
            ProvenLeakEvent e = new ProvenLeakEvent();
            if (!e.shouldCommit()) break;
            e.taskId = t.id();
            e.taskName = t.name().orElse(null);
            e.waitReason = t.waitReason();
            e.blockingSite = string(t.blockingSite().orElse(null));
            e.creationSite = string(t.creationSite().orElse(null));
            e.owner = t.owner().map(JfrEvents::ownerChain).orElse(null);
            e.waited = t.waited().map(java.time.Duration::toNanos).orElse(Long.MIN_VALUE);
            e.commit();
        }
        for (ProvenLeak p : sample.provenLeaks()) {
            if (p.newCount() == 0) continue;
            ProvenLeakSiteEvent e = new ProvenLeakSiteEvent();
            if (!e.shouldCommit()) break;
            e.sample = sample.sequence();
            e.waitReason = p.waitReason();
            e.blockingSite = string(p.blockingSite());
            e.creationSite = string(p.creationSite());
            e.newCount = p.newCount();
            e.count = p.count();
            e.longestWait = p.longestWait().toNanos();
            e.lastTaskId = p.lastTaskId();
            e.commit();
        }
        LeakSampleEvent e = new LeakSampleEvent();
        if (e.shouldCommit()) {
            e.sample = sample.sequence();
            e.liveTasks = sample.liveTasks();
            int blocked = 0;
            for (int n : sample.blockedByReason().values()) blocked += n;
            e.blockedTasks = blocked;
            e.suspects = sample.suspects().size();
            e.provenLeakTotal = sample.provenLeakTotal();
            e.newlyReclaimed = sample.newlyReclaimed().size();
            e.threadsScanned = sample.threadsScanned();
            e.took = sample.took().toNanos();
            e.commit();
        }
    }

    /** {@code task 9 "worker" <- scope 4 <- task 2}: nearest owner first, as Tether's dumps write it. */
    static String ownerChain(TaskInfo.Owner owner) {
        StringBuilder b = new StringBuilder();
        for (TaskInfo.Owner o = owner; o != null; o = o.parent()) {
            if (!b.isEmpty()) b.append(" <- ");
            b.append(o);
            if (o.name() != null) b.append(" \"").append(o.name()).append('"');
        }
        return b.toString();
    }

    private static String string(StackTraceElement e) {
        return e == null ? null : e.toString();
    }

    private static String stack(List<StackTraceElement> frames) {
        if (frames.isEmpty()) return null;
        StringBuilder b = new StringBuilder();
        for (StackTraceElement f : frames) {
            if (!b.isEmpty()) b.append('\n');
            b.append(f);
        }
        return b.toString();
    }
}
