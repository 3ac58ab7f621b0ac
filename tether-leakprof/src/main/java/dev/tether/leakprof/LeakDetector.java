package dev.tether.leakprof;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * LeakProf for the JVM, in process: a background sampler that finds blocking sites where many tasks have waited a
 * long time (suspects) and reports tasks the garbage collector proved leaked.
 *
 * <pre>{@code
 * try (LeakDetector detector = LeakDetector.builder().start()) {   // every 30 s; 100 tasks; 1 minute
 *     ...
 *     detector.latest().ifPresent(s -> s.suspects().forEach(System.out::println));
 * }
 * }</pre>
 *
 * <h2>What a sample does</h2>
 * It reads the {@link dev.tether.TaskRegistry task registry} (no stacks, no JDK thread dump: about a tenth of a
 * microsecond per task) and counts the blocked tasks by blocking site and wait reason, counting only those that have
 * waited at least {@linkplain Builder#minAge the minimum age}. A site with at least
 * {@linkplain Builder#minTasks the threshold} of them is a {@link Suspect}; only for suspects does it take a few
 * stacks. Waits in Tether operations have exact ages; a task in a JDK wait (a queue, a lock, a sleep) is aged from
 * the first sample that saw it in that wait. Where tasks record their blocking site (when the JVM lets the collector
 * prove leaks, or with {@code -Dtether.blockingSites=true}) the counts are exact; otherwise tasks are grouped by
 * creation site and wait reason, and the blocking site of a large group is found from the stacks of a few of its
 * tasks ({@link Suspect#estimated()}).
 *
 * <p>Optionally, and less often ({@link Builder#scanThreadsEvery}), a sample also takes a JDK thread dump to look at
 * threads Tether did not start: platform threads and raw virtual threads. That costs time in proportion to the
 * number of threads (the JDK's dump of a million virtual threads takes half a minute), hence off by default.
 *
 * <p>Between samples the detector does nothing: its one platform thread, {@code tether-leakprof}, sleeps. A sample
 * that fails is logged and counted ({@link #errors()}) and the next one runs as planned; so does a listener that
 * throws. {@link #close()} stops the thread and waits for a sample in progress.
 */
public final class LeakDetector implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(LeakDetector.class.getName());

    private final Builder config;
    private final Sampler sampler;
    private final ReentrantLock sampling = new ReentrantLock();
    private final AtomicLong errors = new AtomicLong();
    private final ScheduledExecutorService thread;
    private final ScheduledFuture<?> schedule;
    private volatile Sample latest;
    private volatile Throwable lastError;

    private LeakDetector(Builder b) {
        this.config = b;
        this.sampler = new Sampler(b.minTasks, b.minAge, b.stackSamples, b.scanThreadsEvery, b.ignore);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("tether-leakprof").unstarted(r));
        long period = b.period.toNanos();
        this.schedule = thread.scheduleAtFixedRate(this::sampleQuietly, period, period, TimeUnit.NANOSECONDS);
    }

    /** A builder with the defaults: every 30 s, 100 tasks, 1 minute, no raw-thread scan. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Takes a sample now, on the calling thread, and returns it; it also becomes {@link #latest()} and goes to the
     * listeners. Waits for a sample in progress on the detector's thread, so samples never overlap.
     *
     * @throws IllegalStateException if the detector is closed
     * @throws RuntimeException      what the sample itself threw (also logged and counted)
     */
    public Sample sampleNow() {
        if (thread.isShutdown()) throw new IllegalStateException("the leak detector is closed");
        return sample();
    }

    private Sample sample() {
        sampling.lock();
        try {
            Sample s;
            try {
                s = sampler.sample();
            } catch (RuntimeException | Error e) {
                failed("a leak-detector sample failed", e);
                throw e;
            }
            latest = s;
            for (Consumer<? super Sample> l : config.listeners) {
                try {
                    l.accept(s);
                } catch (RuntimeException e) {
                    failed("a leak-detector listener failed", e);
                }
            }
            return s;
        } finally {
            sampling.unlock();
        }
    }

    /** The scheduled run: whatever happens, the schedule goes on (a throw would cancel it). */
    private void sampleQuietly() {
        try {
            sample();
        } catch (Throwable e) {
            // Already logged and counted by sample().
        }
    }

    private void failed(String what, Throwable e) {
        errors.incrementAndGet();
        lastError = e;
        LOG.log(System.Logger.Level.WARNING, what + " (the detector keeps sampling)", e);
    }

    /** The most recent sample, if one was taken. */
    public Optional<Sample> latest() {
        return Optional.ofNullable(latest);
    }

    /** How many samples (or listeners) have failed since the detector started. */
    public long errors() {
        return errors.get();
    }

    /** The most recent failure of a sample or listener, if any. */
    public Optional<Throwable> lastError() {
        return Optional.ofNullable(lastError);
    }

    /** The sampling period. */
    public Duration period() {
        return config.period;
    }

    /** The suspect threshold: how many tasks at one site. */
    public int minTasks() {
        return config.minTasks;
    }

    /** The suspect threshold: how long each of them has waited. */
    public Duration minAge() {
        return config.minAge;
    }

    /** True until {@link #close()}. */
    public boolean isRunning() {
        return !thread.isShutdown();
    }

    /**
     * Stops sampling: cancels the schedule, waits for a sample in progress (however long it takes) and ends the
     * detector's thread. Idempotent.
     */
    @Override
    public void close() {
        schedule.cancel(false);
        thread.shutdown();
        boolean interrupted = false;
        for (;;) {
            try {
                if (thread.awaitTermination(1, TimeUnit.DAYS)) break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /**
     * Configures and starts a {@link LeakDetector}. The defaults are those of {@link #builder()}; see
     * {@code docs/leakprof.md} for why.
     */
    public static final class Builder {
        private Duration period = Duration.ofSeconds(30);
        private int minTasks = 100;
        private Duration minAge = Duration.ofMinutes(1);
        private int stackSamples = 8;
        private int scanThreadsEvery = 0;
        private Predicate<? super Suspect> ignore = s -> false;
        private final List<Consumer<? super Sample>> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * How often to sample. Default 30 s.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder period(Duration period) {
            this.period = positive(period, "period");
            return this;
        }

        /**
         * How many tasks must wait at one site for it to be a suspect. Default 100, as LeakProf's.
         *
         * @throws IllegalArgumentException if less than 1
         */
        public Builder minTasks(int minTasks) {
            if (minTasks < 1) {
                throw new IllegalArgumentException("minTasks must be at least 1 (a count of blocked tasks), was "
                        + minTasks);
            }
            this.minTasks = minTasks;
            return this;
        }

        /**
         * How long a task must have waited to count towards a suspect. Default 1 minute.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder minAge(Duration minAge) {
            this.minAge = positive(minAge, "minAge");
            return this;
        }

        /**
         * How many stacks to take per large group whose tasks did not record where they block. Default 8.
         *
         * @throws IllegalArgumentException if less than 1
         */
        public Builder stackSamples(int stackSamples) {
            if (stackSamples < 1) {
                throw new IllegalArgumentException("stackSamples must be at least 1, was " + stackSamples);
            }
            this.stackSamples = stackSamples;
            return this;
        }

        /**
         * Also scan raw JVM threads (through a JDK thread dump) every {@code samples}-th sample; 0, the default,
         * never.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder scanThreadsEvery(int samples) {
            if (samples < 0) {
                throw new IllegalArgumentException("scanThreadsEvery must be 0 (never) or a number of samples, was "
                        + samples);
            }
            this.scanThreadsEvery = samples;
            return this;
        }

        /** Drops suspects matching {@code rule} (an idle worker pool, say). Rules accumulate. */
        public Builder ignore(Predicate<? super Suspect> rule) {
            Objects.requireNonNull(rule, "rule");
            Predicate<? super Suspect> before = ignore;
            this.ignore = s -> before.test(s) || rule.test(s);
            return this;
        }

        /** Calls {@code listener} with every sample, on the thread that took it. Listeners accumulate. */
        public Builder onSample(Consumer<? super Sample> listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Starts a detector with this configuration; its first sample comes one period from now. */
        public LeakDetector start() {
            return new LeakDetector(copy());
        }

        private Builder copy() {
            Builder b = new Builder();
            b.period = period;
            b.minTasks = minTasks;
            b.minAge = minAge;
            b.stackSamples = stackSamples;
            b.scanThreadsEvery = scanThreadsEvery;
            b.ignore = ignore;
            b.listeners.addAll(listeners);
            return b;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be a positive duration, was " + d);
            }
            return d;
        }
    }
}
