package dev.tether.leakprof.http;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Query strings that an HTTP client would not send but a raw socket can. */
class QueryTest {
    private static final Set<String> ALLOWED = Set.of("debug", "gc");

    @Test
    void decodesLikeGo() throws HttpError {
        Query q = Query.parse("debug=1&&gc=%2B1", ALLOWED, "accepts", true);
        assertEquals("1", q.get("debug"));
        assertEquals("+1", q.get("gc"));
        assertNull(Query.parse(null, ALLOWED, "accepts", true).get("debug"));
        assertEquals("", Query.parse("debug", ALLOWED, "accepts", true).get("debug"));
    }

    @Test
    void malformedEscapesAre400s() {
        for (String raw : new String[] {"debug=%zz", "debug=%", "de%2=1"}) {
            HttpError e = assertThrows(HttpError.class, () -> Query.parse(raw, ALLOWED, "accepts", true), raw);
            assertEquals(400, e.status);
            assertTrue(e.pprof);
            assertEquals("malformed percent-encoding in the query string", e.getMessage());
        }
    }

    @Test
    void tooManyParametersAre400sBeforeAnyIsLookedAt() {
        StringBuilder raw = new StringBuilder();
        for (int i = 0; i < 10_000; i++) raw.append("debug=1&");
        HttpError e = assertThrows(HttpError.class, () -> Query.parse(raw.toString(), ALLOWED, "accepts", false));
        assertEquals(400, e.status);
        assertTrue(e.getMessage().startsWith("too many query parameters (at most 16)"), e.getMessage());
    }

    @Test
    void unusualNamesAreNotEchoed() {
        String name = "x".repeat(10_000);
        HttpError e = assertThrows(HttpError.class, () -> Query.parse(name + "=1", ALLOWED, "accepts", true));
        assertEquals("unknown parameter (a parameter with a long or unusual name); accepts", e.getMessage());
    }
}
