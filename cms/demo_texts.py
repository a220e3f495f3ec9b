"""What the demo practice publishes: its articles (each body written for its title)
and its About, Privacy and Terms pages (each its own text)."""

# title, intro, tags, scene (cms.illustrations.scene), body as (heading, paragraphs)
ARTICLES = [
    (
        "Five small habits for calmer mornings",
        "How the first half hour of the day shapes the rest of it.",
        ["Stress", "Sleep"],
        "morning",
        [
            (
                "Why mornings matter",
                "The first half hour after waking sets the pace for the day. If it "
                "starts with a phone full of messages, the day often feels like a "
                "race you joined late.",
            ),
            (
                "Five habits to try",
                "Leave your phone in another room until you have had a glass of "
                "water. Open a window or step outside for two minutes of daylight. "
                "Eat something, even small. Write down the one thing that matters "
                "most today. And give yourself five unhurried minutes before you "
                "leave the house or open your laptop.",
            ),
            (
                "Start with one",
                "Pick one of the five and keep it for a week. A calmer morning is "
                "built from habits small enough to survive a bad night's sleep.",
            ),
        ],
    ),
    (
        "What to expect from your first counselling session",
        "Nervous about starting? Here is what the first hour usually looks like.",
        ["Counselling"],
        "chairs",
        [
            (
                "Before you arrive",
                "You do not need to prepare anything. Some people jot down a few "
                "notes about what brings them; others prefer to just come. Both are "
                "fine. Online sessions only need a quiet room and a working camera.",
            ),
            (
                "The first hour",
                "Your counsellor will explain confidentiality and its limits, then "
                "ask what brings you now and what you would like to be different. "
                "You decide how much to say. It is normal to feel awkward, or to "
                "find that more comes up than you expected.",
            ),
            (
                "Afterwards",
                "At the end you will talk about whether to meet again and how often. "
                "If the fit does not feel right, say so: a good counsellor will help "
                "you find someone better suited, without any hard feelings.",
            ),
        ],
    ),
    (
        "Grief does not follow a timetable",
        "Why the 'stages of grief' are a map, not a schedule.",
        ["Grief"],
        "leaves",
        [
            (
                "Stages are not steps",
                "Denial, anger, bargaining, sadness and acceptance were described "
                "to give names to feelings, not to set an order. Many people move "
                "back and forth between them, or skip some entirely.",
            ),
            (
                "Waves, not a straight line",
                "Grief often comes in waves: a song, a date or a smell can bring it "
                "back years later. That is not a sign that something is wrong; it "
                "is a sign of how much the person mattered.",
            ),
            (
                "When to ask for support",
                "If grief stops you from sleeping, eating or working for a long "
                "time, or you feel you cannot talk to anyone about it, a "
                "bereavement counsellor can help you carry it.",
            ),
        ],
    ),
    (
        "Talking about money as a couple",
        "A simple structure for one of the hardest conversations.",
        ["Relationships", "Communication"],
        "pair",
        [
            (
                "Why money talks go wrong",
                "Money carries history: what each of you learned at home about "
                "saving, spending and security. Arguments about a bill are often "
                "arguments about those older stories.",
            ),
            (
                "A structure that helps",
                "Set a time, not in the middle of a disagreement. Each of you says "
                "what money means to you and what worries you, without the other "
                "interrupting. Then agree one small, concrete change, such as a "
                "shared monthly budget check.",
            ),
            (
                "Keep it regular",
                "A short money conversation every month is easier than a big one "
                "every year. If the same fight keeps coming back, a couples "
                "session can help you hear each other.",
            ),
        ],
    ),
    (
        "A three-minute breathing space",
        "A short mindfulness practice you can do at your desk.",
        ["Mindfulness", "Stress"],
        "breath",
        [
            (
                "Minute one: notice",
                "Sit upright and close your eyes if you like. Ask yourself: what "
                "is here right now? Notice thoughts, feelings and sensations in "
                "the body, without trying to change them.",
            ),
            (
                "Minute two: breathe",
                "Bring your attention to the breath, at the belly or the nostrils. "
                "Follow each in-breath and out-breath. When the mind wanders, "
                "gently come back.",
            ),
            (
                "Minute three: widen",
                "Let your attention spread to the whole body, sitting here, "
                "breathing. Then open your eyes and return to your day. Three "
                "minutes, a few times a day, is enough to feel a difference.",
            ),
        ],
    ),
    (
        "Sleep and anxiety: breaking the loop",
        "When worry keeps you awake and tiredness feeds the worry.",
        ["Sleep", "Anxiety"],
        "night",
        [
            (
                "The loop",
                "Anxiety makes it harder to fall asleep; a short night makes the "
                "next day's worries louder. After a few weeks, bed itself can "
                "start to feel like a place for worrying.",
            ),
            (
                "Give worry its own time",
                "Set aside fifteen minutes in the early evening to write down what "
                "is on your mind and one next step for each. When a worry arrives "
                "at night, remind yourself it has a slot tomorrow.",
            ),
            (
                "Get up rather than lie awake",
                "If you have been awake for about twenty minutes, get up, do "
                "something quiet in dim light, and go back when you feel sleepy. "
                "Keep the same wake-up time every day, even after a bad night.",
            ),
        ],
    ),
]

PAGES = {
    "about": (
        "A small practice of counsellors and wellness consultants in London and "
        "online.",
        [
            (
                "Who we are",
                "Haven was founded in 2016 by counsellors who wanted a practice that "
                "felt less like a clinic and more like a calm room. Today we are "
                "four practitioners, each accredited by their professional body, "
                "working in English, German, Spanish, Swedish, Catalan and Yoruba.",
            ),
            (
                "How we work",
                "Sessions are confidential, unhurried and practical. We start "
                "with what brings you now, agree together what you would like to "
                "change, and review regularly whether our work is helping.",
            ),
            (
                "Where we work",
                "Our rooms are a short walk from Angel station, step-free, with a "
                "quiet waiting area. Most of our consultants also meet online, so "
                "you can see us from wherever you are.",
            ),
        ],
    ),
    "privacy": (
        "What we keep about you, why, for how long, and what you can ask of us.",
        [
            (
                "What we collect",
                "To arrange your sessions we keep your name, email address, the "
                "time zone you book in, your bookings and any answers you give to "
                "a session's questions. Payments are handled by our payment "
                "provider; we keep only the amount and the date.",
            ),
            (
                "Why and for how long",
                "We use these details only to arrange, hold and follow up your "
                "sessions, and to meet our legal and professional duties. Booking "
                "records are kept for seven years after your last session, then "
                "erased.",
            ),
            (
                "Your rights",
                "You can ask for a copy of everything we hold about you, ask us to "
                "correct it, or ask us to erase it, at any time, by writing to "
                "hello@haven.localhost. We answer within one month.",
            ),
        ],
    ),
    "terms": (
        "How booking, paying, cancelling and moving a session work.",
        [
            (
                "Booking",
                "A booking is requested online and confirmed by email. Some "
                "sessions are approved by the practice first; you will hear from "
                "us within one working day.",
            ),
            (
                "Cancelling and moving",
                "You can cancel or move a booking through the link in your emails. "
                "Refunds follow the cancellation policy shown before you confirm.",
            ),
        ],
    ),
}

# The stream's demo posts: (title, text, index of the consultant in PROFILES,
# index of an article in ARTICLES it points to or None, whether it has a picture).
STREAM_POSTS = [
    (
        "Three breaths before the inbox",
        "Before you open your email tomorrow, breathe out slowly three times. It "
        "takes twenty seconds and the day starts on your terms, not the inbox's.",
        3,
        None,
        True,
    ),
    (
        "Grief has no timetable",
        "People often ask me when they should feel better. There is no date. What "
        "helps is having somewhere to put it; this week's article has a few ideas.",
        1,
        2,
        False,
    ),
    (
        "Arguments that go in circles",
        "If the same argument keeps coming back, try naming what it is really "
        "about before you start. Most couples find it is smaller than it felt.",
        2,
        None,
        False,
    ),
]
