"""Our upsd: listeners, client connections, TLS, the fast path and their shared state."""
