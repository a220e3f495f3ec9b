"""The periodic jobs (DESIGN §6), created by `migrate`. Running it again, or on a
database that has them already, changes nothing; schedules edited in the admin
keep their edits."""

from django.db import migrations

# name: (task, every so many minutes)
SCHEDULES = {
    "Booking reminders": ("booking.tasks.send_reminders", 5),
    "Retry unsent emails": ("booking.tasks.retry_emails", 1),
    "Expire unverified and unpaid bookings": ("booking.tasks.expire_stale_bookings", 15),
    "Ask for ended sessions to be completed": (
        "booking.tasks.notify_sessions_to_complete",
        60,
    ),
}


def create_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, (func, minutes) in SCHEDULES.items():
        if not Schedule.objects.filter(name=name).exists():
            Schedule.objects.create(
                name=name,
                func=func,
                schedule_type="I",  # Schedule.MINUTES
                minutes=minutes,
                repeats=-1,
            )


def remove_schedules(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0003_outbox"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
