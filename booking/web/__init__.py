"""The public booking journey: pages, forms, payment pages, the calendar feed."""
