"""oncall-tui: a terminal UI for the engineer on call."""

__version__ = "0.1.0"
