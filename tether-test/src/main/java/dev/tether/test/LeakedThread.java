package dev.tether.test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One thread or task that outlived what it should have.
 *
 * @param kind         a Tether task, a raw virtual thread, or a platform thread
 * @param id           the thread id (for a Tether task, the task id)
 * @param name         the thread's or task's name; empty if none
 * @param state        the thread state at the snapshot
 * @param waitReason   what it waits for, in Go's words where Tether has them ({@code "chan send"},
 *                     {@code "queue put"}, {@code "latch await"}, {@code "sleep"}); null if not waiting
 * @param waited       how long it has waited: known exactly for Tether waits only; null otherwise
 * @param stack        its stack at the snapshot, the JDK's parking machinery trimmed from the top
 * @param userFrame    index in {@code stack} of the first frame of user code (not the JDK, not Tether); -1 if none
 * @param creationSite where it was created: a Tether task's creation site, or for a raw thread the frame that
 *                     started it when the test ran under Tether's JUnit integration; null if unknown
 * @param test         the test that created it, when known; null otherwise
 */
public record LeakedThread(Kind kind, long id, String name, Thread.State state, String waitReason, Duration waited,
                           List<StackTraceElement> stack, int userFrame, StackTraceElement creationSite,
                           String test) {

    /** What kind of thread leaked. */
    public enum Kind {
        TETHER_TASK("Tether task", "Tether tasks"),
        VIRTUAL_THREAD("virtual thread", "virtual threads"),
        PLATFORM_THREAD("platform thread", "platform threads");

        final String one, many;

        Kind(String one, String many) {
            this.one = one;
            this.many = many;
        }
    }

    /** The frame it is blocked in (the first of {@link #stack()}), if any. */
    public Optional<StackTraceElement> topFrame() {
        return stack.isEmpty() ? Optional.empty() : Optional.of(stack.getFirst());
    }

    /** The first frame of user code, if any. */
    public Optional<StackTraceElement> firstUserFrame() {
        return userFrame < 0 ? Optional.empty() : Optional.of(stack.get(userFrame));
    }
}
