"""Shared by every NUT program: the tokenizer, C number parsing, wire errors, snapshots."""
