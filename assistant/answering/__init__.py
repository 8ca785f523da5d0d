"""Answering: decline or compose/generate, then check every citation."""
