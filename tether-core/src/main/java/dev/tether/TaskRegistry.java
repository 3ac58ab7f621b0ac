package dev.tether;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The live tasks of this process: Go's {@code runtime.NumGoroutine} and the data behind
 * {@code /debug/pprof/goroutine}. Every {@link Task} is registered from spawn until it has finished (body done and
 * its own tasks finished).
 *
 * <p>The registry is always on and costs nothing while tasks run: a spawn links one small record, a task's end
 * unlinks it, and a Tether operation writes to it only when it is about to block. It holds task threads weakly:
 * a blocked task whose thread the garbage collector reclaims stays listed, with state
 * {@link TaskInfo.State#UNREACHABLE}, as a proven leak.
 *
 * <h2>Implementation notes</h2>
 * Records live in {@value #STRIPES} intrusive doubly-linked lists chosen by task id, each guarded by its own
 * monitor, so spawning from many threads rarely contends and removal is O(1). The count is the sum of the stripes'
 * counts; a snapshot visits the stripes one at a time and so is not atomic across them — a task that starts or ends
 * during the snapshot may or may not appear, as with Go's goroutine profile.
 */
public final class TaskRegistry {
    private TaskRegistry() {
    }

    private static final int STRIPES = 64;

    private static final class Stripe {
        TaskRecord head;
        volatile int count;
    }

    private static final Stripe[] stripes = new Stripe[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) stripes[i] = new Stripe();
    }

    private static Stripe stripe(long id) {
        return stripes[(int) (id ^ (id >>> 7)) & (STRIPES - 1)];
    }

    static void add(TaskRecord r) {
        Stripe s = stripe(r.id);
        synchronized (s) {
            TaskRecord h = s.head;
            r.next = h;
            if (h != null) h.prev = r;
            s.head = r;
            s.count = s.count + 1;
        }
    }

    static void remove(TaskRecord r) {
        Stripe s = stripe(r.id);
        synchronized (s) {
            TaskRecord p = r.prev, n = r.next;
            if (p == null) s.head = n;
            else p.next = n;
            if (n != null) n.prev = p;
            r.prev = r.next = null;
            s.count = s.count - 1;
        }
    }

    /** The number of live tasks. Never blocks; costs a few dozen memory reads however many tasks there are. */
    public static int count() {
        int n = 0;
        for (Stripe s : stripes) n += s.count;
        return n;
    }

    /**
     * A snapshot of every live task, in no particular order. Costs time and memory proportional to the number of
     * tasks (well under a microsecond each) and takes no stacks; see {@link TaskInfo#stackTrace()}.
     */
    public static List<TaskInfo> snapshot() {
        List<TaskInfo> out = new ArrayList<>(count() + 16);
        long now = System.nanoTime();
        for (Stripe s : stripes) {
            synchronized (s) {
                for (TaskRecord r = s.head; r != null; r = r.next) out.add(new TaskInfo(r, now));
            }
        }
        return out;
    }

    /**
     * Live tasks grouped by wait reason, state and creation site, largest group first, each with its count, its
     * oldest Tether wait and a uniform random sample of up to {@code sampleSize} tasks. Unlike {@link #snapshot()}
     * this builds no per-task object (only the samples), so it suits a million tasks. Not atomic across the
     * registry, like {@code snapshot()}.
     *
     * @throws IllegalArgumentException if {@code sampleSize} is negative
     */
    public static List<TaskGroup> groups(int sampleSize) {
        if (sampleSize < 0) throw new IllegalArgumentException("sampleSize must be >= 0, was " + sampleSize);
        long now = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom();
        // Tether waits: by site, then by reason ordinal (no allocation per task). Other tasks: by a composite key.
        IdentityHashMap<StackTraceElement, Acc[]> tether = new IdentityHashMap<>();
        Map<List<Object>, Acc> other = new HashMap<>();
        int reasons = WaitReason.values().length;
        for (Stripe s : stripes) {
            synchronized (s) {
                for (TaskRecord r = s.head; r != null; r = r.next) {
                    WaitReason reason = r.reason;
                    Acc a;
                    if (reason != null && r.get() != null) {
                        Acc[] bySite = tether.computeIfAbsent(r.site, k -> new Acc[reasons]);
                        a = bySite[reason.ordinal()];
                        if (a == null) bySite[reason.ordinal()] = a = new Acc(reason.label, TaskInfo.State.WAITING,
                                r.site, sampleSize);
                        long waited = now - r.waitSince;
                        if (waited > a.oldest) a.oldest = waited;
                    } else {
                        TaskInfo info = new TaskInfo(r, now);
                        StackTraceElement site = r.site;
                        a = other.computeIfAbsent(List.of(Objects.requireNonNullElse(info.waitReason(), ""),
                                        info.state(), Objects.requireNonNullElse(site, "")),
                                k -> new Acc(info.waitReason(), info.state(), site, sampleSize));
                    }
                    a.add(r, now, rnd);
                }
            }
        }
        List<TaskGroup> out = new ArrayList<>();
        for (Acc[] bySite : tether.values()) {
            for (Acc a : bySite) if (a != null) out.add(a.toGroup());
        }
        for (Acc a : other.values()) out.add(a.toGroup());
        out.sort((x, y) -> Integer.compare(y.count(), x.count()));
        return out;
    }

    /** A group being counted: its reservoir sample holds TaskInfo built when a record is drawn. */
    private static final class Acc {
        final String reason;
        final TaskInfo.State state;
        final StackTraceElement site;
        final TaskInfo[] sample;
        int count;
        long oldest = -1;

        Acc(String reason, TaskInfo.State state, StackTraceElement site, int sampleSize) {
            this.reason = reason;
            this.state = state;
            this.site = site;
            this.sample = new TaskInfo[sampleSize];
        }

        void add(TaskRecord r, long now, SplittableRandom rnd) {
            int n = count++;
            if (n < sample.length) {
                sample[n] = new TaskInfo(r, now);
            } else if (sample.length > 0) {
                int j = rnd.nextInt(n + 1);
                if (j < sample.length) sample[j] = new TaskInfo(r, now);
            }
        }

        TaskGroup toGroup() {
            int k = Math.min(count, sample.length);
            return new TaskGroup(reason, state, site, count, oldest, List.of(java.util.Arrays.copyOf(sample, k)));
        }
    }
}
