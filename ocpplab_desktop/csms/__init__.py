"""The embedded mock CSMS."""
