package dev.tether.profile;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real Go ≥ 1.20 dumps captured by goleak ({@code external/goleak}), which have no ground-truth file: every
 * goroutine is read with its header, frames, creator and (Go ≥ 1.21) creator id. What to expect is worked out here
 * from the raw text with regular expressions, independently of the reader.
 */
class ExternalGoDumpsTest {

    private static final Pattern HEADER = Pattern.compile("(?m)^goroutine (\\d+) \\[([^\\]]+)\\]:$");
    private static final Pattern CREATED = Pattern.compile(
            "(?m)^created by (\\S+?)(?: in goroutine (\\d+))?\\n\\t(.+):(\\d+)(?: \\+0x[0-9a-f]+)?$");

    static List<Path> dumps() {
        List<Path> l = Fixtures.dumps("external/goleak");
        assertFalse(l.isEmpty(), "no goleak dumps");
        return l;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dumps")
    void everyGoroutineIsReadWithItsCreator(Path file) {
        String text = new String(Fixtures.bytes(file), StandardCharsets.UTF_8);
        Snapshot s = Fixtures.read(file);
        assertEquals(Format.GO_DEBUG2, s.metadata().format());

        // One block per goroutine: up to the blank line, without GODEBUG=tracebackancestors' sections.
        Map<Long, String> blocks = new HashMap<>();
        for (String block : text.split("\n\n")) {
            Matcher h = HEADER.matcher(block);
            if (h.lookingAt()) {
                int ancestors = block.indexOf("\n[originating from goroutine");
                blocks.put(Long.parseLong(h.group(1)), ancestors < 0 ? block : block.substring(0, ancestors));
            }
        }
        assertEquals(blocks.size(), s.entries().size(), "goroutines");
        for (Entry e : s.entries()) {
            long id = e.id().orElseThrow();
            String block = blocks.get(id);
            assertTrue(block != null, "goroutine " + id + " is not in the file");
            Matcher h = HEADER.matcher(block);
            assertTrue(h.lookingAt());
            assertEquals(h.group(2).split(", ")[0], e.status().orElseThrow(), "goroutine " + id + ": status");
            assertFalse(e.stack().isEmpty(), "goroutine " + id + ": frames");
            long frames = block.lines().filter(l -> l.startsWith("\t")).count() - (e.createdBy().isPresent() ? 1 : 0);
            assertEquals(frames, e.stack().size(), "goroutine " + id + ": frame count");
            for (Frame f : e.stack()) assertTrue(f.line() > 0 && f.file().endsWith(".go"), f.toString());
            Matcher c = CREATED.matcher(block);
            if (c.find()) {
                Frame createdBy = e.createdBy().orElseThrow(() -> new AssertionError("goroutine " + id + ": creator"));
                assertEquals(c.group(1), createdBy.function(), "goroutine " + id + ": creator");
                assertEquals(c.group(3), createdBy.file());
                assertEquals(Integer.parseInt(c.group(4)), createdBy.line());
                if (c.group(2) != null) {
                    assertEquals(Long.parseLong(c.group(2)), e.creatorId().orElseThrow(), "goroutine " + id + ": creator id");
                } else {
                    assertTrue(e.creatorId().isEmpty(), "goroutine " + id + ": Go 1.20 prints no creator id");
                }
            } else {
                assertTrue(e.createdBy().isEmpty(), "goroutine " + id + " has no creator");
                assertEquals(1, id, "only the main goroutine has no creator");
            }
        }
    }
}
