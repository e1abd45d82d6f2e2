"""Ingestion: fetching sources, telling inputs apart, and the pure parsers of feeds and dumps."""
