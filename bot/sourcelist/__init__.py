"""The sources to poll as lists: SOURCES_FILE, OPML, and the one rule set for adding them."""
