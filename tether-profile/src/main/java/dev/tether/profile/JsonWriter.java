package dev.tether.profile;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;

/**
 * Writes a {@link Snapshot} as JSON, every field of the model, streamed entry by entry (the schema is in
 * {@code docs/profile.md}):
 * <pre>
 * {"schema": "tether-snapshot/1", "format": "GO_DEBUG2", "source": "x.txt", "total": 79,
 *  "entries": [{"count": 1, "kind": "GOROUTINE", "id": 17, "state": "WAITING", "status": "chan send",
 *               "waitReason": "chan send", "waitedNanos": 60000000000,
 *               "stack": [{"function": "main.f", "file": "/src/main.go", "line": 48}], ...}],
 *  "deadlocks": []}
 * </pre>
 * Absent fields are left out, never written as null; empty lists and maps are left out too, except
 * {@code entries} and {@code deadlocks}. Program counters are hex strings ({@code "0x43b295"}): JSON numbers above
 * 2<sup>53</sup> lose digits in many readers.
 */
final class JsonWriter {

    /** The value of the top-level {@code schema} field; changes if a field changes meaning or is removed. */
    static final String SCHEMA = "tether-snapshot/1";

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private final JsonGenerator g;

    private JsonWriter(JsonGenerator g) {
        this.g = g;
    }

    /** Writes {@code s} to {@code out}, flushed, not closed. */
    static void write(Snapshot s, OutputStream out) throws IOException {
        JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        new JsonWriter(g).snapshot(s);
        g.writeRaw('\n');
        g.close(); // flushes; the target stays open
    }

    private void snapshot(Snapshot s) throws IOException {
        Snapshot.Metadata m = s.metadata();
        g.writeStartObject();
        g.writeStringField("schema", SCHEMA);
        g.writeStringField("format", m.format().name());
        g.writeStringField("source", m.source());
        if (m.processId() != null) g.writeNumberField("processId", m.processId());
        if (m.processName() != null) g.writeStringField("processName", m.processName());
        if (m.runtimeVersion() != null) g.writeStringField("runtimeVersion", m.runtimeVersion());
        if (m.time() != null) g.writeStringField("time", m.time().toString());
        if (!m.preamble().isEmpty()) {
            g.writeArrayFieldStart("preamble");
            for (String line : m.preamble()) g.writeString(line);
            g.writeEndArray();
        }
        g.writeNumberField("total", s.total());
        g.writeArrayFieldStart("entries");
        for (Entry e : s.entries()) entry(e);
        g.writeEndArray();
        g.writeArrayFieldStart("deadlocks");
        for (Deadlock d : s.deadlocks()) {
            g.writeStartObject();
            g.writeArrayFieldStart("cycle");
            for (Deadlock.Edge edge : d.cycle()) {
                g.writeStartObject();
                g.writeStringField("thread", edge.thread());
                g.writeStringField("lockKind", edge.lockKind().name());
                g.writeFieldName("lock");
                ref(edge.lock());
                g.writeStringField("heldBy", edge.heldBy());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private void entry(Entry e) throws IOException {
        g.writeStartObject();
        g.writeNumberField("count", e.count());
        g.writeStringField("kind", e.kind().name());
        if (e.id().isPresent()) g.writeNumberField("id", e.id().getAsLong());
        if (e.name().isPresent()) g.writeStringField("name", e.name().get());
        g.writeStringField("state", e.state().name());
        if (e.status().isPresent()) g.writeStringField("status", e.status().get());
        if (e.waitReason().isPresent()) g.writeStringField("waitReason", e.waitReason().get());
        if (e.waited().isPresent()) g.writeNumberField("waitedNanos", e.waited().get().toNanos());
        if (e.lockedToThread()) g.writeBooleanField("lockedToThread", true);
        if (!e.stack().isEmpty()) {
            g.writeArrayFieldStart("stack");
            for (Frame f : e.stack()) frame(f);
            g.writeEndArray();
        }
        if (e.stackTruncated()) g.writeBooleanField("stackTruncated", true);
        if (!e.programCounters().isEmpty()) {
            g.writeArrayFieldStart("programCounters");
            for (long pc : e.programCounters()) g.writeString("0x" + Long.toHexString(pc));
            g.writeEndArray();
        }
        if (e.createdBy().isPresent()) {
            g.writeFieldName("createdBy");
            frame(e.createdBy().get());
        }
        if (e.creatorId().isPresent()) g.writeNumberField("creatorId", e.creatorId().getAsLong());
        if (!e.labels().isEmpty()) {
            g.writeObjectFieldStart("labels");
            for (Map.Entry<String, String> l : e.labels().entrySet()) g.writeStringField(l.getKey(), l.getValue());
            g.writeEndObject();
        }
        if (e.owner().isPresent()) { // flat, innermost first: a chain can be deeper than JSON nesting should be
            g.writeArrayFieldStart("owners");
            for (Owner o = e.owner().get(); o != null; o = o.parent()) owner(o);
            g.writeEndArray();
        }
        if (e.blockedOn().isPresent()) {
            g.writeFieldName("blockedOn");
            ref(e.blockedOn().get());
        }
        if (e.parkBlocker().isPresent()) {
            g.writeFieldName("parkBlocker");
            ref(e.parkBlocker().get());
        }
        if (e.waitingOn().isPresent()) {
            g.writeFieldName("waitingOn");
            ref(e.waitingOn().get());
        }
        if (!e.locksHeld().isEmpty()) {
            g.writeArrayFieldStart("locksHeld");
            for (HeldLock l : e.locksHeld()) {
                g.writeStartObject();
                g.writeFieldName("lock");
                ref(l.lock());
                if (l.isMonitor()) g.writeNumberField("frameIndex", l.frameIndex());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        if (e.carrierId().isPresent()) g.writeNumberField("carrierId", e.carrierId().getAsLong());
        g.writeEndObject();
    }

    private void frame(Frame f) throws IOException {
        g.writeStartObject();
        g.writeStringField("function", f.function());
        if (f.file() != null) g.writeStringField("file", f.file());
        g.writeNumberField("line", f.line());
        if (f.inlined()) g.writeBooleanField("inlined", true);
        g.writeEndObject();
    }

    private void ref(ObjectRef r) throws IOException {
        g.writeStartObject();
        g.writeStringField("className", r.className());
        g.writeStringField("identity", r.identity());
        g.writeEndObject();
    }

    /** One owner of a chain, without its parent (the next element). */
    private void owner(Owner o) throws IOException {
        g.writeStartObject();
        g.writeStringField("kind", o.kind());
        if (o.id() != null) g.writeNumberField("id", o.id());
        if (o.name() != null) g.writeStringField("name", o.name());
        if (o.site() != null) {
            g.writeFieldName("site");
            frame(o.site());
        }
        g.writeEndObject();
    }
}
