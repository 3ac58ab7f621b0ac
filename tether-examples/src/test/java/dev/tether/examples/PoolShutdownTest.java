package dev.tether.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

// Safety net only: a hang fails the test instead of the build.
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class PoolShutdownTest {
    private static final List<String> IMAGES = PoolShutdown.images(60);

    /** The line of the range loop that leaks, found in the source so that the test follows edits of the example. */
    private static int leakingLoopLine() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/main/java/dev/tether/examples/PoolShutdown.java"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("for (String image : jobs) { // waits forever")) return i + 1;
        }
        throw new AssertionError("marker line not found in PoolShutdown.java");
    }

    @Test
    void leakyVersionLeavesEveryWorkerBlockedInChanReceiveUntilItsOwnerCloses() throws Exception {
        PoolShutdown.Outcome o = PoolShutdown.runLeaky(IMAGES);

        assertEquals(IMAGES.size(), o.results(), "the work itself was done");
        assertEquals(o.before() + PoolShutdown.WORKERS, o.after(), "every worker is left behind\n" + o.dump());
        assertTrue(o.dump().contains(PoolShutdown.WORKERS + " @ [chan receive]"), o.dump());
        String site = "PoolShutdown.lambda$resizeAllLeaky$0\tPoolShutdown.java:" + leakingLoopLine();
        assertTrue(o.dump().contains(site), "the group's stack names the range loop " + site + "\n" + o.dump());
        assertTrue(o.dump().contains("owner scope"), o.dump());
        assertEquals(o.before(), o.afterOwnerClosed(), "closing the owning scope cancels the stuck workers");
    }

    @Test
    void workerPoolClosedByTryWithResourcesLeavesNothing() throws Exception {
        PoolShutdown.Outcome o = PoolShutdown.runFixed(IMAGES);

        assertEquals(IMAGES.size(), o.results(), "every queued job ran before close returned");
        assertEquals(o.before(), o.after(), o.dump());
        assertFalse(o.dump().contains("pool idle"), o.dump());
        assertFalse(o.dump().contains("owner pool"), o.dump());
    }
}
