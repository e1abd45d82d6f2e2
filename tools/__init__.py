"""Maintenance scripts: the dev tools pinned again, vulture's whitelist."""
