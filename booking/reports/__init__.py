"""Aggregates and charts for the Reports section."""
