"""Actors: where the protocol meets I/O. One module (or package) per actor kind."""
