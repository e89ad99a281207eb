"""NUT's command-line clients (upsc, upscmd, upsrw), output-compatible with NUT 2.8.0.

Each module (``nutrio.clients.upsc``, ``.upscmd``, ``.upsrw``) exposes
``main(argv: list[str]) -> int``; ``argv`` excludes the program name. The
submodules are not imported here, so ``python -m nutrio.clients.upsc``
runs cleanly.
"""

__all__ = ["upsc", "upscmd", "upsrw"]
