"""Emails about bookings: the outbox that writes and sends them once (`outbox`),
what each says (`emails`), and the reminder sweeps (`reminders`)."""
