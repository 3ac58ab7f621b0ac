package dev.tether.profile;

import java.nio.charset.StandardCharsets;

/**
 * Shares the strings and frames of one read: a dump repeats the same function names, paths, wait reasons and frames
 * thousands of times, and a 100 MB Go dump would otherwise hold millions of copies.
 *
 * <p>Implementation notes. Two open-addressing tables with linear probing. Strings are looked up by the UTF-8 bytes
 * of the line, so a hit allocates nothing. An ASCII string (nearly all of them) is compared char by char with the
 * bytes; for the others the table keeps their bytes beside them. Frames are looked
 * up by their (already shared) strings' identity, line and inlining. Each table stops growing at {@link #MAX_ENTRIES}:
 * past that, lookups still find what is there, and misses just make new objects, so a dump of all-distinct strings
 * costs no more than without the pool.
 */
final class Pool {

    private static final int MAX_ENTRIES = 1 << 20;

    private String[] strings = new String[1024];
    private byte[][] stringBytes = new byte[1024][];
    private int[] stringHashes = new int[1024];
    private int stringCount;

    private Frame[] frames = new Frame[1024];
    private int frameCount;

    /** The string of the UTF-8 bytes {@code b[from, to)}, shared with earlier equal ones. */
    String string(byte[] b, int from, int to) {
        int h = 1;
        for (int i = from; i < to; i++) h = 31 * h + b[i];
        int mask = strings.length - 1;
        int len = to - from;
        for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
            String s = strings[i];
            if (s == null) break;
            if (stringHashes[i] == h && same(s, stringBytes[i], b, from, len)) return s;
        }
        String s = new String(b, from, len, StandardCharsets.UTF_8);
        if (stringCount < MAX_ENTRIES) {
            if (stringCount * 2 >= strings.length) growStrings();
            mask = strings.length - 1;
            int i = mix(h) & mask;
            while (strings[i] != null) i = (i + 1) & mask;
            strings[i] = s;
            if (!ascii(b, from, to)) { // compared by bytes
                byte[] copy = new byte[len];
                System.arraycopy(b, from, copy, 0, len);
                stringBytes[i] = copy;
            }
            stringHashes[i] = h;
            stringCount++;
        }
        return s;
    }

    /** A shared string equal to {@code s}. */
    String string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return string(b, 0, b.length);
    }

    private static boolean ascii(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] < 0) return false;
        }
        return true;
    }

    /** Whether {@code s} (with {@code bytes} if it is not ASCII, else null) is the UTF-8 of {@code b[from, from+len)}. */
    private static boolean same(String s, byte[] bytes, byte[] b, int from, int len) {
        if (bytes == null) {
            if (s.length() != len) return false;
            for (int i = 0; i < len; i++) {
                if (s.charAt(i) != b[from + i]) return false; // a byte >= 0x80 is negative: never equal
            }
            return true;
        }
        if (bytes.length != len) return false;
        for (int i = 0; i < len; i++) {
            if (bytes[i] != b[from + i]) return false;
        }
        return true;
    }

    private void growStrings() {
        String[] os = strings;
        byte[][] ob = stringBytes;
        int[] oh = stringHashes;
        int n = os.length * 2;
        strings = new String[n];
        stringBytes = new byte[n][];
        stringHashes = new int[n];
        int mask = n - 1;
        for (int j = 0; j < os.length; j++) {
            if (os[j] == null) continue;
            int i = mix(oh[j]) & mask;
            while (strings[i] != null) i = (i + 1) & mask;
            strings[i] = os[j];
            stringBytes[i] = ob[j];
            stringHashes[i] = oh[j];
        }
    }

    /** A frame equal to the given one, shared; {@code function} and {@code file} must come from this pool. */
    Frame frame(String function, String file, int line, boolean inlined) {
        int h = System.identityHashCode(function) * 31 + System.identityHashCode(file);
        h = h * 31 + line * 2 + (inlined ? 1 : 0);
        int mask = frames.length - 1;
        for (int i = mix(h) & mask; ; i = (i + 1) & mask) {
            Frame f = frames[i];
            if (f == null) break;
            if (f.function() == function && f.file() == file && f.line() == line && f.inlined() == inlined) return f;
        }
        Frame f = new Frame(function, file, line, inlined);
        if (frameCount < MAX_ENTRIES) {
            if (frameCount * 2 >= frames.length) growFrames();
            mask = frames.length - 1;
            int i = mix(h) & mask;
            while (frames[i] != null) i = (i + 1) & mask;
            frames[i] = f;
            frameCount++;
        }
        return f;
    }

    private void growFrames() {
        Frame[] old = frames;
        frames = new Frame[old.length * 2];
        int mask = frames.length - 1;
        for (Frame f : old) {
            if (f == null) continue;
            int h = System.identityHashCode(f.function()) * 31 + System.identityHashCode(f.file());
            h = h * 31 + f.line() * 2 + (f.inlined() ? 1 : 0);
            int i = mix(h) & mask;
            while (frames[i] != null) i = (i + 1) & mask;
            frames[i] = f;
        }
    }

    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
