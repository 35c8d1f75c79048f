"""The vessel registry (``vessels.csv``) and identity resolution.

An observation is resolved to a registry vessel by MMSI, then IMO, then call sign, then
normalised name/alias. Names are compared twice: exactly after normalisation (case, spacing,
punctuation, diacritics) and then by a transliteration-folded key, so *Yelnya*, *Yel'nya*, *Elnya*
and *Jelnja* all meet (see :func:`name_key`). A key shared by two vessels resolves to neither.

Sightings and surveys may also name a *group*: a class or type token with an optional count
(``Admiral Gorshkov class x2``, ``frigate x3``, ``2 x oiler``). :func:`resolve_token` returns the
group's members and whether the count covers all of them.

``vessels.csv`` is read by :func:`navwatch.io.registry.load_registry` (all file access lives in
:mod:`navwatch.io`); ``navwatch.registry.load_registry`` still names it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

COLUMNS = [
    "vessel_id",
    "name",
    "aliases",
    "type",
    "vessel_class",
    "navy",
    "home_port",
    "mmsi",
    "imo",
    "callsign",
    "length_m",
    "beam_m",
    "notes",
]
#: Optional size columns (metres; empty = unknown), used to match satellite detections.
SIZE_COLUMNS = ("length_m", "beam_m")

_PUNCT = re.compile(r"[^0-9a-z]+")
_COUNT = re.compile(
    r"^(?:(?P<pre>\d+)\s*[x×*]?\s+)?(?P<body>.*?)(?:\s*(?:[x×*]\s*(?P<post>\d+)|\((?P<par>\d+)\)))?$",
    re.IGNORECASE,
)
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        # (one romanisation per letter, space-separated; "-" for none)
        [
            x.strip("-")
            for x in "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya i yi ye g".split()
        ],
        strict=True,
    )
)
_GROUP_WORDS = {"class", "project", "type", "pr", "ship", "ships", "vessel", "vessels"}


def normalise(text: object) -> str:
    """Lower-case ASCII words separated by single spaces: case, punctuation and accents ignored,
    Cyrillic transliterated (BGN/PCGN-like).

    Examples
    --------
    >>> normalise("  Yel'nya ")
    'yelnya'
    >>> normalise("ADMIRAL  Golovko")
    'admiral golovko'
    >>> normalise("Вязьма")
    'vyazma'
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return ""
    s = "".join(_CYRILLIC.get(ch, ch) for ch in str(text).lower())
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()
    s = s.replace("'", "").replace("’", "").replace("`", "")
    return " ".join(_PUNCT.sub(" ", s).split())


def name_key(text: object) -> str:
    """A transliteration-folded key for fuzzy name matching.

    Folds the usual romanisations of Cyrillic: ``j``/``y`` before a vowel are dropped
    (ye/je/e, ya/ja/ia), ``w`` -> ``v``, ``kh`` -> ``h``, ``ii``/``iy`` -> ``i``; spaces removed.

    Examples
    --------
    >>> {name_key(n) for n in ["Yelnya", "Yel'nya", "Elnya", "Jelnja", "YELNYA"]}
    {'elna'}
    """
    s = normalise(text).replace(" ", "")
    s = s.replace("kh", "h").replace("w", "v").replace("iy", "i").replace("ii", "i")
    s = re.sub(r"[yj](?=[aeiou])", "", s)
    s = re.sub(r"i(?=[aeou])", "", s)
    return s


@dataclass(frozen=True)
class TokenMatch:
    """What a free-text vessel token resolved to.

    ``vessel_ids`` are the candidate vessels; ``attributed`` is True when the token names them
    all (a single vessel, or a group whose count covers every member).
    """

    token: str
    vessel_ids: tuple[str, ...]
    count: int
    how: str  # 'id' | 'name' | 'alias' | 'class' | 'type' | 'none'

    @property
    def attributed(self) -> bool:
        return bool(self.vessel_ids) and self.count >= len(self.vessel_ids)


class Registry:
    """A loaded vessel registry with lookup indexes.

    Build one with :func:`~navwatch.io.registry.load_registry`. ``frame`` is the registry table
    (one row per vessel); ``mmsi``/``imo``/``callsign`` map identifiers to ``vessel_id``.
    """

    def __init__(self, frame: pd.DataFrame, *, path: str = "<registry>"):
        self.path = path
        self.frame = frame.reset_index(drop=True)
        self.mmsi: dict[int, str] = {}
        self.imo: dict[int, str] = {}
        self.callsign: dict[str, str] = {}
        self._names: dict[str, set[str]] = {}
        self._keys: dict[str, set[str]] = {}
        self._groups: dict[str, set[str]] = {}
        self._group_how: dict[str, str] = {}
        for _, row in self.frame.iterrows():
            vid = row["vessel_id"]
            for m in split_ids(row["mmsi"]):
                self.mmsi[int(m)] = vid
            for i in split_ids(row["imo"]):
                self.imo[int(re.sub(r"\D", "", i))] = vid
            for c in _split(row["callsign"]):
                self.callsign[normalise(c).replace(" ", "")] = vid
            names = [vid, row["name"], *_split(row["aliases"])]
            for n in names:
                if normalise(n):
                    self._names.setdefault(normalise(n), set()).add(vid)
                    self._keys.setdefault(name_key(n), set()).add(vid)
            for col, how in (("vessel_class", "class"), ("type", "type")):
                for g in _group_forms(row[col]):
                    self._groups.setdefault(g, set()).add(vid)
                    self._group_how.setdefault(g, how)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def ids(self) -> list[str]:
        return list(self.frame["vessel_id"])

    def sizes(self) -> pd.DataFrame:
        """``vessel_id, name, type, vessel_class, length_m, beam_m`` (metres as floats, NaN when
        unknown or when the registry has no such column)."""
        f = self.frame
        out = f[["vessel_id", "name", "type", "vessel_class"]].copy()
        for c in SIZE_COLUMNS:
            out[c] = (
                pd.to_numeric(f[c], errors="coerce").astype("float64") if c in f.columns else np.nan
            )
        return out.reset_index(drop=True)

    def info(self, vessel_id: str) -> pd.Series:
        """The registry row of ``vessel_id``."""
        return self.frame.set_index("vessel_id").loc[vessel_id]

    def lookup_name(self, name: object) -> str | None:
        """The vessel a name/alias/id denotes, or None (unknown or ambiguous)."""
        n = normalise(name)
        if not n:
            return None
        hit = self._names.get(n)
        if hit is None:
            hit = self._keys.get(name_key(n))
        if hit is not None and len(hit) == 1:
            return next(iter(hit))
        return None

    def resolve_token(self, token: object) -> TokenMatch:
        """Resolve a sighting/survey token: a vessel id/name/alias, or a class/type with a count.

        Examples
        --------
        >>> reg = Registry(pd.DataFrame({"vessel_id": ["a", "b", "c"], "name": ["Alpha", "Bravo", "Charlie"],
        ...     "aliases": ["", "", ""], "type": ["frigate", "frigate", "oiler"],
        ...     "vessel_class": ["Admiral Gorshkov", "Admiral Gorshkov", "Altay"], "navy": "", "home_port": "",
        ...     "mmsi": "", "imo": "", "callsign": "", "notes": ""}))
        >>> reg.resolve_token("Admiral Gorshkov class x2").attributed
        True
        >>> m = reg.resolve_token("frigate")
        >>> m.vessel_ids, m.attributed
        (('a', 'b'), False)
        """
        text = str(token).strip()
        m = _COUNT.match(text)
        body, count = text, 1
        if m:
            body = m.group("body") or text
            for g in ("pre", "post", "par"):
                if m.group(g):
                    count = int(m.group(g))
        vid = self.lookup_name(body)
        if vid is not None:
            return TokenMatch(text, (vid,), max(count, 1), "name")
        for form in _group_forms(body):
            if form in self._groups:
                ids = tuple(sorted(self._groups[form]))
                return TokenMatch(text, ids, count, self._group_how[form])
        return TokenMatch(text, (), count, "none")


#: Identity columns an AIS feed carries besides the MMSI (static messages, NOAA/DMA columns).
IDENTITY_COLUMNS = ("imo", "callsign", "name")
#: The vessel's self-reported size (AIS dimensions, NOAA/DMA Length/Width; metres): the one place
#: to read an MMSI's AIS length is its row of :func:`identity_table`.
DIMENSION_COLUMNS = ("length_m", "beam_m")


def first_identities(
    df: pd.DataFrame, keys: np.ndarray, valid: np.ndarray | None = None
) -> dict[str, pd.Series]:
    """Per key -- an MMSI, or a code standing for one -- the first IMO, call sign and name its
    rows carry (in row order; missing values skipped): one Series per identity column present.

    An MMSI's first IMO, call sign and name anywhere in the data identify all its fixes, so a
    vessel is resolved once per MMSI, not row by row. ``valid`` masks out rows (no MMSI).

    ``length_m`` and ``beam_m`` (:data:`DIMENSION_COLUMNS`), when the rows carry them, are the
    **median** of the values its rows carry (NaN = unknown skipped), not the first: the readers
    attach an MMSI's static data to all its rows, so the rows weigh each broadcast value by the
    fixes it covers, and a minority value (a transponder set up wrong for a while, an MMSI two
    vessels share, a cut message) does not move the median, where the first value would be
    whatever came first. With two equal camps it is their mean. 511/63-saturated AIS values
    stay lower bounds. (:func:`merge_identities` keeps the first chunk's median per key.)

    Examples
    --------
    >>> df = pd.DataFrame({"name": [None, "YELNYA", "ELNYA"], "imo": [None, None, 8705515]})
    >>> {c: s.to_dict() for c, s in first_identities(df, np.array([7, 7, 7])).items()}
    {'imo': {7: 8705515.0}, 'name': {7: 'YELNYA'}}
    >>> df = pd.DataFrame({"length_m": [np.nan, 130.0, 130.0, 12.0, 90.0]})
    >>> first_identities(df, np.array([7, 7, 7, 7, 8]))["length_m"].to_dict()
    {7: 130.0, 8: 90.0}
    """
    out: dict[str, pd.Series] = {}
    for col in IDENTITY_COLUMNS:
        if col not in df.columns:
            continue
        s = df[col]
        if isinstance(s.dtype, pd.CategoricalDtype):  # on the codes: no text per row
            codes = s.cat.codes.to_numpy()
            has = codes >= 0 if valid is None else (codes >= 0) & valid
            if has.any():
                first = pd.Series(codes[has]).groupby(keys[has]).first()
                out[col] = pd.Series(
                    s.cat.categories.to_numpy()[first.to_numpy()], index=first.index
                )
            continue
        has = s.notna().to_numpy()
        if valid is not None:
            has = has & valid
        if has.any():
            out[col] = pd.Series(s.to_numpy()[has]).groupby(keys[has]).first()
    for col in DIMENSION_COLUMNS:
        if col in df.columns:
            v = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            has = ~np.isnan(v) if valid is None else ~np.isnan(v) & valid
            if has.any():
                out[col] = pd.Series(v[has]).groupby(keys[has]).median()
    return out


def merge_identities(seen: dict[str, pd.Series], new: dict[str, pd.Series]) -> None:
    """Add ``new`` first identities (:func:`first_identities`) to ``seen``, which came first in
    the data: a key already in ``seen`` keeps its value."""
    for col, first in new.items():
        have = seen.get(col)
        add = first if have is None else first[~first.index.isin(have.index)]
        if len(add):
            seen[col] = add if have is None else pd.concat([have, add])


def identity_table(
    mmsi: np.ndarray, first: dict[str, pd.Series], keys: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per MMSI with its first identities, ready for :func:`resolve_ids`. ``first`` is
    keyed by ``keys`` (default: the MMSIs themselves). When the observations carried them, the
    table also has ``length_m``/``beam_m`` (float64, NaN unknown): the MMSI's AIS length and
    beam (the median of its rows, :func:`first_identities`).

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["A", "B"], "length_m": [150.0, np.nan]})
    >>> per = identity_table(np.array([211000001, 211000002]),
    ...                      first_identities(df, np.array([211000001, 211000002])))
    >>> per.to_dict("list")
    {'mmsi': [211000001, 211000002], 'name': ['A', 'B'], 'length_m': [150.0, nan]}
    """
    from .schema import DTYPES

    per = pd.DataFrame(
        {"mmsi": pd.array(np.asarray(mmsi, dtype="float64"), dtype="Float64").astype("Int64")}
    )
    k = np.asarray(mmsi, dtype=np.int64) if keys is None else keys
    for col, s in first.items():
        per[col] = pd.Series(s.reindex(k).to_numpy(), dtype=DTYPES[col])
    return per


def resolve_ids(obs: pd.DataFrame, registry: Registry | None) -> tuple[pd.Series, pd.Series]:
    """Registry ``vessel_id`` of each observation row and how it matched.

    Priority: MMSI, then IMO, then call sign, then name (AIS name or the ``vessel`` token for
    sightings). Group tokens (class/type) are resolved elsewhere (:func:`Registry.resolve_token`).
    Returns ``(vessel_id, how)`` string Series with <NA> where nothing matched.
    """
    n = len(obs)
    vid = pd.Series(pd.NA, index=obs.index, dtype="string")
    how = pd.Series(pd.NA, index=obs.index, dtype="string")
    if registry is None or not len(registry) or n == 0:
        return vid, how

    def fill(mask: pd.Series, values: pd.Series, label: str) -> None:
        hit = mask & values.notna()
        if hit.any():
            vid[hit] = values[hit]
            how[hit] = label

    if "mmsi" in obs.columns and registry.mmsi:
        m = obs["mmsi"]
        fill(vid.isna(), m.map(registry.mmsi).astype("string"), "mmsi")
    if "imo" in obs.columns and registry.imo:
        todo = vid.isna()
        if todo.any():
            fill(todo, obs["imo"].where(todo).map(registry.imo).astype("string"), "imo")
    if "callsign" in obs.columns and registry.callsign:
        todo = vid.isna() & obs["callsign"].notna()
        if todo.any():
            cs = obs.loc[todo, "callsign"]
            uniq = {c: registry.callsign.get(normalise(c).replace(" ", "")) for c in cs.unique()}
            fill(todo, cs.map(uniq).reindex(obs.index).astype("string"), "callsign")
    for col in ("name", "vessel"):
        if col in obs.columns:
            todo = vid.isna() & obs[col].notna()
            if todo.any():
                names = obs.loc[todo, col]
                uniq = {c: registry.lookup_name(c) for c in names.unique()}
                fill(todo, names.map(uniq).reindex(obs.index).astype("string"), "name")
    return vid, how


def _split(cell: object) -> list[str]:
    if cell is None or cell is pd.NA or (isinstance(cell, float) and np.isnan(cell)):
        return []
    return [p.strip() for p in str(cell).split("|") if p.strip()]


def split_ids(cell: object) -> list[str]:
    """The ``|``-separated identifiers (MMSIs, IMOs) of a registry cell, blanks dropped."""
    return _split(cell)


def _group_forms(text: object) -> list[str]:
    """Normalised forms under which a class/type can be named: 'Admiral Gorshkov class' ->
    ['admiral gorshkov class', 'admiral gorshkov'] (and singular of plurals)."""
    n = normalise(text)
    if not n:
        return []
    words = [w for w in n.split() if w not in _GROUP_WORDS]
    core = " ".join(words)
    forms = [n, core]
    if core.endswith("s") and len(core) > 3:
        forms.append(core[:-1])
    if core.startswith("improved "):
        forms.append(core[len("improved ") :])
    return [f for f in dict.fromkeys(forms) if f]


def __getattr__(name: str):
    # the reader moved to navwatch.io.registry, which imports this module: re-exported lazily
    if name == "load_registry":
        from .io.registry import load_registry

        return load_registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
