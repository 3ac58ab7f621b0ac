package dev.tether;

/** A task's own context: cancelling it interrupts the task's thread while its body runs. */
final class TaskContext extends CancelContext {
    private final Task<?> task;

    TaskContext(Context parent, Task<?> task) {
        super(parent, parent.deadlineNanos(), parent.deadlineOrNull());
        // If the parent was already done, super() cancelled this context before task was set; the task then sees
        // a done context when it starts and never runs its body, so no interrupt is needed.
        this.task = task;
    }

    Task<?> task() {
        return task;
    }

    @Override
    void onCancel() {
        Task<?> t = task;
        if (t != null) t.interruptIfRunning();
    }
}
