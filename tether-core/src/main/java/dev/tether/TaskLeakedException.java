package dev.tether;

import java.util.Objects;

/**
 * The failure of a task proven leaked: the garbage collector reclaimed its thread while it was blocked, so nothing
 * could ever have woken it (see {@link TaskRegistry}). {@link Task#join()} reports it as the cause of a
 * {@link TaskFailedException}; a detached task's goes to the uncaught-exception handler.
 *
 * <p>The exception has no stack trace of its own: the task's stack went with its thread. {@link #task()} says
 * where it was blocked and who spawned it.
 */
public final class TaskLeakedException extends RuntimeException {
    private final transient TaskInfo task;

    TaskLeakedException(TaskInfo task) {
        super(describe(task), null, false, false);
        this.task = task;
    }

    /** The task as the registry last knew it, with state {@link TaskInfo.State#UNREACHABLE}. */
    public TaskInfo task() {
        return task;
    }

    private static String describe(TaskInfo t) {
        Objects.requireNonNull(t, "task");
        StringBuilder b = new StringBuilder(t.toString().replace(" [unreachable]", ""));
        b.append(" leaked: the garbage collector reclaimed its thread while it was blocked");
        if (t.waitReason() != null) b.append(" in [").append(t.waitReason()).append(']');
        t.blockingSite().ifPresent(s -> b.append(" at ").append(s));
        t.waited().ifPresent(d -> b.append(" after ").append(d.toMillis()).append(" ms"));
        t.creationSite().ifPresent(s -> b.append("; created at ").append(s));
        t.owner().ifPresentOrElse(o -> b.append(" in ").append(o), () -> b.append(" (detached)"));
        return b.append(". Nothing could ever have woken it.").toString();
    }
}
