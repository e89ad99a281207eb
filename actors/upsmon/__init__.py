"""Our upsmon: the coordinator, monitors, notifier, upssched timers and the shutdown helper."""
