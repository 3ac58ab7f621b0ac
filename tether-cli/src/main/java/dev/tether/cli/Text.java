package dev.tether.cli;

import dev.tether.profile.Frame;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How the reports spell durations, counts and frames, and how the command line reads durations. */
final class Text {
    private Text() {
    }

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    /** {@code 412 ms}, {@code 7 s}, {@code 5m 3s}, {@code 2h 5m}, {@code 3d 4h}. */
    static String duration(Duration d) {
        if (d == null) return "-";
        long ms = d.toMillis();
        if (ms < 1000) return ms + " ms";
        long s = ms / 1000;
        if (s < 60) return s + " s";
        if (s < 3600) return s % 60 == 0 ? s / 60 + "m" : s / 60 + "m " + s % 60 + "s";
        if (s < 86400) return (s / 60) % 60 == 0 ? s / 3600 + "h" : s / 3600 + "h " + (s / 60) % 60 + "m";
        return (s / 3600) % 24 == 0 ? s / 86400 + "d" : s / 86400 + "d " + (s / 3600) % 24 + "h";
    }

    /** {@code 12,345}. */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code 1 site}, {@code 12,345 sites}. */
    static String plural(long n, String what) {
        return count(n) + " " + what + (n == 1 ? "" : "s");
    }

    /** A frame as a reader scans it: {@code main.fetchQuote.func1 (main.go:48)}, the file without its directory. */
    static String frame(Frame f) {
        if (f.file() == null) return f.function() + (f.isNative() ? " (native)" : "");
        String file = f.file().substring(f.file().lastIndexOf('/') + 1);
        return f.line() < 0 ? f.function() + " (" + file + ")" : f.function() + " (" + file + ":" + f.line() + ")";
    }

    /**
     * Reads a duration written as Go does ({@code 10s}, {@code 500ms}, {@code 1m30s}, {@code 2h}; also {@code d}),
     * or in ISO-8601 ({@code PT10S}).
     *
     * @throws IllegalArgumentException if {@code s} is neither, or negative
     */
    static Duration parseDuration(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        if (t.equals("0")) return Duration.ZERO;
        if (t.startsWith("p")) {
            try {
                Duration d = Duration.parse(t.toUpperCase(Locale.ROOT));
                if (!d.isNegative()) return d;
            } catch (DateTimeParseException e) {
                // reported below
            }
        } else {
            Matcher m = DURATION.matcher(t);
            Duration d = Duration.ZERO;
            int end = 0;
            while (m.find() && m.start() == end) {
                long n = Long.parseLong(m.group(1));
                d = d.plus(switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                });
                end = m.end();
            }
            if (end == t.length() && end > 0) return d;
        }
        throw new IllegalArgumentException("not a duration: '" + s + "' (expected e.g. 500ms, 10s, 1m30s, 2h or"
                + " PT10S)");
    }
}
