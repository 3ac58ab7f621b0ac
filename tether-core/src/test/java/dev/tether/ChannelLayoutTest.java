package dev.tether;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.FieldLayout;

/**
 * The padding behind an unbuffered channel's core (see {@code Channel.PaddedRendezvous}) as this JVM lays it out: a
 * field added to the wrong class, or a layout that interleaves the padding with the state it protects, would silently
 * bring back the false sharing it exists to prevent.
 */
class ChannelLayoutTest {
    /** A cache line on every CPU this runs on; more would waste memory per channel. */
    private static final int CACHE_LINE = 64;

    @Test
    void theLockTheSlotAndTheQueuesAreFollowedByACacheLineOfPadding() throws Exception {
        ClassLayout layout = ClassLayout.parseClass(Class.forName("dev.tether.Channel$PaddedRendezvous"));
        long sharedEnd = 0, paddingStart = Long.MAX_VALUE;
        for (FieldLayout f : layout.fields()) {
            if (f.hostClass().endsWith("PaddedRendezvous")) paddingStart = Math.min(paddingStart, f.offset());
            else sharedEnd = Math.max(sharedEnd, f.offset() + f.size());
        }
        Set<String> names = layout.fields().stream().map(FieldLayout::name).collect(Collectors.toSet());
        assertTrue(names.containsAll(Set.of("state", "slot", "senders", "receivers", "head", "count")),
                "the layout lists the lock's and the core's fields: " + names);
        assertTrue(sharedEnd <= paddingStart,
                "the padding follows every shared field (ends at " + sharedEnd + "):\n" + layout.toPrintable());
        assertTrue(layout.instanceSize() - sharedEnd >= CACHE_LINE,
                "at least " + CACHE_LINE + " bytes after the last shared field:\n" + layout.toPrintable());
    }
}
