"""Sessions, frames, samples, events and the stations' persisted outbox in SQLite, through sqlite-utils."""
