package dev.tether.leakprof;

import java.time.Duration;
import java.util.Objects;

/**
 * Tasks the garbage collector proved leaked (see {@link dev.tether.TaskRegistry#reclaimed()}), counted by where
 * they were blocked and who spawned them. Certain, unlike a {@link Suspect}: nothing could ever have woken them.
 *
 * @param waitReason    what they were blocked in
 * @param blockingSite  the user frame that called the blocking operation, or null if it was not recorded (blocking
 *                      sites off)
 * @param creationSite  where they were spawned, or null if unknown
 * @param count         how many the detector has seen reclaimed at this site since it started
 * @param newCount      how many of them were reclaimed since the previous sample
 * @param longestWait   the longest any of them had waited when reclaimed
 * @param lastTaskId    the id of the most recently reclaimed of them
 */
public record ProvenLeak(String waitReason, StackTraceElement blockingSite, StackTraceElement creationSite,
                         long count, long newCount, Duration longestWait, long lastTaskId) {
    public ProvenLeak {
        Objects.requireNonNull(longestWait, "longestWait");
    }

    @Override
    public String toString() {
        return count + " tasks proven leaked [" + (waitReason == null ? "blocked" : waitReason) + "] at "
                + (blockingSite == null ? "?" : blockingSite.getFileName() + ":" + blockingSite.getLineNumber())
                + (creationSite == null ? "" : ", created at " + creationSite.getFileName() + ":"
                + creationSite.getLineNumber());
    }
}
