"""Bundled data tables of :mod:`connector.domain` (CSV files, each stating its source)."""
