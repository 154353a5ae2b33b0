"""Stations, connectors, their OCPP state machines and power models. Pure Python: no Qt, no I/O."""
