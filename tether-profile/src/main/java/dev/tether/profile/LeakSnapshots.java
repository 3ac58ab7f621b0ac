package dev.tether.profile;

import dev.tether.test.LeakReport;
import dev.tether.test.LeakedThread;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A leak check's report (tether-test's {@link LeakReport}) as a {@link Snapshot}, so that what a test left behind can
 * be written as a pprof profile, Go-style text or JSON ({@link Snapshots#write}, {@link Snapshots#writeJson}) — for a
 * CI artifact that {@code go tool pprof} or a continuous profiler opens. Needs tether-test on the class path (an
 * optional dependency of this module).
 *
 * <p>Each leaked thread or task becomes one entry: kind, id, name, state, wait reason, wait time (Tether waits), the
 * stack as the report shows it, the creation site as {@code createdBy}, and the blamed test as the label
 * {@code test}.
 */
public final class LeakSnapshots {
    private LeakSnapshots() {
    }

    /**
     * The report as a snapshot of format {@link Format#TETHER_LEAK_CHECK} taken now in this process.
     *
     * @throws NullPointerException if {@code report} is null
     */
    public static Snapshot of(LeakReport report) {
        Objects.requireNonNull(report, "report");
        List<Entry> entries = report.leaks().stream().map(LeakSnapshots::entry).toList();
        Snapshot.Metadata m = Snapshot.Metadata.ofThisProcess(Format.TETHER_LEAK_CHECK, "Tether leak check",
                Instant.now(), List.of());
        return new Snapshot(m, entries, List.of());
    }

    private static Entry entry(LeakedThread l) {
        Entry.Builder b = Entry.builder(switch (l.kind()) {
            case TETHER_TASK -> Entry.Kind.TETHER_TASK;
            case VIRTUAL_THREAD -> Entry.Kind.VIRTUAL_THREAD;
            case PLATFORM_THREAD -> Entry.Kind.PLATFORM_THREAD;
        }).id(l.id()).state(state(l.state()));
        if (!l.name().isEmpty()) b.name(l.name());
        if (l.waitReason() != null) b.waitReason(l.waitReason());
        if (l.waited() != null) b.waited(l.waited());
        for (StackTraceElement f : l.stack()) b.addFrame(Frame.of(f));
        if (l.creationSite() != null) b.createdBy(Frame.of(l.creationSite()));
        if (l.test() != null) b.label("test", l.test());
        return b.build();
    }

    private static Entry.State state(Thread.State s) {
        return switch (s) {
            case NEW -> Entry.State.NEW;
            case RUNNABLE -> Entry.State.RUNNABLE;
            case BLOCKED -> Entry.State.BLOCKED;
            case WAITING -> Entry.State.WAITING;
            case TIMED_WAITING -> Entry.State.TIMED_WAITING;
            case TERMINATED -> Entry.State.TERMINATED;
        };
    }
}
