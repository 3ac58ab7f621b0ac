package dev.tether.leakprof.metrics;

import dev.tether.TaskRegistry;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.Sample;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Tether's tasks as Micrometer meters ({@code micrometer-core}, an optional dependency of this module): the same
 * metrics as {@link TetherCollector}, in Micrometer's naming, which each registry renders in its own convention
 * (Prometheus: {@code tether_tasks}, {@code tether_tasks_proven_leaked_total}, ...).
 *
 * <pre>{@code
 * new TetherMeterBinder(detector).bindTo(registry);   // or new TetherMeterBinder() without a detector
 * }</pre>
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>value</th></tr>
 *   <tr><td>{@code tether.tasks}</td><td>gauge</td><td>live tasks, {@link TaskRegistry#count()}</td></tr>
 *   <tr><td>{@code tether.tasks.blocked}, tag {@code reason}</td><td>gauge</td><td>blocked tasks by wait reason:
 *       the detector's latest {@link Sample#blockedByReason()} when there is one, else counted from
 *       {@link TaskRegistry#groups(int)} at most once a second (each reason's gauge reads one shared count, so a
 *       publication costs one pass over the registry, not one per reason)</td></tr>
 *   <tr><td>{@code tether.tasks.proven.leaked}</td><td>function counter</td><td>tasks the garbage collector proved
 *       leaked, {@link TaskRegistry#reclaimedCount()}</td></tr>
 *   <tr><td>{@code tether.leak.suspects}</td><td>gauge</td><td>suspect sites in the latest sample*</td></tr>
 *   <tr><td>{@code tether.leak.suspect.tasks}, tags {@code kind}, {@code reason}, {@code site},
 *       {@code function}</td><td>multi-gauge</td><td>tasks (or threads) at each of the largest suspects of the
 *       latest sample*, at most {@code maxSuspects} (default {@value #DEFAULT_MAX_SUSPECTS}); the rows follow the
 *       latest sample: a site that is no longer a suspect loses its gauge</td></tr>
 *   <tr><td>{@code tether.leakprof.sample.errors}</td><td>function counter</td><td>failed samples and listeners,
 *       {@link LeakDetector#errors()}*</td></tr>
 *   <tr><td>{@code tether.leakprof.sample.duration}</td><td>time gauge</td><td>how long the latest sample took*
 *       (NaN before the first)</td></tr>
 * </table>
 * * Only when bound with a detector; {@code tether.leak.suspects} reads NaN until the first sample.
 *
 * <h2>Reasons appear as they are seen</h2>
 * Micrometer has no hook before a publication, and the set of wait reasons is open (JDK waits are named from the
 * blocker), so a {@code tether.tasks.blocked} gauge is registered when its reason is first seen: when any of this
 * binder's gauges is read after a new sample (or, without a detector, a new count) and at {@link #bindTo}. A new
 * reason's series therefore starts at the publication after the one that first saw it; a reason once seen keeps its
 * gauge, at 0 when no task waits there (a graph drops to 0 instead of ending). Wait reasons are a small vocabulary,
 * so this stays bounded.
 *
 * <p>Thread-safe; one binder may be bound to several registries. The registry keeps the binder reachable (the
 * gauges hold it strongly); the detector's error counter holds the detector weakly, as Micrometer's function
 * counters do.
 */
public final class TetherMeterBinder implements MeterBinder {
    /** The default bound on {@code tether.leak.suspect.tasks} rows. */
    public static final int DEFAULT_MAX_SUSPECTS = TetherCollector.DEFAULT_MAX_SUSPECTS;

    /** Without a detector: how long a count of blocked tasks serves every reason's gauge. */
    private static final long RECOUNT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LeakDetector detector;
    private final int maxSuspects;

    // Guarded by this.
    private final List<Binding> bindings = new ArrayList<>();
    private final Set<String> reasons = new HashSet<>();
    private Map<String, Integer> blocked = Map.of();
    private Sample sample;
    private long countedAt;
    private boolean counted;

    /** One registry this binder is bound to, with the gauges registered there so far. */
    private static final class Binding {
        final MeterRegistry registry;
        final Set<String> reasons = new HashSet<>();
        final MultiGauge suspects;

        Binding(MeterRegistry registry, MultiGauge suspects) {
            this.registry = registry;
            this.suspects = suspects;
        }
    }

    /** Task meters only, without a leak detector. */
    public TetherMeterBinder() {
        this(null, DEFAULT_MAX_SUSPECTS);
    }

    /**
     * Task meters and {@code detector}'s findings, up to {@value #DEFAULT_MAX_SUSPECTS} suspect rows.
     *
     * @throws NullPointerException if {@code detector} is null
     */
    public TetherMeterBinder(LeakDetector detector) {
        this(Objects.requireNonNull(detector, "detector"), DEFAULT_MAX_SUSPECTS);
    }

    /**
     * Task meters and, if {@code detector} is not null, its findings, with at most {@code maxSuspects} suspect rows
     * (0: none).
     *
     * @throws IllegalArgumentException if {@code maxSuspects} is negative
     */
    public TetherMeterBinder(LeakDetector detector, int maxSuspects) {
        TaskCounts.checkMaxSuspects(maxSuspects);
        this.detector = detector;
        this.maxSuspects = maxSuspects;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        // Reading through refresh() lets a publication that reads only this gauge still discover new reasons.
        Gauge.builder("tether.tasks", () -> {
                    refresh();
                    return TaskRegistry.count();
                })
                .description("Live Tether tasks: spawned and not yet finished (as Go's go_goroutines)")
                .register(registry);
        // Held through a class, not this binder: a function counter holds its object weakly.
        FunctionCounter.builder("tether.tasks.proven.leaked", TaskRegistry.class, c -> TaskRegistry.reclaimedCount())
                .description("Tether tasks the garbage collector proved leaked (reclaimed while blocked)")
                .register(registry);
        MultiGauge suspects = null;
        if (detector != null) {
            FunctionCounter.builder("tether.leakprof.sample.errors", detector, LeakDetector::errors)
                    .description("Leak-detector samples and listeners that failed")
                    .register(registry);
            Gauge.builder("tether.leak.suspects", () -> {
                        Sample s = refresh();
                        return s == null ? Double.NaN : s.suspects().size();
                    })
                    .description("Leak suspects in the latest sample: sites where many tasks waited long")
                    .register(registry);
            TimeGauge.builder("tether.leakprof.sample.duration", () -> {
                        Sample s = refresh();
                        return s == null ? Double.NaN : (double) s.took().toNanos();
                    }, TimeUnit.NANOSECONDS)
                    .description("How long the latest leak-detector sample took")
                    .register(registry);
            suspects = MultiGauge.builder("tether.leak.suspect.tasks")
                    .description("Tasks (or threads) waiting at each of the largest leak suspects of the latest"
                            + " sample")
                    .register(registry);
        }
        synchronized (this) {
            Binding b = new Binding(registry, suspects);
            bindings.add(b);
            publish(b, true);
        }
        refresh();
    }

    /**
     * Brings the counts up to date (a new sample, or without a detector a count older than a second) and registers
     * what is new; returns the latest sample, or null if there is none. Serialized: at most one count at a time.
     */
    private synchronized Sample refresh() {
        Sample s = detector == null ? null : detector.latest().orElse(null);
        if (s != null) {
            if (s != sample) {
                sample = s;
                update(s.blockedByReason(), true);
            }
        } else if (!counted || System.nanoTime() - countedAt >= RECOUNT_NANOS) {
            update(TaskCounts.blockedNow(), false);
            countedAt = System.nanoTime();
            counted = true;
        }
        return sample;
    }

    private void update(Map<String, Integer> now, boolean newSample) {
        blocked = now;
        reasons.addAll(now.keySet());
        for (Binding b : bindings) publish(b, newSample);
    }

    /** Registers in {@code b} the gauges of reasons it lacks and, if asked, the latest sample's suspect rows. */
    private void publish(Binding b, boolean suspectRows) {
        for (String r : reasons) {
            if (!b.reasons.add(r)) continue;
            Gauge.builder("tether.tasks.blocked", () -> {
                        refresh();
                        return blockedBy(r);
                    })
                    .tag("reason", r)
                    .description("Live Tether tasks blocked, by wait reason")
                    .register(b.registry);
        }
        if (suspectRows && b.suspects != null && sample != null) {
            List<MultiGauge.Row<?>> rows = new ArrayList<>();
            for (TaskCounts.SuspectRow row : TaskCounts.topSuspects(sample, maxSuspects)) {
                rows.add(MultiGauge.Row.of(Tags.of("kind", row.kind(), "reason", row.reason(), "site", row.site(),
                        "function", row.function()), row.count()));
            }
            b.suspects.register(rows, true); // true: rows of sites no longer suspect are removed
        }
    }

    private synchronized int blockedBy(String reason) {
        return blocked.getOrDefault(reason, 0);
    }
}
