"""alloy-tui: a terminal client for the Alloy Connectivity API, with a local sandbox."""

__version__ = "0.1.0"
