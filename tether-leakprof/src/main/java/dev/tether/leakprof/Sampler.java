package dev.tether.leakprof;

import dev.tether.JdkWaits;
import dev.tether.TaskGroup;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.dump.TaskDump;
import dev.tether.profile.Entry;
import dev.tether.profile.Frame;
import dev.tether.profile.Snapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The work of one {@link LeakDetector} sample, and the state it keeps from one sample to the next (counts for
 * growth, raw-thread ages, proven leaks seen). Called by one thread at a time.
 *
 * <h2>Algorithm</h2>
 * <ol>
 *   <li>{@link TaskRegistry#groups(int, Duration)} counts the live tasks by wait reason, creation site and, where
 *       tasks recorded it, blocking site, with how many of each group have waited at least {@code minAge} and a
 *       random sample of each. It builds no object per task in a Tether wait and takes no stack, so a million
 *       tasks cost about a tenth of a second.
 *   <li>Only groups with at least {@code minTasks} old tasks go on. A group with a recorded blocking site is a
 *       suspect as it stands (one stack taken, as the representative). A group without takes the stacks of its
 *       sampled tasks, finds the blocking site in each (the first frame of user code under the blocking operation)
 *       and divides its counts among the sites found, in proportion; each share that still reaches
 *       {@code minTasks} is a suspect, marked estimated. Parts of one site from several groups add up.
 *   <li>Growth is the difference from the same site's count in the previous sample.
 * </ol>
 * Tasks in JDK waits are aged by the registry itself ({@link TaskInfo#waitedAtLeast()}). Raw threads, from a JDK
 * thread dump, are aged here: a map from thread id to (first seen, wait) holds the threads blocked at the last scan.
 */
final class Sampler {
    /** The reason shown for a blocked thread whose wait has no name. */
    static final String UNNAMED = "blocked";

    private final int minTasks;
    private final long minAgeNanos;
    private final int stackSamples;
    private final int scanThreadsEvery;
    private final Predicate<? super Suspect> ignore;

    private final long origin = System.nanoTime();
    private long sequence;
    private LongLongMap threadWaits = new LongLongMap(16);
    private final Map<String, Integer> reasonIndex = new HashMap<>();
    private Map<SiteKey, Integer> previousCounts = Map.of();
    /** Proven leaks from before the detector started are not its to report. */
    private long reclaimedAccounted = TaskRegistry.reclaimedCount();
    private Set<Long> reclaimedKept = ids(TaskRegistry.reclaimed());
    private final Map<LeakKey, LeakCount> proven = new HashMap<>();

    Sampler(int minTasks, Duration minAge, int stackSamples, int scanThreadsEvery,
            Predicate<? super Suspect> ignore) {
        this.minTasks = minTasks;
        this.minAgeNanos = minAge.toNanos();
        this.stackSamples = stackSamples;
        this.scanThreadsEvery = scanThreadsEvery;
        this.ignore = ignore;
    }

    private record SiteKey(Suspect.Kind kind, String reason, StackTraceElement site) {
    }

    private record LeakKey(String reason, StackTraceElement blockingSite, StackTraceElement creationSite) {
    }

    private static final class LeakCount {
        long count, newCount, longestNanos, lastTaskId;
    }

    /** Raw threads blocked with one wait reason at one site. */
    private static final class ThreadGroup {
        int total, aged;
        long oldest;
        Sampled stack; // the first old one's

        void add(long age, long minAge, Sampled sampled) {
            total++;
            if (age > oldest) oldest = age;
            if (age < minAge) return;
            if (aged++ == 0) stack = sampled;
        }
    }

    /** A suspect being assembled; parts for the same site (from an exact group and an estimate) add up. */
    private static final class Parts {
        /** The wait named from the representative stack (exact for JDK waits), or null to keep the group's. */
        String reason;
        int count, total;
        long oldest;
        StackTraceElement creationSite;
        List<StackTraceElement> stack = List.of();
        boolean estimated;

        void add(int count, int total, long oldest, StackTraceElement creationSite, Sampled sampled,
                 boolean estimated) {
            if (this.creationSite == null || count > this.count) {
                if (creationSite != null) this.creationSite = creationSite;
                if (sampled != null) {
                    this.stack = List.of(sampled.stack());
                    this.reason = sampled.reason();
                }
            }
            this.count += count;
            this.total += total;
            this.oldest = Math.max(this.oldest, oldest);
            this.estimated |= estimated;
        }
    }

    Sample sample() {
        Instant time = Instant.now();
        long start = System.nanoTime();
        long seq = ++sequence;
        boolean scanThreads = scanThreadsEvery > 0 && seq % scanThreadsEvery == 0;
        List<TaskGroup> groups = TaskRegistry.groups(stackSamples, Duration.ofNanos(minAgeNanos));

        Map<String, Integer> blockedByReason = new HashMap<>();
        int live = 0;
        Map<SiteKey, Parts> found = new LinkedHashMap<>();
        Map<SiteKey, Integer> counts = new HashMap<>();
        for (TaskGroup g : groups) {
            live += g.count();
            if (g.state() != TaskInfo.State.WAITING) continue; // runnable, or reclaimed and about to be reported
            String reason = g.waitReason() == null ? UNNAMED : g.waitReason();
            blockedByReason.merge(reason, g.count(), Integer::sum);
            if (g.blockingSite() != null) {
                SiteKey key = new SiteKey(Suspect.Kind.TASKS, reason, g.blockingSite());
                counts.merge(key, g.waitedAtLeast(), Integer::sum);
                if (g.waitedAtLeast() < minTasks) continue;
                found.computeIfAbsent(key, k -> new Parts()).add(g.waitedAtLeast(), g.count(), g.oldestWaitNanos(),
                        g.creationSite(), firstSampled(g.sample()), false);
            } else if (g.waitedAtLeast() >= minTasks) {
                estimate(g, reason, found, counts);
            }
        }
        if (scanThreads) scanThreads(System.nanoTime(), found, counts);

        List<Suspect> suspects = new ArrayList<>();
        for (Map.Entry<SiteKey, Parts> e : found.entrySet()) {
            SiteKey k = e.getKey();
            Parts p = e.getValue();
            int growth = p.count - previousCounts.getOrDefault(k, 0);
            String reason = p.reason != null ? p.reason : k.reason();
            Suspect s = new Suspect(k.kind(), reason, k.site(), p.count, p.total, Duration.ofNanos(p.oldest), growth,
                    p.creationSite, p.stack, p.estimated);
            if (!ignore.test(s)) suspects.add(s);
        }
        suspects.sort(Comparator.comparingInt(Suspect::count).reversed()
                .thenComparing(Comparator.comparingInt(Suspect::growth).reversed()));
        previousCounts = counts;

        List<TaskInfo> newlyReclaimed = countProvenLeaks();
        List<ProvenLeak> leaks = new ArrayList<>();
        for (Map.Entry<LeakKey, LeakCount> e : proven.entrySet()) {
            LeakKey k = e.getKey();
            LeakCount c = e.getValue();
            leaks.add(new ProvenLeak(k.reason(), k.blockingSite(), k.creationSite(), c.count, c.newCount,
                    Duration.ofNanos(c.longestNanos), c.lastTaskId));
        }
        leaks.sort(Comparator.comparingLong(ProvenLeak::count).reversed());

        return new Sample(time, Duration.ofNanos(System.nanoTime() - start), seq, live, blockedByReason,
                suspects, leaks, reclaimedAccounted, newlyReclaimed, scanThreads);
    }

    /** Splits a large group by creation site among the blocking sites found in the stacks of its sample. */
    private void estimate(TaskGroup g, String reason, Map<SiteKey, Parts> found, Map<SiteKey, Integer> counts) {
        Map<StackTraceElement, List<Sampled>> bySite = new LinkedHashMap<>();
        int taken = 0;
        for (TaskInfo t : g.sample()) {
            Sampled s = Sampled.of(t);
            if (s == null) continue; // ended since the count
            // No user frame: the body is a method reference straight into the blocking call (scope.go(ch::receive)),
            // and the line that names it is where it was spawned.
            StackTraceElement at = TaskDump.firstUserFrame(s.stack());
            bySite.computeIfAbsent(at != null ? at : g.creationSite(), k -> new ArrayList<>()).add(s);
            taken++;
        }
        if (taken == 0) return; // every sampled task has moved on: nothing to say this time
        for (Map.Entry<StackTraceElement, List<Sampled>> e : bySite.entrySet()) {
            int n = e.getValue().size();
            int count = (int) Math.round((double) g.waitedAtLeast() * n / taken);
            int total = (int) Math.round((double) g.count() * n / taken);
            SiteKey key = new SiteKey(Suspect.Kind.TASKS, reason, e.getKey());
            counts.merge(key, count, Integer::sum);
            if (count < minTasks) continue;
            found.computeIfAbsent(key, k -> new Parts())
                    .add(count, total, g.oldestWaitNanos(), g.creationSite(), e.getValue().get(0), taken < g.count());
        }
    }

    /** Raw threads from a JDK thread dump, less the threads of Tether tasks (which the registry covered). */
    private void scanThreads(long now, Map<SiteKey, Parts> found, Map<SiteKey, Integer> counts) {
        LongLongMap taskThreads = new LongLongMap(TaskRegistry.count());
        TaskRegistry.forEach(t -> t.thread().ifPresent(th -> taskThreads.put(th.threadId(), 1)));
        Snapshot dump = ThreadDumps.take();
        Map<SiteKey, ThreadGroup> groups = new LinkedHashMap<>();
        LongLongMap next = new LongLongMap(threadWaits.size());
        for (Entry e : dump.entries()) {
            if (e.id().isEmpty() || taskThreads.get(e.id().getAsLong()) != LongLongMap.MISSING) continue;
            Entry.State st = e.state();
            StackTraceElement[] full = elements(e.stack());
            String reason = JdkWaits.fromStack(full);
            boolean waiting = st == Entry.State.WAITING || st == Entry.State.TIMED_WAITING
                    || st == Entry.State.BLOCKED;
            // Some JDKs' JSON dumps give no state: then a known JDK wait on the stack says the thread is blocked.
            if (!waiting && !(st == Entry.State.UNKNOWN && reason != null)) continue;
            StackTraceElement[] stack = TaskDump.trimmed(full);
            StackTraceElement site = TaskDump.firstUserFrame(stack);
            if (site == null) continue; // JVM and JDK machinery with no user code: not the user's leak
            if (reason == null) reason = st == Entry.State.BLOCKED ? "monitor enter" : UNNAMED;
            long age = threadWaitAge(next, e.id().getAsLong(), reason, now);
            groups.computeIfAbsent(new SiteKey(Suspect.Kind.THREADS, reason, site), k -> new ThreadGroup())
                    .add(age, minAgeNanos, new Sampled(stack, reason));
        }
        threadWaits = next;
        for (Map.Entry<SiteKey, ThreadGroup> e : groups.entrySet()) {
            ThreadGroup g = e.getValue();
            counts.merge(e.getKey(), g.aged, Integer::sum);
            if (g.aged >= minTasks) {
                found.computeIfAbsent(e.getKey(), k -> new Parts()).add(g.aged, g.total, g.oldest, null, g.stack,
                        false);
            }
        }
    }

    /**
     * The age of a raw thread's wait: since the first scan that saw this thread in a wait of this name. {@code next}
     * gets the entry for the following scan.
     */
    private long threadWaitAge(LongLongMap next, long id, String reason, long now) {
        int idx = reasonIndex.computeIfAbsent(reason, r -> reasonIndex.size()) & 0xFFFF;
        long nowMillis = (now - origin) / 1_000_000;
        long prev = threadWaits.get(id);
        long first = prev != LongLongMap.MISSING && (prev & 0xFFFF) == idx ? prev >>> 16 : nowMillis;
        next.put(id, first << 16 | idx);
        return (nowMillis - first) * 1_000_000;
    }

    /** Counts the tasks proven leaked since the last sample; returns those the registry still kept. */
    private List<TaskInfo> countProvenLeaks() {
        for (LeakCount c : proven.values()) c.newCount = 0;
        long total = TaskRegistry.reclaimedCount(); // before the list: the list may hold more, never fewer
        List<TaskInfo> kept = TaskRegistry.reclaimed();
        List<TaskInfo> newly = new ArrayList<>();
        for (TaskInfo t : kept) if (!reclaimedKept.contains(t.id())) newly.add(t);
        reclaimedKept = ids(kept);
        for (TaskInfo t : newly) {
            LeakCount c = proven.computeIfAbsent(new LeakKey(t.waitReason(), t.blockingSite().orElse(null),
                    t.creationSite().orElse(null)), k -> new LeakCount());
            c.count++;
            c.newCount++;
            c.longestNanos = Math.max(c.longestNanos, t.waited().orElse(Duration.ZERO).toNanos());
            c.lastTaskId = t.id();
        }
        long dropped = total - reclaimedAccounted - newly.size(); // reclaimed and dropped before any sample saw them
        if (dropped > 0) {
            LeakCount c = proven.computeIfAbsent(new LeakKey(null, null, null), k -> new LeakCount());
            c.count += dropped;
            c.newCount += dropped;
        }
        reclaimedAccounted += newly.size() + Math.max(0, dropped);
        return newly;
    }

    private static Set<Long> ids(List<TaskInfo> tasks) {
        Set<Long> ids = new HashSet<>(tasks.size() * 2);
        for (TaskInfo t : tasks) ids.add(t.id());
        return ids;
    }

    /** A task's trimmed stack, taken now, and its wait named from it. */
    private record Sampled(StackTraceElement[] stack, String reason) {
        /** Null if the task has ended. */
        static Sampled of(TaskInfo t) {
            if (t == null) return null;
            StackTraceElement[] raw = t.stackTrace();
            if (raw.length == 0) return null;
            return new Sampled(TaskDump.trimmed(raw), t.refinedWaitReason(raw));
        }
    }

    private static Sampled firstSampled(List<TaskInfo> sample) {
        for (TaskInfo t : sample) {
            Sampled s = Sampled.of(t);
            if (s != null) return s;
        }
        return null;
    }

    private static StackTraceElement[] elements(List<Frame> stack) {
        return stack.stream().map(Frame::toStackTraceElement).toArray(StackTraceElement[]::new);
    }
}
