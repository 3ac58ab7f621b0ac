package dev.tether;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Carries cancellation, a deadline and request-scoped values across API boundaries and between tasks: Go's
 * {@code context.Context} for Java.
 *
 * <p>Contexts form a tree rooted at {@link #background()}. {@link #withCancel()}, {@link #withTimeout(Duration)}
 * and {@link #withDeadline(Instant)} derive a {@link CancelContext} that is done when it is cancelled, when its
 * deadline passes, or when any ancestor is done; {@link #withValue(Key, Object)} derives a context that adds one
 * value. A context never becomes "undone".
 *
 * <pre>{@code
 * try (CancelContext ctx = Context.current().withTimeout(Duration.ofMillis(100))) {
 *     String r = Select.select(
 *         results.onReceive(),
 *         ctx.done().map(x -> "timed out: " + ctx.err().getMessage()));
 * }   // close() cancels: the timer and every descendant are released here
 * }</pre>
 *
 * <h2>The current context</h2>
 * Code deep in a call stack finds its context with {@link #current()}, a {@link ScopedValue} bound by
 * {@link #run(Runnable)}, {@link #call(ScopedValue.CallableOp)} and, for the whole of its body, by every
 * {@link Task}. Tether's blocking operations ({@link Channel#send}, {@link Channel#receive}, {@link Select#select},
 * {@link Task#join}) throw {@link CancelledException} when the current context is done while they wait; a task's
 * context being cancelled also interrupts the task, so plain JDK blocking calls stop too.
 *
 * <p>Memory consistency effects: actions in a thread prior to cancelling a context (or to its deadline timer
 * firing) <i>happen-before</i> actions following a successful {@link #isDone()} check or the wake-up of any
 * operation that waited on the context.
 */
public abstract sealed class Context permits Context.Background, Context.WithValue, CancelContext {

    static final ScopedValue<Context> CURRENT = ScopedValue.newInstance();
    private static final Context BACKGROUND = new Background();
    /** Stands for "not bound" in {@code CURRENT.orElse}, which rejects null; never leaves {@link #currentFor}. */
    private static final Context UNBOUND = new Background();

    Context() {
    }

    /** The root context: never cancelled, no deadline, no values. */
    public static Context background() {
        return BACKGROUND;
    }

    /**
     * The context bound to the calling thread by the innermost {@link #run}, {@link #call} or running
     * {@link Task}; {@link #background()} if none.
     */
    public static Context current() {
        return currentFor(Task.current0());
    }

    /**
     * {@link #current()} for a caller that has looked up its task already ({@code task}, or null). A task binds
     * only itself, not its context too (one binding per task start instead of two): its context is the default.
     */
    static Context currentFor(Task<?> task) {
        Context c = CURRENT.orElse(UNBOUND); // one lookup, where isBound and get take two
        if (c != UNBOUND) return c;
        return task == null ? BACKGROUND : task.context;
    }

    /**
     * A child context that is done when {@link CancelContext#cancel()} or {@link CancelContext#close()} is called
     * or this context is done. Close it (try-with-resources) when the work it governs ends, as Go code defers
     * {@code cancel()}: that releases its registration with this context.
     */
    public final CancelContext withCancel() {
        return new CancelContext(this, deadlineNanos(), deadlineOrNull());
    }

    /**
     * A child context whose deadline is {@code timeout} from now, or this context's deadline if that is earlier.
     * When the deadline passes the child is cancelled with {@link DeadlineExceededException}.
     *
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public final CancelContext withTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
        }
        long now = System.nanoTime();
        long nanos = saturatedNanos(timeout);
        return derive(now + nanos < now ? Long.MAX_VALUE : now + nanos, saturatedPlus(Instant.now(), timeout));
    }

    /** {@code t + d}, or {@link Instant#MAX} where that overflows (e.g. {@code ChronoUnit.FOREVER.getDuration()}). */
    private static Instant saturatedPlus(Instant t, Duration d) {
        try {
            return t.plus(d);
        } catch (ArithmeticException | java.time.DateTimeException overflow) {
            return Instant.MAX; // a huge timeout is legal ("never, in practice"), as Select.timeout already allows
        }
    }

    /**
     * A child context with the given deadline, or this context's deadline if that is earlier. A deadline in the
     * past yields a context that is already done.
     *
     * @throws NullPointerException if {@code deadline} is null
     */
    public final CancelContext withDeadline(Instant deadline) {
        Objects.requireNonNull(deadline, "deadline");
        Duration left = Duration.between(Instant.now(), deadline);
        long now = System.nanoTime();
        long nanos = left.isNegative() ? 0 : saturatedNanos(left);
        return derive(now + nanos < now ? Long.MAX_VALUE : now + nanos, deadline);
    }

    private CancelContext derive(long deadlineNanos, Instant deadline) {
        long inherited = deadlineNanos();
        if (inherited != 0 && inherited - deadlineNanos <= 0) {
            return withCancel(); // the parent's deadline comes first: no timer of our own (as Go does)
        }
        return new CancelContext(this, deadlineNanos, deadline);
    }

    /**
     * A child context carrying {@code value} under {@code key}; lookups of other keys go to this context.
     *
     * @throws NullPointerException if {@code key} or {@code value} is null
     */
    public final <T> Context withValue(Key<T> key, T value) {
        return new WithValue(this, Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    }

    /** The value bound to {@code key} by this context or its nearest ancestor that binds it. */
    public final <T> Optional<T> value(Key<T> key) {
        Objects.requireNonNull(key, "key");
        for (Context c = this; c != null; c = c.parent()) {
            if (c instanceof WithValue v && v.key == key) return Optional.of(key.type.cast(v.value));
        }
        return Optional.empty();
    }

    /** True once this context is cancelled or its deadline has passed. Never blocks. */
    public final boolean isDone() {
        CancelContext s = cancelSource();
        return s != null && s.errOrNull() != null;
    }

    /**
     * Why this context is done — a {@link CancelledException} or a {@link DeadlineExceededException} — or null
     * while it is not done. The same instance is returned each time.
     */
    public final CancelledException err() {
        CancelContext s = cancelSource();
        return s == null ? null : s.errOrNull();
    }

    /**
     * Go's {@code context.Cause}: the cause given to {@link CancelContext#cancel(Throwable)} on this context or the
     * ancestor whose cancellation reached it; {@link #err()} if none was given; null while not done.
     */
    public final Throwable cause() {
        CancelContext s = cancelSource();
        return s == null ? null : s.causeOrNull();
    }

    /** The deadline after which this context is cancelled, if it or an ancestor has one. */
    public final Optional<Instant> deadline() {
        return Optional.ofNullable(deadlineOrNull());
    }

    /**
     * A {@link Select} clause that becomes ready when this context is done, yielding null; {@code map} it to give
     * the select a result. A context that can never be cancelled yields a clause that is never ready.
     */
    public final Select.Clause<Void> done() {
        return new Select.DoneClause(this);
    }

    /** Runs {@code action} with this context as the {@linkplain #current() current context}. */
    public final void run(Runnable action) {
        Objects.requireNonNull(action, "action");
        ScopedValue.where(CURRENT, this).run(action);
    }

    /**
     * Calls {@code op} with this context as the {@linkplain #current() current context} and returns its result.
     *
     * @throws X whatever {@code op} throws
     */
    public final <T, X extends Throwable> T call(ScopedValue.CallableOp<? extends T, X> op) throws X {
        Objects.requireNonNull(op, "op");
        return ScopedValue.where(CURRENT, this).call(op);
    }

    /** The parent context, or null for the background. */
    abstract Context parent();

    /** The nearest cancellable context at or above this one, or null when nothing above can be cancelled. */
    abstract CancelContext cancelSource();

    /** The deadline as a {@link System#nanoTime()} value, or 0 when there is none. */
    abstract long deadlineNanos();

    /** The deadline, or null when there is none. */
    abstract Instant deadlineOrNull();

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * A typed key for {@link #withValue}. Keys compare by identity, so a library's private key can never collide
     * with another's, whatever the names.
     *
     * @param <T> the type of the values stored under this key
     */
    public static final class Key<T> {
        private final String name;
        private final Class<T> type;

        private Key(String name, Class<T> type) {
            this.name = name;
            this.type = type;
        }

        /**
         * A new key; {@code name} is for diagnostics only.
         *
         * @throws NullPointerException if an argument is null
         */
        public static <T> Key<T> of(String name, Class<T> type) {
            return new Key<>(Objects.requireNonNull(name, "name"), Objects.requireNonNull(type, "type"));
        }

        @Override
        public String toString() {
            return "Key[" + name + "]";
        }
    }

    static final class Background extends Context {
        @Override
        Instant deadlineOrNull() {
            return null;
        }

        @Override
        Context parent() {
            return null;
        }

        @Override
        CancelContext cancelSource() {
            return null;
        }

        @Override
        long deadlineNanos() {
            return 0;
        }

        @Override
        public String toString() {
            return "context.Background";
        }
    }

    static final class WithValue extends Context {
        private final Context parent;
        private final CancelContext source;
        final Key<?> key;
        final Object value;

        WithValue(Context parent, Key<?> key, Object value) {
            this.parent = parent;
            this.source = parent.cancelSource();
            this.key = key;
            this.value = value;
        }

        @Override
        Instant deadlineOrNull() {
            return parent.deadlineOrNull();
        }

        @Override
        Context parent() {
            return parent;
        }

        @Override
        CancelContext cancelSource() {
            return source;
        }

        @Override
        long deadlineNanos() {
            return parent.deadlineNanos();
        }

        @Override
        public String toString() {
            return parent + ".WithValue(" + key.name + ")";
        }
    }
}
