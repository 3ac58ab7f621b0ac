package dev.tether;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * Tasks that do the parts of one piece of work, which succeeds only if every part does: Go's
 * {@code errgroup.WithContext}, with ownership enforced.
 *
 * <pre>{@code
 * try (Group g = Group.open()) {
 *     g.limit(3);                                   // optional: at most 3 bodies at once
 *     Task<Risk> risk = g.go(() -> riskService.check(order));
 *     Task<Stock> stock = g.go(() -> inventory.reserve(order));
 *     g.join();                                     // waits for all; throws the first failure
 *     return new Receipt(risk.join(), stock.join());
 * }   // close(): if the block ended early, the tasks are cancelled and waited for
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>The tasks share the group's {@linkplain #context() context}, a cancellable child of the context current
 *       when the group was opened (or of the one given). The first task whose body throws cancels it, with what it
 *       threw as the {@linkplain Context#cause() cause}: the other tasks are interrupted and their blocking Tether
 *       calls throw {@link CancelledException}.
 *   <li>{@link #join()} waits until every task has finished, then cancels the context (as Go's {@code Wait} does)
 *       and reports the outcome: normal return if every body completed normally; otherwise
 *       {@link TaskFailedException} whose cause is the <em>first</em> failure, with later failures attached to it
 *       as {@linkplain Throwable#getSuppressed() suppressed} (attached to the {@code TaskFailedException}, so the
 *       tasks' own exceptions are never modified). Throwables that merely report the group's cancellation
 *       ({@link InterruptedException}, {@link CancelledException}, {@link java.nio.channels.ClosedByInterruptException},
 *       {@link java.io.InterruptedIOException}, thrown after the context was done) are not failures. If no body failed but
 *       some did not complete because the context was cancelled from outside (its parent ended, or
 *       {@link #cancel()}), {@code join} throws {@link CancelledException}.
 *   <li>With a {@linkplain #limit(int) limit}, at most that many tasks are live at once; {@link #go} waits for a
 *       slot, {@link #tryGo} does not. Once the group's context is done, {@code go} no longer waits: the task it
 *       returns never runs its body, which is cheap and lets a loop of {@code go} calls run on to {@code join},
 *       where the failure is reported.
 *   <li>{@link #close()} cancels the context and waits for every task, uninterruptibly, so no task outlives the
 *       group, whether or not {@code join} was reached. After {@code join} or {@code close} begins, {@code go} throws
 *       {@link IllegalStateException}.
 * </ul>
 *
 * <p>A group is safe to use from several threads. Dumps list its tasks as owned by {@code group N}; a caller
 * waiting for a slot shows as {@code [group slot]}, one in {@code join} as {@code [group wait]}.
 *
 * <h2>Implementation notes</h2>
 * {@code admitted} counts tasks {@code go} has admitted and {@code live} those among them that have not finished
 * (counted down by the scope's exit hook, which runs for every task, including one that never ran its body). A
 * slot is held from admission to exit. A finishing task hands its slot directly to the first waiting caller of
 * {@code go} (claiming that caller's {@link Waiter}), so {@code live} never dips while callers wait and a late
 * caller cannot barge past them. {@code succeeded} counts bodies that returned normally; at the end of {@code join},
 * {@code admitted - succeeded} bodies were either failures or cancelled.
 */
public final class Group implements AutoCloseable {
    /** The outcome with which the group's context wakes a caller waiting for a slot. */
    private static final int GROUP_DONE = 1;

    private final TaskScope scope;
    private final CancelContext context;

    // Guarded by this.
    private int limit; // 0: no limit
    private int live;
    private long admitted, succeeded;
    private boolean joining;
    private Throwable first;
    private long firstTask;
    private List<Throwable> later;
    private WaitNode slotWaiters, joinWaiters; // wait queue heads, see WaitNode#append

    private Group(Context parent, String name) {
        this.scope = new TaskScope(TaskInfo.Owner.Kind.GROUP, parent, name, this::taskExited);
        this.context = scope.cancelContext();
    }

    /** Opens a group whose context derives from {@link Context#current()}. */
    public static Group open() {
        return new Group(Context.current(), null);
    }

    /**
     * Opens a group whose context derives from {@code parent}: its tasks are cancelled when {@code parent} is done.
     *
     * @throws NullPointerException if {@code parent} is null
     */
    public static Group open(Context parent) {
        return new Group(Objects.requireNonNull(parent, "parent"), null);
    }

    /**
     * Opens a group named {@code name} (shown in dumps) whose context derives from {@code parent}.
     *
     * @throws NullPointerException if an argument is null
     */
    public static Group open(String name, Context parent) {
        return new Group(Objects.requireNonNull(parent, "parent"), Objects.requireNonNull(name, "name"));
    }

    /**
     * Limits the group to {@code n} live tasks at once (Go's {@code SetLimit}). Call it before the first
     * {@link #go}.
     *
     * @return this group
     * @throws IllegalArgumentException if {@code n < 1}
     * @throws IllegalStateException    if a task has already been started
     */
    public synchronized Group limit(int n) {
        if (n < 1) throw new IllegalArgumentException("limit must be >= 1, was " + n);
        if (admitted > 0) {
            throw new IllegalStateException("limit must be set before the first go: " + this + " already started "
                    + admitted + " task(s)");
        }
        limit = n;
        return this;
    }

    /**
     * Starts {@code body} as a task of this group, first waiting for a slot if the group has a limit and all are
     * taken.
     *
     * @return the task, whose {@link Task#join()} gives the body's result
     * @throws NullPointerException  if {@code body} is null
     * @throws IllegalStateException if {@link #join()} or {@link #close()} has begun
     * @throws CancelledException    if, while waiting for a slot, the caller's current context is done or the caller
     *                               is interrupted (the interrupt status is then set again); no task was started
     */
    public <T> Task<T> go(Callable<? extends T> body) {
        return start(null, body, body, true);
    }

    /** Same as {@link #go(Callable)} for a body with no result. */
    public Task<Void> go(Task.Body body) {
        return start(null, Task.asCallable(body), body, true);
    }

    /** Same as {@link #go(Callable)}, naming the task (and its thread) {@code name}. */
    public <T> Task<T> go(String name, Callable<? extends T> body) {
        return start(Objects.requireNonNull(name, "name"), body, body, true);
    }

    /** Same as {@link #go(Task.Body)}, naming the task (and its thread) {@code name}. */
    public Task<Void> go(String name, Task.Body body) {
        Objects.requireNonNull(name, "name");
        return start(name, Task.asCallable(body), body, true);
    }

    /**
     * Starts {@code body} as a task of this group only if a slot is free now (Go's {@code TryGo}).
     *
     * @return true if the task was started
     * @throws NullPointerException  if {@code body} is null
     * @throws IllegalStateException if {@link #join()} or {@link #close()} has begun
     */
    public boolean tryGo(Task.Body body) {
        return start(null, Task.asCallable(body), body, false) != null;
    }

    /** Same as {@link #tryGo(Task.Body)} for a body with a result, which only {@link #join()} can observe failing. */
    public boolean tryGo(Callable<?> body) {
        return start(null, body, body, false) != null;
    }

    /**
     * Waits for every task of the group to finish, then cancels the group's context and reports the outcome (see
     * the class comment). No task can be started once {@code join} has begun. Calling it again reports the same
     * outcome.
     *
     * @throws TaskFailedException  if a body threw; the cause is the first failure, later ones are suppressed
     * @throws CancelledException   if the caller's current context is done while waiting, or if no body failed
     *                              but some were cancelled
     * @throws InterruptedException if the calling thread is interrupted while waiting; the tasks keep running
     *                              until {@link #close()}
     */
    public void join() throws InterruptedException {
        Waiter node = null;
        synchronized (this) {
            joining = true;
            if (live > 0) {
                node = new Waiter(Thread.currentThread());
                joinWaiters = WaitNode.append(joinWaiters, node);
            }
        }
        if (node != null) {
            int s = Blocking.await(node, WaitReason.GROUP_WAIT, id(), this, 0L, null);
            if (s != 0) {
                synchronized (this) {
                    joinWaiters = WaitNode.unlink(joinWaiters, node);
                }
                throw Blocking.abandoned(s);
            }
        }
        // Every task has exited; Go's Wait cancels the context too. cancelWith keeps an outside cancellation's
        // reason if there was one, which the check below needs.
        CancelledException outside = context.errOrNull() == null ? null : context.newException();
        context.cancelWith(CancelledException.stacklessLazy(this, "joined"));
        synchronized (this) {
            if (first != null) {
                TaskFailedException e = new TaskFailedException(this + ": task " + firstTask + " failed: " + first,
                        first);
                if (later != null) later.forEach(e::addSuppressed);
                throw e;
            }
            if (succeeded < admitted) {
                throw outside != null ? outside
                        : new CancelledException(this + ": " + (admitted - succeeded) + " task(s) did not complete",
                        null);
            }
        }
    }

    /** The group's context, shared by its tasks: done at the first failure, at {@link #cancel()} or at the end. */
    public Context context() {
        return context;
    }

    /** The group's id, from the sequence shared with tasks and scopes. */
    public long id() {
        return scope.id();
    }

    /** Cancels the group's context, interrupting its tasks, without waiting. */
    public void cancel() {
        context.cancel();
    }

    /**
     * Cancels the group's context and waits until every task has finished. Idempotent. Uninterruptible: the
     * interrupt status is kept. Reports nothing: call {@link #join()} first to learn the outcome.
     */
    @Override
    public void close() {
        synchronized (this) {
            joining = true;
        }
        scope.close();
    }

    @Override
    public String toString() {
        return scope.toString();
    }

    // ---- internals -------------------------------------------------------------------------------------------

    /** Admits and spawns one task; waits for a slot if {@code wait}, else returns null when there is none. */
    private <T> Task<T> start(String name, Callable<? extends T> body, Object userBody, boolean wait) {
        Objects.requireNonNull(userBody, "body");
        Waiter node = null;
        synchronized (this) {
            if (joining) {
                throw new IllegalStateException("cannot start a task in " + this
                        + ": join() or close() has begun");
            }
            if (limit == 0 || live < limit || context.isDone()) {
                live++;
                admitted++;
            } else if (!wait) {
                return null;
            } else {
                node = new Waiter(Thread.currentThread());
                slotWaiters = WaitNode.append(slotWaiters, node);
            }
        }
        if (node != null) awaitSlot(node);
        Callable<T> wrapped = () -> {
            try {
                return body.call();
            } catch (Throwable e) {
                failed(e);
                throw e;
            }
        };
        try {
            return scope.spawn(name, wrapped, userBody);
        } catch (IllegalStateException closed) {
            // The scope refused the task (close() ran since the check above), so its exit hook will never run.
            taskExited(null);
            throw new IllegalStateException("cannot start a task in " + this + ": close() has begun", closed);
        }
    }

    /**
     * Waits until a finishing task hands this caller its slot, or the group's context is done (then the caller is
     * admitted without a slot: its task will not run). Returns admitted; throws if the caller gave up.
     */
    private void awaitSlot(Waiter w) {
        WaitNode doneNode = new WaitNode(w, GROUP_DONE, null);
        if (!context.addListener(doneNode)) w.tryClaim(GROUP_DONE);
        int s = Blocking.await(w, WaitReason.GROUP_SLOT, id(), this, 0L, null);
        context.removeListener(doneNode);
        synchronized (this) {
            slotWaiters = WaitNode.unlink(slotWaiters, w);
            if (s == GROUP_DONE) {
                live++;
                admitted++;
            } else if (s == 0) {
                admitted++; // the slot was handed over: live already counts it
            }
        }
        if (s == 0 || s == GROUP_DONE) return;
        try {
            throw Blocking.abandoned(s);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancelledException("interrupted while waiting for a slot in " + this, e);
        }
    }

    /** Records a body's failure; the first one cancels the group. */
    private void failed(Throwable e) {
        boolean cancelNow = false;
        synchronized (this) {
            if (context.isDone() && Blocking.reportsCancellation(e)) return;
            if (first == null) {
                first = e;
                Task<?> t = Task.current0();
                firstTask = t.id();
                t.failureCancelled = true; // this task failed; it was not cancelled by its own failure
                cancelNow = true;
            } else {
                if (later == null) later = new ArrayList<>(2);
                later.add(e);
            }
        }
        if (cancelNow) context.cancel(e);
    }

    /**
     * The scope's exit hook: {@code task} finished (null: a task that never started). Counts its success, and hands
     * its slot to a waiting caller or frees it.
     */
    private void taskExited(Task<?> task) {
        WaitNode handOff = null;
        WaitNode joiners = null;
        synchronized (this) {
            if (task != null && task.bodyReturned()) succeeded++;
            for (WaitNode n; (n = slotWaiters) != null; ) {
                slotWaiters = WaitNode.unlink(n, n);
                if (n.waiter.tryClaim(n.index)) {
                    handOff = n;
                    break;
                }
            }
            if (handOff == null && --live == 0) {
                joiners = WaitNode.detachAll(joinWaiters);
                joinWaiters = null;
            }
        }
        if (handOff != null) handOff.waiter.wake();
        WaitNode.wakeAll(joiners);
    }
}
