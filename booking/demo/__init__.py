"""Demo bookings and hours, loaded by `bin/run` through `load_initial_data`."""
