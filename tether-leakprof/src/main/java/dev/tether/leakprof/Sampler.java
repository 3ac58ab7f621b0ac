package dev.tether.leakprof;

import dev.tether.JdkWaits;
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
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The work of one {@link LeakDetector} sample, and the state it keeps from one sample to the next (JDK-wait ages,
 * counts for growth, proven leaks seen). Called by one thread at a time.
 *
 * <h2>Algorithm</h2>
 * <ol>
 *   <li>One pass over a registry snapshot puts every blocked task in a group: by its recorded blocking site and
 *       wait reason when it has one (exact), else by creation site and wait reason. Each group counts its tasks,
 *       those at least {@code minAge} old, the oldest wait, and keeps a uniform random sample (reservoir) of the old
 *       ones. No stack is taken in this pass, so it costs the same for a million tasks as for a thousand, per task.
 *   <li>Only groups with at least {@code minTasks} old tasks go on. An exact group is a suspect as it stands (one
 *       stack taken, as the representative). A group by creation site takes the stacks of its sampled tasks, finds
 *       the blocking site in each (the first frame of user code under the blocking operation), and divides its
 *       counts among the sites found, in proportion; each share that still reaches {@code minTasks} is a suspect,
 *       marked estimated.
 *   <li>Growth is the difference from the same site's count in the previous sample.
 * </ol>
 * A task in a JDK wait has no recorded start: it is aged from the first sample that saw it in a wait of that name,
 * kept in a map from task id to (first seen, wait) that holds only the tasks in JDK waits at the last sample.
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
    private final SplittableRandom random = new SplittableRandom();
    private long sequence;
    private LongLongMap taskWaits = new LongLongMap(16);
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

    /** Tasks (or threads) blocked with one wait reason at one site. */
    private final class Group {
        final String reason;
        final StackTraceElement site;
        final TaskInfo[] sample = new TaskInfo[stackSamples];
        /** Only for exact groups: the creation sites of the old tasks, to name the most common. */
        final IdentityHashMap<StackTraceElement, int[]> creators;
        int total, aged;
        long oldest;
        Sampled threadStack; // for raw threads: the first old one's stack

        Group(String reason, StackTraceElement site, boolean exact) {
            this.reason = reason;
            this.site = site;
            this.creators = exact ? new IdentityHashMap<>() : null;
        }

        /** Counts a waiter of age {@code age}; {@code t} is null for a raw thread. */
        void add(TaskInfo t, long age) {
            total++;
            if (age > oldest) oldest = age;
            if (age < minAgeNanos) return;
            int n = aged++;
            if (t == null) return;
            if (creators != null) {
                StackTraceElement c = t.creationSite().orElse(null);
                creators.computeIfAbsent(c, k -> new int[1])[0]++;
            }
            if (n < sample.length) {
                sample[n] = t;
            } else {
                int j = random.nextInt(n + 1);
                if (j < sample.length) sample[j] = t;
            }
        }

        StackTraceElement topCreator() {
            StackTraceElement best = null;
            int most = 0;
            for (Map.Entry<StackTraceElement, int[]> e : creators.entrySet()) {
                if (e.getKey() != null && e.getValue()[0] > most) {
                    best = e.getKey();
                    most = e.getValue()[0];
                }
            }
            return best;
        }
    }

    /** Groups keyed by site (identity: the registry shares one element per site), then by reason. */
    private final class Groups {
        final IdentityHashMap<StackTraceElement, HashMap<String, Group>> bySite = new IdentityHashMap<>();
        final boolean exact;

        Groups(boolean exact) {
            this.exact = exact;
        }

        Group get(StackTraceElement site, String reason) {
            return bySite.computeIfAbsent(site, k -> new HashMap<>())
                    .computeIfAbsent(reason, r -> new Group(r, site, exact));
        }

        Iterable<Group> all() {
            List<Group> out = new ArrayList<>();
            for (HashMap<String, Group> m : bySite.values()) out.addAll(m.values());
            return out;
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
        List<TaskInfo> tasks = TaskRegistry.snapshot();
        long now = System.nanoTime();

        Map<String, int[]> blocked = new HashMap<>();
        Groups exact = new Groups(true), byCreation = new Groups(false);
        LongLongMap nextTaskWaits = new LongLongMap(taskWaits.size());
        for (TaskInfo t : tasks) {
            if (t.state() != TaskInfo.State.WAITING) continue; // runnable, or reclaimed and about to be reported
            String reason = t.waitReason() == null ? UNNAMED : t.waitReason();
            blocked.computeIfAbsent(reason, k -> new int[1])[0]++;
            long age = t.inTetherWait()
                    ? t.waited().orElse(Duration.ZERO).toNanos()
                    : jdkWaitAge(taskWaits, nextTaskWaits, t.id(), reason, now);
            StackTraceElement site = t.blockingSite().orElse(null);
            Group g = site != null ? exact.get(site, reason) : byCreation.get(t.creationSite().orElse(null), reason);
            g.add(t, age);
        }
        taskWaits = nextTaskWaits;

        Map<SiteKey, Parts> found = new LinkedHashMap<>();
        Map<SiteKey, Integer> counts = new HashMap<>();
        for (Group g : exact.all()) {
            SiteKey key = new SiteKey(Suspect.Kind.TASKS, g.reason, g.site);
            counts.merge(key, g.aged, Integer::sum);
            if (g.aged < minTasks) continue;
            found.computeIfAbsent(key, k -> new Parts())
                    .add(g.aged, g.total, g.oldest, g.topCreator(), firstSampled(g.sample), false);
        }
        for (Group g : byCreation.all()) {
            if (g.aged >= minTasks) estimate(g, found, counts);
        }

        boolean scanThreads = scanThreadsEvery > 0 && seq % scanThreadsEvery == 0;
        if (scanThreads) scanThreads(tasks, now, found, counts);

        List<Suspect> suspects = new ArrayList<>();
        for (Map.Entry<SiteKey, Parts> e : found.entrySet()) {
            SiteKey k = e.getKey();
            Parts p = e.getValue();
            int growth = p.count - previousCounts.getOrDefault(k, 0);
            Suspect s = new Suspect(k.kind(), p.reason != null ? p.reason : k.reason(), k.site(), p.count, p.total, Duration.ofNanos(p.oldest),
                    growth, p.creationSite, p.stack, p.estimated);
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

        Map<String, Integer> blockedByReason = new HashMap<>();
        blocked.forEach((r, n) -> blockedByReason.put(r, n[0]));
        return new Sample(time, Duration.ofNanos(System.nanoTime() - start), seq, tasks.size(), blockedByReason,
                suspects, leaks, reclaimedAccounted, newlyReclaimed, scanThreads);
    }

    /** Splits a large group by creation site among the blocking sites found in the stacks of its sample. */
    private void estimate(Group g, Map<SiteKey, Parts> found, Map<SiteKey, Integer> counts) {
        Map<StackTraceElement, List<Sampled>> bySite = new LinkedHashMap<>();
        int taken = 0;
        for (TaskInfo t : g.sample) {
            Sampled s = Sampled.of(t);
            if (s == null) continue; // ended since the snapshot
            bySite.computeIfAbsent(userFrame(s.stack()), k -> new ArrayList<>()).add(s);
            taken++;
        }
        if (taken == 0) return; // every sampled task has moved on: nothing to say this time
        for (Map.Entry<StackTraceElement, List<Sampled>> e : bySite.entrySet()) {
            int n = e.getValue().size();
            int count = (int) Math.round((double) g.aged * n / taken);
            int total = (int) Math.round((double) g.total * n / taken);
            SiteKey key = new SiteKey(Suspect.Kind.TASKS, g.reason, e.getKey());
            counts.merge(key, count, Integer::sum);
            if (count < minTasks) continue;
            found.computeIfAbsent(key, k -> new Parts())
                    .add(count, total, g.oldest, g.site, e.getValue().get(0), taken < g.aged);
        }
    }

    /** Raw threads from a JDK thread dump, less the threads of Tether tasks (which the registry covered). */
    private void scanThreads(List<TaskInfo> tasks, long now, Map<SiteKey, Parts> found,
                             Map<SiteKey, Integer> counts) {
        LongLongMap taskThreads = new LongLongMap(tasks.size());
        for (TaskInfo t : tasks) t.thread().ifPresent(th -> taskThreads.put(th.threadId(), 1));
        Snapshot dump = ThreadDumps.take();
        Groups groups = new Groups(false);
        Map<StackTraceElement, StackTraceElement> canonical = new HashMap<>(); // groups match sites by identity
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
            StackTraceElement site = userFrame(stack);
            if (site == null) continue; // JVM and JDK machinery with no user code: not the user's leak
            site = canonical.computeIfAbsent(site, k -> k);
            if (reason == null) reason = st == Entry.State.BLOCKED ? "monitor enter" : UNNAMED;
            long age = jdkWaitAge(threadWaits, next, e.id().getAsLong(), reason, now);
            Group g = groups.get(site, reason);
            if (age >= minAgeNanos && g.threadStack == null) g.threadStack = new Sampled(stack, reason);
            g.add(null, age);
        }
        threadWaits = next;
        for (Group g : groups.all()) {
            SiteKey key = new SiteKey(Suspect.Kind.THREADS, g.reason, g.site);
            counts.merge(key, g.aged, Integer::sum);
            if (g.aged >= minTasks) {
                found.computeIfAbsent(key, k -> new Parts()).add(g.aged, g.total, g.oldest, null, g.threadStack,
                        false);
            }
        }
    }

    /**
     * The age of a JDK wait: since the first sample that saw this id in a wait of this name. {@code next} gets the
     * entry for the following sample.
     */
    private long jdkWaitAge(LongLongMap before, LongLongMap next, long id, String reason, long now) {
        int idx = reasonIndex.computeIfAbsent(reason, r -> reasonIndex.size()) & 0xFFFF;
        long nowMillis = (now - origin) / 1_000_000;
        long prev = before.get(id);
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

    private static Sampled firstSampled(TaskInfo[] sample) {
        for (TaskInfo t : sample) {
            Sampled s = Sampled.of(t);
            if (s != null) return s;
        }
        return null;
    }

    /**
     * The blocking site in a trimmed stack: the first frame of user code, skipping the JDK and Tether's own
     * operations. Null if there is none.
     */
    static StackTraceElement userFrame(StackTraceElement[] stack) {
        for (StackTraceElement f : stack) if (!isLibrary(f.getClassName())) return f;
        return null;
    }

    private static boolean isLibrary(String c) {
        return c.startsWith("java.") || c.startsWith("javax.") || c.startsWith("jdk.") || c.startsWith("sun.")
                || c.startsWith("com.sun.")
                || (c.startsWith("dev.tether.") && c.indexOf('.', "dev.tether.".length()) < 0)
                || c.startsWith("dev.tether.dump.");
    }

    private static StackTraceElement[] elements(List<Frame> frames) {
        StackTraceElement[] out = new StackTraceElement[frames.size()];
        for (int i = 0; i < out.length; i++) {
            Frame f = frames.get(i);
            out[i] = new StackTraceElement(f.className(), f.methodName(), f.file(), f.line());
        }
        return out;
    }
}
