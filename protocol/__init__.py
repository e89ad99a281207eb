"""Pure NUT protocol code: parsing and formatting, no I/O, no Trio."""
