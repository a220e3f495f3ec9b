"""Courses: the dated meetings of a course service, made from a rule."""
