package dev.tether.examples;

import dev.tether.CancelContext;
import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.Select;
import dev.tether.TaskScope;

import java.time.Duration;

/**
 * The forgotten sender, from "Goroutine Leaks — The Forgotten Sender": {@code process} waits at most 100 ms for a
 * 200 ms {@code search} running in another task. When it gives up, the search task finishes later and sends its
 * result on a channel that nobody will ever receive from again.
 *
 * <p>The searches are owned by {@code workers}, a long-lived scope standing for a server's lifetime, exactly as a
 * goroutine started from a request handler belongs to the whole process. Three versions:
 * <ul>
 *   <li>{@link #processLeaky}: an unbuffered channel; every timed-out call leaves a task blocked in
 *       {@code chan send} for as long as {@code workers} lives.
 *   <li>{@link #processBuffered}: the article's fix, a buffer of one; the late send completes and the task ends.
 *   <li>{@link #processCancellable}: a cancellation-aware send, Go's {@code select { case ch <- r: case
 *       <-ctx.Done(): }}; the late task sees the caller's context is done and ends.
 * </ul>
 */
public final class ForgottenSender {
    /** How long the simulated search takes (the article's 200 ms). */
    static final Duration SEARCH_TIME = Duration.ofMillis(200);
    /** How long process waits for it (the article's 100 ms). */
    static final Duration TIMEOUT = Duration.ofMillis(100);

    private ForgottenSender() {
    }

    /** process gave up waiting for search. */
    public static final class SearchCanceledException extends Exception {
        private static final long serialVersionUID = 1L;

        SearchCanceledException(String term) {
            super("search canceled: " + term);
        }
    }

    private record Result(String record) {
    }

    /** Simulates a search that takes {@link #SEARCH_TIME}. */
    static String search(String term) throws InterruptedException {
        Thread.sleep(SEARCH_TIME);
        return "some value for " + term;
    }

    /** The seed's buggy version: an unbuffered channel, and a sender that never learns nobody listens. */
    public static String processLeaky(TaskScope workers, String term)
            throws InterruptedException, SearchCanceledException {
        try (CancelContext ctx = Context.current().withTimeout(TIMEOUT)) {
            Channel<Result> ch = Channel.unbuffered();
            workers.go(() -> {
                String record = search(term);
                ch.send(new Result(record)); // blocks forever once process has returned
            });
            return await(ctx, ch, term);
        }
    }

    /** The article's fix: capacity for the one result, so the late send completes and the task ends. */
    public static String processBuffered(TaskScope workers, String term)
            throws InterruptedException, SearchCanceledException {
        try (CancelContext ctx = Context.current().withTimeout(TIMEOUT)) {
            Channel<Result> ch = Channel.buffered(1);
            workers.go(() -> {
                String record = search(term);
                ch.send(new Result(record)); // never blocks: the buffer has room for the only value
            });
            return await(ctx, ch, term);
        }
    }

    /** The other fix: the sender gives up when the caller's context is done. */
    public static String processCancellable(TaskScope workers, String term)
            throws InterruptedException, SearchCanceledException {
        try (CancelContext ctx = Context.current().withTimeout(TIMEOUT)) {
            Channel<Result> ch = Channel.unbuffered();
            workers.go(() -> {
                String record = search(term);
                Select.select(ch.onSend(new Result(record)), ctx.done());
            });
            return await(ctx, ch, term);
        }
    }

    private static String await(Context ctx, Channel<Result> ch, String term)
            throws InterruptedException, SearchCanceledException {
        String record = Select.select(
                ctx.done().map(x -> (String) null),
                ch.onReceive().map(Result::record));
        if (record == null) throw new SearchCanceledException(term);
        return record;
    }
}
