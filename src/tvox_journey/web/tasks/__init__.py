"""The background work of a server process: the log follower and the pruning of refused requests."""
