"""Names: Cyrillic vessel names, their romanisations, and port names."""

from __future__ import annotations

import re

import numpy as np

_CYR_V = set("аеёиоуыэюя")
_SYL = (
    "ель",
    "ня",
    "вя",
    "зь",
    "ма",
    "ка",
    "сат",
    "нов",
    "гор",
    "ба",
    "ту",
    "ри",
    "ле",
    "на",
    "ду",
    "бра",
    "ва",
    "со",
    "кол",
    "дар",
    "ми",
    "ро",
    "тин",
    "за",
    "по",
    "лья",
    "ез",
    "ин",
    "ар",
    "то",
    "жу",
    "ку",
    "рай",
    "бе",
    "ре",
    "зи",
    "юг",
    "ян",
    "ме",
    "хо",
    "че",
    "шу",
    "ща",
    "во",
    "лга",
    "ол",
    "ён",
    "ки",
    "ев",
    "ог",
)
_SURN = ("ов", "ин", "ев", "ский", "ёв", "енко")
_ADJ_END = ("ый", "ий", "ой", "ая")
# Letters every romanisation writes alike. Deliberately not navwatch.registry's table: the
# simulator must not borrow the normaliser it tests.
_BASE = dict(
    zip("абвгдзиклмнопрстуфыэ", "a b v g d z i k l m n o p r s t u f y e".split(), strict=True)
)
_BASE.update({"ж": "zh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": ""})


#: Letters romanised differently by BGN/PCGN (``bgn``), the press (``press``) and German-style
#: (``j``) usage.
_BY_SYSTEM = {
    "ё": {"bgn": "yo", "press": "e", "j": "jo"},
    "й": {"bgn": "y", "press": "i", "j": "j"},
    "х": {"bgn": "kh", "press": "kh", "j": "h"},
    "ь": {"bgn": "'", "press": "", "j": "'"},
    "ю": {"bgn": "yu", "press": "yu", "j": "ju"},
    "я": {"bgn": "ya", "press": "ya", "j": "ja"},
}


def _translit(word: str, system: str) -> str:
    """Romanise Cyrillic: ``bgn`` (Yel'nya), ``press`` (Elnya) or ``j`` (Jel'nja)."""
    out = []
    prev = " "
    for ch in word:
        lo = ch.lower()
        start = prev == " " or prev in _CYR_V or prev in "ьъ"
        if lo == "е":  # ye/je at a word start or after a vowel, e elsewhere
            s = {"bgn": "ye", "press": "e", "j": "je"}[system] if start else "e"
        else:
            s = _BY_SYSTEM.get(lo, {}).get(system, _BASE.get(lo, lo))
        if ch != lo and s:
            s = s[0].upper() + s[1:]
        out.append(s)
        prev = lo
    return "".join(out)


def _cyr_name(rng: np.random.Generator) -> str:
    r = rng.random()
    if r < 0.3:
        root = "".join(rng.choice(_SYL, size=rng.integers(1, 3)))
        return "Адмирал " + (root + str(rng.choice(_SURN))).capitalize()
    if r < 0.45:
        root = "".join(rng.choice(_SYL, size=rng.integers(2, 4)))
        return (root + str(rng.choice(_ADJ_END))).capitalize()
    return "".join(rng.choice(_SYL, size=rng.integers(2, 4))).capitalize()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _port_name(rng: np.random.Generator) -> tuple[str, list[str]]:
    root = _translit("".join(rng.choice(_SYL, size=rng.integers(2, 4))).capitalize(), "press")
    suffix = str(rng.choice(["", "", "sk", "vik", "haven", "polis", " Bay", "ovo"]))
    name = (root + suffix).replace("'", "")
    name = name[0].upper() + name[1:]
    aliases = []
    if rng.random() < 0.4:
        aliases.append(f"Port of {name}")
    if rng.random() < 0.3:
        aliases.append(
            name.replace("k", "c").replace("v", "w") if ("k" in name or "v" in name) else name + "a"
        )
    return name, [a for a in aliases if a != name]
