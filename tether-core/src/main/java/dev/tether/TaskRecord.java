package dev.tether;

import java.lang.ref.WeakReference;

/**
 * The registry's entry for one live task.
 *
 * <p>It refers to the task's thread only weakly: the registry must never be what keeps a blocked task's virtual
 * thread reachable, so that a thread the garbage collector reclaims while blocked can be reported as a task that
 * can never run again. It refers to no channel or context either, for the same reason (a channel's wait queue
 * leads to its waiters' threads); {@link #waitOn} is a channel's id, not the channel.
 *
 * <p>It does refer strongly to its {@link Task}, so that when the collector reclaims the thread the registry can
 * still finish the task (release its joiners and its owner). That link adds no path to the thread: a task reaches
 * its thread only through this weak reference.
 *
 * <p>The wait fields are written by the task's own thread only on the slow path of a blocking Tether operation,
 * and read racily by dumps: {@link #reason} is written last on entry and first on exit, so a dump that sees a
 * reason sees the since/on/at values of that wait or of a later one.
 */
final class TaskRecord extends WeakReference<Thread> {
    final long id;
    final String name;
    /** The frame that spawned the task, or null if unknown. */
    final StackTraceElement site;
    /** The owner; null for a detached task. */
    final TaskInfo.Owner owner;
    /** The task; null only for records built in tests. */
    final Task<?> task;

    volatile WaitReason reason;
    long waitSince;
    long waitOn;
    /** The user frame that called the blocking operation, if {@link TaskRegistry#BLOCKING_SITES} recorded it. */
    StackTraceElement waitAt;

    /**
     * When a registry scan first saw this task in its current JDK wait (0: not seen in one), and which wait (the
     * park blocker's identity hash, or the wait's name when there is no blocker). Written racily by scans, which
     * at worst date a wait a scan later or earlier.
     */
    long jdkWaitSeen;
    int jdkWaitKey;

    // Guarded by the registry stripe's monitor. A record is listed iff it is its stripe's head or has a prev.
    TaskRecord prev, next;

    TaskRecord(Thread thread, long id, String name, StackTraceElement site, TaskInfo.Owner owner, Task<?> task) {
        super(thread, TaskRegistry.RECLAIMED);
        this.id = id;
        this.name = name;
        this.site = site;
        this.owner = owner;
        this.task = task;
    }

    /**
     * Records that this task's thread is about to block; called by that thread. With blocking sites on, also finds
     * the user frame that called the operation (a stack walk of about 2 µs, paid only by a wait that blocks).
     */
    void beginWait(WaitReason r, long on) {
        waitAt = TaskRegistry.BLOCKING_SITES && r != WaitReason.CHILDREN ? CreationSites.caller() : null;
        waitSince = System.nanoTime();
        waitOn = on;
        reason = r;
    }

    void endWait() {
        reason = null;
    }
}
