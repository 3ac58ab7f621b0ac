package dev.tether.leakprof;

import java.time.Duration;

/** Durations as Go's goroutine dumps show them: whole minutes from one minute up, else seconds or milliseconds. */
final class Durations {
    private Durations() {
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms >= 60_000) return (ms / 60_000) + " minutes";
        if (ms >= 1_000) return (ms / 1_000) + " s";
        return ms + " ms";
    }
}
