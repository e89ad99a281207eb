"""upsmon, pure: its state, the critical verdict, upssched rules, the shutdown pipe."""
