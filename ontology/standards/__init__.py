"""The standard ontologies bundled with Guichet (data only; origins in SOURCES.md)."""
