package dev.tether.registry;

import static dev.tether.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Channel;
import dev.tether.Task;
import dev.tether.TaskScope;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The registry's cost per live task is its record: one {@code TaskRecord} (the weak reference it extends included),
 * which must stay within the 100 bytes the registry promises. The JVM's own class histogram gives the exact shallow
 * size (bytes ÷ instances), so a field added to the record shows here, not only in a benchmark.
 */
class RegistryFootprintTest {
    private static final Pattern LINE =
            Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+dev\\.tether\\.TaskRecord\\s*$");

    @Test
    @Timeout(60)
    void aTaskRecordTakesAtMost100Bytes() throws Exception {
        int n = 100;
        Channel<Integer> never = Channel.unbuffered();
        CountDownLatch started = new CountDownLatch(n);
        try (TaskScope scope = TaskScope.open()) {
            List<Task<Integer>> tasks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                tasks.add(scope.go(() -> {
                    started.countDown();
                    return never.receive();
                }));
            }
            await(started);
            String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            Matcher m = histogram.lines().map(LINE::matcher).filter(Matcher::matches).findFirst()
                    .orElseThrow(() -> new AssertionError("no dev.tether.TaskRecord in the class histogram"));
            long instances = Long.parseLong(m.group(1)), bytes = Long.parseLong(m.group(2));
            assertTrue(instances >= n, "expected at least " + n + " live records, found " + instances);
            assertEquals(0, bytes % instances, "all records have one size");
            long size = bytes / instances;
            assertTrue(size <= 100, "a TaskRecord takes " + size + " bytes; the registry promises at most 100 per task");
            assertEquals(n, tasks.size());
        }
    }
}
