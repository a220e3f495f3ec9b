"""Intake questions: what a service asks a client on the booking's details step."""
