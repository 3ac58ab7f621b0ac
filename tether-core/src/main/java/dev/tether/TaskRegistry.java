package dev.tether;

import java.util.ArrayList;
import java.util.List;

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
}
