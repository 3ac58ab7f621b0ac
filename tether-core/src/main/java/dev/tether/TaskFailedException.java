package dev.tether;

/**
 * Thrown by {@link Task#join()} when the task's body threw; {@link #getCause()} is what it threw.
 */
public final class TaskFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TaskFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
