"""Use cases: load, ask the domain, save in one transaction, publish events."""
