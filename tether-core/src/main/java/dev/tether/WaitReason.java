package dev.tether;

/** Why a task waits inside a Tether operation, in Go's words where Go has them. */
enum WaitReason {
    CHAN_SEND("chan send"),
    CHAN_RECEIVE("chan receive"),
    SELECT("select"),
    TASK_JOIN("task join"),
    SCOPE_CLOSE("scope close"),
    CHILDREN("wait children"),
    GROUP_SLOT("group slot"),
    GROUP_WAIT("group wait"),
    WAIT_GROUP("sync.WaitGroup.Wait"),
    POOL_SUBMIT("pool submit"),
    POOL_IDLE("pool idle");

    final String label;

    WaitReason(String label) {
        this.label = label;
    }
}
