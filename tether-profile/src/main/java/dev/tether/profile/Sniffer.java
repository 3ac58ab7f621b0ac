package dev.tether.profile;

import java.nio.charset.StandardCharsets;

/**
 * Tells the formats apart from the first bytes of a dump. Each format's opening is distinctive:
 * <ul>
 *   <li>{@code goroutine profile: total N} — Go debug=1;</li>
 *   <li>{@code goroutine N [status]:} first — Go debug=2;</li>
 *   <li>{@code panic: }, {@code fatal error: }, {@code SIGQUIT: quit}..., or any text, before a goroutine header — Go
 *       crash;</li>
 *   <li>a JSON object with {@code "threadDump"} near the start — JDK JSON;</li>
 *   <li>a line {@code Full thread dump ...} among the first — jstack;</li>
 *   <li>a process id alone on the first line, an ISO-8601 time on the second — JDK plain text;</li>
 *   <li>binary: gzip is decompressed and looked into by the caller; a protobuf (Go's debug=0 inside the gzip) is
 *       {@link Format#GO_PPROF}; other binary data is rejected.</li>
 * </ul>
 */
final class Sniffer {

    /** How much of the input detection looks at. */
    static final int HEAD = 8192;

    private Sniffer() {
    }

    static boolean isGzip(byte[] head, int n) {
        return n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
    }

    /**
     * The format of a dump that starts with {@code head[0, n)}.
     *
     * @throws SnapshotFormatException if the input is empty, binary (other than a protobuf), or none of the formats
     */
    static Format detect(byte[] head, int n, String source) throws SnapshotFormatException {
        if (n == 0) throw new SnapshotFormatException(source, null, -1, 0, "empty input");
        int controls = 0;
        for (int i = 0; i < n; i++) {
            int c = head[i] & 0xff;
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b) {
                // A serialized profile.proto (Go's debug=0, once un-gzipped) is full of these.
                if (c == 0 || ++controls > 8) {
                    if (looksLikeProtobuf(head, n)) return Format.GO_PPROF;
                    throw new SnapshotFormatException(source, null, -1, i,
                            "binary data (byte 0x" + Integer.toHexString(c) + "), not a text dump");
                }
            }
        }
        int from = 0;
        if (n >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb && (head[2] & 0xff) == 0xbf) from = 3;
        String text = new String(head, from, n - from, StandardCharsets.ISO_8859_1);
        String trimmed = text.stripLeading();
        if (trimmed.startsWith("{")) {
            if (trimmed.contains("\"threadDump\"")) return Format.JDK_JSON;
            throw new SnapshotFormatException(source, null, 1, 0,
                    "JSON, but not a JDK thread dump: no \"threadDump\" near the start");
        }
        String[] lines = trimmed.split("\r?\n", 40);
        // The last piece may be a line cut by the end of the head: fine for prefix tests.
        String first = lines[0];
        if (first.startsWith("goroutine profile: total ")) return Format.GO_DEBUG1;
        if (isGoroutineHeader(first)) return Format.GO_DEBUG2;
        if (first.startsWith("panic: ") || first.startsWith("fatal error: ") || first.matches("SIG[A-Z]+: .*")) {
            return Format.GO_CRASH;
        }
        for (int i = 0; i < lines.length && i < 12; i++) {
            if (lines[i].startsWith("Full thread dump ")) return Format.JSTACK;
        }
        if (lines.length > 2 && first.matches("\\d{1,18}") && lines[1].matches("\\d{4}-\\d\\d-\\d\\dT.*")) {
            return Format.JDK_TEXT;
        }
        for (String line : lines) {
            if (isGoroutineHeader(line)) return Format.GO_CRASH;
        }
        String shown = first.length() > 80 ? first.substring(0, 80) + "..." : first;
        throw new SnapshotFormatException(source, null, 1, 0, "not a dump this reader knows (Go debug=1, debug=2 or"
                + " crash output; JDK JSON or plain thread dump; jstack); it starts with \"" + shown + "\"");
    }

    static boolean isGoroutineHeader(String line) {
        if (!line.startsWith("goroutine ") || !line.endsWith("]:")) return false;
        int i = "goroutine ".length();
        int d = i;
        while (d < line.length() && Character.isDigit(line.charAt(d))) d++;
        return d > i && d < line.length() && line.charAt(d) == ' ' && line.indexOf('[', d) > 0;
    }

    /**
     * True if the bytes parse as the first fields of a profile.proto message: field numbers 1 to 14 with varint or
     * length-delimited values (the only wire types it uses), at least three of them complete. Go does not write field
     * 1 first.
     */
    private static boolean looksLikeProtobuf(byte[] head, int n) {
        int i = 0;
        int fields = 0;
        while (fields < 3) {
            long tag = 0;
            int shift = 0;
            while (true) {
                if (i >= n || shift > 28) return false;
                int b = head[i++] & 0xff;
                tag |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) break;
                shift += 7;
            }
            long field = tag >>> 3;
            int wire = (int) (tag & 7);
            if (field < 1 || field > 14 || (wire != 0 && wire != 2)) return false;
            long value = 0;
            shift = 0;
            while (true) {
                if (i >= n || shift > 63) return false;
                int b = head[i++] & 0xff;
                value |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) break;
                shift += 7;
            }
            if (wire == 2) {
                if (value < 0 || value > n - i) return false;
                i += (int) value;
            }
            fields++;
        }
        return true;
    }
}
