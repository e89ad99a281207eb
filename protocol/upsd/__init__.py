"""upsd, pure: the session, its command table, replies, users and rights."""
