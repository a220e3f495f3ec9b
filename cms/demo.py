"""Demo site content: consultant profiles, articles, about and privacy pages, and the
practice settings. Portraits and article images are drawn here with Pillow, so the
repository carries no binary media."""

import io
import json
from datetime import timedelta

from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images.models import Image
from wagtail.models import Site

from cms.models import (
    ArticleIndexPage,
    ArticlePage,
    ConsultantIndexPage,
    ConsultantPage,
    HomePage,
    PracticeSettings,
    StandardPage,
)

PALETTE = ["#2f6b5f", "#6b4f8a", "#b5643c", "#3d6690", "#8a6b2f", "#5f7a3a"]

PROFILES = [
    {
        "role": "Counselling psychologist, HCPC registered",
        "summary": "Anxiety, burnout and life transitions, with a warm, practical "
        "approach.",
        "languages": "English, Swedish, German",
        "specialisations": ["Anxiety", "Burnout", "Life transitions"],
        "qualifications": "DPsych Counselling Psychology\nHCPC registered",
        "bio": "Maya has worked with adults for fifteen years, in the NHS and in "
        "private practice. Sessions with her are calm and structured: together you "
        "find out what keeps a difficulty going and try small, concrete changes.",
    },
    {
        "role": "Integrative counsellor, MBACP",
        "summary": "Grief, loss and family relationships; a gentle, unhurried space.",
        "languages": "English, Yoruba",
        "specialisations": ["Grief", "Relationships", "Family"],
        "qualifications": "MSc Integrative Counselling\nMember of BACP",
        "bio": "Samuel draws on person-centred and psychodynamic work. Many of his "
        "clients come to him after a loss, or at a point where family patterns feel "
        "hard to change.",
    },
    {
        "role": "Couples and family therapist",
        "summary": "Couples therapy and communication, online or in the practice.",
        "languages": "Spanish, English, Catalan",
        "specialisations": ["Relationships", "Couples", "Communication"],
        "qualifications": "MA Systemic Family Therapy",
        "bio": "Inés helps couples and families talk about difficult things without "
        "the conversation turning into a fight. She works in Spanish and English.",
    },
    {
        "role": "Mindfulness teacher and wellness coach",
        "summary": "Mindfulness, sleep and stress: skills you can use the same day.",
        "languages": "English",
        "specialisations": ["Mindfulness", "Sleep", "Stress"],
        "qualifications": "MBSR teacher (UMass certified)\nMA Health Psychology",
        "bio": "Jonah leads the weekly mindfulness circle and works one-to-one with "
        "people whose stress shows up in sleep and in the body.",
    },
]

ARTICLES = [
    (
        "Five small habits for calmer mornings",
        "How the first half hour of the day shapes the rest of it.",
        ["Stress", "Sleep"],
    ),
    (
        "What to expect from your first counselling session",
        "Nervous about starting? Here is what the first hour usually looks like.",
        ["Counselling"],
    ),
    (
        "Grief does not follow a timetable",
        "Why the 'stages of grief' are a map, not a schedule.",
        ["Grief"],
    ),
    (
        "Talking about money as a couple",
        "A simple structure for one of the hardest conversations.",
        ["Relationships", "Communication"],
    ),
    (
        "A three-minute breathing space",
        "A short mindfulness practice you can do at your desk.",
        ["Mindfulness", "Stress"],
    ),
    (
        "Sleep and anxiety: breaking the loop",
        "When worry keeps you awake and tiredness feeds the worry.",
        ["Sleep", "Anxiety"],
    ),
]

PARAGRAPHS = [
    "Small, repeatable changes tend to last longer than big resolutions. Pick one "
    "thing, try it for a week, and notice what happens rather than judging it.",
    "It can help to write down what you notice: when the difficulty shows up, what "
    "you were doing, and what you did next. Patterns become visible on paper.",
    "If something here feels hard to do on your own, that is a good reason to talk "
    "it through with someone. That is what our consultants are here for.",
]


def load_demo_content(consultants) -> None:
    home = HomePage.objects.get()
    team = home.add_child(
        instance=ConsultantIndexPage(
            title="Our consultants",
            slug="consultants",
            show_in_menus=True,
            intro="<p>Experienced, accredited practitioners. Filter by what matters "
            "to you, then book a time that suits you.</p>",
        )
    )
    profiles = [
        _consultant_page(team, consultant, profile, colour)
        for consultant, profile, colour in zip(
            consultants, PROFILES, PALETTE, strict=False
        )
    ]
    journal = home.add_child(
        instance=ArticleIndexPage(
            title="Articles",
            slug="articles",
            show_in_menus=True,
            intro="<p>Short, practical reading on wellbeing from our team.</p>",
        )
    )
    for number, (title, intro, tags) in enumerate(ARTICLES):
        _article(journal, number, title, intro, tags, profiles[number % len(profiles)])
    _standard_page(home, "About us", "about", show_in_menus=True)
    privacy = _standard_page(home, "Privacy policy", "privacy")
    _standard_page(home, "Terms", "terms")
    _practice_settings(privacy)


def _consultant_page(parent, consultant, profile, colour) -> ConsultantPage:
    page = ConsultantPage(
        title=consultant.name,
        slug=consultant.name.lower().replace(".", "").replace(" ", "-"),
        consultant=consultant,
        photo=_drawn_image(consultant.name, colour, square=True),
        role=profile["role"],
        summary=profile["summary"],
        bio=f"<p>{profile['bio']}</p>",
        qualifications=profile["qualifications"],
        languages=profile["languages"],
        search_description=profile["summary"],
    )
    parent.add_child(instance=page)
    page.specialisations.add(*profile["specialisations"])
    page.save_revision().publish()
    return page


def _article(parent, number, title, intro, tags, author) -> ArticlePage:
    body = [{"type": "paragraph", "value": f"<p>{text}</p>"} for text in PARAGRAPHS]
    body.insert(1, {"type": "heading", "value": "Start small"})
    page = ArticlePage(
        title=title,
        slug=title.lower().replace(":", "").replace("'", "").replace(" ", "-")[:60],
        date=timezone.localdate() - timedelta(days=9 * number + 2),
        intro=intro,
        search_description=intro,
        hero_image=_drawn_image(title, PALETTE[number % len(PALETTE)], square=False),
        body=json.dumps(body),
        author=author,
    )
    parent.add_child(instance=page)
    page.tags.add(*tags)
    page.save_revision().publish()
    return page


def _standard_page(parent, title, slug, show_in_menus=False) -> StandardPage:
    texts = {
        "about": "Haven is a small practice of counsellors and wellness "
        "consultants. We keep sessions confidential, unhurried and practical.",
        "privacy": "We keep only what we need to arrange and run your sessions: your "
        "name, contact details, booking notes and payment records. You can ask us "
        "for a copy of everything we hold, or for its erasure, at any time.",
        "terms": "Bookings are confirmed once paid. You can cancel or move a booking "
        "through the link in your emails; refunds follow the cancellation policy.",
    }
    page = StandardPage(
        title=title,
        slug=slug,
        show_in_menus=show_in_menus,
        intro=texts[slug],
        body=json.dumps([{"type": "paragraph", "value": f"<p>{texts[slug]}</p>"}]),
    )
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _practice_settings(privacy_page) -> None:
    practice = PracticeSettings.for_site(Site.objects.get(is_default_site=True))
    practice.practice_name = "Haven"
    practice.tagline = "Confidential, unhurried support."
    practice.contact_email = "hello@haven.localhost"
    practice.phone = "+44 20 7946 0000"
    practice.full_refund_until_hours = 24
    practice.late_refund_percent = 0
    practice.cancellation_policy = (
        "<p>If something comes up at the last minute, call us: we would rather "
        "find you another time.</p>"
    )
    practice.payment_instructions = (
        "<p>Please pay by bank transfer to Haven Practice Ltd, IBAN GB00 HAVN 0000 "
        "0000 0000 00, quoting your booking reference.</p>"
    )
    practice.privacy_policy_page = privacy_page
    practice.save()


def _drawn_image(title: str, colour: str, *, square: bool) -> Image:
    """A calm placeholder: a coloured field with the initials or first letters."""
    size = (400, 400) if square else (960, 540)
    picture = PILImage.new("RGB", size, colour)
    draw = ImageDraw.Draw(picture)
    draw.ellipse(
        (size[0] * 0.6, -size[1] * 0.3, size[0] * 1.3, size[1] * 0.5),
        fill=_lighter(colour),
    )
    initials = "".join(word[0] for word in title.replace("Dr. ", "").split()[:2])
    font = ImageFont.load_default(size=size[1] // 4)
    draw.text(
        (size[0] / 2, size[1] / 2), initials, fill="white", font=font, anchor="mm"
    )
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    name = f"{title[:40].lower().replace(' ', '-')}.png"
    return Image.objects.create(
        title=title, file=ImageFile(buffer, name=name), description=""
    )


def _lighter(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(
        *(min(255, c + (255 - c) // 3) for c in (red, green, blue))
    )
