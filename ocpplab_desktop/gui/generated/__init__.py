"""Modules generated from ui/*.ui by `python -m ocpplab_desktop.gui.forms`. Do not edit."""
