package dev.tether.profile;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the JDK's JSON thread dump ({@link Format#JDK_JSON}) with Jackson's streaming parser:
 * <pre>
 * {"threadDump": {"processId": "14930", "time": "...", "runtimeVersion": "25.0.3+9-LTS",
 *   "threadContainers": [{"container": "&lt;root&gt;", "parent": null, "owner": null, "threads": [
 *     {"tid": "21", "time": "...", "name": "transfer-A-to-B", "state": "BLOCKED", "virtual": true,
 *      "blockedOn": "demo.Account@1b86f547", "parkBlocker": {"object": "..."}, "waitingOn": "...",
 *      "stack": ["demo.LockDeadlocks.transfer(LockDeadlocks.java:45)", ...],
 *      "monitorsOwned": [{"depth": 0, "locks": ["demo.Account@1ff31ce6"]}], "carrier": "23"}]}]}}
 * </pre>
 * JDK 21 writes only {@code tid}, {@code name} and {@code stack} per thread. Unknown fields are skipped, so later JDKs'
 * additions do not break the reader. Ids arrive as strings; numbers are accepted too.
 *
 * <p>Bounded: Jackson's stream constraints cap a string at {@link LineReader#MAX_LINE} and nesting at 64 levels, and
 * values are read one token at a time, so neither a huge string nor deep nesting can exhaust memory or the stack.
 */
final class JdkJsonReader {

    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE) // the caller owns the stream
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(LineReader.MAX_LINE)
                    .maxNameLength(4096)
                    .maxNumberLength(64)
                    .maxNestingDepth(64)
                    .build())
            .build();

    private final InputStream input;
    private final String source;
    private final JvmSyntax syntax = new JvmSyntax();
    private final Entry.Builder b = Entry.builder(Entry.Kind.PLATFORM_THREAD);
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Owner> containers = new HashMap<>();
    private JsonParser p;

    private Long processId;
    private String runtimeVersion;
    private Instant time;

    JdkJsonReader(InputStream input, String source) {
        this.input = input;
        this.source = source;
    }

    Snapshot read() throws IOException {
        try (JsonParser parser = JSON.createParser(input)) {
            p = parser;
            if (p.nextToken() != JsonToken.START_OBJECT) throw error("expected a JSON object");
            boolean found = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("threadDump")) {
                    threadDump();
                    found = true;
                } else {
                    p.skipChildren();
                }
            }
            if (!found) throw error("no \"threadDump\" object");
            if (p.nextToken() != null) throw error("content after the thread dump");
        } catch (JsonProcessingException e) {
            // Limit violations (StreamConstraintsException) carry no location of their own: use the parser's.
            JsonLocation at = e.getLocation() != null ? e.getLocation() : p == null ? null : p.currentLocation();
            throw new SnapshotFormatException(source, Format.JDK_JSON, at == null ? -1 : at.getLineNr(),
                    at == null ? -1 : at.getByteOffset(), e.getOriginalMessage(), e);
        } catch (java.io.CharConversionException e) {
            // Jackson's own decoding of bytes that are not text in any Unicode encoding (not an I/O failure).
            JsonLocation at = p == null ? null : p.currentLocation();
            throw new SnapshotFormatException(source, Format.JDK_JSON, at == null ? 1 : at.getLineNr(),
                    at == null ? 0 : Math.max(0, at.getByteOffset()), "not text: " + e.getMessage(), e);
        }
        return new Snapshot(new Snapshot.Metadata(Format.JDK_JSON, source, processId, null, runtimeVersion, time,
                List.of()), entries, List.of());
    }

    private void threadDump() throws IOException {
        expect(JsonToken.START_OBJECT, "threadDump");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "processId" -> processId = t == JsonToken.VALUE_NULL ? null : id("processId");
                case "runtimeVersion" -> runtimeVersion = text("runtimeVersion");
                case "time" -> time = instant(text("time"));
                case "threadContainers" -> {
                    expect(JsonToken.START_ARRAY, "threadContainers");
                    while (p.nextToken() != JsonToken.END_ARRAY) container();
                }
                default -> p.skipChildren();
            }
        }
    }

    /**
     * One container. Its threads are owned by it unless it is the root; the JDK writes the container's name, parent
     * and owner before its threads, which is what lets each thread get its owner as it is read.
     */
    private void container() throws IOException {
        expect(JsonToken.START_OBJECT, "a thread container");
        String name = null;
        String parent = null;
        Long ownerThread = null;
        Owner owner = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "container" -> name = text("container");
                case "parent" -> parent = t == JsonToken.VALUE_NULL ? null : text("parent");
                case "owner" -> ownerThread = t == JsonToken.VALUE_NULL ? null : id("owner");
                case "threads" -> {
                    if (owner == null && name != null && !name.equals("<root>")) {
                        owner = owner(name, parent, ownerThread);
                    }
                    expect(JsonToken.START_ARRAY, "threads");
                    while (p.nextToken() != JsonToken.END_ARRAY) thread(owner);
                }
                default -> p.skipChildren();
            }
        }
        if (owner == null && name != null && !name.equals("<root>")) owner(name, parent, ownerThread);
    }

    /**
     * The owner chain of a container: the container, then the thread that owns it (a {@code StructuredTaskScope}'s
     * owner) if any, then the parent container.
     */
    private Owner owner(String name, String parent, Long ownerThread) {
        Owner up = parent == null ? null : containers.get(parent);
        if (ownerThread != null) up = new Owner("thread", ownerThread, null, null, up);
        Owner o = new Owner("thread container", null, syntax.string(name), null, up);
        containers.put(name, o);
        return o;
    }

    private void thread(Owner owner) throws IOException {
        expect(JsonToken.START_OBJECT, "a thread");
        b.reset(Entry.Kind.PLATFORM_THREAD).owner(owner);
        Boolean virtual = null;
        List<Monitor> monitors = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "tid" -> b.id(id("tid"));
                case "name" -> b.name(syntax.string(text("name")));
                case "state" -> {
                    String s = syntax.string(text("state"));
                    b.status(s).state(JvmSyntax.state(s));
                }
                case "virtual" -> {
                    if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) throw error("\"virtual\" is not a boolean");
                    virtual = t == JsonToken.VALUE_TRUE;
                }
                case "carrier" -> b.carrierId(id("carrier"));
                case "blockedOn" -> b.blockedOn(syntax.identityRef(text("blockedOn")));
                case "waitingOn" -> b.waitingOn(syntax.identityRef(text("waitingOn")));
                case "parkBlocker" -> {
                    if (t == JsonToken.VALUE_STRING) {
                        b.parkBlocker(syntax.identityRef(p.getText()));
                    } else {
                        expect(JsonToken.START_OBJECT, "parkBlocker");
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            p.nextToken();
                            if (f.equals("object")) b.parkBlocker(syntax.identityRef(text("parkBlocker.object")));
                            else p.skipChildren();
                        }
                    }
                }
                case "stack" -> {
                    expect(JsonToken.START_ARRAY, "stack");
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        String s = text("a stack frame");
                        Frame f = syntax.frame(s);
                        if (f == null) throw error("not a stack frame: \"" + shorten(s) + "\"");
                        b.addFrame(f);
                    }
                }
                case "monitorsOwned" -> {
                    // Kept until the thread ends: the depth must be checked against the whole stack.
                    expect(JsonToken.START_ARRAY, "monitorsOwned");
                    if (monitors == null) monitors = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) monitorsAtDepth(monitors);
                }
                default -> p.skipChildren();
            }
        }
        if (monitors != null) {
            for (Monitor m : monitors) {
                if (m.depth < 0 || m.depth >= b.frameCount()) {
                    throw error("monitorsOwned depth " + m.depth + " outside the " + b.frameCount() + "-frame stack");
                }
                b.addHeldLock(new HeldLock(m.lock, (int) m.depth));
            }
        }
        // JDK 21 writes no "virtual" field; a virtual thread's stack then still ends in VirtualThread.run.
        boolean isVirtual = virtual != null ? virtual : bottomIsVirtualThreadRun();
        if (isVirtual) b.kind(Entry.Kind.VIRTUAL_THREAD);
        entries.add(b.build());
    }

    private boolean bottomIsVirtualThreadRun() {
        Frame last = b.lastFrame();
        return last != null && last.function().equals("java.lang.VirtualThread.run");
    }

    private record Monitor(ObjectRef lock, long depth) {
    }

    private void monitorsAtDepth(List<Monitor> monitors) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) throw error("expected a {depth, locks} object in monitorsOwned");
        long depth = -1;
        List<ObjectRef> locks = new ArrayList<>(1);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "depth" -> {
                    if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_STRING) throw error("depth is not a number");
                    depth = t == JsonToken.VALUE_STRING ? parseId(p.getText(), "depth") : p.getLongValue();
                }
                case "locks" -> {
                    expect(JsonToken.START_ARRAY, "locks");
                    while (p.nextToken() != JsonToken.END_ARRAY) locks.add(syntax.identityRef(text("a lock")));
                }
                default -> p.skipChildren();
            }
        }
        for (ObjectRef lock : locks) monitors.add(new Monitor(lock, depth));
    }

    private void expect(JsonToken token, String what) throws SnapshotFormatException {
        if (p.currentToken() != token) {
            throw error("expected " + (token == JsonToken.START_ARRAY ? "an array" : "an object") + " for " + what
                    + ", found " + p.currentToken());
        }
    }

    private String text(String what) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.VALUE_STRING) throw error("expected a string for " + what + ", found " + t);
        return p.getText();
    }

    private long id(String what) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT) return p.getLongValue();
        if (t != JsonToken.VALUE_STRING) throw error("expected an id for " + what + ", found " + t);
        return parseId(p.getText(), what);
    }

    private long parseId(String s, String what) throws SnapshotFormatException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error("expected a number for " + what + ", found \"" + shorten(s) + "\"");
        }
    }

    private static Instant instant(String s) {
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String shorten(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }

    private SnapshotFormatException error(String problem) {
        JsonLocation at = p.currentTokenLocation();
        return new SnapshotFormatException(source, Format.JDK_JSON, at.getLineNr(), at.getByteOffset(), problem);
    }
}
