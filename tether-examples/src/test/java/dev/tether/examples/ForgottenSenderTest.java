package dev.tether.examples;

import dev.tether.TaskRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForgottenSenderTest {
    private static final int CALLS = 40;

    /** The line of the send that leaks, found in the source so that the test follows edits of the example. */
    private static int leakingSendLine() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/main/java/dev/tether/examples/ForgottenSender.java"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains("ch.send(new Result(record)); // blocks forever")) return i + 1;
        }
        throw new AssertionError("marker line not found in ForgottenSender.java");
    }

    @Test
    void leakyVersionLeavesOneTaskPerTimedOutCallAtTheSendLine() throws Exception {
        Demo.Outcome o = Demo.run(ForgottenSender::processLeaky, CALLS);

        assertEquals(CALLS, o.canceled(), "every call times out: the search takes twice the timeout");
        assertEquals(o.before() + CALLS, o.after(), "one blocked sender per call");
        String site = "ForgottenSender.lambda$processLeaky$0\tForgottenSender.java:" + leakingSendLine();
        assertTrue(o.dump().contains(CALLS + " @ [chan send]"), o.dump());
        assertTrue(o.dump().contains(site), "the group's stack names the send line " + site + "\n" + o.dump());
        assertTrue(o.dump().contains("owner scope"), o.dump());
        assertEquals(o.before(), o.afterOwnerClosed(), "closing the owning scope cancels the blocked senders");
    }

    @Test
    void bufferOfOneLeavesNothing() throws Exception {
        Demo.Outcome o = Demo.run(ForgottenSender::processBuffered, CALLS);

        assertEquals(CALLS, o.canceled());
        assertEquals(o.before(), o.after(), o.dump());
        assertTrue(o.dump().contains("0 live"), o.dump());
    }

    @Test
    void cancellationAwareSendLeavesNothing() throws Exception {
        Demo.Outcome o = Demo.run(ForgottenSender::processCancellable, CALLS);

        assertEquals(CALLS, o.canceled());
        assertEquals(o.before(), o.after(), o.dump());
        assertEquals(0, TaskRegistry.count() - o.afterOwnerClosed());
    }
}
