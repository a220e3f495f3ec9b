"""Demo data for people trying Haven, after bakerydemo's `load_initial_data`: replace
Wagtail's welcome page and default site with Haven's home page, load the fixtures,
copy their media, then rebuild the search and reference indexes. Running it again
changes nothing."""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Page, Site

from booking.demo.bookings import load_demo_bookings
from cms.demo import load_demo_content
from cms.models import HomePage

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


class Command(BaseCommand):
    help = "Load Haven's demo site (idempotent)."

    def handle(self, *args, **options):
        if HomePage.objects.exists():
            self.stdout.write("Demo data already loaded; nothing to do.")
            return
        with transaction.atomic():
            self.remove_wagtail_welcome_page()
            call_command("loaddata", FIXTURES_DIR / "demo.json", verbosity=0)
            self.load_domain_demo_data()
        self.copy_media()
        call_command("update_index", verbosity=0)
        call_command("rebuild_references_index", verbosity=0)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    def remove_wagtail_welcome_page(self):
        Site.objects.all().delete()
        Page.objects.filter(depth__gt=1).delete()

    def load_domain_demo_data(self):
        """Records whose dates must be relative to today (bookings, availability)
        are built by code, through the booking services; so are the pages that
        point at them."""
        consultants = load_demo_bookings()
        load_demo_content(consultants)

    def copy_media(self):
        source = FIXTURES_DIR / "media"
        if source.is_dir():
            shutil.copytree(source, settings.MEDIA_ROOT, dirs_exist_ok=True)
