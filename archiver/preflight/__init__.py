"""`archiver check`: a preflight of the configured endpoints, one line per check (see commands/check.py)."""
