"""Persistence: Piccolo tables, migrations, the database engines."""
