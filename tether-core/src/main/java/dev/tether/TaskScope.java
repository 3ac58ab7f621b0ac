package dev.tether;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * An owner for tasks, bounded by a block of code: tasks spawned with {@link #go} cannot outlive it.
 *
 * <pre>{@code
 * try (TaskScope scope = TaskScope.open()) {
 *     Task<Price> price = scope.go(() -> prices.lookup(item));
 *     Task<Stock> stock = scope.go(() -> inventory.check(item));
 *     return new Offer(price.join(), stock.join());
 * }   // close(): anything still running is cancelled, and waited for
 * }</pre>
 *
 * <p>A scope has its own context, a cancellable child of the context current when it was opened (or of the one
 * given to {@link #open(Context)}); its tasks' contexts derive from it. {@link #close()} stops intake, cancels that
 * context, which interrupts every task still running, and waits until all of them have finished. To wait for
 * results rather than cancel, {@linkplain Task#join() join} the tasks before the block ends.
 *
 * <p>A scope is safe to use from several threads. If opened inside a task it is listed in dumps as owned by that
 * task, so an owner chain reads {@code task 9 <- scope 4 <- task 2}.
 */
public final class TaskScope implements AutoCloseable {
    private final CancelContext context;
    private final Children children;
    private final TaskInfo.Owner info;

    /**
     * The owner behind a scope, a {@link Group} or a {@link WorkerPool}: {@code kind} is how dumps name it
     * ({@code scope 3}, {@code group 8}, {@code pool 5}). {@code onExit}, if not null, runs each time one of its
     * tasks has finished, whether or not its body ran.
     */
    TaskScope(TaskInfo.Owner.Kind kind, Context parent, String name, Consumer<Task<?>> onExit) {
        this.context = parent.withCancel();
        Task<?> opener = Task.current0();
        this.info = new TaskInfo.Owner(kind, Task.nextId(), name,
                CreationSites.ownerSite(), opener == null ? null : opener.asOwner());
        this.children = new Children(info, onExit);
    }

    private TaskScope(Context parent, String name) {
        this(TaskInfo.Owner.Kind.SCOPE, parent, name, null);
    }

    /** Opens a scope whose context derives from {@link Context#current()}. */
    public static TaskScope open() {
        return new TaskScope(Context.current(), null);
    }

    /**
     * Opens a scope whose context derives from {@code parent}: its tasks are cancelled when {@code parent} is done.
     *
     * @throws NullPointerException if {@code parent} is null
     */
    public static TaskScope open(Context parent) {
        return new TaskScope(Objects.requireNonNull(parent, "parent"), null);
    }

    /**
     * Opens a scope named {@code name} (shown in dumps) whose context derives from {@code parent}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static TaskScope open(String name, Context parent) {
        return new TaskScope(Objects.requireNonNull(parent, "parent"), Objects.requireNonNull(name, "name"));
    }

    /**
     * Spawns a task owned by this scope, running {@code body} on a new virtual thread.
     *
     * @throws NullPointerException  if {@code body} is null
     * @throws IllegalStateException if the scope is closed
     */
    public <T> Task<T> go(Callable<? extends T> body) {
        return spawn(null, body, body);
    }

    /** Same as {@link #go(Callable)} for a body with no result. */
    public Task<Void> go(Task.Body body) {
        return spawn(null, Task.asCallable(body), body);
    }

    /** Same as {@link #go(Callable)}, naming the task (and its thread) {@code name}. */
    public <T> Task<T> go(String name, Callable<? extends T> body) {
        return spawn(Objects.requireNonNull(name, "name"), body, body);
    }

    /** Same as {@link #go(Task.Body)}, naming the task (and its thread) {@code name}. */
    public Task<Void> go(String name, Task.Body body) {
        Objects.requireNonNull(name, "name");
        return spawn(name, Task.asCallable(body), body);
    }

    /**
     * Spawns {@code body} as a task of this scope; {@code userBody} is what the user passed (its class keys the
     * creation-site cache), which differs from {@code body} when a wrapper adds bookkeeping around it.
     */
    <T> Task<T> spawn(String name, Callable<? extends T> body, Object userBody) {
        return Task.spawn(Task.parentFor(context, Context.current()), children, info, name, body, userBody);
    }

    TaskInfo.Owner info() {
        return info;
    }

    CancelContext cancelContext() {
        return context;
    }

    /** The scope's context: done when the scope is cancelled or closed, or its parent context is done. */
    public Context context() {
        return context;
    }

    /** The scope's id, unique in this process; scopes and tasks take ids from one sequence. */
    public long id() {
        return info.id();
    }

    /** The number of this scope's tasks that have not finished. Never blocks. */
    public int liveTasks() {
        return children.live();
    }

    /** Cancels the scope's context, interrupting its tasks, without waiting; the scope stays open for spawning. */
    public void cancel() {
        context.cancel();
    }

    /**
     * Closes the scope: no task can be spawned on it any more, every task still running is cancelled (its context
     * cancelled, its thread interrupted), and the call returns once all of them have finished. Idempotent.
     * Uninterruptible: an owner does not abandon its tasks; the interrupt status is kept. A task that ignores
     * cancellation keeps this call waiting, and dumps show the closing thread in {@code [scope close]}.
     */
    @Override
    public void close() {
        children.close();
        if (!context.isDone()) context.cancelWith(CancelledException.stacklessLazy(info, "closed"));
        // Checked here too so that a scope with nothing left running skips looking up the current task.
        if (children.live() != 0) children.awaitNone(WaitReason.SCOPE_CLOSE, info.id(), Task.currentRecord());
    }

    @Override
    public String toString() {
        return info + (info.name() == null ? "" : " \"" + info.name() + "\"");
    }
}
