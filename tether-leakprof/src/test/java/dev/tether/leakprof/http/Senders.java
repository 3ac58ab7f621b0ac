package dev.tether.leakprof.http;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tether tasks blocked for good in {@code Channel.send} at {@link #SEND_LINE} of this file, in one named scope that
 * {@link #close()} cancels. Lives outside {@code dev.tether}, so that its frames are user code.
 */
final class Senders implements AutoCloseable {

    static final String SCOPE_NAME = "debug-endpoint-senders";
    static final int SEND_LINE = lineOf("SEND-LINE");

    final TaskScope scope = TaskScope.open(SCOPE_NAME, Context.background());
    final int count;

    Senders(int count) {
        this.count = count;
        for (int i = 0; i < count; i++) {
            Channel<Integer> nobodyReceives = Channel.unbuffered();
            scope.go("sender-" + i, () -> sendsForever(nobodyReceives));
        }
        await(t -> t.inTetherWait() && t.thread().map(th -> th.getState() == Thread.State.WAITING).orElse(false),
                "blocked in chan send");
    }

    static void sendsForever(Channel<Integer> ch) throws InterruptedException {
        ch.send(1); // SEND-LINE
    }

    /** This scope's live tasks. */
    List<TaskInfo> tasks() {
        return TaskRegistry.snapshot().stream().filter(t -> t.owner().map(o -> o.id() == scope.id()).orElse(false))
                .toList();
    }

    /** Waits (bounded) until every task has waited at least {@code age} in its send. */
    void awaitWaited(Duration age) {
        await(t -> t.waited().map(w -> w.compareTo(age) >= 0).orElse(false), "waited " + age);
    }

    private void await(Predicate<TaskInfo> condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            long n = tasks().stream().filter(condition).count();
            if (n == count) return;
            if (System.nanoTime() > deadline) fail("only " + n + " of " + count + " tasks " + what + " in 20 s");
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** The line of a marker comment in this file. */
    static int lineOf(String marker) {
        return lineOf(Senders.class, marker);
    }

    /** The line of a marker comment in the source of test class {@code c} (of this package). */
    static int lineOf(Class<?> c, String marker) {
        Path source = Path.of("src/test/java/dev/tether/leakprof/http/" + c.getSimpleName() + ".java");
        try {
            List<String> lines = Files.readAllLines(source);
            for (int i = 0; i < lines.size(); i++) if (lines.get(i).endsWith("// " + marker)) return i + 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError(marker + " not in " + source);
    }

    @Override
    public void close() {
        scope.close();
    }
}
