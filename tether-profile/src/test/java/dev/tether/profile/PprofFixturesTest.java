package dev.tether.profile;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Go {@code ?debug=0} fixture read against its ground truth ({@code go/*.expected.json}): the debug=0 total,
 * each leak's count, its stack top down to the blocking frame with the runtime frames the text formats hide
 * ({@code stack_top_debug0}), its labels, and the deep stack's 32 frames.
 */
class PprofFixturesTest {

    static Stream<Arguments> debug0Files() {
        List<Arguments> out = new ArrayList<>();
        for (Path p : Fixtures.expectedFiles("go")) {
            JsonNode x = Fixtures.expected(p);
            if (!x.get("format").asText().equals("go-pprof-goroutine-profile")) continue;
            out.add(Arguments.of(x.get("fixture").asText(), Fixtures.go(x.get("files").get("debug0").asText()), x));
        }
        if (out.isEmpty()) throw new AssertionError("no debug=0 fixtures");
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("debug0Files")
    void debug0MatchesGroundTruth(String fixture, Path file, JsonNode x) {
        Snapshot s = Fixtures.read(file);
        assertEquals(Format.GO_PPROF, s.metadata().format());
        assertEquals(fixture, s.metadata().processName(), "the main mapping's file");
        assertNotNull(s.metadata().time(), "time_nanos");
        assertEquals(x.get("total_goroutines").get("debug0").asLong(), s.total(), "total goroutines");

        long leaked = 0;
        for (JsonNode leak : x.get("leaks")) {
            String id = leak.get("id").asText();
            Frame blocking = GoFixturesTest.frame(leak.get("blocking_frame"));
            List<Entry> matched = s.entries().stream().filter(e -> blocking.equals(GoFixturesTest.firstUserFrame(e)))
                    .toList();
            List<String> top = new ArrayList<>();
            leak.get("stack_top_debug0").forEach(f -> top.add(f.asText()));
            boolean labelled = false;
            for (JsonNode v : leak.get("labels_visible_in")) labelled |= v.asText().equals("debug0");
            Map<Map<String, String>, Long> byLabels = new HashMap<>();
            for (Entry e : matched) {
                assertEquals(Entry.Kind.GOROUTINE, e.kind());
                assertEquals(Entry.State.UNKNOWN, e.state(), id + ": debug=0 has no state");
                assertTrue(e.id().isEmpty() && e.waitReason().isEmpty() && e.createdBy().isEmpty(), id);
                int i = GoFixturesTest.firstUserFrameIndex(e);
                assertEquals(top, e.stack().subList(0, i + 1).stream().map(Frame::function).toList(),
                        id + ": stack top down to the blocking frame");
                assertEquals(e.stack().size(), e.programCounters().size() + inlinedFrames(e),
                        id + ": one address per location, a location per non-inlined frame");
                byLabels.merge(e.labels(), (long) e.count(), Long::sum);
                JsonNode deep = leak.get("deep_stack");
                if (!deep.isNull()) {
                    assertEquals(deep.get("debug0_frames").asInt(), e.stack().size(), id + ": frames");
                    assertFalse(e.stackTruncated(), id + ": pprof does not say a stack was cut");
                }
            }
            Map<Map<String, String>, Long> expected = new HashMap<>();
            if (labelled) {
                for (JsonNode l : leak.get("labels")) {
                    Map<String, String> m = new TreeMap<>();
                    l.get("labels").properties().forEach(p -> m.put(p.getKey(), p.getValue().asText()));
                    expected.put(m, l.get("count").asLong());
                }
            } else {
                expected.put(Map.of(), leak.get("count").asLong());
            }
            assertEquals(expected, byLabels, id + ": counts by labels");
            leaked += matched.stream().mapToLong(Entry::count).sum();
        }
        assertEquals(x.get("leaked_goroutines").asLong(), leaked, "leaked goroutines");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("debug0Files")
    void inlinedCallsAreLinesOfOneLocation(String fixture, Path file, JsonNode x) {
        // debug=2 prints an inlined call as f(...); debug=0 as an extra line of the caller's location. The frames
        // debug=2 prints above each blocking frame are the same ones, inlining included.
        Snapshot s = Fixtures.read(file);
        for (JsonNode leak : x.get("leaks")) {
            List<String> above = new ArrayList<>();
            leak.get("frames_above_blocking_frame_debug2").forEach(f -> above.add(f.asText()));
            Frame blocking = GoFixturesTest.frame(leak.get("blocking_frame"));
            for (Entry e : s.entries()) {
                if (!blocking.equals(GoFixturesTest.firstUserFrame(e))) continue;
                int i = GoFixturesTest.firstUserFrameIndex(e);
                List<String> shown = new ArrayList<>();
                for (Frame f : e.stack().subList(0, i)) {
                    if (f.function().startsWith("runtime.")) continue; // hidden by debug=2
                    shown.add(f.inlined() ? f.function() + "(...) [inlined]" : f.function());
                }
                assertEquals(above, shown, leak.get("id").asText());
            }
        }
    }

    private static int inlinedFrames(Entry e) {
        int n = 0;
        for (Frame f : e.stack()) if (f.inlined()) n++;
        return n;
    }
}
