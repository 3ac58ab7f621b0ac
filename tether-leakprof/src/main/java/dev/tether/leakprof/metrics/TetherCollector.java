package dev.tether.leakprof.metrics;

import dev.tether.TaskRegistry;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.Sample;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tether's tasks as Prometheus metrics, for the Prometheus Java client 1.x ({@code prometheus-metrics-core}, an
 * optional dependency of this module): Go's {@code go_goroutines} for tasks, plus what the leak detector found.
 *
 * <pre>{@code
 * PrometheusRegistry.defaultRegistry.register(new TetherCollector(detector));   // or new TetherCollector()
 * }</pre>
 *
 * <table>
 *   <caption>Metrics</caption>
 *   <tr><th>name</th><th>type</th><th>value</th></tr>
 *   <tr><td>{@code tether_tasks}</td><td>gauge</td><td>live tasks, {@link TaskRegistry#count()}, read at every
 *       scrape</td></tr>
 *   <tr><td>{@code tether_tasks_blocked{reason}}</td><td>gauge</td><td>blocked tasks by wait reason
 *       ({@code "chan send"}, {@code "select"}, {@code "lock"}, ...; {@code "blocked"} for a wait with no name): the
 *       detector's latest {@link Sample#blockedByReason()} when there is one, else counted at the scrape from
 *       {@link TaskRegistry#groups(int)} (no stacks; tens of milliseconds for a million tasks). A reason once
 *       reported stays, at 0, when no task waits there any more, so that a graph drops to 0 rather than
 *       ending.</td></tr>
 *   <tr><td>{@code tether_tasks_proven_leaked_total}</td><td>counter</td><td>tasks the garbage collector proved
 *       leaked, {@link TaskRegistry#reclaimedCount()}</td></tr>
 *   <tr><td>{@code tether_leak_suspects}</td><td>gauge</td><td>suspect sites in the latest sample*</td></tr>
 *   <tr><td>{@code tether_leak_suspect_tasks{kind,reason,site,function}}</td><td>gauge</td><td>tasks (or threads)
 *       counted at each of the largest suspects of the latest sample*, at most {@code maxSuspects} series
 *       (default {@value #DEFAULT_MAX_SUSPECTS}) to bound cardinality: {@code kind} is {@code tasks} or
 *       {@code threads}, {@code site} {@code Checkout.java:88}, {@code function}
 *       {@code com.shop.Checkout.submit} ({@code unknown} for both when no user frame was found)</td></tr>
 *   <tr><td>{@code tether_leakprof_sample_errors_total}</td><td>counter</td><td>failed samples and listeners,
 *       {@link LeakDetector#errors()}*</td></tr>
 *   <tr><td>{@code tether_leakprof_sample_seconds}</td><td>gauge</td><td>how long the latest sample took*</td></tr>
 * </table>
 * * Only with a detector; the sample-based ones only once it has taken a sample. Suspect series follow the latest
 * sample: a site that is no longer a suspect has no series.
 *
 * <p>Thread-safe; a scrape takes no lock that a task or the detector holds. Register one instance per registry
 * (the names are declared, so a second registration is refused by the registry).
 */
public final class TetherCollector implements MultiCollector {
    /** The default bound on {@code tether_leak_suspect_tasks} series. */
    public static final int DEFAULT_MAX_SUSPECTS = 20;

    private static final String TASKS = "tether_tasks";
    private static final String BLOCKED = "tether_tasks_blocked";
    private static final String PROVEN = "tether_tasks_proven_leaked"; // the client adds _total to counters
    private static final String SUSPECTS = "tether_leak_suspects";
    private static final String SUSPECT_TASKS = "tether_leak_suspect_tasks";
    private static final String ERRORS = "tether_leakprof_sample_errors";
    private static final String SAMPLE_SECONDS = "tether_leakprof_sample_seconds";

    private final LeakDetector detector;
    private final int maxSuspects;
    private final Set<String> reasonsSeen = ConcurrentHashMap.newKeySet();

    /** Task metrics only, without a leak detector: blocked tasks are counted at each scrape. */
    public TetherCollector() {
        this(null, DEFAULT_MAX_SUSPECTS);
    }

    /**
     * Task metrics and {@code detector}'s findings, up to {@value #DEFAULT_MAX_SUSPECTS} suspect series.
     *
     * @throws NullPointerException if {@code detector} is null
     */
    public TetherCollector(LeakDetector detector) {
        this(java.util.Objects.requireNonNull(detector, "detector"), DEFAULT_MAX_SUSPECTS);
    }

    /**
     * Task metrics and, if {@code detector} is not null, its findings, with at most {@code maxSuspects} suspect
     * series (0: none).
     *
     * @throws IllegalArgumentException if {@code maxSuspects} is negative
     */
    public TetherCollector(LeakDetector detector, int maxSuspects) {
        TaskCounts.checkMaxSuspects(maxSuspects);
        this.detector = detector;
        this.maxSuspects = maxSuspects;
    }

    @Override
    public MetricSnapshots collect() {
        Sample sample = detector == null ? null : detector.latest().orElse(null);
        List<MetricSnapshot> out = new ArrayList<>(7);
        out.add(gauge(TASKS, "Live Tether tasks: spawned and not yet finished (as Go's go_goroutines).",
                TaskRegistry.count()));

        Map<String, Integer> blocked = sample != null ? sample.blockedByReason() : TaskCounts.blockedNow();
        reasonsSeen.addAll(blocked.keySet());
        Map<String, Integer> byReason = new TreeMap<>();
        for (String r : reasonsSeen) byReason.put(r, blocked.getOrDefault(r, 0));
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(BLOCKED)
                .help("Live Tether tasks blocked, by wait reason (Go's words: chan send, chan receive, select; JDK"
                        + " waits: lock, sleep, queue take, ...).");
        byReason.forEach((r, n) -> b.dataPoint(GaugeDataPointSnapshot.builder()
                .labels(Labels.of("reason", r)).value(n).build()));
        out.add(b.build());

        out.add(counter(PROVEN, "Tether tasks the garbage collector proved leaked (reclaimed while blocked).",
                TaskRegistry.reclaimedCount()));

        if (detector != null) {
            out.add(counter(ERRORS, "Leak-detector samples and listeners that failed.", detector.errors()));
            if (sample != null) {
                out.add(gauge(SUSPECTS, "Leak suspects in the latest sample: sites where many tasks waited long.",
                        sample.suspects().size()));
                GaugeSnapshot.Builder s = GaugeSnapshot.builder().name(SUSPECT_TASKS)
                        .help("Tasks (or threads) waiting at each of the largest leak suspects of the latest sample.");
                for (TaskCounts.SuspectRow row : TaskCounts.topSuspects(sample, maxSuspects)) {
                    s.dataPoint(GaugeDataPointSnapshot.builder()
                            .labels(Labels.of("kind", row.kind(), "reason", row.reason(), "site", row.site(),
                                    "function", row.function()))
                            .value(row.count()).build());
                }
                out.add(s.build());
                out.add(GaugeSnapshot.builder().name(SAMPLE_SECONDS).unit(Unit.SECONDS)
                        .help("How long the latest leak-detector sample took.")
                        .dataPoint(GaugeDataPointSnapshot.builder()
                                .value(Unit.nanosToSeconds(sample.took().toNanos())).build())
                        .build());
            }
        }
        return new MetricSnapshots(out);
    }

    /** Declared so that the registry refuses a second collector with these names. */
    @Override
    public List<String> getPrometheusNames() {
        return detector == null ? List.of(TASKS, BLOCKED, PROVEN)
                : List.of(TASKS, BLOCKED, PROVEN, ERRORS, SUSPECTS, SUSPECT_TASKS, SAMPLE_SECONDS);
    }

    private static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    private static CounterSnapshot counter(String name, String help, double value) {
        return CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterDataPointSnapshot.builder().value(value).build()).build();
    }
}
