package dev.tether.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry's export into the model, and what the writers make of it. */
@Timeout(60)
class TaskSnapshotsTest {

    private static final String SITE = BlockedTasks.class.getName();

    @Test
    void aTaskEntryCarriesIdNameStateWaitStackCreatorAndOwner() {
        try (BlockedTasks tasks = new BlockedTasks(1)) {
            Snapshot s = TaskSnapshots.capture();
            assertEquals(Format.TETHER_REGISTRY, s.metadata().format());
            assertEquals(ProcessHandle.current().pid(), s.metadata().processId());
            assertEquals(Runtime.version().toString(), s.metadata().runtimeVersion());
            List<Entry> mine = s.entries().stream().filter(tasks::owns).toList();
            assertEquals(tasks.total, mine.size(), "one entry per task");
            Set<Long> ids = new TreeSet<>();
            for (Entry e : mine) {
                assertEquals(Entry.Kind.TETHER_TASK, e.kind());
                assertEquals(1, e.count());
                ids.add(e.id().orElseThrow());
                assertEquals(Entry.State.WAITING, e.state());
                assertTrue(e.waited().isPresent(), "a Tether wait is timed exactly");
                Frame creator = e.createdBy().orElseThrow();
                assertEquals(SITE + ".<init>", creator.function());
                assertEquals("BlockedTasks.java", creator.file());
                Owner owner = e.owner().orElseThrow();
                assertEquals(BlockedTasks.SCOPE_NAME, owner.name());
                assertTrue(e.creatorId().isEmpty(), "a scope, not a task, spawned it");
                String name = e.name().orElseThrow();
                Frame api = e.stack().get(0);
                Frame user = e.stack().get(1);
                switch (name.substring(0, name.indexOf('-'))) {
                    case "sender" -> {
                        assertEquals("chan send", e.waitReason().orElseThrow());
                        assertEquals("chan send", e.status().orElseThrow());
                        assertEquals("dev.tether.Channel.send", api.function());
                        assertEquals(new Frame(SITE + ".sendsForever", "BlockedTasks.java",
                                BlockedTasks.lineOf("SEND-LINE")), user);
                    }
                    case "receiver" -> {
                        assertEquals("chan receive", e.waitReason().orElseThrow());
                        assertEquals("dev.tether.Channel.receive", api.function());
                        assertEquals(BlockedTasks.lineOf("RECEIVE-LINE"), user.line());
                    }
                    case "selector" -> {
                        assertEquals("select", e.waitReason().orElseThrow());
                        assertEquals("dev.tether.Select.select", api.function());
                        assertEquals(BlockedTasks.lineOf("SELECT-LINE"), user.line());
                    }
                    default -> throw new AssertionError(name);
                }
            }
            assertEquals(tasks.total, ids.size(), "distinct ids");
        }
    }

    @Test
    void groupedCaptureCountsEachSiteExactlyWithoutIds() {
        try (BlockedTasks tasks = new BlockedTasks(5)) {
            Snapshot s = TaskSnapshots.capture(0);
            List<Entry> mine = s.entries().stream().filter(tasks::owns).toList();
            assertEquals(Map.of("chan send", 30L, "chan receive", 20L, "select", 10L), byReason(mine));
            for (Entry e : mine) {
                assertTrue(e.id().isEmpty() && e.name().isEmpty(), "a group has no id or name");
                assertEquals(SITE + ".<init>", e.createdBy().orElseThrow().function());
                assertTrue(e.waited().isPresent(), "the group's longest wait");
            }
            assertTrue(s.metadata().preamble().getFirst().contains("stacks read per group"), s.metadata().preamble().toString());
        }
    }

    @Test
    void pprofRoundTripGivesTheSameGroupsAndCounts() {
        try (BlockedTasks tasks = new BlockedTasks(3)) {
            for (Snapshot s : List.of(TaskSnapshots.capture(), TaskSnapshots.capture(0))) {
                Snapshot back = Written.roundTrip(s, Format.GO_PPROF);
                assertEquals(Written.pprofGroups(s), Written.pprofGroups(back), "samples: stack, labels, count");
                List<Entry> mine = back.entries().stream().filter(tasks::owns).toList();
                assertEquals(Map.of("chan send", 18L, "chan receive", 12L, "select", 6L), byReason(mine));
                assertEquals(3, mine.size(), "one sample per site: tasks of a site share stack, state, reason, owner");
                for (Entry e : mine) {
                    assertEquals(Entry.Kind.TETHER_TASK, e.kind());
                    assertEquals(Entry.State.WAITING, e.state());
                    assertEquals("dev/tether/profile/BlockedTasks.java", e.stack().get(1).file(), "a source path");
                    assertEquals(tasks.scope.id(), e.owner().orElseThrow().id());
                }
            }
        }
    }

    @Test
    void textAndJsonWritersTakeACapture() throws IOException {
        try (BlockedTasks tasks = new BlockedTasks(1)) {
            Snapshot s = TaskSnapshots.capture();
            Snapshot d2 = Written.roundTrip(s, Format.GO_DEBUG2);
            assertEquals(s.entries().stream().map(e -> e.id().orElseThrow()).toList(),
                    d2.entries().stream().map(e -> e.id().orElseThrow()).toList(), "a block per task, by id");
            assertEquals(s.entries().stream().map(e -> e.waitReason().orElse("")).toList(),
                    d2.entries().stream().map(e -> e.waitReason().orElse("")).toList());
            Snapshot d1 = Written.roundTrip(s, Format.GO_DEBUG1);
            assertEquals(Written.functionGroups(s), Written.functionGroups(d1));

            JsonNode j = new ObjectMapper().readTree(Written.json(s));
            assertEquals("TETHER_REGISTRY", j.get("format").asText());
            int owned = 0;
            for (JsonNode e : j.get("entries")) {
                JsonNode owners = e.get("owners");
                if (owners != null && owners.get(0).get("id").asLong() == tasks.scope.id()) {
                    owned++;
                    assertEquals("scope", owners.get(0).get("kind").asText());
                    assertEquals(BlockedTasks.SCOPE_NAME, owners.get(0).get("name").asText());
                    assertEquals("TETHER_TASK", e.get("kind").asText());
                    assertTrue(e.get("name").asText().matches("(sender|receiver|selector)-\\d+"), e.toString());
                }
            }
            assertEquals(tasks.total, owned);
        }
    }

    @Test
    void aGroupWhoseSampledStacksDifferIsSplitInProportionAddingUpToItsCount() {
        assertEquals(List.of(50, 50), Arrays.stream(TaskSnapshots.split(100, new int[] {4, 4}, 8)).boxed().toList());
        assertEquals(List.of(34, 33, 33), Arrays.stream(TaskSnapshots.split(100, new int[] {1, 1, 1}, 3)).boxed().toList());
        assertEquals(List.of(9, 1), Arrays.stream(TaskSnapshots.split(10, new int[] {7, 1}, 8)).boxed().toList());
        assertEquals(List.of(1, 1), Arrays.stream(TaskSnapshots.split(2, new int[] {1, 1}, 2)).boxed().toList());
    }

    @Test
    void aNegativeLimitIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> TaskSnapshots.capture(-1));
    }

    private static Map<String, Long> byReason(List<Entry> entries) {
        Map<String, Long> m = new HashMap<>();
        for (Entry e : entries) m.merge(e.waitReason().orElse("?"), (long) e.count(), Long::sum);
        return m;
    }
}
