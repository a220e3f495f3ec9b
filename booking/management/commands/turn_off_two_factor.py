"""`manage.py turn_off_two_factor <username>`: for someone who lost both their
phone and their recovery codes (a superuser can also delete the device under
/django-admin/otp_totp/). Their next sign-in asks for a new set-up if their role
must use two factors."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from booking.signin import devices


class Command(BaseCommand):
    help = "Removes a user's authenticator app and recovery codes."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(f"No user is called {username!r}.") from exc
        devices.turn_off(user)
        self.stdout.write(f"Two-factor sign-in is off for {username}.")
