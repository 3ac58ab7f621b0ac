package dev.tether.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every fixture, written by each writer and read back, keeps what the format can hold: pprof the groups, counts,
 * stacks and labels (and state, wait reason, owner); debug=1 the records; debug=2 every goroutine field it prints;
 * JSON every field.
 */
class WriterRoundTripTest {

    static List<Path> allDumps() {
        List<Path> l = new ArrayList<>();
        for (String folder : List.of("go", "jvm", "external/goleak")) l.addAll(Fixtures.dumps(folder));
        return l;
    }

    static List<Path> goTracebacks() {
        List<Path> l = new ArrayList<>();
        for (Path p : allDumps()) {
            Format f = Fixtures.read(p).metadata().format();
            if (f == Format.GO_DEBUG2 || f == Format.GO_CRASH) l.add(p);
        }
        return l;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allDumps")
    void pprofKeepsGroupsCountsStacksAndLabels(Path file) {
        Snapshot s = Fixtures.read(file);
        Snapshot back = Written.roundTrip(s, Format.GO_PPROF);
        assertEquals(s.total(), back.total(), "total");
        assertEquals(Written.pprofGroups(s), Written.pprofGroups(back), "samples");
        Entry.Kind kind = s.entries().getFirst().kind();
        if (s.entries().stream().allMatch(e -> e.kind() == kind)) {
            assertTrue(back.entries().stream().allMatch(e -> e.kind() == kind), "the kind, from the marker comment");
        }
        assertEquals(s.metadata().preamble(), back.metadata().preamble(), "the preamble, as comments");
        assertEquals(s.metadata().processName(), back.metadata().processName(), "the mapping's file");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allDumps")
    void pprofGroupsIdenticalGoroutinesIntoOneSample(Path file) {
        Snapshot s = Fixtures.read(file);
        Snapshot back = Written.roundTrip(s, Format.GO_PPROF);
        assertEquals(Written.pprofGroups(s).size(), back.entries().size(), "one sample per distinct stack and labels");
    }

    @Test
    void debug0WrittenAgainIsTheSameProfileButForAddresses() {
        for (String f : List.of("chanleaks.debug0.pb.gz", "syncleaks.debug0.pb.gz", "httpleak.debug0.pb.gz")) {
            Snapshot s = Fixtures.read(Fixtures.go(f));
            Snapshot back = Written.roundTrip(s, Format.GO_PPROF);
            assertEquals(s.entries().size(), back.entries().size(), f);
            for (int i = 0; i < s.entries().size(); i++) {
                Entry a = s.entries().get(i);
                Entry b = back.entries().get(i);
                assertEquals(a.count(), b.count(), f);
                assertEquals(a.stack(), b.stack(), f + ": frames, files, lines, inlining");
                assertEquals(a.labels(), b.labels(), f);
                assertTrue(b.programCounters().isEmpty(), "addresses are not written: they would not be Go's");
            }
            assertEquals(s.metadata().time(), back.metadata().time(), f);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allDumps")
    void debug1KeepsRecords(Path file) {
        Snapshot s = Fixtures.read(file);
        Snapshot back = Written.roundTrip(s, Format.GO_DEBUG1);
        assertEquals(s.total(), back.total(), "total");
        if (s.metadata().format() == Format.GO_DEBUG1) {
            assertEquals(s.entries(), back.entries(), "a debug=1 profile comes back record for record");
            return;
        }
        // Go's debug=1 leaves out a goroutine's leading runtime frames; JVM files become paths.
        Map<List<Object>, Long> expected = new HashMap<>();
        for (Map.Entry<List<Object>, Long> g : Written.functionGroups(s).entrySet()) {
            @SuppressWarnings("unchecked") List<String> stack = (List<String>) g.getKey().get(0);
            int from = 0;
            if (s.entries().getFirst().kind() == Entry.Kind.GOROUTINE) {
                while (from < stack.size() && stack.get(from).startsWith("runtime.")) from++;
                if (from == stack.size()) from = 0;
            }
            expected.merge(List.of(stack.subList(from, stack.size()), g.getKey().get(1)), g.getValue(), Long::sum);
        }
        assertEquals(expected, Written.functionGroups(back), "records by stack and labels");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goTracebacks")
    void debug2KeepsEveryGoroutineFieldItPrints(Path file) {
        Snapshot s = Fixtures.read(file);
        Snapshot back = Written.roundTrip(s, Format.GO_DEBUG2);
        assertEquals(s.entries(), back.entries(), "goroutine by goroutine, every field");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allDumps")
    void debug2WritesEveryThreadAndGoroutine(Path file) {
        Snapshot s = Fixtures.read(file);
        Snapshot back = Written.roundTrip(s, Format.GO_DEBUG2);
        assertEquals(s.total(), back.total(), "a group is written once per member");
        List<Entry> expanded = new ArrayList<>();
        for (Entry e : s.entries()) for (int i = 0; i < e.count(); i++) expanded.add(e);
        for (int i = 0; i < expanded.size(); i++) {
            Entry a = expanded.get(i);
            Entry b = back.entries().get(i);
            assertEquals(a.id().orElse(0), b.id().orElseThrow(), "id");
            assertEquals(GoTextWriter.status(a), b.status().orElseThrow(), "status");
            assertEquals(a.stack().stream().map(f -> f.function() + ":" + Math.max(0, f.line())).toList(),
                    b.stack().stream().map(f -> f.function() + ":" + f.line()).toList(), "stack");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allDumps")
    void jsonHasEveryEntryAndField(Path file) throws IOException {
        Snapshot s = Fixtures.read(file);
        JsonNode j = new ObjectMapper().readTree(Written.json(s));
        assertEquals("tether-snapshot/1", j.get("schema").asText());
        assertEquals(s.metadata().format().name(), j.get("format").asText());
        assertEquals(s.total(), j.get("total").asLong());
        assertEquals(s.entries().size(), j.get("entries").size());
        assertEquals(s.deadlocks().size(), j.get("deadlocks").size());
        for (int i = 0; i < s.entries().size(); i++) {
            Entry e = s.entries().get(i);
            JsonNode n = j.get("entries").get(i);
            assertEquals(e.count(), n.get("count").asInt());
            assertEquals(e.kind().name(), n.get("kind").asText());
            assertEquals(e.state().name(), n.get("state").asText());
            assertEquals(e.id().isPresent(), n.has("id"));
            if (e.id().isPresent()) assertEquals(e.id().getAsLong(), n.get("id").asLong());
            assertEquals(e.name().orElse(null), Fixtures.text(n.get("name")));
            assertEquals(e.waitReason().orElse(null), Fixtures.text(n.get("waitReason")));
            assertEquals(e.waited().map(Duration::toNanos).orElse(null), n.has("waitedNanos") ? n.get("waitedNanos").asLong() : null);
            assertEquals(e.stack().size(), n.has("stack") ? n.get("stack").size() : 0);
            for (int k = 0; k < e.stack().size(); k++) {
                Frame f = e.stack().get(k);
                JsonNode jf = n.get("stack").get(k);
                assertEquals(f, new Frame(jf.get("function").asText(), Fixtures.text(jf.get("file")),
                        jf.get("line").asInt(), jf.has("inlined") && jf.get("inlined").asBoolean()));
            }
            assertEquals(e.labels().size(), n.has("labels") ? n.get("labels").size() : 0);
            assertEquals(e.locksHeld().size(), n.has("locksHeld") ? n.get("locksHeld").size() : 0);
            assertEquals(e.programCounters().size(), n.has("programCounters") ? n.get("programCounters").size() : 0);
            assertEquals(e.owner().map(Object::toString).orElse(null),
                    n.has("owners") ? new Owner(n.get("owners").get(0).get("kind").asText(),
                            n.get("owners").get(0).has("id") ? n.get("owners").get(0).get("id").asLong() : null,
                            Fixtures.text(n.get("owners").get(0).get("name")), null, null).toString() : null);
            assertFalse(n.toString().contains(":null"), "absent fields are left out: " + n);
        }
    }

    @Test
    void labelsAreQuotedAsGoQuotesThem() {
        Entry e = Entry.builder(Entry.Kind.GOROUTINE).count(2).label("tenant", "a\"b\\c\td\u0001é")
                .label("handler", "search").addFrame(new Frame("main.f", "/src/main.go", 3)).build();
        Snapshot s = new Snapshot(new Snapshot.Metadata(Format.GO_DEBUG1, "x", null, null, null, null, List.of()),
                List.of(e), List.of());
        String text = new String(Written.bytes(s, Format.GO_DEBUG1), StandardCharsets.UTF_8);
        assertEquals("""
                goroutine profile: total 2
                2 @
                # labels: {"handler":"search", "tenant":"a\\"b\\\\c\\td\\x01é"}
                #\t0x0\tmain.f\t/src/main.go:3

                """, text);
        assertEquals(List.of(e), Written.roundTrip(s, Format.GO_DEBUG1).entries());
    }

    @Test
    void onlyGoFormatsAreWritten() {
        Snapshot s = Fixtures.read(Fixtures.go("syncleaks.debug2.txt"));
        for (Format f : List.of(Format.GO_CRASH, Format.JDK_JSON, Format.JDK_TEXT, Format.JSTACK, Format.TETHER_REGISTRY)) {
            assertThrows(IllegalArgumentException.class, () -> Written.bytes(s, f), f.name());
        }
    }
}
