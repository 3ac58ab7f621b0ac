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
 * <p>The wait fields are written by the task's own thread only on the slow path of a blocking Tether operation,
 * and read racily by dumps: {@link #reason} is written last on entry and first on exit, so a dump that sees a
 * reason sees the since/on values of that wait or of a later one.
 */
final class TaskRecord extends WeakReference<Thread> {
    final long id;
    final String name;
    /** The frame that spawned the task, or null if unknown. */
    final StackTraceElement site;
    /** The owner; null for a detached task. */
    final TaskInfo.Owner owner;

    volatile WaitReason reason;
    long waitSince;
    long waitOn;

    /** This task seen as the owner of the tasks it spawns; created on its first spawn. */
    private TaskInfo.Owner asOwner;

    // Guarded by the registry stripe's monitor.
    TaskRecord prev, next;

    TaskRecord(Thread thread, long id, String name, StackTraceElement site, TaskInfo.Owner owner) {
        super(thread);
        this.id = id;
        this.name = name;
        this.site = site;
        this.owner = owner;
    }

    /** Records that this task's thread is about to block; called by that thread. */
    void beginWait(WaitReason r, long on) {
        waitSince = System.nanoTime();
        waitOn = on;
        reason = r;
    }

    void endWait() {
        reason = null;
    }

    TaskInfo.Owner asOwner() {
        TaskInfo.Owner o = asOwner;
        if (o == null) asOwner = o = new TaskInfo.Owner(TaskInfo.Owner.Kind.TASK, id, name, site, owner);
        return o;
    }
}
