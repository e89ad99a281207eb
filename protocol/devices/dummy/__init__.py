"""dummy-ups: its `.dev`/`.seq` files and its table of known variables."""
