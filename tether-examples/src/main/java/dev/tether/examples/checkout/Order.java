package dev.tether.examples.checkout;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The body of a {@code POST /checkout}: an order to validate. On the wire it is form-encoded
 * ({@code application/x-www-form-urlencoded}), e.g. {@code id=o-17&user=u-3&total=129900}.
 *
 * @param id         the order's id: 1 to 64 characters from {@code [A-Za-z0-9._-]}
 * @param userId     the buying user's id, same alphabet (field {@code user} on the wire)
 * @param totalCents the order total in cents, 0 to {@value #MAX_TOTAL_CENTS} (field {@code total})
 */
public record Order(String id, String userId, long totalCents) {
    /** The largest total accepted: ten billion in the currency's units. */
    public static final long MAX_TOTAL_CENTS = 1_000_000_000_000L;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException if a field is out of range, with a message naming it
     * @throws NullPointerException     if an id is null
     */
    public Order {
        requireId("id", Objects.requireNonNull(id, "id"));
        requireId("user", Objects.requireNonNull(userId, "userId"));
        if (totalCents < 0 || totalCents > MAX_TOTAL_CENTS) {
            throw new IllegalArgumentException("total must be 0 to " + MAX_TOTAL_CENTS + " cents, was " + totalCents);
        }
    }

    private static void requireId(String field, String value) {
        if (!ID.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must be 1 to 64 characters of [A-Za-z0-9._-], was '"
                    + value + "'");
        }
    }

    /**
     * Parses a form-encoded order. Exactly the fields {@code id}, {@code user} and {@code total} must appear, each
     * once; percent-escapes and {@code +} are decoded as UTF-8.
     *
     * @throws IllegalArgumentException if the form is malformed, a field is missing, repeated or unknown, or a value
     *                                  is invalid; the message says which, fit to return to the client
     */
    public static Order parseForm(String form) {
        Objects.requireNonNull(form, "form");
        Map<String, String> fields = new HashMap<>();
        if (!form.isEmpty()) {
            for (String pair : form.split("&", -1)) {
                int eq = pair.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("malformed form field '" + pair + "': expected name=value");
                }
                String name = decode(pair.substring(0, eq));
                String value = decode(pair.substring(eq + 1));
                if (!name.equals("id") && !name.equals("user") && !name.equals("total")) {
                    throw new IllegalArgumentException("unknown field '" + name + "': expected id, user and total");
                }
                if (fields.putIfAbsent(name, value) != null) {
                    throw new IllegalArgumentException("field '" + name + "' appears more than once");
                }
            }
        }
        for (String required : new String[] {"id", "user", "total"}) {
            if (!fields.containsKey(required)) throw new IllegalArgumentException("missing field '" + required + "'");
        }
        String total = fields.get("total");
        if (!total.matches("[0-9]{1,13}")) {
            throw new IllegalArgumentException("total must be a whole number of cents, was '" + total + "'");
        }
        return new Order(fields.get("id"), fields.get("user"), Long.parseLong(total));
    }

    /** This order form-encoded, as {@link #parseForm} reads it. */
    public String toForm() {
        return "id=" + encode(id) + "&user=" + encode(userId) + "&total=" + totalCents;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) { // a bad %-escape
            throw new IllegalArgumentException("malformed form encoding in '" + s + "'", e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
