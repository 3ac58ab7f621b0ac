package dev.tether.leakprof.ondemand;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.TaskRegistry;
import dev.tether.leakprof.metrics.BlockedSenders;
import dev.tether.profile.Entry;
import dev.tether.profile.Format;
import dev.tether.profile.Snapshot;
import dev.tether.profile.Snapshots;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskDumpsTest {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();
    private static final ObjectName NAME = TaskDumps.objectName();
    private static final String[] STRING = {String.class.getName()};

    @TempDir
    Path dir;

    private static Object invoke(String op, String path) throws Exception {
        return SERVER.invoke(NAME, op, new Object[] {path}, STRING);
    }

    @Test
    void writesDumpsThroughThePlatformMBeanServer() throws Exception {
        try (TaskDumps.Registration r = TaskDumps.registerMBean();
             BlockedSenders senders = BlockedSenders.start(5)) {
            assertEquals(NAME, r.objectName());
            MBeanOperationInfo op = Arrays.stream(SERVER.getMBeanInfo(NAME).getOperations())
                    .filter(o -> o.getName().equals("writeFullDump")).findFirst().orElseThrow();
            assertEquals("path", op.getSignature()[0].getName(), "JConsole shows the parameter's name");
            assertTrue(op.getDescription().contains("debug=2"), op.getDescription());
            assertTrue((Integer) SERVER.getAttribute(NAME, "LiveTasks") >= 5);
            assertEquals(TaskRegistry.reclaimedCount(), SERVER.getAttribute(NAME, "ProvenLeaks"));

            Path full = dir.resolve("full.txt");
            Object result = invoke("writeFullDump", full.toString());
            assertEquals("wrote " + Files.size(full) + " bytes to " + full, result);
            String text = Files.readString(full);
            assertTrue(text.contains("[chan send"), text);
            assertTrue(text.contains("BlockedSenders.send(...)\n\tdev/tether/leakprof/metrics/"
                    + BlockedSenders.site() + "\n"), text);

            Path grouped = dir.resolve("grouped.txt");
            invoke("writeGroupedDump", grouped.toString());
            String groups = Files.readString(grouped);
            assertTrue(groups.contains("5 @ [chan send]"), groups);
            assertTrue(groups.contains("#\t" + BlockedSenders.class.getName() + ".send\t" + BlockedSenders.site()),
                    groups);

            Path profile = dir.resolve("tasks.pb.gz");
            invoke("writeProfile", profile.toString());
            assertEquals(Format.GO_PPROF, Snapshots.detect(profile));
            Snapshot s = Snapshots.read(profile);
            int senders5 = 0;
            for (Entry e : s.entries()) {
                if (e.stack().stream().anyMatch(f -> f.function().endsWith("BlockedSenders.send")
                        && f.line() == BlockedSenders.line())) {
                    senders5 += e.count();
                }
            }
            assertEquals(5, senders5, s.entries().toString());
        }
        assertFalse(SERVER.isRegistered(NAME), "unregistered on close");
    }

    @Test
    void refusesPathsItMustNotWrite() throws Exception {
        try (TaskDumps.Registration r = TaskDumps.registerMBean()) {
            Path existing = Files.writeString(dir.resolve("keep.txt"), "mine");
            assertRefused("writeFullDump", existing.toString(), "already exists");
            assertEquals("mine", Files.readString(existing), "not overwritten");
            assertRefused("writeFullDump", "relative/tasks.txt", "must be absolute");
            assertRefused("writeGroupedDump", dir.resolve("no/such/dir/tasks.txt").toString(), "does not exist");
            assertRefused("writeProfile", " ", "no path given");
            assertRefused("writeProfile", "/", "must name a file");
            try (var files = Files.list(dir)) {
                assertEquals(1, files.count(), "nothing written");
            }
        }
    }

    private static void assertRefused(String op, String path, String why) {
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, () -> invoke(op, path));
        IllegalArgumentException cause = assertInstanceOf(IllegalArgumentException.class, e.getTargetException());
        assertTrue(cause.getMessage().contains(why), cause.getMessage());
    }

    @Test
    void registersOnceAtATime() {
        TaskDumps.Registration first = TaskDumps.registerMBean();
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, TaskDumps::registerMBean);
            assertTrue(e.getMessage().contains(TaskDumps.OBJECT_NAME), e.getMessage());
        } finally {
            first.close();
        }
        try (TaskDumps.Registration second = TaskDumps.registerMBean()) {
            first.close(); // a second close of the first must not unregister the second
            assertTrue(SERVER.isRegistered(NAME));
        }
        assertFalse(SERVER.isRegistered(NAME));
    }
}
