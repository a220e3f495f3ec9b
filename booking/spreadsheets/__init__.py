"""Spreadsheets: the columns (`resources`, `widgets`), booking exports (`exports`),
imports with a preview (`imports`) and historical bookings (`history`)."""
