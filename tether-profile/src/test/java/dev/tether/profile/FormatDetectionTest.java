package dev.tether.profile;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Formats are told apart by content: every fixture is recognised as what its ground truth says it is. */
class FormatDetectionTest {

    private static final Map<String, Format> BY_KEY = Map.of(
            "debug0", Format.GO_PPROF, "debug1", Format.GO_DEBUG1, "debug2", Format.GO_DEBUG2,
            "stderr", Format.GO_CRASH, "jdk25_json", Format.JDK_JSON, "jdk25_plain", Format.JDK_TEXT,
            "jdk25_jstack", Format.JSTACK, "jdk17_jstack", Format.JSTACK);

    @Test
    void everyFixtureIsRecognisedByItsContent() throws IOException {
        int n = 0;
        for (String folder : new String[] {"go", "jvm"}) {
            for (Path p : Fixtures.expectedFiles(folder)) {
                JsonNode files = Fixtures.expected(p).get("files");
                for (var f : (Iterable<Map.Entry<String, JsonNode>>) files.properties()::iterator) {
                    Format expected = BY_KEY.get(f.getKey());
                    Path file = p.resolveSibling(f.getValue().asText());
                    assertEquals(expected, Snapshots.detect(file), file.toString());
                    // No file name to go by: only the bytes.
                    Snapshot s = Snapshots.read(new ByteArrayInputStream(Fixtures.bytes(file)), "stdin");
                    assertEquals(expected, s.metadata().format(), file.toString());
                    assertEquals("stdin", s.metadata().source());
                    n++;
                }
            }
        }
        assertEquals(Fixtures.dumps("go").size() + Fixtures.dumps("jvm").size(), n, "every dump file was checked");
    }

    @Test
    void goleakDumpsAreDebug2() throws IOException {
        for (Path p : Fixtures.dumps("external/goleak")) assertEquals(Format.GO_DEBUG2, Snapshots.detect(p), p.toString());
    }
}
