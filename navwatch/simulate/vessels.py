"""The vessels: registry vessels (names, aliases, classes, pennants) and other AIS traffic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry import name_key
from .geometry import _Port
from .names import _cyr_name, _slug, _translit

_TYPES = (
    "frigate",
    "corvette",
    "destroyer",
    "oiler",
    "tug",
    "submarine",
    "landing ship",
    "patrol ship",
    "salvage ship",
    "intelligence ship",
)


def _make_vessels(
    rng,
    n_vessels: int,
    ports: list[_Port],
    merchant_share: float,
    no_mmsi_share: float,
    sog_missing_share: float,
    fix_interval_s,
    port_only_share: float,
):
    """Every vessel: registry vessels first, then other AIS traffic, with their AIS habits."""
    n_reg = max(1, int(round(n_vessels * (1 - merchant_share)))) if n_vessels else 0
    n_reg = min(n_reg, n_vessels)
    n_no_mmsi = int(round(n_reg * no_mmsi_share))
    if no_mmsi_share > 0 and n_reg >= 3:
        n_no_mmsi = max(n_no_mmsi, 1)
    regions = sorted({p.region for p in ports})
    used_keys: dict[str, int] = {}
    used_mmsi: set[int] = set()
    pennants: set[int] = set()
    rows = []
    class_of = _class_groups(rng, n_reg)
    class_type: dict[str, str] = {}
    for i in range(n_vessels):
        registry = i < n_reg
        region = regions[i % len(regions)]
        home = [p.idx for p in ports if p.region == region]
        home_port = int(rng.choice(home))
        has_ais = not registry or i >= n_no_mmsi
        mmsi = _new_mmsi(rng, used_mmsi)
        home_of = dict(home_port=ports[home_port].name, region=region, home=home_port)
        if registry:
            rows.append(
                _registry_vessel(
                    rng, i, class_of[i], class_type, used_keys, pennants, has_ais, mmsi, home_of
                )
            )
        else:
            rows.append(_merchant_vessel(mmsi, home_of))
    v = pd.DataFrame(rows)
    if len(v):
        _vessel_habits(rng, v, fix_interval_s, sog_missing_share, port_only_share)
    return v


def _class_groups(rng, n_reg: int) -> list[str]:
    """Each registry vessel's class key (``#<n>``, or ``''``): classes group 2-4 vessels."""
    class_of = [""] * n_reg
    k = 0
    cls_id = 0
    while k < n_reg:
        size = int(rng.choice([1, 1, 2, 2, 3, 4]))
        if size > 1 and k + size <= n_reg:
            for j in range(size):
                class_of[k + j] = f"#{cls_id}"
            cls_id += 1
        k += max(size, 1)
    return class_of


def _new_mmsi(rng, used_mmsi: set[int]) -> int:
    """An MMSI not in ``used_mmsi`` (which it joins), with a plausible country prefix."""
    while True:
        mid = int(rng.choice([273, 273, 211, 232, 244, 257, 305, 351, 412, 538, 636]))
        mmsi = mid * 1_000_000 + int(rng.integers(0, 1_000_000))
        if mmsi not in used_mmsi:
            used_mmsi.add(mmsi)
            return mmsi


def _registry_vessel(rng, i, cls, class_type, used_keys, pennants, has_ais, mmsi, home_of) -> dict:
    """Registry vessel ``i``: names and aliases unlike the others', type, class, pennant, ids."""
    cyr, name, aliases, unlisted = _registry_names(rng, used_keys)
    typ = str(rng.choice(_TYPES))
    if cls:
        if cls not in class_type:
            class_type[cls] = typ
        typ = class_type[cls]
    pennant = _pennant(rng, typ, pennants)
    if pennant:
        aliases.append(pennant)
    for f in [name, *aliases, *unlisted]:
        used_keys[name_key(f)] = i
    vid = _slug(name)
    return dict(
        vessel_id=vid,
        name=name,
        aliases="|".join(aliases),
        type=typ,
        vessel_class=cls,
        navy="Simulated Navy",
        home_port=home_of["home_port"],
        mmsi=str(mmsi) if has_ais else "",
        imo=str(int(rng.integers(1_000_000, 9_999_999))) if has_ais and rng.random() < 0.3 else "",
        callsign=f"R{int(rng.integers(100, 999))}{chr(65 + int(rng.integers(0, 26)))}"
        if has_ais and rng.random() < 0.3
        else "",
        notes="simulated",
        registry=True,
        has_ais=has_ais,
        unlisted="|".join(unlisted),
        cyrillic=cyr,
        mmsi_int=mmsi if has_ais else 0,
        region=home_of["region"],
        home=home_of["home"],
    )


def _registry_names(rng, used_keys: dict[str, int]) -> tuple[str, str, list[str], list[str]]:
    """A Cyrillic name unlike those in ``used_keys``; its name, aliases and unlisted forms."""
    cyr = ""  # always drawn below
    for _ in range(200):
        cyr = _cyr_name(rng)
        forms = {_translit(cyr, s) for s in ("bgn", "press", "j")}
        keys = {name_key(f) for f in forms} | {name_key(cyr)}
        if not any(kk in used_keys for kk in keys) and all(len(kk) >= 4 for kk in keys):
            break
    name = _translit(cyr, "bgn").replace("'", "")
    variants = [
        v
        for v in dict.fromkeys(
            [_translit(cyr, "bgn"), _translit(cyr, "press"), _translit(cyr, "j")]
        )
        if v != name
    ]
    listed = [v for v in variants if rng.random() < 0.5 or name_key(v) != name_key(name)]
    unlisted = [v for v in variants if v not in listed]
    aliases = [*listed, cyr] if rng.random() < 0.7 else listed
    return cyr, name, aliases, unlisted


def _pennant(rng, typ: str, pennants: set[int]) -> str:
    """A pennant number not in ``pennants`` (which it joins) for some warships, else ``''``."""
    if typ not in ("oiler", "tug", "submarine", "salvage ship") and rng.random() < 0.4:
        while True:
            pn = int(rng.integers(100, 999))
            if pn not in pennants:
                pennants.add(pn)
                return str(pn)
    return ""


def _merchant_vessel(mmsi: int, home_of: dict) -> dict:
    """Other AIS traffic: known only by its MMSI."""
    return dict(
        vessel_id=f"mmsi:{mmsi}",
        name="",
        aliases="",
        type="merchant",
        vessel_class="",
        navy="",
        home_port=home_of["home_port"],
        mmsi=str(mmsi),
        imo="",
        callsign="",
        notes="",
        registry=False,
        has_ais=True,
        unlisted="",
        cyrillic="",
        mmsi_int=mmsi,
        region=home_of["region"],
        home=home_of["home"],
    )


def _vessel_habits(rng, v: pd.DataFrame, fix_interval_s, sog_missing_share, port_only_share):
    """Class names (after the lead ship), then each vessel's AIS habits and speeds, in place."""
    lead = {}
    for cls, name in zip(v["vessel_class"], v["name"], strict=True):
        if cls and cls not in lead:
            lead[cls] = name
    style = {c: int(rng.integers(0, 3)) for c in lead}

    def cname(c):
        if not c:
            return ""
        return f"Project {22000 + int(c[1:]) * 37 % 900}" if style[c] == 0 else f"{lead[c]} class"

    v["vessel_class"] = [cname(c) for c in v["vessel_class"]]
    lo, hi = (fix_interval_s, fix_interval_s) if np.isscalar(fix_interval_s) else fix_interval_s
    v["fix_interval_s"] = np.exp(rng.uniform(np.log(lo), np.log(hi), len(v)))
    v["rest_factor"] = rng.choice([1, 1, 1, 2, 3], len(v))
    v["gps_error_m"] = rng.uniform(5, 30, len(v))
    v["sog_missing"] = rng.random(len(v)) < sog_missing_share
    v["ais_port_only"] = v["has_ais"] & (rng.random(len(v)) < port_only_share)
    v["cruise_kn"] = rng.uniform(8, 20, len(v))
    v["approach_kn"] = np.minimum(rng.uniform(3, 12, len(v)), v["cruise_kn"])
