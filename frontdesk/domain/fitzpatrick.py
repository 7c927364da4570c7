"""Fitzpatrick skin type from the standard questionnaire, instead of a guess from appearance.

Ten questions, each answer scored 0-4; the total gives the type
(0-6 I, 7-13 II, 14-20 III, 21-27 IV, 28-34 V, 35-40 VI).
"""

from __future__ import annotations

QUESTIONS: tuple[tuple[str, tuple[str, str, str, str, str]], ...] = (
    (
        "Eye colour",
        (
            "Light blue, grey or green",
            "Blue, grey or green",
            "Blue",
            "Dark brown",
            "Brownish black",
        ),
    ),
    (
        "Natural hair colour",
        ("Sandy red", "Blond", "Chestnut or dark blond", "Dark brown", "Black"),
    ),
    (
        "Skin colour where the sun does not reach",
        ("Reddish", "Very pale", "Pale with a beige tint", "Light brown", "Dark brown"),
    ),
    ("Freckles where the sun does not reach", ("Many", "Several", "A few", "Very few", "None")),
    (
        "After too long in the sun",
        (
            "Painful redness, blistering, peeling",
            "Blistering, then peeling",
            "Burns, sometimes peels",
            "Rarely burns",
            "Never burns",
        ),
    ),
    (
        "How much does the skin tan",
        (
            "Hardly or not at all",
            "Light tan",
            "Reasonable tan",
            "Tans very easily",
            "Turns dark brown quickly",
        ),
    ),
    ("Brown within hours of sun", ("Never", "Seldom", "Sometimes", "Often", "Always")),
    (
        "How the face reacts to sun",
        ("Very sensitive", "Sensitive", "Normal", "Very resistant", "Never had a problem"),
    ),
    (
        "Last time the body was tanned",
        (
            "More than 3 months ago",
            "2-3 months ago",
            "1-2 months ago",
            "Less than a month ago",
            "Less than 2 weeks ago",
        ),
    ),
    ("Face exposed to the sun", ("Never", "Hardly ever", "Sometimes", "Often", "Always")),
)

_TOP_OF_TYPE = (6, 13, 20, 27, 34)


def skin_type(scores: list[int] | tuple[int, ...]) -> int:
    """Type 1-6 from one 0-4 score per question."""
    if len(scores) != len(QUESTIONS) or any(not 0 <= s <= 4 for s in scores):
        raise ValueError("one answer (0-4) per question is needed")
    total = sum(scores)
    return next((n + 1 for n, top in enumerate(_TOP_OF_TYPE) if total <= top), 6)
