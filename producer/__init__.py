"""The producer side: the scheduler process and the client API that enqueues runs."""
