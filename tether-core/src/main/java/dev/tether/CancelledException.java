package dev.tether;

import java.util.concurrent.CancellationException;

/**
 * A context was cancelled: Go's {@code context.Canceled}. Thrown by Tether's blocking operations when the calling
 * thread's {@linkplain Context#current() current context} is done, and returned by {@link Context#err()}.
 *
 * <p>{@link #getCause()} is the context's {@linkplain Context#cause() cause} when one was given to
 * {@link CancelContext#cancel(Throwable)}, so a stack trace says why the work was cancelled, not just that it was.
 * Expiry of a deadline is the subclass {@link DeadlineExceededException}.
 */
public class CancelledException extends CancellationException {
    private static final long serialVersionUID = 1L;

    /** A cancellation described by {@code message}, caused by {@code cause} (which may be null). */
    public CancelledException(String message, Throwable cause) {
        super(message);
        if (cause != null) initCause(cause);
    }

    /**
     * A cancellation reason kept by a context, without a stack trace: it is stored, not thrown (waiting operations
     * throw a fresh {@link #copy} with their own stack), and filling a stack trace costs more than the rest of
     * cancelling a context.
     */
    static CancelledException stackless(String message, Throwable cause) {
        return new CancelledException(message, cause) {
            @Override
            public Throwable fillInStackTrace() { // not synchronized: it touches nothing
                return this;
            }
        };
    }

    /**
     * Same as {@link #stackless(String, Throwable)} with the message {@code what + " " + event}, built only if
     * someone reads it: closing a scope or joining a group must not pay for a string nobody may look at.
     */
    static CancelledException stacklessLazy(Object what, String event) {
        return new CancelledException(null, null) {
            @Override
            public String getMessage() {
                return what + " " + event;
            }

            @Override
            public Throwable fillInStackTrace() { // not synchronized: it touches nothing
                return this;
            }
        };
    }

    /** A new exception of the same kind and message, with {@code cause}; used to throw a fresh instance per site. */
    CancelledException copy(Throwable cause) {
        return new CancelledException(getMessage(), cause);
    }
}
