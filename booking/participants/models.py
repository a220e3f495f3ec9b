"""The people a client brings to a booking, by name (a couple, a friend at a
workshop). Each holds a seat of a group session, workshop or course meeting
(`Booking.seats`); a series' or course's every meeting has its own rows, so that
attendance is marked per meeting."""

from django.db import models

from booking.core.models import Booking
from booking.core.states import Attendance


class BookingParticipant(models.Model):
    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="participants"
    )
    name = models.CharField(max_length=120)
    attendance = models.CharField(max_length=7, choices=Attendance.choices, blank=True)

    class Meta:
        ordering = ["booking", "pk"]

    def __str__(self):
        return self.name
