"""Pure business rules: no framework, no database, no I/O, no clock of its own."""
