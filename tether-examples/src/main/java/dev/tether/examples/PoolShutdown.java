package dev.tether.examples;

import dev.tether.Channel;
import dev.tether.Context;
import dev.tether.TaskInfo;
import dev.tether.TaskRegistry;
import dev.tether.TaskScope;
import dev.tether.WorkerPool;
import dev.tether.dump.TaskDump;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker pool never closed: a function fans its items out to a few workers reading a jobs channel, collects the
 * results and returns, but never closes the channel. Every worker stays blocked in {@code chan receive}, for as
 * long as its owner lives; each call leaves another set of them behind. Go's version is a {@code for range jobs}
 * loop in each of {@code n} goroutines and a missing {@code close(jobs)}.
 *
 * <ul>
 *   <li>{@link #resizeAllLeaky}: hand-rolled workers, owned by a long-lived {@code server} scope standing for the
 *       process, on a channel nobody closes.
 *   <li>{@link #resizeAll}: a {@link WorkerPool} in try-with-resources: {@code close()} runs the queued jobs, then
 *       every worker ends before the method returns.
 * </ul>
 * {@link #main} runs both and prints the live task count before and after, and the grouped dump.
 */
public final class PoolShutdown {
    /** Workers per call. */
    static final int WORKERS = 4;

    private PoolShutdown() {
    }

    /** Stands for the real work on one item. */
    static String resize(String image) {
        return image + " (resized)";
    }

    /** The seed's buggy version: the workers range over {@code jobs}, which is never closed. */
    public static List<String> resizeAllLeaky(TaskScope server, List<String> images) throws InterruptedException {
        Channel<String> jobs = Channel.buffered(images.size());
        Channel<String> results = Channel.buffered(images.size());
        for (int i = 1; i <= WORKERS; i++) {
            server.go("resize-worker-" + i, () -> {
                for (String image : jobs) { // waits forever once the jobs are done: nobody closes jobs
                    results.send(resize(image));
                }
            });
        }
        for (String image : images) jobs.send(image);
        List<String> out = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) out.add(results.receive());
        return out; // missing: jobs.close()
    }

    /** The fix: an owned pool, shut down when the block ends. */
    public static List<String> resizeAll(List<String> images) throws InterruptedException {
        ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
        try (WorkerPool pool = WorkerPool.open("resize", WORKERS, images.size())) {
            for (String image : images) pool.submit(() -> out.add(resize(image)));
        } // close(): no more jobs; the queued ones run; every worker has ended
        return new ArrayList<>(out);
    }

    /** What one run of a version left behind. */
    record Outcome(int results, int before, int after, String dump, int afterOwnerClosed) {
    }

    /** Runs the leaky version once under a long-lived {@code server} scope, then closes that scope. */
    static Outcome runLeaky(List<String> images) throws InterruptedException {
        int before = TaskRegistry.count();
        int results, after;
        String dump;
        try (TaskScope server = TaskScope.open("server", Context.background())) {
            results = resizeAllLeaky(server, images).size();
            settle(server.id());
            after = TaskRegistry.count();
            dump = TaskDump.grouped();
        } // the server's end cancels the stuck workers: the only thing that ever would
        return new Outcome(results, before, after, dump, TaskRegistry.count());
    }

    /** Runs the fixed version once. */
    static Outcome runFixed(List<String> images) throws InterruptedException {
        int before = TaskRegistry.count();
        int results = resizeAll(images).size();
        int after = TaskRegistry.count(); // exact: the pool's close() returned after every worker had ended
        return new Outcome(results, before, after, TaskDump.grouped(), after);
    }

    static List<String> images(int n) {
        List<String> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) images.add("image-" + i + ".png");
        return images;
    }

    public static void main(String[] args) throws Exception {
        List<String> images = images(100);
        System.out.println("Tether example: the worker pool never closed");
        System.out.println(images.size() + " images, " + WORKERS + " workers per call.");
        show("leaky: hand-rolled workers on a jobs channel nobody closes", runLeaky(images));
        show("fixed: WorkerPool closed by try-with-resources", runFixed(images));
    }

    private static void show(String title, Outcome o) {
        System.out.println();
        System.out.println("== " + title + " ==");
        System.out.printf("%d results%n", o.results());
        System.out.printf("live tasks before: %d, after: %d (%+d)%n", o.before(), o.after(), o.after() - o.before());
        System.out.println("grouped dump of what is left:");
        System.out.print(o.dump().indent(2));
        System.out.printf("after the owner closed: %d live tasks%n", o.afterOwnerClosed());
    }

    /**
     * Waits (at most 10 s) until every task owned by {@code ownerId} waits in {@code chan receive}: the workers
     * go back to the channel just after the last result, so this is where the leak's steady state shows.
     */
    private static void settle(long ownerId) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            boolean busy = false;
            for (TaskInfo t : TaskRegistry.snapshot()) {
                boolean mine = t.owner().map(o -> o.id() == ownerId).orElse(false);
                if (mine && !"chan receive".equals(t.waitReason())) {
                    busy = true;
                    break;
                }
            }
            if (!busy) return;
            LockSupport.parkNanos(1_000_000L); // polling a diagnostic view: nothing to wait on
        }
    }
}
