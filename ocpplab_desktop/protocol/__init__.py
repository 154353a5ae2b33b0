"""The wire: frames, the tap that records them, and the charge-point side of OCPP-J."""
