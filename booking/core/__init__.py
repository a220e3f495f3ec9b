"""The core: consultants, services, bookings and their tokens, the state machine's
states, errors and roles. It imports nothing else of `booking`."""
