"""The practice's team: inviting a consultant to the admin and applications to
join (issue 18)."""
