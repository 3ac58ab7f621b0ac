package dev.tether;

/**
 * A context's deadline passed: Go's {@code context.DeadlineExceeded}. A kind of {@link CancelledException}, so
 * {@code catch (CancelledException e)} handles both ways a context ends.
 */
public final class DeadlineExceededException extends CancelledException {
    private static final long serialVersionUID = 1L;

    /** A deadline expiry described by {@code message}, caused by {@code cause} (which may be null). */
    public DeadlineExceededException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    CancelledException copy(Throwable cause) {
        return new DeadlineExceededException(getMessage(), cause);
    }
}
