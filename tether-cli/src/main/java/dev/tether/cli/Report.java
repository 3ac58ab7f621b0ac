package dev.tether.cli;

import dev.tether.profile.Format;
import dev.tether.profile.Frame;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The outcome of one leakprof scan: what each target gave, the blocking sites across all of them (suspects first, in
 * rank order), and the lock-order deadlocks found per instance. Immutable; written as a table, JSON and HTML.
 *
 * @param time      when the scan ended
 * @param settings  the thresholds the sites were judged by
 * @param instances every target, in the order given, scanned or not
 * @param sites     blocking sites, suspects first, each part in rank order
 * @param deadlocks lock-order deadlocks, per instance
 * @param compared  true if growth was computed against an earlier scan ({@code --baseline} or {@code --interval})
 */
record Report(Instant time, Settings settings, List<Instance> instances, List<Site> sites, List<LockCycle> deadlocks,
              boolean compared) {

    Report {
        Objects.requireNonNull(time);
        Objects.requireNonNull(settings);
        instances = List.copyOf(instances);
        sites = List.copyOf(sites);
        deadlocks = List.copyOf(deadlocks);
    }

    /** The sites judged suspects (they come first in {@link #sites()}). */
    List<Site> suspects() {
        return sites.stream().filter(Site::suspect).toList();
    }

    /** The number of instances that were scanned. */
    long scanned() {
        return instances.stream().filter(Instance::ok).count();
    }

    /**
     * The process exit code: 2 if no target could be scanned, else 1 if there is a suspect or a deadlock, else 0.
     * Targets that failed while others were scanned are reported, not fatal.
     */
    int exitCode() {
        if (scanned() == 0) return LeakProf.EXIT_ERROR;
        return suspects().isEmpty() && deadlocks.isEmpty() ? LeakProf.EXIT_CLEAN : LeakProf.EXIT_SUSPECTS;
    }

    /**
     * The thresholds a site must reach to be a suspect (any one of them), and how sites are ranked.
     *
     * @param minCount  blocked goroutines or threads at the site, across all instances
     * @param minWait   the oldest wait at the site (only dumps that date waits can reach it)
     * @param minGrowth growth since the earlier scan
     * @param sort      the ranking key
     */
    record Settings(long minCount, Duration minWait, long minGrowth, Sort sort) {
        Settings {
            Objects.requireNonNull(minWait);
            Objects.requireNonNull(sort);
        }
    }

    /** Ranking keys; ties are broken by count, then instances, then oldest wait, then growth. */
    enum Sort { COUNT, INSTANCES, WAIT, GROWTH }

    /**
     * One target.
     *
     * @param name    the instance's name in the report ({@code host:port}, file name, {@code pid 1234})
     * @param target  the target as given
     * @param format  the dump's format, or null if it could not be read
     * @param total   goroutines or threads in the dump
     * @param blocked how many of them were blocked and not ignored
     * @param elapsed how long fetching and reading took
     * @param error   why the target could not be scanned, or null if it was
     */
    record Instance(String name, String target, Format format, long total, long blocked, Duration elapsed,
                    String error) {
        Instance {
            Objects.requireNonNull(name);
            Objects.requireNonNull(target);
            Objects.requireNonNull(elapsed);
        }

        boolean ok() {
            return error == null;
        }
    }

    /**
     * What a goroutine or thread blocked on, in classes that decide whether a site can be a suspect.
     */
    enum Category {
        /** A channel, select or queue operation: the classic goroutine leak. */
        CHANNEL,
        /** A mutex or monitor: contention, or one side of a lock-order deadlock. */
        LOCK,
        /** Waiting for an event: a WaitGroup, latch, condition, future, join or plain park. */
        WAIT,
        /** Blocked where waiting is normal (network I/O, sleep, the Go runtime's idle workers): never a suspect. */
        IDLE,
        /** The dump does not say why (Go's debug=1 hides the runtime's frames). */
        UNKNOWN
    }

    /**
     * A blocking site across the fleet: the first frame of the program's own code under the blocking call, and
     * the wait.
     *
     * @param frame      the blocking site (no inlining mark)
     * @param waitReason the wait, in the dump's words ({@code chan send}, {@code queue take}), or {@code ?}
     * @param category   its category
     * @param count      blocked goroutines or threads at the site, all instances together
     * @param instances  count per instance name, largest first
     * @param oldestWait the longest wait a dump gave for the site, or null if no dump dated it
     * @param growth     the change of {@code count} since the earlier scan, over instances scanned both times; null
     *                   when not {@linkplain Report#compared() compared}
     * @param suspect    whether the site reached a threshold
     * @param why        the thresholds it reached, e.g. {@code count 400 >= 10}; empty if not a suspect
     * @param stacks     the most common full stacks at the site, most common first
     * @param creators   who started the goroutines or threads (Go's {@code created by}, a Tether task's creation
     *                   site, else a JVM thread's container or name pattern), most common first
     */
    record Site(Frame frame, String waitReason, Category category, long count, Map<String, Long> instances,
                Duration oldestWait, Long growth, boolean suspect, List<String> why, List<Stack> stacks,
                List<Creator> creators) {
        Site {
            Objects.requireNonNull(frame);
            Objects.requireNonNull(waitReason);
            Objects.requireNonNull(category);
            instances = Collections.unmodifiableMap(new LinkedHashMap<>(instances));
            why = List.copyOf(why);
            stacks = List.copyOf(stacks);
            creators = List.copyOf(creators);
        }

        /** The site's identity across scans and formats. */
        SiteKey key() {
            return SiteKey.of(frame);
        }
    }

    /**
     * A site's identity: equal in two scans of the same code, and in dumps of different formats (a {@code debug=1}
     * profile does not name the wait its {@code debug=2} dump names).
     */
    record SiteKey(String function, String file, int line) {
        static SiteKey of(Frame f) {
            return new SiteKey(f.function(), f.file(), f.line());
        }
    }

    /** A distinct full stack at a site and how many goroutines or threads had it. */
    record Stack(List<Frame> frames, long count) {
        Stack {
            frames = List.copyOf(frames);
        }
    }

    /** A creator at a site and how many goroutines or threads it started there. */
    record Creator(String description, long count) {
        Creator {
            Objects.requireNonNull(description);
        }
    }

    /**
     * A lock-order deadlock in one instance: threads each waiting for a lock the next one holds.
     *
     * @param instance the instance
     * @param links    the cycle, in order; the last one's lock is held by the first thread
     * @param source   how it was found: {@code reported by the JVM} (jstack's own report) or {@code wait-for graph}
     */
    record LockCycle(String instance, List<Link> links, String source) {
        LockCycle {
            Objects.requireNonNull(instance);
            links = List.copyOf(links);
            Objects.requireNonNull(source);
        }
    }

    /**
     * One thread of a deadlock.
     *
     * @param thread the thread's name (or {@code #id})
     * @param lock   the lock it waits for ({@code class@identity})
     * @param heldBy the thread holding it
     * @param site   where it waits (the first frame of the program's code), or null if the dump has no stack
     */
    record Link(String thread, String lock, String heldBy, Frame site) {
        Link {
            Objects.requireNonNull(thread);
            Objects.requireNonNull(lock);
            Objects.requireNonNull(heldBy);
        }
    }
}
