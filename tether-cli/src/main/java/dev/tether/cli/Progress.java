package dev.tether.cli;

import java.io.PrintWriter;

/**
 * A progress bar on stderr while targets are scanned: {@code [#########...........] 45/100 targets, 2 failed, 3.1 s}.
 * Redrawn in place at most ten times a second, and erased when the scan ends, so it never mixes with the report.
 * Thread-safe: scanning tasks report as they finish.
 */
final class Progress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000;

    private final PrintWriter err;
    private final boolean enabled;
    private final String what;
    private final int total;
    private final long start = System.nanoTime();
    private int done;
    private int failed;
    private long drawn;
    private int drawnLength;

    /** A bar for {@code total} targets; draws nothing unless {@code enabled}. */
    Progress(PrintWriter err, boolean enabled, String what, int total) {
        this.err = err;
        this.enabled = enabled;
        this.what = what;
        this.total = total;
        if (enabled) draw();
    }

    /** One more target finished. */
    synchronized void done(boolean ok) {
        done++;
        if (!ok) failed++;
        if (enabled && (System.nanoTime() - drawn >= REDRAW_NANOS || done == total)) draw();
    }

    /** Erases the bar. */
    synchronized void finish() {
        if (!enabled) return;
        err.print("\r" + " ".repeat(drawnLength) + "\r");
        err.flush();
    }

    private void draw() {
        int filled = total == 0 ? WIDTH : (int) ((long) done * WIDTH / total);
        String line = what + " [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + done + "/" + total
                + " targets" + (failed > 0 ? ", " + failed + " failed" : "") + ", "
                + Text.duration(java.time.Duration.ofNanos(System.nanoTime() - start));
        err.print("\r" + line + " ".repeat(Math.max(0, drawnLength - line.length())));
        err.flush();
        drawnLength = line.length();
        drawn = System.nanoTime();
    }
}
