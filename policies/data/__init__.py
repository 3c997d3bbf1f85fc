"""Bundled vocabularies and city-profile data (see SOURCES.md)."""
