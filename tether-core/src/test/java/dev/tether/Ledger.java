package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Per-value accounting for stress tests of the delivery contract. Values are ints in {@code [0, size)}. A sender
 * marks each value it tried to send as {@linkplain #sent delivered} (the send returned normally) or
 * {@linkplain #failed not delivered} (it threw); receivers count what they {@linkplain #received receive}.
 * {@link #verify} then checks that every delivered value was received exactly once and every failed one never.
 */
final class Ledger {
    private final int size;
    private final AtomicIntegerArray sent;
    private final AtomicIntegerArray failed;
    private final AtomicIntegerArray received;

    Ledger(int size) {
        this.size = size;
        this.sent = new AtomicIntegerArray(size);
        this.failed = new AtomicIntegerArray(size);
        this.received = new AtomicIntegerArray(size);
    }

    void sent(int v) {
        sent.incrementAndGet(v);
    }

    void failed(int v) {
        failed.incrementAndGet(v);
    }

    void received(int v) {
        received.incrementAndGet(v);
    }

    /** Summary counts: {attempted, delivered, failed, received}. */
    record Totals(int attempted, int delivered, int failed, int received) {
    }

    /**
     * Checks the contract for every value and returns the totals.
     *
     * @param everyValueAttempted whether each value in range must have been attempted exactly once
     */
    Totals verify(boolean everyValueAttempted) {
        int attempted = 0, delivered = 0, lost = 0, got = 0;
        for (int v = 0; v < size; v++) {
            int s = sent.get(v), f = failed.get(v), r = received.get(v);
            if (s + f > 1) fail("value " + v + " was attempted " + (s + f) + " times (sent " + s + ", failed " + f + ")");
            if (everyValueAttempted && s + f == 0) fail("value " + v + " was never attempted");
            if (s == 1 && r != 1) fail("value " + v + " was delivered but received " + r + " times");
            if (f == 1 && r != 0) fail("value " + v + " failed to send but was received " + r + " times");
            if (s + f == 0 && r != 0) fail("value " + v + " was never sent but received " + r + " times");
            attempted += s + f;
            delivered += s;
            lost += f;
            got += r;
        }
        assertEquals(attempted, delivered + lost);
        assertEquals(delivered, got, "received == delivered");
        return new Totals(attempted, delivered, lost, got);
    }
}
