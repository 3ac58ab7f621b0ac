package dev.tether;

/** A task's own context: cancelling it interrupts the task's thread while its body runs. */
final class TaskContext extends CancelContext {
    /** Null once the task has ended: see {@link #end}. */
    private Task<?> task;

    TaskContext(Context parent, Task<?> task) {
        super(parent, parent.deadlineNanos(), parent.deadlineOrNull());
        // If the parent was already done, super() cancelled this context before task was set; the task then sees
        // a done context when it starts and never runs its body, so no interrupt is needed.
        this.task = task;
    }

    /**
     * Ends this context as its task ends (see {@link CancelContext#finish}) and drops the task: a done context may
     * stay linked in its parent until a sweep, and must not keep the task's result reachable meanwhile.
     */
    void end(CancelledException e) {
        finish(e);
        task = null;
    }

    @Override
    void onCancel() {
        Task<?> t = task;
        if (t != null) t.interruptIfRunning();
    }
}
