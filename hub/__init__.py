"""Wiring: settings, the Starlette app, the `lcs-hub` command."""
