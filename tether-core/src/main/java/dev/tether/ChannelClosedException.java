package dev.tether;

/**
 * An operation met a closed {@link Channel}: a send (whose value was therefore <em>not</em> delivered), or a
 * receive from a channel that is closed and has no buffered values left.
 */
public final class ChannelClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final transient Channel<?> channel;

    ChannelClosedException(Channel<?> channel, String message) {
        super(message);
        this.channel = channel;
    }

    /** The closed channel (null after deserialization). */
    public Channel<?> channel() {
        return channel;
    }
}
