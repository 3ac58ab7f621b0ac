package dev.tether;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * A fixed set of worker tasks serving a bounded queue of jobs, all owned by the pool: the cure for Go's "worker
 * pool never closed", whose workers wait forever on a channel nobody closes.
 *
 * <pre>{@code
 * try (WorkerPool pool = WorkerPool.open("thumbnails", 4, 100)) {
 *     for (Path p : images) {
 *         pool.submit(() -> thumbnail(p));   // waits while 100 jobs are queued
 *     }
 * }   // close(): no more jobs; the queued ones run; every worker has ended when the block ends
 * }</pre>
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>The workers are tasks named {@code <name>-worker-<i>} ({@code i} from 1), running in the pool's
 *       {@linkplain #context() context}, a cancellable child of the context current when the pool was opened (or of
 *       the one given). Each takes jobs from the queue in FIFO order and runs them one at a time, so at most
 *       {@code workers} jobs run at once.
 *   <li>{@link #submit} queues a job, waiting while the queue is full; {@link #trySubmit} does not wait. A capacity
 *       of 0 makes every submit a hand-off to an idle worker. Both throw {@link RejectedExecutionException} once
 *       shutdown has begun, including to a submitter that was waiting for room at that moment: its job was not
 *       accepted.
 *   <li>A job that throws does not end its worker: what it threw goes to the pool's failure handler, on the
 *       worker's thread. Throwables that merely report the pool's cancellation ({@link InterruptedException},
 *       {@link CancelledException}, {@link java.nio.channels.ClosedByInterruptException}, {@link java.io.InterruptedIOException}, thrown once
 *       the pool's context is done) are not failures. Before it starts a job, a worker clears a pending interrupt
 *       (left by the previous job, or sent to the idle worker), unless the pool is stopping.
 *   <li>{@link #shutdown()} ({@link #close()}) stops intake and lets the workers run every queued job, then waits
 *       for them to end. {@link #shutdownNow()} stops intake, takes the queued jobs back and cancels the pool's
 *       context, which interrupts the running jobs, then waits for the workers to end and returns the jobs that
 *       never ran. Both are idempotent, and {@code shutdownNow} after {@code shutdown} still works: it returns what
 *       has not run yet. Both wait uninterruptibly, as {@link TaskScope#close()} does, keeping the interrupt status.
 *   <li>Every accepted job (one for which {@code submit} returned normally or {@code trySubmit} returned true) either
 *       starts running on a worker or is in the list {@code shutdownNow} returns: exactly one of the two. A job a
 *       worker had already taken from the queue when {@code shutdownNow} began counts as started: it runs, with its
 *       worker interrupted and its context done, and is not handed back (as with
 *       {@link java.util.concurrent.ThreadPoolExecutor#shutdownNow()}).
 *   <li>If the pool's context is done before shutdown (its parent was cancelled), the pool stops as by
 *       {@code shutdownNow}, except that nobody has taken the queued jobs back yet: they stay queued, never run,
 *       and both {@code shutdownNow} and {@code shutdown} return them; {@code close()}, which has nowhere to return
 *       them, reports each to the failure handler as a {@link RejectedExecutionException}.
 * </ul>
 * A job runs with its worker's context as the current context. Tasks it spawns with {@link Task#go} belong to its
 * worker and may outlive the job; the pool waits for them at shutdown. To bound them to the job, open a
 * {@link TaskScope} inside it.
 *
 * <p>A pool is safe to use from several threads. Dumps list the workers as owned by {@code pool N}; an idle worker
 * shows as {@code [pool idle]}, a submitter waiting for room as {@code [pool submit]}, both waiting on
 * {@code pool N}. After {@code shutdown} or {@code shutdownNow} has returned, no task of the pool is left.
 *
 * <p>Memory consistency effects: actions in a thread prior to submitting a job happen-before the job runs; actions
 * of every job, and of every worker, happen-before {@code shutdown} or {@code shutdownNow} returns.
 *
 * <h2>Implementation notes</h2>
 * The queue is a {@link JobQueue}, a bounded FIFO with a channel's exactly-once delivery whose blocked operations
 * name the pool, and which wakes idle workers one after another rather than one per job. Intake stops when it is
 * closed; a closed queue still yields its queued jobs, then reports that it is closed and empty, and a submitter
 * that was blocked when it closed fails with its job not accepted. Each worker loops: take, run. It always runs what
 * it took, so "started" means "taken from the queue", and the queue's exactly-once delivery does the rest.
 * <ul>
 *   <li>{@code shutdown}: close the queue; the workers drain it and end when it is empty; join each
 *       worker (in the background context, retrying on interrupt, so neither the caller's interrupt nor its
 *       context cuts the wait short); finally close the scope, which releases the pool's context.
 *   <li>{@code shutdownNow}: under the queue's lock, close it and take out every buffered job. Holding the lock
 *       across both makes the two one step for the workers: a job left the queue either before it (to a worker,
 *       which runs it) or in it (to the returned list); after it the queue is closed and empty, so no worker can
 *       take anything more. Then cancel the context (interrupting running jobs, waking idle workers, which end)
 *       and wait as {@code shutdown} does.
 *   <li>A worker whose context is done ends before taking another job. Each worker's exit (via the scope's exit
 *       hook, which runs even for a worker whose body never started) closes the queue, so a pool that has lost its
 *       workers never accepts a job nobody would run, and no submitter waits for room forever.
 * </ul>
 * Nothing is lost: an accepted job sits in the channel until exactly one receiver takes it; the only receivers are
 * the workers (which run what they take) and {@code shutdownNow}'s drain (which returns it).
 */
public final class WorkerPool implements AutoCloseable {
    private final TaskScope scope;
    private final CancelContext context;
    private final JobQueue queue;
    private final Consumer<? super Throwable> onFailure;
    private final List<Task<Void>> workers;
    /** Set by the first shutdown or shutdownNow, before the queue closes: tells the rejection message why. */
    private volatile boolean shutdownBegun;

    private WorkerPool(String name, int workers, int queueCapacity, Context parent,
                       Consumer<? super Throwable> onFailure) {
        Objects.requireNonNull(name, "name");
        if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, was " + workers);
        if (queueCapacity < 0) {
            throw new IllegalArgumentException("queueCapacity must be >= 0 (0: hand-off), was " + queueCapacity);
        }
        Objects.requireNonNull(parent, "parent");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
        this.scope = new TaskScope(TaskInfo.Owner.Kind.POOL, parent, name, this::workerExited);
        this.context = scope.cancelContext();
        this.queue = new JobQueue(queueCapacity, scope.id());
        this.workers = new ArrayList<>(workers);
        try {
            Callable<Void> body = Task.asCallable(this::work);
            // The pool itself as the "user body": its class is not a hidden one, so each worker's creation site is
            // found on the stack (the caller of open), not cached against the lambda class from the first pool.
            for (int i = 1; i <= workers; i++) this.workers.add(scope.spawn(name + "-worker-" + i, body, this));
        } catch (Throwable e) {
            queue.close();
            scope.close();
            throw e;
        }
    }

    /**
     * Opens a pool of {@code workers} workers and a queue of {@code queueCapacity} jobs, whose context derives from
     * {@link Context#current()}. A job's failure goes to its worker thread's
     * {@linkplain Thread#getUncaughtExceptionHandler() uncaught-exception handler}.
     *
     * @throws NullPointerException     if {@code name} is null
     * @throws IllegalArgumentException if {@code workers < 1} or {@code queueCapacity < 0}
     */
    public static WorkerPool open(String name, int workers, int queueCapacity) {
        return new WorkerPool(name, workers, queueCapacity, Context.current(), WorkerPool::uncaught);
    }

    /**
     * Opens a pool whose context derives from {@code parent} (its jobs are cancelled when {@code parent} is done),
     * passing each job's failure to {@code onFailure}, which runs on the worker's thread. If {@code onFailure}
     * throws, that goes to the thread's uncaught-exception handler and the worker carries on.
     *
     * @throws NullPointerException     if an argument is null
     * @throws IllegalArgumentException if {@code workers < 1} or {@code queueCapacity < 0}
     */
    public static WorkerPool open(String name, int workers, int queueCapacity, Context parent,
                                  Consumer<? super Throwable> onFailure) {
        return new WorkerPool(name, workers, queueCapacity, parent, onFailure);
    }

    /**
     * Queues {@code job}, waiting while the queue is full.
     *
     * @throws NullPointerException        if {@code job} is null
     * @throws RejectedExecutionException  if shutdown has begun or the pool's context is done, before or while
     *                                     waiting; the job was not accepted
     * @throws InterruptedException        if the calling thread is interrupted while waiting (the status is cleared);
     *                                     the job was not accepted
     * @throws CancelledException          if the caller's current context is done while waiting; the job was not
     *                                     accepted
     */
    public void submit(Task.Body job) throws InterruptedException {
        Objects.requireNonNull(job, "job");
        if (context.isDone()) throw rejected();
        if (!queue.put(job)) throw rejected();
    }

    /**
     * Queues {@code job} only if that needs no waiting: the queue has room, or (capacity 0) a worker is idle.
     *
     * @return true if the job was accepted, false if the queue is full
     * @throws NullPointerException       if {@code job} is null
     * @throws RejectedExecutionException if shutdown has begun or the pool's context is done
     */
    public boolean trySubmit(Task.Body job) {
        Objects.requireNonNull(job, "job");
        if (context.isDone()) throw rejected();
        if (queue.offer(job)) return true;
        if (queue.isClosed()) throw rejected();
        return false;
    }

    /**
     * Stops intake and waits until the workers have run every queued job and ended (Go's {@code close(jobs)}
     * followed by {@code wg.Wait()}). Submitters waiting for room fail with {@link RejectedExecutionException}.
     * Idempotent. Uninterruptible: the interrupt status is kept. A job that never ends keeps this call waiting.
     *
     * @return the accepted jobs that never ran, in queue order: empty, unless the pool's context was done before
     *         they could run (its parent was cancelled), in which case the workers stopped and the jobs are handed
     *         back here rather than lost
     * @throws IllegalStateException if called from one of the pool's own jobs, which would wait for itself
     */
    public List<Task.Body> shutdown() {
        checkNotOwnJob("shutdown");
        shutdownBegun = true;
        queue.close();
        awaitWorkers();
        List<Task.Body> left = queue.closeAndDrain(); // the workers are gone: whatever is still queued never ran
        scope.close(); // nothing left to cancel: releases the context's registration with its parent
        return left;
    }

    /**
     * Stops intake, takes back every queued job, cancels the pool's context (interrupting the running jobs) and
     * waits until every worker has ended. Idempotent; after {@link #shutdown()} it returns what has not run yet.
     * Uninterruptible: the interrupt status is kept. A running job that ignores its interrupt keeps this call
     * waiting.
     *
     * @return the accepted jobs that never started, in queue order; empty if there are none
     * @throws IllegalStateException if called from one of the pool's own jobs, which would wait for itself
     */
    public List<Task.Body> shutdownNow() {
        checkNotOwnJob("shutdownNow");
        shutdownBegun = true;
        List<Task.Body> left = queue.closeAndDrain(); // one step: no worker takes a job in between (see the notes)
        context.cancelWith(CancelledException.stacklessLazy(this, "shut down now"));
        awaitWorkers();
        scope.close();
        return left;
    }

    /**
     * Same as {@link #shutdown()}; a job that never ran because the pool's context was done first is reported to the
     * failure handler as a {@link RejectedExecutionException} naming it, so that none disappears silently.
     */
    @Override
    public void close() {
        for (Task.Body job : shutdown()) {
            report(new RejectedExecutionException("job " + job + " was accepted by " + this + " but never ran: the "
                    + "pool's context was done first (" + context.cause() + ")"));
        }
    }

    /**
     * The pool's context, parent of each worker's (which is current in its jobs): done once {@link #shutdownNow()}
     * runs, its parent is done, or shutdown has completed.
     */
    public Context context() {
        return context;
    }

    /** The pool's id, from the sequence shared with tasks and scopes. */
    public long id() {
        return scope.id();
    }

    /** The number of jobs queued now, not yet taken by a worker. Never blocks. */
    public int queued() {
        return queue.size();
    }

    /** {@code pool N "name"}, as dumps name the pool. */
    @Override
    public String toString() {
        return scope.toString();
    }

    // ---- internals -------------------------------------------------------------------------------------------

    /** A worker's body: take a job, run it, until the queue is closed and drained or the context is done. */
    private void work() {
        Context self = Context.current(); // the worker's own context, a child of the pool's
        for (;;) {
            if (self.isDone()) return;
            Task.Body job;
            try {
                job = queue.take();
            } catch (InterruptedException | CancelledException e) {
                if (self.isDone()) return;
                continue; // a stray interrupt while idle: not for us to act on
            }
            if (job == null) return; // closed and drained
            run(job, self);
        }
    }

    private void run(Task.Body job, Context self) {
        // An interrupt pending now (left by the previous job, or sent to the idle worker) is not for this job,
        // unless it is the pool's own cancellation: the context is done before its interrupt is sent, so this
        // never clears that one.
        if (Thread.interrupted() && self.isDone()) Thread.currentThread().interrupt();
        try {
            job.run();
        } catch (Throwable e) {
            if (!(self.isDone() && Blocking.reportsCancellation(e))) report(e);
        }
    }

    private void report(Throwable e) {
        try {
            onFailure.accept(e);
        } catch (Throwable handlerFailed) {
            if (handlerFailed != e) handlerFailed.addSuppressed(e);
            try {
                uncaught(handlerFailed);
            } catch (Throwable ignored) {
                // the uncaught-exception handler threw as well: nothing is left to tell; the worker carries on
            }
        }
    }

    private static void uncaught(Throwable e) {
        Thread me = Thread.currentThread();
        me.getUncaughtExceptionHandler().uncaughtException(me, e);
    }

    /** The scope's exit hook: a worker ended, so the pool is ending: accept no more jobs. */
    private void workerExited(Task<?> ignored) {
        queue.close();
    }

    /** Joins every worker; neither the caller's interrupt nor its context ends the wait. */
    private void awaitWorkers() {
        boolean interrupted = false;
        for (Task<Void> w : workers) {
            while (!w.isDone()) {
                try {
                    Context.background().call(() -> {
                        w.join();
                        return null;
                    });
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (RuntimeException ended) {
                    // the worker's outcome (cancelled, say): it has finished, which is all we wait for
                }
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** Throws if the caller is one of this pool's jobs, or a task one of them spawned. */
    private void checkNotOwnJob(String method) {
        TaskRecord me = Task.currentRecord();
        for (TaskInfo.Owner o = me == null ? null : me.owner; o != null; o = o.parent()) {
            if (o == scope.info()) {
                throw new IllegalStateException(method + "() called from a job of " + this
                        + ": it would wait for its own worker forever");
            }
        }
    }

    private RejectedExecutionException rejected() {
        String why = shutdownBegun ? "shutdown has begun"
                : context.isDone() ? "its context is done (" + context.cause() + ")"
                : "its workers have ended";
        return new RejectedExecutionException(this + " accepts no more jobs: " + why
                + "; the job was not accepted");
    }
}
