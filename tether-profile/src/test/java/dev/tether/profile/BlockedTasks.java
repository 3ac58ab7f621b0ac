package dev.tether.profile;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.Select;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tether tasks blocked for good at three sites of this class, in one scope that {@link #close()} cancels: per unit
 * of {@code scale}, {@value #SENDERS} senders on unbuffered channels nobody receives from ({@code chan send}),
 * {@value #RECEIVERS} receivers nobody sends to ({@code chan receive}) and {@value #SELECTORS} selects on two such
 * channels ({@code select}). Lives in {@code dev.tether.profile}, outside {@code dev.tether}, so that its frames are
 * user code and its constructor the tasks' creation site.
 */
final class BlockedTasks implements AutoCloseable {

    static final int SENDERS = 6;
    static final int RECEIVERS = 4;
    static final int SELECTORS = 2;
    static final String SCOPE_NAME = "blocked-tasks";

    final TaskScope scope = TaskScope.open(SCOPE_NAME, Context.background());
    final int total;

    BlockedTasks(int scale) {
        for (int i = 0; i < SENDERS * scale; i++) {
            Channel<Integer> ch = Channel.unbuffered();
            scope.go("sender-" + i, () -> sendsForever(ch));
        }
        for (int i = 0; i < RECEIVERS * scale; i++) {
            Channel<Integer> ch = Channel.unbuffered();
            scope.go("receiver-" + i, () -> receivesForever(ch));
        }
        for (int i = 0; i < SELECTORS * scale; i++) {
            Channel<Integer> a = Channel.unbuffered();
            Channel<String> b = Channel.unbuffered();
            scope.go("selector-" + i, () -> selectsForever(a, b));
        }
        total = (SENDERS + RECEIVERS + SELECTORS) * scale;
        awaitBlocked();
    }

    static void sendsForever(Channel<Integer> ch) throws InterruptedException {
        ch.send(1); // SEND-LINE
    }

    static void receivesForever(Channel<Integer> ch) throws InterruptedException {
        ch.receive(); // RECEIVE-LINE
    }

    static void selectsForever(Channel<Integer> a, Channel<String> b) throws InterruptedException {
        Select.select(a.onReceive(), b.onReceive()); // SELECT-LINE
    }

    /** Waits (bounded) until every task of the scope is parked in its Tether wait. */
    private void awaitBlocked() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            int blocked = 0;
            for (TaskInfo t : TaskRegistry.snapshot()) {
                if (t.owner().map(o -> o.id() == scope.id()).orElse(false) && t.inTetherWait()
                        && t.thread().map(th -> th.getState() == Thread.State.WAITING).orElse(false)) {
                    blocked++;
                }
            }
            if (blocked == total) return;
            if (System.nanoTime() > deadline) fail("only " + blocked + " of " + total + " tasks blocked in 20 s");
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** The source line of a marker comment in this file. */
    static int lineOf(String marker) {
        Path source = Path.of("src/test/java/dev/tether/profile/BlockedTasks.java");
        try {
            List<String> lines = Files.readAllLines(source);
            for (int i = 0; i < lines.size(); i++) if (lines.get(i).contains("// " + marker)) return i + 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError(marker + " not in " + source);
    }

    /** Whether {@code e} is one of these tasks (or a group of them). */
    boolean owns(Entry e) {
        return e.owner().map(o -> o.kind().equals("scope") && Long.valueOf(scope.id()).equals(o.id())).orElse(false);
    }

    @Override
    public void close() {
        scope.close();
    }
}
