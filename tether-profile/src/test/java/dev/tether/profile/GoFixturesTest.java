package dev.tether.profile;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Go fixture read against its ground truth ({@code go/*.expected.json}), as far as each file's format carries
 * the facts: debug=2 and crash output carry states, minutes, creators and deep-stack facts; debug=1 carries counts,
 * frames and labels.
 */
class GoFixturesTest {

    static Stream<Arguments> profileFiles() {
        List<Arguments> out = new ArrayList<>();
        for (Path p : Fixtures.expectedFiles("go")) {
            JsonNode x = Fixtures.expected(p);
            if (!x.get("format").asText().equals("go-pprof-goroutine-profile")) continue;
            for (String key : List.of("debug1", "debug2")) {
                out.add(Arguments.of(x.get("fixture").asText(), key, Fixtures.go(x.get("files").get(key).asText()), x));
            }
        }
        return out.stream();
    }

    static Stream<Arguments> tracebackFiles() {
        List<Arguments> out = new ArrayList<>();
        for (Path p : Fixtures.expectedFiles("go")) {
            JsonNode x = Fixtures.expected(p);
            if (!x.get("format").asText().startsWith("go-traceback-")) continue;
            out.add(Arguments.of(x.get("fixture").asText(), Fixtures.go(x.get("files").get("stderr").asText()), x));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("profileFiles")
    void profileMatchesGroundTruth(String fixture, String key, Path file, JsonNode x) {
        Snapshot s = Fixtures.read(file);
        assertEquals(key.equals("debug1") ? Format.GO_DEBUG1 : Format.GO_DEBUG2, s.metadata().format());
        assertEquals(x.get("total_goroutines").get(key).asLong(), s.total(), "total goroutines");

        Set<Entry> leaked = Collections.newSetFromMap(new IdentityHashMap<>());
        long leakedCount = 0;
        for (JsonNode leak : x.get("leaks")) {
            String id = leak.get("id").asText();
            List<Entry> matched = key.equals("debug2") ? debug2Leak(s, leak) : debug1Leak(s, leak);
            leaked.addAll(matched);
            long n = matched.stream().mapToLong(Entry::count).sum();
            assertEquals(leak.get("count").asLong(), n, id + ": count");
            leakedCount += n;
        }
        assertEquals(x.get("leaked_goroutines").asLong(), leakedCount, "leaked goroutines");
        if (key.equals("debug2")) otherGoroutines(s, leaked, x.get("other_goroutines_debug2"));
    }

    /** The debug=2 entries of one leak, checked field by field. */
    private static List<Entry> debug2Leak(Snapshot s, JsonNode leak) {
        String id = leak.get("id").asText();
        Frame blocking = frame(leak.get("blocking_frame"));
        String reason = leak.get("wait_reason").asText();
        List<Entry> matched = s.entries().stream()
                .filter(e -> blocking.equals(firstUserFrame(e)) && e.status().orElse("").equals(reason)).toList();
        JsonNode minutes = leak.get("wait_minutes_debug2");
        Set<Integer> creatorLines = new HashSet<>();
        List<String> above = new ArrayList<>();
        leak.get("frames_above_blocking_frame_debug2").forEach(f -> above.add(f.asText()));
        for (Entry e : matched) {
            assertEquals(Entry.Kind.GOROUTINE, e.kind());
            assertEquals(1, e.count());
            assertTrue(e.id().isPresent(), id + ": goroutine id");
            assertEquals(Optional.of(reason), e.waitReason(), id + ": wait reason");
            assertEquals(Entry.State.WAITING, e.state(), id + ": state");
            assertEquals(minutes.isNull() ? Optional.empty() : Optional.of(Duration.ofMinutes(minutes.asLong())),
                    e.waited(), id + ": minutes");
            assertEquals(leak.get("locked_to_thread").asBoolean(), e.lockedToThread(), id + ": locked to thread");
            Frame createdBy = e.createdBy().orElseThrow(() -> new AssertionError(id + ": no created by"));
            assertEquals(leak.get("created_by").get("function").asText(), createdBy.function(), id + ": creator");
            assertEquals(leak.get("created_by").get("file").asText(), createdBy.file(), id + ": creator file");
            creatorLines.add(createdBy.line());
            assertTrue(e.creatorId().isEmpty(), id + ": Go 1.19 prints no creator id");
            assertEquals(above, framesAbove(e, true), id + ": frames above the blocking frame");
            assertTrue(e.labels().isEmpty(), id + ": Go 1.19's debug=2 shows no labels");
            JsonNode deep = leak.get("deep_stack");
            if (!deep.isNull()) {
                assertEquals(deep.get("debug2_frames_printed").asInt(), e.stack().size(), id + ": frames printed");
                assertEquals(deep.get("debug2_elided_marker").asBoolean(), e.stackTruncated(), id + ": elided");
            } else {
                assertFalse(e.stackTruncated(), id + ": elided");
            }
        }
        Set<Integer> lines = new HashSet<>();
        leak.get("created_by").get("lines").forEach(l -> lines.add(l.asInt()));
        assertEquals(lines, creatorLines, id + ": creation lines");
        return matched;
    }

    /** The debug=1 records of one leak: counts, frames listed above it, labels, program counters. */
    private static List<Entry> debug1Leak(Snapshot s, JsonNode leak) {
        String id = leak.get("id").asText();
        Frame blocking = frame(leak.get("blocking_frame"));
        List<Entry> matched = s.entries().stream().filter(e -> blocking.equals(firstUserFrame(e))).toList();
        List<String> above = new ArrayList<>();
        // debug=1 shows no inlining: compare names only.
        leak.get("frames_above_blocking_frame_debug2").forEach(f -> above.add(f.asText().replace("(...) [inlined]", "")));
        boolean labelled = false;
        for (JsonNode v : leak.get("labels_visible_in")) labelled |= v.asText().equals("debug1");
        Map<Map<String, String>, Long> byLabels = new HashMap<>();
        for (Entry e : matched) {
            assertEquals(Entry.State.UNKNOWN, e.state(), id + ": debug=1 has no state");
            assertTrue(e.id().isEmpty() && e.waitReason().isEmpty() && e.createdBy().isEmpty(), id + ": no per-goroutine facts");
            assertTrue(e.programCounters().size() >= e.stack().size(), id + ": every listed frame has a PC");
            assertEquals(above, framesAbove(e, false), id + ": frames above the blocking frame");
            byLabels.merge(e.labels(), (long) e.count(), Long::sum);
            JsonNode deep = leak.get("deep_stack");
            if (!deep.isNull()) {
                assertEquals(deep.get("debug1_frames_listed").asInt(), e.stack().size(), id + ": frames listed");
                assertEquals(deep.get("debug1_pcs").asInt(), e.programCounters().size(), id + ": program counters");
            }
        }
        Map<Map<String, String>, Long> expected = new HashMap<>();
        if (labelled && !leak.get("labels").isNull()) {
            for (JsonNode l : leak.get("labels")) {
                Map<String, String> m = new TreeMap<>();
                l.get("labels").properties().forEach(p -> m.put(p.getKey(), p.getValue().asText()));
                expected.put(m, l.get("count").asLong());
            }
        } else {
            expected.put(Map.of(), leak.get("count").asLong());
        }
        assertEquals(expected, byLabels, id + ": labels");
        return matched;
    }

    /** The goroutines that are not leaks, grouped by status, top function and first user function. */
    private static void otherGoroutines(Snapshot s, Set<Entry> leaked, JsonNode expected) {
        Map<List<String>, Long> actual = new HashMap<>();
        for (Entry e : s.entries()) {
            if (leaked.contains(e)) continue;
            Frame user = firstUserFrame(e);
            List<String> k = new ArrayList<>();
            k.add(e.status().orElseThrow());
            k.add(e.stack().getFirst().function());
            k.add(user == null ? null : user.function());
            actual.merge(k, (long) e.count(), Long::sum);
        }
        Map<List<String>, Long> want = new HashMap<>();
        for (JsonNode o : expected) {
            List<String> k = new ArrayList<>();
            k.add(o.get("wait_reason").asText());
            k.add(o.get("top_function").asText());
            k.add(Fixtures.text(o.get("first_user_function")));
            want.merge(k, o.get("count").asLong(), Long::sum);
        }
        assertEquals(want, actual, "other goroutines");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tracebackFiles")
    void tracebackMatchesGroundTruth(String fixture, Path file, JsonNode x) {
        Snapshot s = Fixtures.read(file);
        assertEquals(Format.GO_CRASH, s.metadata().format());
        List<String> header = new ArrayList<>();
        x.get("header_lines").forEach(h -> header.add(h.asText()));
        assertEquals(header, s.metadata().preamble(), "header lines");
        assertEquals(x.get("total_goroutines").asInt(), s.entries().size(), "total goroutines");

        Map<Long, Entry> byId = new HashMap<>();
        for (Entry e : s.entries()) assertNull(byId.put(e.id().orElseThrow(), e), "duplicate goroutine id");
        Set<Long> seen = new HashSet<>();

        JsonNode panicking = x.get("panicking_goroutine");
        if (panicking != null) {
            Entry first = s.entries().getFirst();
            assertEquals(panicking.get("id").asLong(), first.id().orElseThrow(), "the crashing goroutine is first");
            assertEquals(panicking.get("status").asText(), first.status().orElseThrow());
            assertEquals(Entry.State.RUNNING, first.state());
            List<Frame> frames = new ArrayList<>();
            panicking.get("frames").forEach(f -> frames.add(frame(f)));
            assertEquals(frames, first.stack(), "panicking goroutine's frames");
            assertEquals(frame(panicking.get("crash_frame")), first.stack().getFirst());
            assertEquals(frame(panicking.get("created_by")), first.createdBy().orElseThrow());
            JsonNode deep = x.get("panicking_goroutine_deep_stack");
            assertEquals(deep.get("frames_printed").asInt(), first.stack().size());
            assertEquals(deep.get("elided_marker").asBoolean(), first.stackTruncated());
            seen.add(first.id().orElseThrow());
        }
        for (JsonNode g : x.get("blocked_goroutines")) {
            String id = g.get("id").asText();
            assertEquals(g.get("count").asInt(), g.get("goroutine_ids").size());
            for (JsonNode gid : g.get("goroutine_ids")) {
                Entry e = byId.get(gid.asLong());
                assertNotNull(e, id + ": goroutine " + gid + " missing");
                seen.add(gid.asLong());
                assertEquals(g.get("wait_reason").asText(), e.status().orElseThrow(), id + ": status");
                assertEquals(g.get("locked_to_thread").asBoolean(), e.lockedToThread(), id + ": locked");
                assertEquals(frame(g.get("blocking_frame")), firstUserFrame(e), id + ": blocking frame");
                JsonNode c = g.get("created_by");
                assertEquals(c.isNull() ? Optional.empty() : Optional.of(frame(c)), e.createdBy(), id + ": created by");
                JsonNode deep = g.get("deep_stack");
                if (!deep.isNull()) {
                    assertEquals(deep.get("frames_printed").asInt(), e.stack().size(), id + ": frames printed");
                    assertEquals(deep.get("elided_marker").asBoolean(), e.stackTruncated(), id + ": elided marker");
                } else {
                    assertFalse(e.stackTruncated(), id + ": elided marker");
                }
            }
        }
        assertEquals(byId.keySet(), seen, "every goroutine is the crashing one or a blocked one");
    }

    @Test
    void everyGoFixtureFileIsCheckedAgainstGroundTruth() {
        Set<String> covered = new HashSet<>();
        for (Path p : Fixtures.expectedFiles("go")) {
            Fixtures.expected(p).get("files").forEach(f -> covered.add(f.asText()));
        }
        for (Path dump : Fixtures.dumps("go")) {
            assertTrue(covered.contains(dump.getFileName().toString()), dump + " has no ground truth");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    static Frame frame(JsonNode f) {
        JsonNode inlined = f.get("inlined");
        return new Frame(f.get("function").asText(), f.get("file").asText(), f.get("line").asInt(),
                inlined != null && inlined.asBoolean());
    }

    /** The first frame outside Go's standard library: what the ground truth calls the blocking frame. */
    static Frame firstUserFrame(Entry e) {
        int i = firstUserFrameIndex(e);
        return i < 0 ? null : withoutInlining(e.stack().get(i));
    }

    private static Frame withoutInlining(Frame f) {
        return f.inlined() ? new Frame(f.function(), f.file(), f.line()) : f;
    }

    static int firstUserFrameIndex(Entry e) {
        for (int i = 0; i < e.stack().size(); i++) {
            if (!isStandardLibrary(e.stack().get(i).function())) return i;
        }
        return -1;
    }

    /** Standard-library packages have no dot in their first path element; {@code main} is the program. */
    static boolean isStandardLibrary(String function) {
        int slash = function.lastIndexOf('/');
        int dot = function.indexOf('.', slash + 1);
        String pkg = dot < 0 ? function : function.substring(0, dot);
        String first = pkg.contains("/") ? pkg.substring(0, pkg.indexOf('/')) : pkg;
        return !pkg.equals("main") && !first.contains(".");
    }

    /** The frames above the first user frame, spelled as the ground truth does ({@code f(...) [inlined]}). */
    private static List<String> framesAbove(Entry e, boolean markInlined) {
        int i = firstUserFrameIndex(e);
        List<String> out = new ArrayList<>();
        for (Frame f : e.stack().subList(0, i)) {
            out.add(markInlined && f.inlined() ? f.function() + "(...) [inlined]" : f.function());
        }
        return out;
    }
}
