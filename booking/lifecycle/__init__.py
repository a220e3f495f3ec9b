"""Every change to a booking: the booking services (`services`, and `paying` for the
transitions money makes), the steps they share (`steps`), and what a client may do
with a booking now (`selectors`)."""
