package dev.tether.profile;

import java.util.Objects;

/**
 * A lock a JVM thread holds, as the dump reports it: a monitor entered in a given frame ({@code synchronized}), or an
 * ownable synchronizer ({@code ReentrantLock} and other {@code AbstractOwnableSynchronizer}s), which belongs to no
 * frame.
 *
 * <p>Dumps list the monitor of an {@code Object.wait()} among the held ones although {@code wait()} released it; a
 * wait-for graph should not count a held monitor equal to the thread's {@link Entry#waitingOn()}.
 *
 * @param lock       the object
 * @param frameIndex the index in {@link Entry#stack()} of the frame that entered the monitor, or
 *                   {@link #OWNABLE_SYNCHRONIZER} for an ownable synchronizer
 */
public record HeldLock(ObjectRef lock, int frameIndex) {

    /** The {@link #frameIndex()} of an ownable synchronizer. */
    public static final int OWNABLE_SYNCHRONIZER = -1;

    /**
     * @throws NullPointerException     if {@code lock} is null
     * @throws IllegalArgumentException if {@code frameIndex} is below {@link #OWNABLE_SYNCHRONIZER}
     */
    public HeldLock {
        Objects.requireNonNull(lock, "lock");
        if (frameIndex < OWNABLE_SYNCHRONIZER) throw new IllegalArgumentException("frameIndex " + frameIndex);
    }

    /** True for a monitor ({@code synchronized}), false for an ownable synchronizer. */
    public boolean isMonitor() {
        return frameIndex != OWNABLE_SYNCHRONIZER;
    }
}
