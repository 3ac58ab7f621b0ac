package dev.tether.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.tether.cli.Report.Creator;
import dev.tether.cli.Report.Instance;
import dev.tether.cli.Report.Link;
import dev.tether.cli.Report.LockCycle;
import dev.tether.cli.Report.Site;
import dev.tether.cli.Report.SiteKey;
import dev.tether.cli.Report.Stack;
import dev.tether.profile.Frame;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The report as JSON, schema {@value #SCHEMA} (described in {@code docs/cli.md}), and the counts of such a report
 * read back as a {@link Fleet.Baseline}. Every site is written, suspect or not, so that a later scan can compute
 * growth against any of them.
 */
final class JsonReport {
    private JsonReport() {
    }

    static final String SCHEMA = "tether-leakprof-report/1";

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(1 << 20).build()).build();

    /** Writes {@code r} to {@code out}, flushing and not closing it. */
    static void write(Report r, OutputStream out) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("schema", SCHEMA);
            g.writeStringField("time", r.time().toString());
            g.writeObjectFieldStart("settings");
            g.writeNumberField("minCount", r.settings().minCount());
            g.writeNumberField("minWaitSeconds", r.settings().minWait().toMillis() / 1000.0);
            g.writeNumberField("minGrowth", r.settings().minGrowth());
            g.writeStringField("sort", r.settings().sort().name().toLowerCase());
            g.writeEndObject();
            g.writeBooleanField("compared", r.compared());
            g.writeObjectFieldStart("summary");
            g.writeNumberField("instances", r.instances().size());
            g.writeNumberField("scanned", r.scanned());
            g.writeNumberField("failed", r.instances().size() - r.scanned());
            g.writeNumberField("suspects", r.suspects().size());
            g.writeNumberField("deadlocks", r.deadlocks().size());
            g.writeNumberField("exitCode", r.exitCode());
            g.writeEndObject();

            g.writeArrayFieldStart("instances");
            for (Instance i : r.instances()) {
                g.writeStartObject();
                g.writeStringField("name", i.name());
                g.writeStringField("target", i.target());
                if (i.ok()) {
                    g.writeStringField("format", i.format().name());
                    g.writeNumberField("total", i.total());
                    g.writeNumberField("blocked", i.blocked());
                } else {
                    g.writeStringField("error", i.error());
                }
                g.writeNumberField("elapsedMillis", i.elapsed().toMillis());
                g.writeEndObject();
            }
            g.writeEndArray();

            g.writeArrayFieldStart("sites");
            for (Site s : r.sites()) site(g, s);
            g.writeEndArray();

            g.writeArrayFieldStart("deadlocks");
            for (LockCycle c : r.deadlocks()) {
                g.writeStartObject();
                g.writeStringField("instance", c.instance());
                g.writeStringField("source", c.source());
                g.writeArrayFieldStart("links");
                for (Link l : c.links()) {
                    g.writeStartObject();
                    g.writeStringField("thread", l.thread());
                    g.writeStringField("lock", l.lock());
                    g.writeStringField("heldBy", l.heldBy());
                    if (l.site() != null) {
                        g.writeFieldName("site");
                        frame(g, l.site());
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.write('\n');
        out.flush();
    }

    private static void site(JsonGenerator g, Site s) throws IOException {
        g.writeStartObject();
        g.writeStringField("function", s.frame().function());
        g.writeStringField("file", s.frame().file());
        g.writeNumberField("line", s.frame().line());
        g.writeStringField("waitReason", s.waitReason());
        g.writeStringField("category", s.category().name().toLowerCase());
        g.writeBooleanField("suspect", s.suspect());
        g.writeArrayFieldStart("why");
        for (String w : s.why()) g.writeString(w);
        g.writeEndArray();
        g.writeNumberField("count", s.count());
        g.writeNumberField("instanceCount", s.instances().size());
        g.writeObjectFieldStart("instances");
        for (Map.Entry<String, Long> e : s.instances().entrySet()) g.writeNumberField(e.getKey(), e.getValue());
        g.writeEndObject();
        if (s.oldestWait() != null) g.writeNumberField("oldestWaitSeconds", s.oldestWait().toMillis() / 1000.0);
        if (s.growth() != null) g.writeNumberField("growth", s.growth());
        g.writeArrayFieldStart("stacks");
        for (Stack st : s.stacks()) {
            g.writeStartObject();
            g.writeNumberField("count", st.count());
            g.writeArrayFieldStart("frames");
            for (Frame f : st.frames()) frame(g, f);
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("creators");
        for (Creator c : s.creators()) {
            g.writeStartObject();
            g.writeStringField("creator", c.description());
            g.writeNumberField("count", c.count());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void frame(JsonGenerator g, Frame f) throws IOException {
        g.writeStartObject();
        g.writeStringField("function", f.function());
        if (f.file() != null) g.writeStringField("file", f.file());
        g.writeNumberField("line", f.line());
        g.writeEndObject();
    }

    /**
     * The per-site, per-instance counts of a report written by {@link #write}, and which instances it scanned.
     *
     * @throws IOException if the file cannot be read or is not such a report (the message says what is wrong)
     */
    static Fleet.Baseline readBaseline(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file); JsonParser p = FACTORY.createParser(in)) {
            Map<SiteKey, Map<String, Long>> counts = new LinkedHashMap<>();
            Set<String> scanned = new HashSet<>();
            boolean schema = false;
            expect(p, JsonToken.START_OBJECT, file);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "schema" -> {
                        if (!SCHEMA.equals(p.getValueAsString())) {
                            throw new IOException(file + ": not a leakprof report: schema '" + p.getValueAsString()
                                    + "', expected '" + SCHEMA + "' (write one with --json)");
                        }
                        schema = true;
                    }
                    case "instances" -> {
                        for (Map<String, Object> i : objects(p, file)) {
                            if (i.get("error") == null && i.get("name") instanceof String n) scanned.add(n);
                        }
                    }
                    case "sites" -> {
                        for (Map<String, Object> s : objects(p, file)) {
                            Object fn = s.get("function"), line = s.get("line"), inst = s.get("instances");
                            if (!(fn instanceof String f) || !(line instanceof Long l) || !(inst instanceof Map<?, ?> m)) {
                                throw new IOException(file + ": line " + p.currentLocation().getLineNr()
                                        + ": a site needs function, line and instances");
                            }
                            Map<String, Long> per = new LinkedHashMap<>();
                            m.forEach((k, v) -> per.put((String) k, (Long) v));
                            counts.put(new SiteKey(f, (String) s.get("file"), Math.toIntExact(l)), per);
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (!schema) throw new IOException(file + ": not a leakprof report: no \"schema\" field (write one with --json)");
            return Fleet.Baseline.of(counts, scanned);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr(), e);
        }
    }

    /**
     * An array of objects whose fields are strings, numbers, nulls, booleans or (one level) objects of numbers;
     * other values are skipped.
     */
    private static List<Map<String, Object>> objects(JsonParser p, Path file) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) throw new IOException(file + ": expected an array at line "
                + p.currentLocation().getLineNr());
        List<Map<String, Object>> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            Map<String, Object> o = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (t) {
                    case VALUE_STRING -> o.put(name, p.getText());
                    case VALUE_NUMBER_INT -> o.put(name, p.getLongValue());
                    case START_OBJECT -> {
                        Map<String, Long> inner = new LinkedHashMap<>();
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String k = p.currentName();
                            if (p.nextToken() == JsonToken.VALUE_NUMBER_INT) inner.put(k, p.getLongValue());
                            else p.skipChildren();
                        }
                        o.put(name, inner);
                    }
                    default -> p.skipChildren();
                }
            }
            out.add(o);
        }
        if (p.currentToken() != JsonToken.END_ARRAY) throw new IOException(file + ": expected an object at line "
                + p.currentLocation().getLineNr());
        return out;
    }

    private static void expect(JsonParser p, JsonToken t, Path file) throws IOException {
        if (p.nextToken() != t) throw new IOException(file + ": not a leakprof report: expected " + t.asString()
                + " at line " + p.currentLocation().getLineNr());
    }
}
