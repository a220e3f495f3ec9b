"""Clients' personal data: consent (`consent`), the access log (`audit`), data
requests (`lookup`, `erasure`) and the retention period (`retention`)."""
