package dev.tether;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The wait queue every blocking operation registers in: a circular list held by its head. */
class WaitQueueTest {

    private static WaitNode node(int i) {
        return new WaitNode(new Waiter(null), i, null);
    }

    /** The indices of the queue headed by {@code head}, in FIFO order, walking forwards and checking the back links. */
    private static List<Integer> contents(WaitNode head) {
        List<Integer> out = new ArrayList<>();
        if (head == null) return out;
        WaitNode n = head;
        do {
            out.add(n.index);
            assertSame(n, n.next.prev, "back link of the node after " + n.index);
            n = n.next;
        } while (n != head);
        return out;
    }

    @Test
    void unlinkingTheHeadTheTailAndTheMiddleKeepsTheRestInOrder() {
        WaitNode[] ns = new WaitNode[5];
        WaitNode head = null;
        for (int i = 0; i < ns.length; i++) head = WaitNode.append(head, ns[i] = node(i));
        assertEquals(List.of(0, 1, 2, 3, 4), contents(head));

        head = WaitNode.unlink(head, ns[2]);
        assertEquals(List.of(0, 1, 3, 4), contents(head));
        head = WaitNode.unlink(head, ns[0]);
        assertEquals(List.of(1, 3, 4), contents(head));
        head = WaitNode.unlink(head, ns[4]);
        assertEquals(List.of(1, 3), contents(head));
        head = WaitNode.unlink(head, ns[2]); // no longer linked: nothing changes
        assertEquals(List.of(1, 3), contents(head));
        head = WaitNode.unlink(head, ns[1]);
        head = WaitNode.unlink(head, ns[3]);
        assertNull(head);
        for (WaitNode n : ns) {
            assertFalse(n.queued);
            assertNull(n.next);
            assertNull(n.prev);
        }
    }

    @Test
    void detachAllReturnsANullTerminatedChainInOrderThatLaterUnlinksLeaveAlone() {
        WaitNode[] ns = new WaitNode[4];
        WaitNode head = null;
        for (int i = 0; i < ns.length; i++) head = WaitNode.append(head, ns[i] = node(i));
        WaitNode chain = WaitNode.detachAll(head);
        // A select woken through another channel unlinks its node here after the detach: it must not touch the chain.
        assertNull(WaitNode.unlink(null, ns[2]));
        List<Integer> order = new ArrayList<>();
        for (WaitNode n = chain; n != null; n = n.next) {
            order.add(n.index);
            assertFalse(n.queued);
        }
        assertEquals(List.of(0, 1, 2, 3), order);
        assertNull(WaitNode.detachAll(null));
    }

    @Test
    void randomAppendsAndUnlinksMatchAListModel() {
        Random rnd = new Random(42);
        List<WaitNode> model = new ArrayList<>();
        WaitNode head = null;
        int next = 0;
        for (int step = 0; step < 20_000; step++) {
            if (model.isEmpty() || rnd.nextInt(3) > 0 && model.size() < 50) {
                WaitNode n = node(next++);
                head = WaitNode.append(head, n);
                model.add(n);
            } else {
                WaitNode n = model.remove(rnd.nextInt(model.size()));
                head = WaitNode.unlink(head, n);
            }
            if (step % 97 == 0) assertEquals(model.stream().map(n -> n.index).toList(), contents(head));
        }
        assertEquals(model.stream().map(n -> n.index).toList(), contents(head));
    }
}
