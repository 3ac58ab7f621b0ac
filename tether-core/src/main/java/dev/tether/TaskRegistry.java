package dev.tether;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.ReferenceQueue;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The live tasks of this process: Go's {@code runtime.NumGoroutine} and the data behind
 * {@code /debug/pprof/goroutine}. Every {@link Task} is registered from spawn until it has finished (body done and
 * its own tasks finished).
 *
 * <p>The registry is always on and costs nothing while tasks run: a spawn links one small record, a task's end
 * unlinks it, and a Tether operation writes to it only when it is about to block.
 *
 * <h2>Leaks proven by the garbage collector</h2>
 * The registry holds task threads weakly. A virtual thread blocked on a channel, lock or queue that no running code
 * can reach any more is itself unreachable, and the collector may reclaim it: the task can then never complete its
 * work (at most a cancellation could still have ended it). The registry notices, moves the task to
 * {@link #reclaimed()} as a proven leak with its wait reason, {@linkplain TaskInfo#blockingSite() blocking site} and
 * creation site, and finishes it with a {@link TaskLeakedException}, which releases its joiners and its owner.
 *
 * <p>This can happen only with {@code -Djdk.trackAllThreads=false} ({@link #provesLeaks()}): by default the JDK's
 * root thread container keeps every virtual thread reachable, leaked or not. With that setting, tasks also record
 * where they block ({@code -Dtether.blockingSites}, default on exactly when leaks can be proven), a stack walk of
 * about 2 µs on each wait that blocks, so that a reclaimed task's report names the line it was stuck at.
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
    /** How many proven leaks {@link #reclaimed()} keeps; older ones are only counted. */
    static final int RECLAIMED_KEPT = 4096;

    /**
     * True if the collector may reclaim a blocked virtual thread: the JDK keeps every virtual thread in its root
     * container unless {@code jdk.trackAllThreads} is set to something other than empty or "true"
     * (jdk.internal.vm.ThreadContainers reads it the same way).
     */
    static final boolean THREADS_COLLECTABLE;
    /** True if blocking Tether operations record the user frame that called them. */
    static final boolean BLOCKING_SITES;
    /** Records whose thread the collector cleared while they were listed; null when that cannot happen. */
    static final ReferenceQueue<Thread> RECLAIMED;

    static {
        String track = System.getProperty("jdk.trackAllThreads");
        THREADS_COLLECTABLE = !(track == null || track.isEmpty() || Boolean.parseBoolean(track));
        BLOCKING_SITES = Boolean.parseBoolean(System.getProperty("tether.blockingSites",
                String.valueOf(THREADS_COLLECTABLE)));
        RECLAIMED = THREADS_COLLECTABLE ? new ReferenceQueue<>() : null;
        if (RECLAIMED != null) Thread.ofPlatform().daemon().name("tether-reaper").start(TaskRegistry::reap);
    }

    private static final ArrayDeque<TaskInfo> reclaimedKept = new ArrayDeque<>();
    private static long reclaimedTotal; // guarded by reclaimedKept

    private static final class Stripe {
        TaskRecord head;
        /**
         * Guarded by the monitor, and read without it by {@link #count()}: written with release semantics and read
         * with acquire, not volatile, since a volatile write under the monitor costs each spawn and each task's end
         * a full fence that the count does not need.
         */
        int count;
    }

    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(Stripe.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
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
            COUNT.setRelease(s, s.count + 1);
        }
    }

    /** Unlinks a finished task's record; no effect if it is not listed (a reclaimed task was unlinked already). */
    static void remove(TaskRecord r) {
        unlink(r);
        r.clear(); // a finished task's thread is garbage, not a leak: never enqueue its record
    }

    private static boolean unlink(TaskRecord r) {
        Stripe s = stripe(r.id);
        synchronized (s) {
            if (r.prev == null && s.head != r) return false; // not listed
            TaskRecord p = r.prev, n = r.next;
            if (p == null) s.head = n;
            else p.next = n;
            if (n != null) n.prev = p;
            r.prev = r.next = null;
            COUNT.setRelease(s, s.count - 1);
            return true;
        }
    }

    /** The reaper: a daemon thread, started only when threads can be reclaimed, parked while nothing is. */
    private static void reap() {
        for (;;) {
            try {
                reclaim((TaskRecord) RECLAIMED.remove());
            } catch (InterruptedException e) {
                // Nothing owns this thread but the process; keep reaping.
            } catch (Throwable e) {
                // An Error while finishing one task (OutOfMemoryError, a throwing handler) must not stop the reaper.
                Thread.currentThread().getUncaughtExceptionHandler().uncaughtException(Thread.currentThread(), e);
            }
        }
    }

    /**
     * A listed task's thread was reclaimed while it was blocked: record the proven leak and finish the task. A
     * cleared record that is no longer listed belongs to a task that finished normally (unreachable if cleared
     * before being enqueued, but checked anyway).
     */
    static void reclaim(TaskRecord r) {
        TaskInfo info = new TaskInfo(r, System.nanoTime());
        if (!unlink(r)) return;
        synchronized (reclaimedKept) {
            if (reclaimedKept.size() == RECLAIMED_KEPT) reclaimedKept.removeFirst();
            reclaimedKept.addLast(info);
            reclaimedTotal++;
        }
        if (r.task != null) r.task.reclaimed(info);
    }

    /**
     * True if this JVM lets the garbage collector prove leaks: started with {@code -Djdk.trackAllThreads=false}. See
     * the class comment.
     */
    public static boolean provesLeaks() {
        return THREADS_COLLECTABLE;
    }

    /**
     * The most recent tasks proven leaked (up to {@value #RECLAIMED_KEPT}, oldest first), each with state
     * {@link TaskInfo.State#UNREACHABLE} and its wait as it was when the collector reclaimed its thread. Always empty
     * unless {@link #provesLeaks()}.
     */
    public static List<TaskInfo> reclaimed() {
        synchronized (reclaimedKept) {
            return List.copyOf(reclaimedKept);
        }
    }

    /** How many tasks have been proven leaked since the process started, including those no longer kept. */
    public static long reclaimedCount() {
        synchronized (reclaimedKept) {
            return reclaimedTotal;
        }
    }

    /** The number of live tasks. Never blocks; costs a few dozen memory reads however many tasks there are. */
    public static int count() {
        int n = 0;
        for (Stripe s : stripes) n += (int) COUNT.getAcquire(s);
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
     * Calls {@code action} with a view of every live task, in no particular order, building each view just before
     * the call: unlike {@link #snapshot()} nothing is kept, so a million tasks cost a million short-lived objects
     * rather than a million retained ones. The action runs on the calling thread and holds no lock of the registry;
     * it may do anything, including spawning tasks (which it may or may not then visit). Not atomic across the
     * registry, like {@code snapshot()}; a task that ends during the visit may still be visited.
     *
     * @throws NullPointerException if {@code action} is null
     */
    public static void forEach(Consumer<? super TaskInfo> action) {
        Objects.requireNonNull(action, "action");
        TaskRecord[] batch = new TaskRecord[256];
        for (Stripe s : stripes) {
            int n = 0;
            synchronized (s) {
                if (batch.length < s.count) batch = new TaskRecord[s.count + (s.count >> 2)];
                for (TaskRecord r = s.head; r != null; r = r.next) batch[n++] = r;
            }
            long now = System.nanoTime();
            for (int i = 0; i < n; i++) {
                TaskRecord r = batch[i];
                batch[i] = null;
                action.accept(new TaskInfo(r, now));
            }
        }
    }

    /** Same as {@link #groups(int, Duration) groups(sampleSize, Duration.ZERO)}. */
    public static List<TaskGroup> groups(int sampleSize) {
        return groups(sampleSize, Duration.ZERO);
    }

    /**
     * Live tasks grouped by wait reason, state, creation site and (where recorded) blocking site, largest group
     * first, each with its count, how many of its tasks have waited at least {@code minWait}
     * ({@link TaskInfo#waitedAtLeast()}), its longest wait, and a uniform random sample of up to {@code sampleSize}
     * tasks. Unlike {@link #snapshot()} this builds no per-task object for tasks in Tether waits (only the samples),
     * so it suits a million tasks. Not atomic across the registry, like {@code snapshot()}. Like every scan of the
     * registry, it dates the JDK waits it sees (see {@link TaskInfo#waitedAtLeast()}).
     *
     * @throws IllegalArgumentException if {@code sampleSize} or {@code minWait} is negative
     * @throws NullPointerException     if {@code minWait} is null
     */
    public static List<TaskGroup> groups(int sampleSize, Duration minWait) {
        if (sampleSize < 0) throw new IllegalArgumentException("sampleSize must be >= 0, was " + sampleSize);
        Objects.requireNonNull(minWait, "minWait");
        if (minWait.isNegative()) throw new IllegalArgumentException("minWait must not be negative, was " + minWait);
        long min = Context.saturatedNanos(minWait);
        long now = System.nanoTime();
        SplittableRandom rnd = new SplittableRandom();
        // Tether waits: by creation site, then blocking site, then reason ordinal (no allocation per task). Other
        // tasks: by a composite key.
        IdentityHashMap<StackTraceElement, IdentityHashMap<StackTraceElement, Acc[]>> tether = new IdentityHashMap<>();
        Map<List<Object>, Acc> other = new HashMap<>();
        int reasons = WaitReason.values().length;
        for (Stripe s : stripes) {
            synchronized (s) {
                for (TaskRecord r = s.head; r != null; r = r.next) {
                    WaitReason reason = r.reason;
                    if (reason != null && r.get() != null) {
                        StackTraceElement at = r.waitAt; // after reason: see TaskRecord
                        Acc[] byReason = tether.computeIfAbsent(r.site, k -> new IdentityHashMap<>())
                                .computeIfAbsent(at, k -> new Acc[reasons]);
                        Acc a = byReason[reason.ordinal()];
                        if (a == null) byReason[reason.ordinal()] = a = new Acc(reason.label, TaskInfo.State.WAITING,
                                r.site, at, sampleSize);
                        a.add(r, null, now - r.waitSince, min, now, rnd);
                    } else {
                        TaskInfo info = new TaskInfo(r, now);
                        StackTraceElement site = r.site;
                        Acc a = other.computeIfAbsent(List.of(Objects.requireNonNullElse(info.waitReason(), ""),
                                        info.state(), Objects.requireNonNullElse(site, "")),
                                k -> new Acc(info.waitReason(), info.state(), site, null, sampleSize));
                        a.add(r, info, info.waitedAtLeast().map(Duration::toNanos).orElse(-1L), min, now, rnd);
                    }
                }
            }
        }
        List<TaskGroup> out = new ArrayList<>();
        for (IdentityHashMap<StackTraceElement, Acc[]> byAt : tether.values()) {
            for (Acc[] byReason : byAt.values()) {
                for (Acc a : byReason) if (a != null) out.add(a.toGroup());
            }
        }
        for (Acc a : other.values()) out.add(a.toGroup());
        out.sort((x, y) -> Integer.compare(y.count(), x.count()));
        return out;
    }

    /** A group being counted: its reservoir sample holds TaskInfo built when a record is drawn. */
    private static final class Acc {
        final String reason;
        final TaskInfo.State state;
        final StackTraceElement site, at;
        final TaskInfo[] sample;
        int count, aged;
        long oldest = -1;

        Acc(String reason, TaskInfo.State state, StackTraceElement site, StackTraceElement at, int sampleSize) {
            this.reason = reason;
            this.state = state;
            this.site = site;
            this.at = at;
            this.sample = new TaskInfo[sampleSize];
        }

        /** Counts {@code r} (whose view is {@code info}, if already built), waiting for {@code waited} ns or -1. */
        void add(TaskRecord r, TaskInfo info, long waited, long min, long now, SplittableRandom rnd) {
            if (waited > oldest) oldest = waited;
            if (waited >= min) aged++;
            int n = count++;
            if (n < sample.length) {
                sample[n] = info != null ? info : new TaskInfo(r, now);
            } else if (sample.length > 0) {
                int j = rnd.nextInt(n + 1);
                if (j < sample.length) sample[j] = info != null ? info : new TaskInfo(r, now);
            }
        }

        TaskGroup toGroup() {
            int k = Math.min(count, sample.length);
            return new TaskGroup(reason, state, site, at, count, aged, oldest,
                    List.of(java.util.Arrays.copyOf(sample, k)));
        }
    }
}
