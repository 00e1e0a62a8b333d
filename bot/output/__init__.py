"""Renderers of an engine ``Result`` for people (text) and tools (JSON, SARIF)."""
