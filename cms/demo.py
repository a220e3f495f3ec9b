"""Demo site content: consultant profiles, articles, about and privacy pages, and the
practice settings. Portraits and article images are drawn with Pillow
(`cms.illustrations`), so the repository carries no binary media; the texts are in
`cms.demo_texts`."""

import json
from datetime import timedelta

from django.core.files.images import ImageFile
from django.utils import timezone
from wagtail.images.models import Image
from wagtail.models import Site

from cms import illustrations
from cms.demo_texts import ARTICLES, PAGES, STREAM_POSTS
from cms.models import (
    ArticleIndexPage,
    ArticlePage,
    ConsultantIndexPage,
    ConsultantPage,
    HomePage,
    PracticeSettings,
    StandardPage,
    StreamIndexPage,
    StreamPost,
)

PALETTE = ["#2f6b5f", "#6b4f8a", "#b5643c", "#3d6690", "#8a6b2f", "#5f7a3a"]

# How each demo consultant is drawn (cms.illustrations.portrait), in PROFILES' order.
LOOKS = [
    {"skin": "#f1c9a5", "hair": "#d9b36c", "hair_style": "long", "top": "#e4efec"},
    {
        "skin": "#7a4a2e",
        "hair": "#1d1411",
        "hair_style": "short",
        "top": "#f2b33d",
        "beard": "#1d1411",
    },
    {"skin": "#c68a5e", "hair": "#2a1a14", "hair_style": "bun", "top": "#1f4f6b"},
    {
        "skin": "#e8b995",
        "hair": "#6b4a2e",
        "hair_style": "curly",
        "top": "#8fb8a8",
        "glasses": "#2b2522",
    },
]

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
        _consultant_page(team, consultant, profile, {"background": colour, **look})
        for consultant, profile, colour, look in zip(
            consultants, PROFILES, PALETTE, LOOKS, strict=False
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
    articles = [
        _article(journal, number, *article, profiles[number % len(profiles)])
        for number, article in enumerate(ARTICLES)
    ]
    _stream(home, profiles, articles)
    _standard_page(home, "About us", "about", show_in_menus=True)
    privacy = _standard_page(home, "Privacy policy", "privacy")
    _standard_page(home, "Terms", "terms")
    _practice_settings(privacy)


def _consultant_page(parent, consultant, profile, look) -> ConsultantPage:
    page = ConsultantPage(
        title=consultant.name,
        slug=consultant.name.lower().replace(".", "").replace(" ", "-"),
        consultant=consultant,
        photo=_image(consultant.name, illustrations.portrait(look)),
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


def _article(parent, number, title, intro, tags, theme, sections, author):
    colour = PALETTE[number % len(PALETTE)]
    page = ArticlePage(
        title=title,
        slug=title.lower().replace(":", "").replace("'", "").replace(" ", "-")[:60],
        date=timezone.localdate() - timedelta(days=9 * number + 2),
        intro=intro,
        search_description=intro,
        hero_image=_image(title, illustrations.scene(theme, colour)),
        body=_body(sections),
        author=author,
    )
    parent.add_child(instance=page)
    page.tags.add(*tags)
    page.save_revision().publish()
    return page


def _stream(home, profiles, articles) -> None:
    """The stream page and a few posts by the demo consultants, oldest first so
    that the list shows them newest first."""
    stream = home.add_child(
        instance=StreamIndexPage(
            title="Stream",
            slug="stream",
            show_in_menus=True,
            intro="Short notes from our team. Sign in to like, save and comment.",
        )
    )
    for number, (title, text, author, article, picture) in enumerate(STREAM_POSTS):
        colour = PALETTE[(number + 2) % len(PALETTE)]
        post = StreamPost(
            title=title,
            slug=title.lower().replace("'", "").replace(" ", "-")[:60],
            author=profiles[author % len(profiles)],
            text=text,
            article=articles[article] if article is not None else None,
            image=_image(title, illustrations.scene("breath", colour))
            if picture
            else None,
        )
        stream.add_child(instance=post)
        post.save_revision().publish()


def _standard_page(parent, title, slug, show_in_menus=False) -> StandardPage:
    intro, sections = PAGES[slug]
    page = StandardPage(
        title=title,
        slug=slug,
        show_in_menus=show_in_menus,
        intro=intro,
        search_description=intro,
        body=_body(sections),
    )
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _body(sections) -> str:
    """A StreamField body: each (heading, text) as a heading and a paragraph."""
    blocks = []
    for heading, text in sections:
        blocks.append({"type": "heading", "value": heading})
        blocks.append({"type": "paragraph", "value": f"<p>{text}</p>"})
    return json.dumps(blocks)


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


def _image(title: str, picture) -> Image:
    name = f"{title[:40].lower().replace(' ', '-').replace(':', '')}.png"
    return Image.objects.create(
        title=title,
        file=ImageFile(illustrations.to_png(picture), name=name),
        description="",
    )
