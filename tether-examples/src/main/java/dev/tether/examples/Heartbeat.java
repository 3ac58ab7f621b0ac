package dev.tether.examples;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.Group;
import dev.tether.Select;
import dev.tether.Task;
import dev.tether.TaskRegistry;
import dev.tether.Ticker;
import dev.tether.dump.TaskDump;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The seeds' "ticker never stopped": each session sends heartbeats on a ticker while it works, and the session
 * ends without stopping it. In Go the ticker and the goroutine reading it live on; on the JVM the same happens to a
 * {@code scheduleAtFixedRate} that nobody cancels, or to a heartbeat loop in a task nobody owns.
 *
 * <ul>
 *   <li>{@link #sessionLeaky}: the heartbeat is a detached task looping on {@code Thread.sleep} (Go's
 *       {@code go func() { for range ticker.C { ping() } }()}); nothing ever ends it. Every session leaves one task
 *       in {@code [sleep]} behind.
 *   <li>{@link #sessionLeakyScheduled}: the plain-JDK version, a {@code ScheduledExecutorService} heartbeat whose
 *       future is never cancelled: every session leaves one periodic job behind.
 *   <li>{@link #sessionFixed}: a {@link Ticker} started inside the session's task. The session forgets to stop it
 *       too, but a ticker is owned by the context it was started in: when the session's task ends, the ticker
 *       stops, and nothing is left.
 * </ul>
 */
public final class Heartbeat {
    /** Heartbeat period. */
    static final Duration PERIOD = Duration.ofMillis(5);

    private Heartbeat() {
    }

    /** Where heartbeats go; counts them. */
    static final class Monitor {
        final AtomicLong beats = new AtomicLong();

        void ping() {
            beats.incrementAndGet();
        }
    }

    /** A session of {@code steps} units of work, each waiting for the next job on {@code jobs}. */
    static void work(Channel<String> jobs, int steps) throws InterruptedException {
        for (int i = 0; i < steps; i++) jobs.receive();
    }

    /** The leak: a detached heartbeat loop that no session end reaches. */
    static void sessionLeaky(Monitor monitor, Channel<String> jobs, int steps) throws InterruptedException {
        Task.detached("heartbeat", () -> {
            try {
                for (;;) {
                    Thread.sleep(PERIOD); // the leaked heartbeat waits here forever
                    monitor.ping();
                }
            } catch (InterruptedException e) {
                // only an explicit interrupt ends it; no session end ever sends one
            }
        });
        work(jobs, steps);
    }

    /** The plain-JDK leak: a periodic job nobody cancels (the returned future is dropped). */
    static ScheduledFuture<?> sessionLeakyScheduled(ScheduledExecutorService scheduler, Monitor monitor,
                                                    Channel<String> jobs, int steps) throws InterruptedException {
        ScheduledFuture<?> beat = scheduler.scheduleAtFixedRate(monitor::ping, 0, PERIOD.toNanos(),
                TimeUnit.NANOSECONDS);
        work(jobs, steps);
        return beat; // returned only so the demo can clean up; the session itself never cancels it
    }

    /** The fix: a ticker owned by the session's task, read in the same select as the work. */
    static void sessionFixed(Monitor monitor, Channel<String> jobs, int steps) throws InterruptedException {
        Ticker ticker = Ticker.start(PERIOD); // not closed on purpose: the owner's end stops it
        for (int done = 0; done < steps; ) {
            boolean job = Select.select(
                    jobs.onReceive().map(j -> true),
                    ticker.onTick().map(t -> {
                        monitor.ping();
                        return false;
                    }));
            if (job) done++;
        }
    }

    /** One run: how many tasks were live before and after, and the grouped dump after. */
    record Outcome(int before, int after, String dump) {
    }

    /** A session body. */
    @FunctionalInterface
    interface Session {
        void run(Monitor monitor, Channel<String> jobs, int steps) throws InterruptedException;
    }

    /** Runs {@code sessions} sessions of three jobs each to completion, as tasks of one group. */
    static Outcome run(Session session, int sessions) throws InterruptedException {
        int before = TaskRegistry.count();
        Monitor monitor = new Monitor();
        Channel<String> jobs = Channel.buffered(sessions * 3);
        try (Group all = Group.open("sessions", Context.background())) {
            for (int i = 0; i < sessions; i++) all.go(() -> session.run(monitor, jobs, 3));
            for (int i = 0; i < sessions * 3; i++) jobs.send("job " + i);
            all.join(); // every session did its work and ended
        }
        return new Outcome(before, TaskRegistry.count(), TaskDump.grouped());
    }

    public static void main(String[] args) throws InterruptedException {
        int sessions = 100;
        Outcome leaky = run(Heartbeat::sessionLeaky, sessions);
        System.out.printf("leaky heartbeat: live tasks before %d, after %d sessions ended: %d%n",
                leaky.before(), sessions, leaky.after());
        System.out.print(leaky.dump().indent(2));
        Outcome fixed = run(Heartbeat::sessionFixed, sessions);
        System.out.printf("fixed heartbeat (owned Ticker): live tasks before %d, after: %d%n",
                fixed.before(), fixed.after());
        System.exit(0); // the leaky heartbeats would otherwise run forever: that is the leak
    }
}
