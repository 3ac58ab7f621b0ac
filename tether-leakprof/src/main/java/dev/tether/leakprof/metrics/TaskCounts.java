package dev.tether.leakprof.metrics;

import dev.tether.TaskGroup;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.leakprof.Sample;
import dev.tether.leakprof.Suspect;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What both metric bindings read, kept free of Prometheus and Micrometer types: each of those dependencies is
 * optional, and an application with only one of them must be able to load the binding it uses.
 */
final class TaskCounts {
    private TaskCounts() {
    }

    /** The reason the detector shows for a blocked task whose wait has no name; the same word here. */
    static final String UNNAMED = "blocked";
    /** The label value for a suspect with no user frame. */
    static final String UNKNOWN_SITE = "unknown";

    /**
     * Blocked tasks by wait reason, counted now from {@link TaskRegistry#groups(int)} (no per-task object, no
     * stack), as the detector counts them: waiting tasks only, an unnamed wait under {@value #UNNAMED}.
     */
    static Map<String, Integer> blockedNow() {
        Map<String, Integer> out = new HashMap<>();
        for (TaskGroup g : TaskRegistry.groups(0)) {
            if (g.state() != TaskInfo.State.WAITING) continue;
            out.merge(g.waitReason() == null ? UNNAMED : g.waitReason(), g.count(), Integer::sum);
        }
        return out;
    }

    /** A suspect as labels: {@code kind}, {@code reason}, {@code site} and {@code function}, with its count. */
    record SuspectRow(String kind, String reason, String site, String function, int count) {
    }

    /**
     * The first {@code max} suspects of {@code sample} (the largest: the detector sorts them), as label values.
     * Suspects whose labels coincide (two classes with one file name and line) are added up, so that no series is
     * repeated.
     */
    static List<SuspectRow> topSuspects(Sample sample, int max) {
        Map<List<String>, Integer> rows = new LinkedHashMap<>();
        int n = 0;
        for (Suspect s : sample.suspects()) {
            if (n++ == max) break;
            StackTraceElement at = s.blockingSite();
            List<String> key = List.of(s.kind().name().toLowerCase(java.util.Locale.ROOT),
                    s.waitReason() == null ? UNNAMED : s.waitReason(), site(at), function(at));
            rows.merge(key, s.count(), Integer::sum);
        }
        List<SuspectRow> out = new ArrayList<>(rows.size());
        rows.forEach((k, c) -> out.add(new SuspectRow(k.get(0), k.get(1), k.get(2), k.get(3), c)));
        return out;
    }

    /** {@code Checkout.java:88}, as Go's tools name a line; {@value #UNKNOWN_SITE} for no frame. */
    static String site(StackTraceElement e) {
        if (e == null) return UNKNOWN_SITE;
        String file = e.getFileName() != null ? e.getFileName() : "Unknown Source";
        return e.getLineNumber() >= 0 ? file + ":" + e.getLineNumber() : file;
    }

    /** {@code com.shop.Checkout.submit}: tells apart two files of one name; {@value #UNKNOWN_SITE} for no frame. */
    static String function(StackTraceElement e) {
        return e == null ? UNKNOWN_SITE : e.getClassName() + "." + e.getMethodName();
    }

    static void checkMaxSuspects(int maxSuspects) {
        if (maxSuspects < 0) {
            throw new IllegalArgumentException("maxSuspects must be >= 0 (a number of suspect series), was "
                    + maxSuspects);
        }
    }
}
