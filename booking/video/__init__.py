"""Video rooms (issue 24): which meeting link an online session gets (the
consultant's own URL, a Jitsi room, or a LiveKit room behind Haven's join page),
the LiveKit room's life (created at the first join, closed after the session)
and who may join it."""
