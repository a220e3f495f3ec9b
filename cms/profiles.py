"""A new consultant's draft profile page, made when the practice invites them
(registered with `booking.core.profiles` in `CmsConfig.ready`): unpublished,
under the consultant index page, with placeholders an editor or the consultant
replaces before publishing."""

from django.utils.text import slugify

from booking.core.models import Consultant
from cms.models import ConsultantIndexPage, ConsultantPage


def draft_profile_page(
    consultant: Consultant, *, qualifications: str = "", specialisations: str = ""
) -> ConsultantPage | None:
    """The consultant's existing profile page if they have one, else a new draft;
    None without a consultant index page to put it under."""
    existing = ConsultantPage.objects.filter(consultant=consultant).first()
    if existing is not None:
        return existing
    index = ConsultantIndexPage.objects.first()
    if index is None:
        return None
    page = ConsultantPage(
        title=consultant.name,
        slug=_free_slug(index, slugify(consultant.name) or "consultant"),
        consultant=consultant,
        live=False,
        role="Counsellor",
        summary=f"{consultant.name}'s profile is being written.",
        bio="<p>To be written.</p>",
        qualifications=qualifications,
    )
    tags = [tag.strip()[:100] for tag in specialisations.split(",") if tag.strip()]
    page.specialisations.add(*tags[:10])  # a cluster: saved with the page
    index.add_child(instance=page)
    page.save_revision()
    return page


def _free_slug(index, base: str) -> str:
    slug, n = base[:200], 2
    while index.get_children().filter(slug=slug).exists():
        slug, n = f"{base[:190]}-{n}", n + 1
    return slug
