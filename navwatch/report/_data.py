"""The report's inputs, checked and prepared once: the period, the focus port, the states in
vessel-then-time order, the events shown, located rows and the fallback port-state counts."""

from __future__ import annotations

import math
import posixpath
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConfigError, PortsError, SchemaError
from ..geodesy import NS_PER_S
from ..zones import ZoneIndex
from ._thin import M_PER_DEG_LAT, M_PER_DEG_LON_EQUATOR

#: Vessels a port survey lists as present share the surveyed zone's point: spread on this circle.
SPREAD_KM = 0.25
_REQUIRED = ("vessel_id", "time", "lat", "lon", "kind")


@dataclass
class Inputs:
    """What every part of the report reads: ``st`` sorted by vessel ``codes`` then time."""

    zi: ZoneIndex
    port_name: str | None
    since: pd.Timestamp | None
    until: pd.Timestamp | None
    st: pd.DataFrame
    codes: np.ndarray
    vessel_ids: pd.Index
    ev: pd.DataFrame
    act: pd.DataFrame | None = None  # activity at sea in the period (see _activity)


def prepare(
    states,
    events,
    zones,
    *,
    port,
    since,
    until,
    max_track_points,
    max_total_points,
    full_paths,
    activity=None,
):
    """Check the arguments of :func:`~navwatch.report.map_report` and prepare its :class:`Inputs`."""
    from ._activity import check_activity, overlapping

    missing = [c for c in _REQUIRED if c not in states.columns]
    if missing:
        raise SchemaError(
            f"map_report: states table lacks column(s) {', '.join(missing)} (expected Detection.states)"
        )
    if max_track_points < 2 or max_total_points < 2:
        raise ConfigError("map_report: max_track_points and max_total_points must be at least 2")
    since_ts, until_ts = _utc(since, "since"), _utc(until, "until")
    if since_ts is not None and until_ts is not None and since_ts > until_ts:
        raise ConfigError(f"since ({since_ts}) is after until ({until_ts})")
    zi = ZoneIndex.of(zones)
    port_name = None
    if port:
        try:
            port_name = str(zi.port[zi.find(port, strict=True)])
        except PortsError as exc:
            raise ConfigError(f"map_report: {exc}") from exc

    st = window(states, "time", since_ts, until_ts)
    st = st[pd.to_datetime(st["time"], utc=True).notna().to_numpy()]
    ev = events if events is not None else pd.DataFrame(columns=["vessel_id", "time"])
    ev = window(ev, "time", since_ts, until_ts)
    if port_name is not None and len(ev):
        ev = ev[str_values(ev["port"]) == port_name]
    ev = ev.reset_index(drop=True)
    act = None
    if activity is not None:
        act = overlapping(check_activity(activity), since_ts, until_ts).reset_index(drop=True)
    if not full_paths:
        st, ev, act = hide_paths(st, ev, act)

    # per-vessel order: vessel code (sorted ids), then time
    codes, vessel_ids = pd.factorize(str_values(st["vessel_id"]).astype(str), sort=True)
    order = np.lexsort((seconds(st["time"]), codes))
    st = st.iloc[order].reset_index(drop=True)
    return Inputs(
        zi, port_name, since_ts, until_ts, st, codes[order], pd.Index(vessel_ids), ev, act
    )


def display_paths(files) -> dict[str, str]:
    r"""How a report names each input file: relative to the files' common folder (a single file
    by its name), so a shared report does not show the analyst's folders.

    >>> display_paths(["/home/a/case/ais/day1.csv", "/home/a/case/surveys.csv"])
    {'/home/a/case/ais/day1.csv': 'ais/day1.csv', '/home/a/case/surveys.csv': 'surveys.csv'}
    >>> display_paths([r"C:\cases\tartus\obs.csv"])["C:\\cases\\tartus\\obs.csv"]
    'obs.csv'
    """
    names = sorted({str(f) for f in files if isinstance(f, str) and f})
    if not names:
        return {}
    posix = [n.replace("\\", "/") for n in names]
    folders = [posixpath.dirname(n) for n in posix]
    try:
        root = posixpath.commonpath(folders) if all(folders) else ""
    except ValueError:  # absolute and relative paths mixed
        root = ""
    out = {}
    for name, p in zip(names, posix, strict=True):
        rel = posixpath.relpath(p, root) if root else p
        out[name] = posixpath.basename(p) if rel.startswith("..") or not root else rel
    return out


#: A cited fix in an activity event's evidence: ``file:line`` (after a label such as ``off``,
#: ``first`` or ``place A``), its file without spaces (files with spaces are found when they
#: are inputs of the report, in ``src_file``).
_CITED = re.compile(r"(?:^|\s)([^\s;]+):\d+(?=;|\s|$)")


def cited_files(evidence) -> set[str]:
    """The files an activity table's evidence cites (``file:line``, optionally labelled).

    >>> sorted(cited_files(["out /a/ais.csv:5; back /a/b.csv:9; 3 fixes", "row 4"]))
    ['/a/ais.csv', '/a/b.csv']
    """
    out: set[str] = set()
    for text in pd.unique(pd.Series(evidence, dtype=object).dropna()):
        out.update(_CITED.findall(str(text)))
    return out


def hide_paths(
    st: pd.DataFrame, ev: pd.DataFrame, act: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """``st``, ``ev`` and ``act`` with every input file named as :func:`display_paths` says:
    the ``src_file`` column, the ``[file:line]`` citations in the events' evidence and the
    ``file:line`` ones in the activity events'."""
    files = list(st["src_file"].dropna().unique()) if "src_file" in st.columns else []
    if act is not None and len(act):
        files += sorted(cited_files(act["evidence"]) - set(files))
    shown = {k: v for k, v in display_paths(files).items() if k != v}
    if not shown:
        return st, ev, act
    alts = "|".join(map(re.escape, sorted(shown, key=len, reverse=True)))
    if act is not None and len(act):
        cite = re.compile(f"(?<![^\\s\\[])({alts}):")
        act = act.copy()
        act["evidence"] = [
            cite.sub(lambda m: f"{shown[m.group(1)]}:", str(t)) for t in act["evidence"]
        ]
    if "src_file" not in st.columns:
        return st, ev, act
    st = st.copy()
    codes, uniques = pd.factorize(st["src_file"])  # a few files, many rows: map the files once
    names = np.array([shown.get(u, u) for u in uniques], dtype=object)
    st["src_file"] = pd.array(np.where(codes >= 0, names[codes], None), dtype="string")
    if "evidence" in ev.columns and len(ev):
        pattern = re.compile(f"\\[({alts}):")
        ev = ev.copy()
        ev["evidence"] = (
            ev["evidence"]
            .astype(object)
            .map(
                lambda t: (
                    pattern.sub(lambda m: f"[{shown[m.group(1)]}:", t) if isinstance(t, str) else t
                )
            )
        )
    return st, ev, act


def _utc(value, what: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{what}: expected a date/time such as 2024-12-01T00:00Z, got {value!r}"
        ) from exc
    if ts is pd.NaT:
        raise ConfigError(f"{what}: expected a date/time, got {value!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def window(df: pd.DataFrame, col: str, since, until) -> pd.DataFrame:
    if df is None or not len(df) or (since is None and until is None):
        return df
    t = pd.to_datetime(df[col], utc=True)
    keep = np.ones(len(df), dtype=bool)
    if since is not None:
        keep &= (t >= since).to_numpy(bool, na_value=False)
    if until is not None:
        keep &= (t <= until).to_numpy(bool, na_value=False)
    return df[keep]


def tier_label(tier: object) -> str:
    """``operating_area`` -> ``operating area`` (identifier-like names only; others as given)."""
    t = str(tier)
    return t.replace("_", " ") if re.fullmatch(r"[a-z][a-z0-9_]*", t) else t


def str_values(s: pd.Series) -> np.ndarray:
    return s.astype(object).where(s.notna(), "").to_numpy(dtype=object)


def located(st: pd.DataFrame, zi: ZoneIndex) -> pd.DataFrame:
    """Rows of ``st`` that place a vessel somewhere, with ``lat``/``lon`` and ``how``."""
    lat = pd.to_numeric(st["lat"], errors="coerce").to_numpy(float, copy=True)
    lon = pd.to_numeric(st["lon"], errors="coerce").to_numpy(float, copy=True)
    kind = str_values(st["kind"]).astype(str)
    has = np.isfinite(lat) & np.isfinite(lon)
    if "present" in st.columns and "surveyed" in st.columns:
        present = pd.array(st["present"], dtype="boolean").fillna(False).to_numpy(bool)
        surv = (kind == "survey") & present & ~has
        if surv.any():
            # ``port/tier`` -> (lat, lon) of the zone's representative point
            reps = dict(
                zip(
                    zi.label,
                    zip(zi.rep_lat.tolist(), zi.rep_lon.tolist(), strict=True),
                    strict=True,
                )
            )
            labels = str_values(st["surveyed"])
            vids = str_values(st["vessel_id"])
            idx = np.flatnonzero(surv)
            for label in pd.unique(labels[idx]):
                if label not in reps:
                    continue
                rows = idx[labels[idx] == label]
                members = sorted(set(vids[rows]))
                plat, plon = reps[label]
                for k, v in enumerate(members):
                    r = SPREAD_KM * 1000.0 if len(members) > 1 else 0.0
                    a = 2 * math.pi * k / len(members)
                    sel = rows[vids[rows] == v]
                    lat[sel] = plat + r * math.cos(a) / M_PER_DEG_LAT
                    lon[sel] = plon + r * math.sin(a) / (
                        M_PER_DEG_LON_EQUATOR * math.cos(math.radians(plat))
                    )
                    has[sel] = True
    loc = st.loc[has].copy()
    loc["lat"] = lat[has]
    loc["lon"] = lon[has]
    loc["how"] = kind[has]
    return loc


def registry_frame(registry) -> pd.DataFrame:
    if registry is None:
        return pd.DataFrame(columns=["vessel_id", "name", "type", "vessel_class"]).set_index(
            "vessel_id"
        )
    frame = registry.frame if hasattr(registry, "frame") else registry
    cols = [c for c in ("vessel_id", "name", "type", "vessel_class") if c in frame.columns]
    return frame[cols].drop_duplicates("vessel_id").set_index("vessel_id")


def seconds(t: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    return (
        pd.to_datetime(t, utc=True).astype("datetime64[ns, UTC]").astype("int64").to_numpy()
        // NS_PER_S
    )


def status_counts(
    st: pd.DataFrame, codes: np.ndarray, t_s: np.ndarray, port: str | None, n_steps: int = 48
) -> pd.DataFrame:
    """Fallback dispersal panel: per time step, vessels by port state as of that time.

    ``st`` is sorted by vessel code ``codes``, then time ``t_s`` (seconds). Steps are the
    distinct evidence times when there are at most 60, else ``n_steps`` even steps.
    """
    if not len(st):
        return pd.DataFrame(columns=["time"])
    distinct = np.unique(t_s)
    grid = (
        distinct
        if len(distinct) <= 60
        else np.linspace(t_s.min(), t_s.max(), n_steps).round().astype(np.int64)
    )
    state = (
        st["state"].astype("string").fillna("").to_numpy(dtype=object)
        if "state" in st.columns
        else np.full(len(st), "unknown", dtype=object)
    )
    pname = (
        st["port"].astype("string").fillna("").to_numpy(dtype=object)
        if "port" in st.columns
        else np.full(len(st), "", dtype=object)
    )
    # 0 in port (the focus port, or any port without one), 1 other port, 2 out, 3 unknown
    status = np.where(
        state == "in",
        np.where((pname == port) if port else True, 0, 1),
        np.where(state == "out", 2, 3),
    )
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    counts = np.zeros((len(grid), 4), dtype=np.int64)
    steps = np.arange(len(grid))
    for lo, hi in zip(starts, ends, strict=True):
        k = np.searchsorted(t_s[lo:hi], grid, side="right") - 1
        counts[steps, np.where(k >= 0, status[lo + np.maximum(k, 0)], 3)] += 1
    out = pd.DataFrame(
        {
            "time": pd.to_datetime(grid, unit="s", utc=True),
            "n_vessels": len(starts),
            "n_in_port": counts[:, 0],
            "n_in_other_port": counts[:, 1],
            "n_at_sea": counts[:, 2],
            "n_unknown": counts[:, 3],
        }
    )
    return out if port else out.drop(columns="n_in_other_port")
