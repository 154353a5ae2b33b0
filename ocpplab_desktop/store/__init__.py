"""Sessions, frames, samples and events in SQLite, through sqlite-utils."""
