package dev.tether.cli;

import dev.tether.cli.InstanceScan.Tally;
import dev.tether.cli.Report.Category;
import dev.tether.cli.Report.Creator;
import dev.tether.cli.Report.Instance;
import dev.tether.cli.Report.LockCycle;
import dev.tether.cli.Report.Settings;
import dev.tether.cli.Report.Site;
import dev.tether.cli.Report.SiteKey;
import dev.tether.cli.Report.Sort;
import dev.tether.cli.Report.Stack;
import dev.tether.profile.Frame;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Puts the instances of one scan together: the same blocking site in many instances is one site, judged against
 * the thresholds and ranked (LeakProf's view: the few sites worth fixing, with how widely and how badly each one
 * blocks).
 */
final class Fleet {
    private Fleet() {
    }

    /** Stacks and creators a site shows in the report. */
    static final int SHOWN = 5;

    /** A target's outcome: its scan, or why it failed. */
    record Outcome(Target target, InstanceScan scan, String error, Duration elapsed) {
        Instance instance() {
            if (scan == null) return new Instance(target.name(), target.spec(), null, 0, 0, elapsed, error);
            return new Instance(scan.name(), target.spec(), scan.snapshot().format(), scan.total(), scan.blocked(),
                    elapsed, null);
        }
    }

    /**
     * The report of {@code outcomes}, judged by {@code settings}; with {@code before}, the counts of an earlier scan
     * of the same targets, growth is computed over the instances scanned both times.
     */
    static Report report(List<Outcome> outcomes, Settings settings, Baseline before) {
        Map<SiteKey, Tally> merged = new LinkedHashMap<>();
        List<Instance> instances = new ArrayList<>();
        List<LockCycle> deadlocks = new ArrayList<>();
        Set<String> scanned = new HashSet<>();
        for (Outcome o : outcomes) {
            instances.add(o.instance());
            if (o.scan() == null) continue;
            scanned.add(o.scan().name());
            deadlocks.addAll(o.scan().deadlocks());
            o.scan().sites().forEach((k, t) -> merged.computeIfAbsent(k, x -> new Tally(t.frame)).merge(o.scan().name(), t));
        }
        List<Site> sites = new ArrayList<>(merged.size());
        merged.forEach((k, t) -> sites.add(site(t, growth(k, t, before, scanned), settings)));
        sites.sort(order(settings.sort()));
        return new Report(Instant.now(), settings, instances, sites, deadlocks, before != null);
    }

    private static Long growth(SiteKey key, Tally t, Baseline before, Set<String> scanned) {
        if (before == null) return null;
        long growth = 0;
        Map<String, Long> then = before.counts(key);
        for (String instance : scanned) {
            if (!before.scanned(instance)) continue;
            growth += t.instances.getOrDefault(instance, 0L) - then.getOrDefault(instance, 0L);
        }
        return growth;
    }

    private static Site site(Tally t, Long growth, Settings s) {
        Category category = t.category == null ? Category.UNKNOWN : t.category;
        List<String> why = new ArrayList<>();
        if (category != Category.IDLE) {
            if (t.count >= s.minCount()) why.add("count " + t.count + " >= " + s.minCount());
            if (t.oldest != null && t.oldest.compareTo(s.minWait()) >= 0) {
                why.add("waited " + Text.duration(t.oldest) + " >= " + Text.duration(s.minWait()));
            }
            if (growth != null && growth >= s.minGrowth()) why.add("grew by " + growth + " >= " + s.minGrowth());
        }
        Map<String, Long> instances = new LinkedHashMap<>();
        t.instances.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> instances.put(e.getKey(), e.getValue()));
        List<Stack> stacks = t.stacks.entrySet().stream()
                .sorted(Map.Entry.<List<Frame>, Long>comparingByValue().reversed()).limit(SHOWN)
                .map(e -> new Stack(e.getKey(), e.getValue())).toList();
        List<Creator> creators = t.creators.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(SHOWN)
                .map(e -> new Creator(e.getKey(), e.getValue())).toList();
        return new Site(t.frame, t.reason(), category, t.count, instances, t.oldest, growth, !why.isEmpty(), why,
                stacks, creators);
    }

    /** Suspects first; then by the chosen key, ties broken by count, instances, oldest wait and growth. */
    static Comparator<Site> order(Sort sort) {
        Comparator<Site> count = Comparator.comparingLong(Site::count);
        Comparator<Site> instances = Comparator.comparingInt(s -> s.instances().size());
        Comparator<Site> wait = Comparator.comparing(s -> s.oldestWait() == null ? Duration.ZERO : s.oldestWait());
        Comparator<Site> growth = Comparator.comparingLong(s -> s.growth() == null ? Long.MIN_VALUE : s.growth());
        Comparator<Site> first = switch (sort) {
            case COUNT -> count;
            case INSTANCES -> instances;
            case WAIT -> wait;
            case GROWTH -> growth;
        };
        Comparator<Site> rank = first.thenComparing(count).thenComparing(instances).thenComparing(wait)
                .thenComparing(growth).reversed();
        return Comparator.comparing((Site s) -> !s.suspect()).thenComparing(rank)
                .thenComparing(s -> s.frame().function());
    }

    /** The counts of an earlier scan: per site, per instance; and which instances it scanned. */
    interface Baseline {
        Map<String, Long> counts(SiteKey site);

        boolean scanned(String instance);

        /** The baseline of an earlier report. */
        static Baseline of(Report earlier) {
            Map<SiteKey, Map<String, Long>> counts = new LinkedHashMap<>();
            for (Site s : earlier.sites()) counts.put(s.key(), s.instances());
            Set<String> ok = new HashSet<>();
            for (Instance i : earlier.instances()) if (i.ok()) ok.add(i.name());
            return of(counts, ok);
        }

        static Baseline of(Map<SiteKey, Map<String, Long>> counts, Set<String> scanned) {
            return new Baseline() {
                @Override
                public Map<String, Long> counts(SiteKey site) {
                    return counts.getOrDefault(site, Map.of());
                }

                @Override
                public boolean scanned(String instance) {
                    return scanned.contains(instance);
                }
            };
        }
    }
}
