package dev.tether;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one timer thread behind context deadlines, tickers and timers. Cancelled timers are removed at once
 * ({@code removeOnCancelPolicy}), and the thread ends after a second with nothing scheduled, so a process whose
 * contexts are all finished has no Tether timer and no Tether thread left.
 */
final class Timers {
    private Timers() {
    }

    /** Thread name, which leak checkers may list among process infrastructure. */
    static final String THREAD_NAME = "tether-timer";

    private static final class Holder {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1,
                    Thread.ofPlatform().daemon().name(THREAD_NAME).factory());
            e.setRemoveOnCancelPolicy(true);
            e.setKeepAliveTime(1, TimeUnit.SECONDS);
            e.allowCoreThreadTimeOut(true);
            return e;
        }
    }

    /** Runs {@code action} on the timer thread after {@code delayNanos}; it must be quick and must not block. */
    static ScheduledFuture<?> schedule(Runnable action, long delayNanos) {
        return Holder.EXECUTOR.schedule(action, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Runs {@code action} on the timer thread every {@code periodNanos}; it must be quick and must not block. */
    static ScheduledFuture<?> scheduleAtFixedRate(Runnable action, long periodNanos) {
        return Holder.EXECUTOR.scheduleAtFixedRate(action, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    /** Timers currently scheduled (for tests that check nothing is left behind). */
    static int pending() {
        return Holder.EXECUTOR.getQueue().size();
    }
}
