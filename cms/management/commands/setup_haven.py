"""Everything `bin/run` needs before serving: migrations, demo data and a working
admin login. Safe to run any number of times."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

CREDENTIALS_FILE = Path(settings.BASE_DIR) / ".local" / "admin-credentials"
ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = "Migrate, load the demo data and make sure a demo admin login exists."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-demo", action="store_true", help="Skip the demo data and admin."
        )

    def handle(self, *args, no_demo=False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if no_demo:
            return
        if not settings.DEBUG:
            raise CommandError(
                "The demo data and its admin login are for DEBUG=1 only; in "
                "production run `manage.py migrate` and `manage.py createsuperuser`."
            )
        call_command("load_initial_data", stdout=self.stdout)
        password = self.ensure_demo_admin()
        self.stdout.write(f"Admin login: {ADMIN_USERNAME} / {password}")

    def ensure_demo_admin(self) -> str:
        """The demo admin's password lives in a git-ignored file so that it is the
        same on every start and still differs between machines."""
        CREDENTIALS_FILE.parent.mkdir(exist_ok=True)
        if CREDENTIALS_FILE.exists():
            password = CREDENTIALS_FILE.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            CREDENTIALS_FILE.write_text(password + "\n")
            CREDENTIALS_FILE.chmod(0o600)
        user, _ = get_user_model().objects.get_or_create(
            username=ADMIN_USERNAME,
            defaults={"email": "admin@haven.localhost", "first_name": "Haven"},
        )
        if not (user.is_superuser and user.check_password(password)):
            user.is_staff = user.is_superuser = user.is_active = True
            user.set_password(password)
            user.save()
        return password
