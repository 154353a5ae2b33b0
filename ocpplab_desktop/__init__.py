"""OCPPLab Desktop."""
