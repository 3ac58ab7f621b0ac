package dev.tether.leakprof.metrics;

import dev.tether.Channel;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Test fixture shared by the observability tests: {@code n} tasks of one scope blocked sending on an unbuffered
 * channel, all at {@link #SITE}. {@link #close()} receives their values, so they end normally, then closes the
 * scope.
 */
public final class BlockedSenders implements AutoCloseable {
    /** The file of the blocking site. */
    public static final String FILE = "BlockedSenders.java";
    private static volatile int sendLine;

    private final Channel<Integer> channel = Channel.unbuffered();
    private final TaskScope scope;
    private final int n;
    private boolean started, closed;

    private BlockedSenders(int n) {
        this.n = n;
        this.scope = TaskScope.open();
    }

    /** Spawns {@code n} senders and returns once all of them are blocked in {@code chan send} (at most 10 s). */
    public static BlockedSenders start(int n) throws InterruptedException, TimeoutException {
        BlockedSenders b = new BlockedSenders(n);
        try {
            for (int i = 0; i < n; i++) b.scope.go("sender-" + i, () -> send(b.channel));
            await(() -> b.blocked() == n, "the senders to block");
            b.started = true;
        } catch (Throwable e) {
            b.close();
            throw e;
        }
        return b;
    }

    private static void send(Channel<Integer> ch) throws InterruptedException {
        sendLine = new Throwable().getStackTrace()[0].getLineNumber(); ch.send(1); // one line: the blocking site
    }

    /** {@code BlockedSenders.java:N}: the senders' blocking site as metrics label it. */
    public static String site() {
        return FILE + ":" + sendLine;
    }

    /** The line of the blocking site. */
    public static int line() {
        return sendLine;
    }

    /** The scope's id. */
    public long scopeId() {
        return scope.id();
    }

    /** How many of this scope's tasks are blocked in chan send now. */
    public int blocked() {
        int k = 0;
        for (TaskInfo t : TaskRegistry.snapshot()) {
            if ("chan send".equals(t.waitReason()) && t.owner().map(o -> o.id() == scope.id()).orElse(false)) k++;
        }
        return k;
    }

    /** Polls {@code condition} every millisecond for at most 10 s. */
    public static void await(BooleanSupplier condition, String what) throws TimeoutException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) throw new TimeoutException("timed out waiting for " + what);
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * Receives every sender's value, so they end normally, then closes the scope; if they never all blocked, the
     * scope's close cancels them instead. Idempotent.
     */
    @Override
    public void close() throws InterruptedException {
        if (closed) return;
        closed = true;
        try {
            if (started) for (int i = 0; i < n; i++) channel.receive();
        } finally {
            scope.close();
        }
    }
}
