"""Trace import, export and replay."""
