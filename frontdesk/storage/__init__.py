"""SQLite through sqlite-utils: the only layer that speaks SQL."""
