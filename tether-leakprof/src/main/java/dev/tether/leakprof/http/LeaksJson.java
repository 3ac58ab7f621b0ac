package dev.tether.leakprof.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import dev.tether.leakprof.LeakDetector;
import dev.tether.leakprof.ProvenLeak;
import dev.tether.leakprof.Sample;
import dev.tether.leakprof.Suspect;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code /debug/leaks}: the detector's configuration and latest sample as JSON (schema {@value #SCHEMA}, described in
 * {@link DebugHandler}), streamed with jackson-core. Stays within the response bound by construction: each suspect and
 * proven leak is rendered on its own first and left out, with the rest of its list, if it would not fit; the counts
 * of those left out are in the document.
 */
final class LeaksJson {
    static final String SCHEMA = "tether-leaks/1";
    /** Room kept for what follows the lists: their ends, the counts left out, the closing braces. */
    private static final int TAIL = 256;
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
            .build();

    private final JsonGenerator g;
    private final Counting counted;
    private final long max;
    private final ByteArrayOutputStream element = new ByteArrayOutputStream(1024);
    private boolean truncated;

    private LeaksJson(OutputStream out, long max) throws IOException {
        this.counted = new Counting(out);
        this.g = FACTORY.createGenerator(counted);
        this.max = max;
    }

    /** Writes the document for {@code detector} and its {@code sample} (null if none yet); flushes {@code out}. */
    static void write(LeakDetector detector, Sample sample, OutputStream out, long maxBytes) throws IOException {
        new LeaksJson(out, maxBytes).document(detector, sample);
        out.flush();
    }

    private void document(LeakDetector d, Sample s) throws IOException {
        g.writeStartObject();
        g.writeStringField("schema", SCHEMA);
        g.writeObjectFieldStart("detector");
        g.writeBooleanField("running", d.isRunning());
        g.writeNumberField("periodMillis", d.period().toMillis());
        g.writeNumberField("minTasks", d.minTasks());
        g.writeNumberField("minAgeMillis", d.minAge().toMillis());
        g.writeNumberField("errors", d.errors());
        g.writeEndObject();
        if (s == null) {
            g.writeNullField("sample"); // the detector has not sampled yet: its first sample comes one period in
        } else {
            g.writeObjectFieldStart("sample");
            g.writeStringField("time", s.time().toString());
            g.writeNumberField("tookMicros", s.took().toNanos() / 1000);
            g.writeNumberField("sequence", s.sequence());
            g.writeNumberField("liveTasks", s.liveTasks());
            g.writeBooleanField("threadsScanned", s.threadsScanned());
            g.writeObjectFieldStart("blockedByReason");
            for (Map.Entry<String, Integer> e : new TreeMap<>(s.blockedByReason()).entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeNumberField("provenLeakTotal", s.provenLeakTotal());
            g.writeArrayFieldStart("suspects");
            int suspectsLeft = list(s.suspects(), this::suspect);
            g.writeEndArray();
            g.writeNumberField("suspectsOmitted", suspectsLeft);
            g.writeArrayFieldStart("provenLeaks");
            int leaksLeft = list(s.provenLeaks(), this::provenLeak);
            g.writeEndArray();
            g.writeNumberField("provenLeaksOmitted", leaksLeft);
            g.writeEndObject();
        }
        g.writeBooleanField("truncated", truncated);
        g.writeEndObject();
        g.flush();
    }

    private interface Render<T> {
        void render(JsonGenerator g, T item) throws IOException;
    }

    /** Writes the items that fit, in order; returns how many were left out. */
    private <T> int list(List<T> items, Render<T> render) throws IOException {
        for (int i = 0; i < items.size(); i++) {
            element.reset();
            try (JsonGenerator e = FACTORY.createGenerator(element)) {
                render.render(e, items.get(i));
            }
            long written = counted.count + Math.max(0, g.getOutputBuffered());
            if (written + element.size() + 1 + TAIL > max) {
                truncated = true;
                return items.size() - i;
            }
            g.writeRawValue(element.toString(StandardCharsets.UTF_8));
        }
        return 0;
    }

    private void suspect(JsonGenerator e, Suspect s) throws IOException {
        e.writeStartObject();
        e.writeStringField("kind", s.kind().name());
        e.writeStringField("waitReason", s.waitReason());
        frameField(e, "blockingSite", s.blockingSite());
        e.writeNumberField("count", s.count());
        e.writeNumberField("total", s.total());
        e.writeNumberField("oldestWaitMillis", s.oldestWait().toMillis());
        e.writeNumberField("growth", s.growth());
        frameField(e, "creationSite", s.creationSite());
        e.writeArrayFieldStart("stack");
        for (StackTraceElement f : s.stack()) frame(e, f);
        e.writeEndArray();
        e.writeBooleanField("estimated", s.estimated());
        e.writeEndObject();
    }

    private void provenLeak(JsonGenerator e, ProvenLeak p) throws IOException {
        e.writeStartObject();
        e.writeStringField("waitReason", p.waitReason());
        frameField(e, "blockingSite", p.blockingSite());
        frameField(e, "creationSite", p.creationSite());
        e.writeNumberField("count", p.count());
        e.writeNumberField("newCount", p.newCount());
        e.writeNumberField("longestWaitMillis", p.longestWait().toMillis());
        e.writeNumberField("lastTaskId", p.lastTaskId());
        e.writeEndObject();
    }

    private static void frameField(JsonGenerator e, String name, StackTraceElement f) throws IOException {
        e.writeFieldName(name);
        if (f == null) e.writeNull();
        else frame(e, f);
    }

    /** A frame as tether-profile's JSON writes one: {@code function} ({@code class.method}), {@code file}, {@code line}. */
    private static void frame(JsonGenerator e, StackTraceElement f) throws IOException {
        e.writeStartObject();
        e.writeStringField("function", f.getClassName() + "." + f.getMethodName());
        if (f.getFileName() != null) e.writeStringField("file", f.getFileName());
        e.writeNumberField("line", f.isNativeMethod() ? -2 : Math.max(-1, f.getLineNumber()));
        e.writeEndObject();
    }

    /** Counts the bytes the generator has handed on. */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
