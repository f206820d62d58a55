"""Email: building messages (core) and delivering them (adapters)."""
