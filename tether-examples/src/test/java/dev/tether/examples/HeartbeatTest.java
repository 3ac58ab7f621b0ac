package dev.tether.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Channel;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.dump.TaskDump;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class HeartbeatTest {
    private static final int SESSIONS = 20;

    @Test
    void leakyHeartbeatsOutliveTheirSessions() throws Exception {
        Heartbeat.Outcome o = Heartbeat.run(Heartbeat::sessionLeaky, SESSIONS);
        try {
            assertEquals(o.before() + SESSIONS, o.after(), () -> "one heartbeat left per ended session\n" + o.dump());
            long heartbeats = TaskRegistry.snapshot().stream()
                    .filter(t -> t.detached() && t.name().orElse("").equals("heartbeat")).count();
            assertEquals(SESSIONS, heartbeats, o.dump());
            // A heartbeat spawned just before its session ended may not have reached its first sleep yet when the
            // run's dump was taken: wait until every one has, then check a dump of that state.
            awaitTrue(() -> TaskRegistry.snapshot().stream()
                    .filter(t -> t.detached() && t.name().orElse("").equals("heartbeat"))
                    .filter(t -> "sleep".equals(t.waitReason())).count() == SESSIONS, "every heartbeat sleeps");
            String dump = TaskDump.grouped();
            assertTrue(dump.contains("@ [sleep]"), dump);
            assertTrue(dump.contains("Heartbeat.lambda$sessionLeaky$"), dump);
            assertTrue(dump.contains("created by dev.tether.examples.Heartbeat.sessionLeaky"), dump);
            assertTrue(dump.contains("detached"), dump);
        } finally {
            stopLeakedHeartbeats();
        }
        awaitCount(o.before());
    }

    @Test
    void theJdkSchedulerVersionLeavesAPeriodicJobPerSession() throws Exception {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        List<ScheduledFuture<?>> beats = new ArrayList<>();
        try {
            Heartbeat.Monitor monitor = new Heartbeat.Monitor();
            Channel<String> jobs = Channel.buffered(SESSIONS);
            for (int i = 0; i < SESSIONS; i++) jobs.send("job");
            for (int i = 0; i < SESSIONS; i++) beats.add(Heartbeat.sessionLeakyScheduled(scheduler, monitor, jobs, 1));
            assertTrue(beats.stream().noneMatch(java.util.concurrent.Future::isDone), "no heartbeat was cancelled");
            long atEnd = monitor.beats.get();
            awaitTrue(() -> monitor.beats.get() >= atEnd + 3L * SESSIONS, "heartbeats go on after every session ended");
        } finally {
            beats.forEach(b -> b.cancel(false));
            scheduler.shutdownNow();
            assertTrue(scheduler.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void anOwnedTickerStopsWithItsSession() throws Exception {
        Heartbeat.Outcome o = Heartbeat.run(Heartbeat::sessionFixed, SESSIONS);
        assertEquals(o.before(), o.after(), o.dump());
    }

    /** The leaked heartbeats sleep forever; interrupt them so later tests start clean. */
    private static void stopLeakedHeartbeats() {
        for (TaskInfo t : TaskRegistry.snapshot()) {
            if (t.detached() && t.name().orElse("").equals("heartbeat")) t.thread().ifPresent(Thread::interrupt);
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static void awaitCount(int expected) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (TaskRegistry.count() != expected) {
            if (System.nanoTime() > deadline) throw new AssertionError("live tasks: " + TaskRegistry.count());
            LockSupport.parkNanos(1_000_000);
        }
    }
}
