"""ivtscd: the IVT solar charge controller on a serial line."""
