"""A course's meetings. Each client's booking of a course is one parent booking
(the first meeting) with a child booking per later meeting; a meeting's bookings
are found by the course's service and the meeting's start."""

from django.db import models

from booking.core.models import Service


class CourseMeeting(models.Model):
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        related_name="meetings",
        limit_choices_to={"kind": Service.Kind.COURSE},
    )
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        ordering = ["service", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "start"], name="course_meeting_unique_start"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="course_meeting_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.service} — {self.start:%Y-%m-%d %H:%M}"
