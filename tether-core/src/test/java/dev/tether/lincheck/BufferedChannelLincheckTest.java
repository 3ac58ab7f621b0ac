package dev.tether.lincheck;

import dev.tether.Channel;
import dev.tether.ChannelClosedException;
import dev.tether.Select;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.StressOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;

/**
 * Linearizability of a buffered channel's non-blocking operations, checked by Lincheck against a bounded FIFO queue
 * with a closed flag ({@link Spec}): every concurrent history of {@code trySend}, {@code tryReceive}, their
 * {@link Select} forms with a default, {@code close}, {@code size} and {@code isClosed} must be explainable by some
 * order of those operations on the queue — so no value is lost or received twice, FIFO order holds, and a closed
 * channel refuses sends but lets its buffered values be received. The model-checking run explores thread switches
 * at every shared-memory access and lock operation; the stress run executes the same scenarios on real threads.
 *
 * <p>Blocking operations are outside what Lincheck can check (a send with no receiver never returns); the stress
 * tests in {@code ChannelStressTest} and {@code SelectStressTest} count every value through those.
 *
 * <p>Tagged {@code lincheck}: it runs in its own JVM (Lincheck attaches an instrumentation agent), see tether-core's
 * pom.
 */
@Tag("lincheck")
public class BufferedChannelLincheckTest {
    static final int CAPACITY = 2;
    static final String CLOSED = "closed", EMPTY = "empty";

    private final Channel<Integer> channel = Channel.buffered(CAPACITY);

    @Operation
    public Object trySend(int value) {
        try {
            return channel.trySend(value);
        } catch (ChannelClosedException e) {
            return CLOSED;
        }
    }

    @Operation
    public Object tryReceive() {
        try {
            Integer v = channel.tryReceive();
            return v == null ? EMPTY : v;
        } catch (ChannelClosedException e) {
            return CLOSED;
        }
    }

    @Operation
    public Object selectSend(int value) throws InterruptedException {
        try {
            return Select.select(channel.onSend(value).map(x -> true), Select.otherwise().map(x -> false));
        } catch (ChannelClosedException e) {
            return CLOSED;
        }
    }

    @Operation
    public Object selectReceive() throws InterruptedException {
        try {
            return Select.<Object>select(channel.onReceive().map(v -> v), Select.otherwise().map(x -> EMPTY));
        } catch (ChannelClosedException e) {
            return CLOSED;
        }
    }

    @Operation
    public void close() {
        channel.close();
    }

    @Operation
    public int size() {
        return channel.size();
    }

    @Operation
    public boolean isClosed() {
        return channel.isClosed();
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .iterations(30)
                .invocationsPerIteration(300)
                .sequentialSpecification(Spec.class)
                .check(getClass());
    }

    @Test
    void stress() {
        new StressOptions()
                .iterations(25)
                .invocationsPerIteration(1_000)
                .sequentialSpecification(Spec.class)
                .check(getClass());
    }

    /** What the channel's non-blocking operations mean, one at a time: a bounded FIFO queue that can be closed. */
    public static class Spec {
        private final ArrayDeque<Integer> buffer = new ArrayDeque<>();
        private boolean closed;

        public Object trySend(int value) {
            if (closed) return CLOSED;
            if (buffer.size() == CAPACITY) return false;
            buffer.addLast(value);
            return true;
        }

        public Object tryReceive() {
            if (!buffer.isEmpty()) return buffer.removeFirst();
            return closed ? CLOSED : EMPTY;
        }

        public Object selectSend(int value) {
            return trySend(value);
        }

        public Object selectReceive() {
            return tryReceive();
        }

        public void close() {
            closed = true;
        }

        public int size() {
            return buffer.size();
        }

        public boolean isClosed() {
            return closed;
        }
    }
}
