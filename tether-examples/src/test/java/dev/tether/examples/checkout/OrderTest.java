package dev.tether.examples.checkout;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrderTest {
    @Test
    void parsesTheFormItWrites() {
        Order o = new Order("o-1.a_B", "u-7", 129_900);
        assertEquals(o, Order.parseForm(o.toForm()));
    }

    @Test
    void decodesEscapesInAnyFieldOrder() {
        assertEquals(new Order("o-1", "u-2", 5), Order.parseForm("total=5&user=u%2D2&id=o-1"));
    }

    @Test
    void rejectsMissingRepeatedAndUnknownFieldsByName() {
        assertTrue(fails("id=o-1&user=u-1").contains("missing field 'total'"));
        assertTrue(fails("id=o-1&id=o-2&user=u-1&total=1").contains("'id' appears more than once"));
        assertTrue(fails("id=o-1&user=u-1&total=1&coupon=x").contains("unknown field 'coupon'"));
        assertTrue(fails("").contains("missing field 'id'"));
    }

    @Test
    void rejectsBadValues() {
        assertTrue(fails("id=o-1&user=u-1&total=-1").contains("whole number of cents"));
        assertTrue(fails("id=o-1&user=u-1&total=1.50").contains("whole number of cents"));
        assertTrue(fails("id=o%201&user=u-1&total=1").contains("id must be"));
        assertTrue(fails("id=o-1&user=u-1&total=9999999999999").contains("total must be"));
        assertTrue(fails("id=o-1&user=%zz&total=1").contains("malformed form encoding"));
        assertTrue(fails("id=o-1&user&total=1").contains("expected name=value"));
    }

    private static String fails(String form) {
        return assertThrows(IllegalArgumentException.class, () -> Order.parseForm(form)).getMessage();
    }
}
