from django.db import models


class VideoRoom(models.Model):
    """A LiveKit room for one session (the seats of a group session share it).
    Holds no one's name or words: the room's name, when the session ends, and
    when Haven created and closed the room at LiveKit. Nothing is recorded."""

    slot_key = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=80, unique=True)
    ends_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
