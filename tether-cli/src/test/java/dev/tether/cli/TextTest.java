package dev.tether.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TextTest {

    @Test
    void durationsReadAsGoWritesThemOrInIso() {
        assertEquals(Duration.ofMillis(500), Text.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(90), Text.parseDuration("1m30s"));
        assertEquals(Duration.ofHours(2), Text.parseDuration("2h"));
        assertEquals(Duration.ofDays(1), Text.parseDuration("1d"));
        assertEquals(Duration.ofSeconds(10), Text.parseDuration("PT10S"));
        assertEquals(Duration.ZERO, Text.parseDuration("0"));
    }

    @Test
    void badDurationsSayWhatIsExpected() {
        for (String bad : new String[]{"", "10", "ten s", "5x", "1m30", "-5s", "PT-5S", "99999999999s"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Text.parseDuration(bad), bad);
            assertTrue(e.getMessage().contains("expected e.g. 500ms"), e.getMessage());
        }
    }

    @Test
    void durationsPrintShort() {
        assertEquals("412 ms", Text.duration(Duration.ofMillis(412)));
        assertEquals("7 s", Text.duration(Duration.ofSeconds(7)));
        assertEquals("5m 3s", Text.duration(Duration.ofSeconds(303)));
        assertEquals("1m", Text.duration(Duration.ofMinutes(1)));
        assertEquals("2h 5m", Text.duration(Duration.ofMinutes(125)));
        assertEquals("3d 4h", Text.duration(Duration.ofHours(76)));
        assertEquals("-", Text.duration(null));
    }
}
