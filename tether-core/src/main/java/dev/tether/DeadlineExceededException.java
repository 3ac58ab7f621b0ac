package dev.tether;

/**
 * A context's deadline passed: Go's {@code context.DeadlineExceeded}. A kind of {@link CancelledException}, so
 * {@code catch (CancelledException e)} handles both ways a context ends.
 */
public sealed class DeadlineExceededException extends CancelledException
        permits DeadlineExceededException.Stackless {
    private static final long serialVersionUID = 1L;

    /** A deadline expiry described by {@code message}, caused by {@code cause} (which may be null). */
    public DeadlineExceededException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    CancelledException copy(Throwable cause) {
        return new DeadlineExceededException(getMessage(), cause);
    }

    /** The reason an expired context keeps: see {@link CancelledException#stackless}. */
    static final class Stackless extends DeadlineExceededException {
        private static final long serialVersionUID = 1L;

        Stackless(String message) {
            super(message, null);
        }

        @Override
        public Throwable fillInStackTrace() { // not synchronized: it touches nothing
            return this;
        }
    }
}
