"""Waitlists: clients waiting for a full workshop, course or taken one-to-one
slot, and the offers made to them when a seat frees (`booking.lifecycle.waitlist`)."""
