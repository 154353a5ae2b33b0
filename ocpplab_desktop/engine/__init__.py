"""Runs stations against a CSMS: connections, timers, the simulated clock, fleets."""
