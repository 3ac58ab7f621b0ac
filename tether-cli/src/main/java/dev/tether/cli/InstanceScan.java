package dev.tether.cli;

import dev.tether.cli.Report.Category;
import dev.tether.cli.Report.LockCycle;
import dev.tether.cli.Report.SiteKey;
import dev.tether.profile.Entry;
import dev.tether.profile.Frame;
import dev.tether.profile.Snapshot;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What one instance's dump comes to: its blocked goroutines and threads counted by blocking site, and its
 * deadlocks. The snapshot itself is dropped once this is built, so a scan of many large dumps holds only these
 * summaries: a few counters and a bounded number of stacks per site.
 *
 * @param name      the instance's name
 * @param snapshot  facts about the dump, without its entries
 * @param total     goroutines and threads in the dump
 * @param blocked   how many were blocked and not ignored
 * @param sites     the tally per blocking site
 * @param deadlocks the deadlocks in the dump
 */
record InstanceScan(String name, Snapshot.Metadata snapshot, long total, long blocked, Map<SiteKey, Tally> sites,
                    List<LockCycle> deadlocks) {

    /** Distinct stacks and creators a tally keeps per site; later ones count in the site's total only. */
    static final int KEPT = 16;
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final Pattern IDENTITY = Pattern.compile("@[0-9a-fA-F]+$");

    /** Counts the blocked goroutines and threads of {@code s} by site, leaving out those {@code ignore} matches. */
    static InstanceScan of(String name, Snapshot s, IgnoreRules ignore) {
        Map<SiteKey, Tally> sites = new LinkedHashMap<>();
        long blocked = 0;
        for (Entry e : s.entries()) {
            SiteRules.Blocked b = SiteRules.classify(e);
            if (b == null || ignore.ignores(e, b)) continue;
            sites.computeIfAbsent(SiteKey.of(b.site()), k -> new Tally(b.site())).add(e, b);
            blocked += e.count();
        }
        return new InstanceScan(name, s.metadata(), s.total(), blocked, sites, WaitForGraph.cycles(s, name));
    }

    /**
     * The goroutines or threads blocked at one site, in one instance or (merged) in many: mutable, owned by one
     * thread at a time.
     */
    static final class Tally {
        final Frame frame;
        long count;
        final Map<String, Long> reasons = new HashMap<>(4);
        Category category;
        /** The longest wait a dump gave, or null. */
        Duration oldest;
        final Map<List<Frame>, Long> stacks = new HashMap<>();
        final Map<String, Long> creators = new HashMap<>();
        /** Count per instance; filled when tallies of instances are merged. */
        final Map<String, Long> instances = new LinkedHashMap<>();

        Tally(Frame frame) {
            this.frame = frame;
        }

        void add(Entry e, SiteRules.Blocked b) {
            long n = e.count();
            count += n;
            reasons.merge(b.waitReason(), n, Long::sum);
            if (category == null || category == Category.UNKNOWN) category = b.category();
            e.waited().ifPresent(w -> {
                if (oldest == null || w.compareTo(oldest) > 0) oldest = w;
            });
            bounded(stacks, e.stack(), n);
            bounded(creators, creator(e), n);
        }

        /** Adds {@code other}, the tally of the same site in instance {@code instance}. */
        void merge(String instance, Tally other) {
            count += other.count;
            other.reasons.forEach((r, n) -> reasons.merge(r, n, Long::sum));
            if (category == null || category == Category.UNKNOWN) category = other.category;
            if (other.oldest != null && (oldest == null || other.oldest.compareTo(oldest) > 0)) oldest = other.oldest;
            other.stacks.forEach((s, n) -> bounded(stacks, s, n));
            other.creators.forEach((c, n) -> bounded(creators, c, n));
            instances.merge(instance, other.count, Long::sum);
        }

        /** The wait most goroutines at the site were in, preferring a known one to {@code ?}. */
        String reason() {
            String best = SiteRules.UNKNOWN_WAIT;
            long most = -1;
            for (Map.Entry<String, Long> r : reasons.entrySet()) {
                boolean known = !r.getKey().equals(SiteRules.UNKNOWN_WAIT);
                boolean bestKnown = !best.equals(SiteRules.UNKNOWN_WAIT);
                if (known && !bestKnown || known == bestKnown && r.getValue() > most) {
                    best = r.getKey();
                    most = r.getValue();
                }
            }
            return best;
        }

        private static <K> void bounded(Map<K, Long> m, K key, long n) {
            if (key == null) return;
            if (m.size() < KEPT || m.containsKey(key)) m.merge(key, n, Long::sum);
        }
    }

    /**
     * Who started {@code e}: Go's {@code created by} or a Tether task's creation site; for a JVM thread, its name
     * with numbers as {@code #} ({@code report-worker-#}) and its thread container; null if the dump says nothing.
     */
    static String creator(Entry e) {
        if (e.createdBy().isPresent()) return Text.frame(e.createdBy().get());
        String name = e.name().filter(n -> !n.isEmpty()).map(n -> DIGITS.matcher(n).replaceAll("#")).orElse(null);
        String owner = e.owner().map(o -> o.name() == null ? o.kind() : o.name()).orElse(null);
        if (owner != null) {
            owner = IDENTITY.matcher(owner).replaceAll("");
            owner = owner.substring(owner.lastIndexOf('.') + 1);
            if (owner.isEmpty() || owner.contains("<root>")) owner = null;
        }
        if (name == null) return owner == null ? null : "unnamed in " + owner;
        return owner == null ? name : name + " in " + owner;
    }
}
