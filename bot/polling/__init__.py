"""Posts in: sources polled, files loaded, full pages fetched, sources added."""
