package dev.tether.profile;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model's own contracts: defaults, validation, immutability, spelling. */
class ModelTest {

    @Test
    void aNewEntryIsOneOfItsKindInAnUnknownStateWithNothingElse() {
        Entry e = Entry.builder(Entry.Kind.GOROUTINE).build();
        assertEquals(1, e.count());
        assertEquals(Entry.State.UNKNOWN, e.state());
        assertTrue(e.id().isEmpty() && e.name().isEmpty() && e.status().isEmpty() && e.waitReason().isEmpty());
        assertTrue(e.stack().isEmpty() && e.labels().isEmpty() && e.locksHeld().isEmpty() && e.programCounters().isEmpty());
        assertTrue(e.createdBy().isEmpty() && e.creatorId().isEmpty() && e.owner().isEmpty() && e.carrierId().isEmpty());
    }

    @Test
    void aTetherTaskCarriesWhatTheRegistryKnows() {
        Owner scope = new Owner("scope", 3L, "checkout", new Frame("com.example.Shop.checkout", "Shop.java", 40),
                new Owner("task", 1L, null, null, null));
        Entry task = Entry.builder(Entry.Kind.TETHER_TASK).id(17).name("fetch-price").state(Entry.State.WAITING)
                .waitReason("chan send").waited(Duration.ofSeconds(75))
                .addFrame(new Frame("dev.tether.Channel.send", "Channel.java", 121))
                .createdBy(new Frame("com.example.Shop.checkout", "Shop.java", 42)).creatorId(1).owner(scope).build();
        assertEquals("task 17 \"fetch-price\" [WAITING, 1 minutes]", task.toString());
        assertEquals("scope 3", task.owner().orElseThrow().toString());
        assertEquals(Optional.of(Duration.ofSeconds(75)), task.waited());
    }

    @Test
    void entriesAreImmutableCopiesOfTheirBuilder() {
        Entry.Builder b = Entry.builder(Entry.Kind.PLATFORM_THREAD).addFrame(new Frame("a.B.c", "B.java", 1))
                .label("k", "v").addHeldLock(new HeldLock(new ObjectRef("a.L", "1"), 0));
        Entry e = b.build();
        b.addFrame(new Frame("a.B.d", "B.java", 2)).label("k2", "v2");
        assertEquals(1, e.stack().size());
        assertEquals(Map.of("k", "v"), e.labels());
        assertThrows(UnsupportedOperationException.class, () -> e.stack().add(new Frame("x.Y.z", null, -1)));
        assertThrows(UnsupportedOperationException.class, () -> e.labels().put("a", "b"));
    }

    @Test
    void buildRejectsAnImpossibleEntry() {
        assertThrows(IllegalStateException.class, () -> Entry.builder(Entry.Kind.GOROUTINE).count(0).build());
        assertThrows(IllegalStateException.class, () -> Entry.builder(Entry.Kind.PLATFORM_THREAD)
                .addHeldLock(new HeldLock(new ObjectRef("a.L", "1"), 3)).build());
        assertThrows(IllegalArgumentException.class, () -> new Frame("", "f", 1));
        assertThrows(IllegalArgumentException.class, () -> new Frame("f", "f", -3));
    }

    @Test
    void framesSpellAsTheJvmDoes() {
        assertEquals("java.lang.Thread.sleep0(Native Method)", new Frame("java.lang.Thread.sleep0", null, Frame.NATIVE_LINE).toString());
        assertEquals("a.B$$Lambda/0x01.run(Unknown Source)", new Frame("a.B$$Lambda/0x01.run", null, Frame.UNKNOWN_LINE).toString());
        assertEquals("a.B.c(B.java:7)", new Frame("a.B.c", "B.java", 7).toString());
        Frame go = new Frame("main.(*server).waitForShutdown", "/x/main.go", 77);
        assertEquals("main.(*server)", go.className());
        assertEquals("waitForShutdown", go.methodName());
    }

    @Test
    void aSnapshotTotalsItsGroups() {
        Snapshot s = new Snapshot(new Snapshot.Metadata(Format.GO_DEBUG1, "x", null, null, null, null, List.of()),
                List.of(Entry.builder(Entry.Kind.GOROUTINE).count(40).build(), Entry.builder(Entry.Kind.GOROUTINE).build()),
                List.of());
        assertEquals(41, s.total());
        assertEquals("40 × goroutine [UNKNOWN]", s.entries().getFirst().toString());
    }
}
