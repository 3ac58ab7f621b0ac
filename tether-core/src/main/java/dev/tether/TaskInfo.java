package dev.tether;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What the registry knew about one live task at the moment of a {@link TaskRegistry#snapshot()}: an immutable
 * value, except that {@link #stackTrace()} reads the task's stack now.
 *
 * <p>The wait reason uses Go's words for Tether's own waits ({@code "chan send"}, {@code "chan receive"},
 * {@code "select"}) and short names for JDK waits ({@code "sleep"}, {@code "lock"}, {@code "latch await"},
 * {@code "queue take"}, {@code "IO wait"}, ...). For JDK waits a snapshot names the wait from the thread's park
 * blocker, which is cheap; {@link #refinedWaitReason(StackTraceElement[])} names it exactly from a stack.
 */
public final class TaskInfo {

    /** What a task was doing when the snapshot was taken. */
    public enum State {
        /** Running or ready to run. */
        RUNNABLE,
        /** Blocked: in a Tether operation, or in a JDK wait (sleep, lock, queue, I/O, ...). */
        WAITING,
        /**
         * The garbage collector reclaimed the task's thread while it was blocked: nothing can ever wake it, so the
         * task is certainly leaked. Possible only when the JDK does not itself keep virtual threads reachable.
         */
        UNREACHABLE
    }

    /**
     * An owner of tasks: a {@link TaskScope}, a {@link Group}, a {@link WorkerPool}, or a task that spawned other
     * tasks.
     *
     * @param kind   what kind of owner
     * @param id     the scope's or task's id (tasks and scopes share one sequence)
     * @param name   the name given at creation, or null
     * @param site   where the task was spawned, or null if unknown; for a scope, group or pool, where it was opened,
     *               recorded only with {@code -Dtether.exactCreationSites=true} (else null: see {@link TaskScope})
     * @param parent the owner's own owner, or null at the top of the chain
     */
    public record Owner(Kind kind, long id, String name, StackTraceElement site, Owner parent) {
        /** The kinds of owner. */
        public enum Kind {
            TASK, SCOPE, GROUP, POOL;

            private final String label = name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Go-style short form, e.g. {@code task 17}, {@code scope 3}, {@code group 8} or {@code pool 5}. */
        @Override
        public String toString() {
            return kind.label + " " + id;
        }
    }

    private final long id;
    private final String name;
    private final State state;
    private final String waitReason;
    private final long waitedNanos;
    private final WaitReason tetherReason;
    private final long waitOn;
    private final StackTraceElement creationSite;
    private final StackTraceElement blockingSite;
    private final Owner owner;
    private final WeakReference<Thread> thread;
    private final boolean tetherWait;
    /** For a JDK wait: how long since a registry scan first saw it; else -1. */
    private final long observedNanos;

    TaskInfo(TaskRecord r, long now) {
        this.id = r.id;
        this.name = r.name;
        this.creationSite = r.site;
        this.owner = r.owner;
        this.thread = r;
        WaitReason reason = r.reason;
        long since = r.waitSince;
        long on = r.waitOn;
        this.blockingSite = reason == null ? null : r.waitAt;
        Thread t = r.get();
        this.tetherReason = reason;
        this.waitOn = on;
        if (reason != null) {
            this.tetherWait = true;
            this.state = t == null ? State.UNREACHABLE : State.WAITING;
            this.waitReason = reason.label;
            this.waitedNanos = Math.max(0, now - since);
            this.observedNanos = -1;
        } else {
            this.tetherWait = false;
            this.waitedNanos = -1;
            String jdk = t == null ? null : JdkWaits.fromBlocker(t);
            this.state = t == null ? State.UNREACHABLE : jdk == null ? State.RUNNABLE : State.WAITING;
            this.waitReason = jdk;
            if (jdk != null) {
                this.observedNanos = observe(r, t, jdk, now);
            } else {
                this.observedNanos = -1;
                if (r.jdkWaitSeen != 0) r.jdkWaitSeen = 0; // the next JDK wait is a new one
            }
        }
    }

    /** Dates the JDK wait {@code jdk} of {@code r} by the first scan that saw it; returns its age so far. */
    private static long observe(TaskRecord r, Thread t, String jdk, long now) {
        Object blocker = java.util.concurrent.locks.LockSupport.getBlocker(t);
        int key = blocker != null ? System.identityHashCode(blocker) : jdk.hashCode();
        long seen = r.jdkWaitSeen;
        if (seen == 0 || r.jdkWaitKey != key) {
            r.jdkWaitKey = key;
            r.jdkWaitSeen = seen = now == 0 ? 1 : now;
        }
        return Math.max(0, now - seen);
    }

    private static String describeWaitOn(WaitReason reason, long on) {
        if (reason == null || on == 0) return null;
        return switch (reason) {
            case CHAN_SEND, CHAN_RECEIVE -> "chan " + on;
            case TASK_JOIN -> "task " + on;
            case SCOPE_CLOSE -> "scope " + on;
            case GROUP_SLOT, GROUP_WAIT -> "group " + on;
            case POOL_SUBMIT, POOL_IDLE -> "pool " + on;
            case SELECT, CHILDREN, WAIT_GROUP -> null;
        };
    }

    /** The task's id, unique in this process; ids of tasks and scopes come from one increasing sequence. */
    public long id() {
        return id;
    }

    /** The name given when the task was spawned, if any. */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /** What the task was doing at the snapshot: runnable, waiting, or unreachable (a proven leak). */
    public State state() {
        return state;
    }

    /**
     * Why the task waits ({@code "chan send"}, {@code "select"}, {@code "sleep"}, ...), or null if it is runnable or
     * its wait could not be named.
     */
    public String waitReason() {
        return waitReason;
    }

    /** True if the task waits inside a Tether operation, whose reason and duration are then exact. */
    public boolean inTetherWait() {
        return tetherWait;
    }

    /** How long the task had waited in a Tether operation at the snapshot; empty for JDK waits and runnable tasks. */
    public Optional<Duration> waited() {
        return waitedNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(waitedNanos));
    }

    /**
     * How long the task has waited, at least: for a Tether wait its exact duration ({@link #waited()}); for a JDK
     * wait, the time since a scan of the registry ({@link TaskRegistry#snapshot()}, {@link TaskRegistry#groups},
     * {@link TaskRegistry#forEach}, a dump) first saw the task in that wait, which is zero at the first scan and a
     * lower bound after. A task that woke and waited again on the same object between two scans counts as one wait.
     * Empty for a runnable task.
     */
    public Optional<Duration> waitedAtLeast() {
        if (waitedNanos >= 0) return Optional.of(Duration.ofNanos(waitedNanos));
        return observedNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(observedNanos));
    }

    /** What the task waits on, e.g. {@code "chan 12"}, if known. */
    public Optional<String> waitingOn() {
        return Optional.ofNullable(describeWaitOn(tetherReason, waitOn));
    }

    /** The frame of the code that spawned the task, if known. */
    public Optional<StackTraceElement> creationSite() {
        return Optional.ofNullable(creationSite);
    }

    /**
     * The frame of user code that called the Tether operation the task waits in, if it was recorded: only when
     * blocking sites are on (by default exactly when {@link TaskRegistry#provesLeaks()}; see there). Otherwise, and
     * for JDK waits, take it from {@link #stackTrace()}.
     */
    public Optional<StackTraceElement> blockingSite() {
        return Optional.ofNullable(blockingSite);
    }

    /** The scope or task that owns this task; empty for a detached task. */
    public Optional<Owner> owner() {
        return Optional.ofNullable(owner);
    }

    /** True for a task spawned with {@link Task#detached}: it has no owner and lives until it ends by itself. */
    public boolean detached() {
        return owner == null;
    }

    /** The task's thread, while it is still reachable. */
    public Optional<Thread> thread() {
        return Optional.ofNullable(thread.get());
    }

    /**
     * The task's stack as of now (not as of the snapshot); empty if the task has ended or its thread is gone.
     * Costs about as much as {@link Thread#getStackTrace()}.
     */
    public StackTraceElement[] stackTrace() {
        Thread t = thread.get();
        return t == null ? new StackTraceElement[0] : t.getStackTrace();
    }

    /**
     * The wait reason, named from {@code stack} (this task's stack) when the task is in a JDK wait; for Tether waits
     * and runnable tasks, {@link #waitReason()}.
     */
    public String refinedWaitReason(StackTraceElement[] stack) {
        Objects.requireNonNull(stack, "stack");
        if (tetherWait || state != State.WAITING) return waitReason;
        String named = JdkWaits.fromStack(stack);
        return named != null ? named : waitReason;
    }

    @Override
    public String toString() {
        return "task " + id + (name == null ? "" : " \"" + name + "\"") + " [" + (waitReason != null ? waitReason
                : state.name().toLowerCase()) + "]";
    }
}
