"""Ground truth: the definitions applied to what the ships did (true tracks, sampled every 30 s)
and to the final AIS (gaps, identities), plus the transmitters the episodes added (clones),
the positions they moved (displaced segments, jammings), and the table of decoys."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...registry import normalise
from ..common import KN, MOVE, H
from ..plans import _Track
from .common import NM, PAIR_TYPES, THRESHOLDS, Episode
from .emission import DISPLACED, JAMMED
from .stage import Stage

STEP = 30.0  # truth grid (s): event bounds are good to this
TH = THRESHOLDS
PORT_M = TH["port_distance_km"] * 1e3


class Grid:
    """Every ship's true position (local frame), speed (kn, 0 at rest) and heading (deg, NaN
    at rest) every :data:`STEP` s, and whether it is more than 10 km from every zone."""

    def __init__(self, st: Stage, tracks: list[_Track]):
        self.g = np.arange(0.0, st.span + 1e-9, STEP)
        n, k = len(tracks), len(self.g)
        self.x, self.y = np.empty((n, k)), np.empty((n, k))
        self.sp, self.hd = np.empty((n, k)), np.empty((n, k))
        self.far = np.zeros((n, k), bool)
        for i, tr in enumerate(tracks):
            seg = tr.seg(self.g)
            self.x[i], self.y[i] = tr.position(self.g, seg)
            mv = tr.mode[seg] == MOVE
            self.sp[i] = np.where(mv, tr.speed[seg], 0.0)
            dx, dy = tr.X[seg + 1] - tr.X[seg], tr.Y[seg + 1] - tr.Y[seg]
            self.hd[i] = np.where(mv, np.degrees(np.arctan2(dx, dy)) % 360.0, np.nan)
            coast = st.coast[st.ships[i].region]
            self.far[i] = coast.dist(self.x[i], self.y[i], cap=PORT_M + 1.0) > PORT_M
        self.region = np.array([s.region for s in st.ships])


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``(first, end)`` slot ranges (end exclusive) where ``mask`` holds.

    Examples
    --------
    >>> runs(np.array([0, 1, 1, 0, 1], bool))
    [(1, 3), (4, 5)]
    """
    e = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(e == 1).tolist(), np.flatnonzero(e == -1).tolist(), strict=True))


def _close_pairs(grid: Grid, thr: float) -> list[tuple[int, int]]:
    """Pairs of ships of one region that come within ``thr`` metres at some slot."""
    found: set[tuple[int, int]] = set()
    for r in np.unique(grid.region):
        idx = np.flatnonzero(grid.region == r)
        for k0 in range(0, len(grid.g), 1000):
            X, Y = grid.x[idx, k0 : k0 + 1000], grid.y[idx, k0 : k0 + 1000]
            d2 = (X[:, None, :] - X[None, :, :]) ** 2 + (Y[:, None, :] - Y[None, :, :]) ** 2
            ii, jj = np.nonzero(np.triu((d2 <= thr * thr).any(axis=2), 1))
            found |= {(int(idx[a]), int(idx[b])) for a, b in zip(ii, jj, strict=True)}
    return sorted(found)


def _event(st: Stage, grid: Grid, kind: str, ships: list[int], k0: int, k1: int, **kw) -> dict:
    """A truth row for ``ships`` over slots ``k0:k1`` (position: their mean)."""
    sl = slice(k0, k1)
    x = np.mean([grid.x[i, sl] for i in ships], axis=0)
    y = np.mean([grid.y[i, sl] for i in ships], axis=0)
    region = int(grid.region[ships[0]])
    lon, lat = st.frames[region].lonlat(x.mean(), y.mean())
    near = st.coast[region].dist(x, y, cap=1e9).min() / 1e3
    return dict(
        event_type=kind,
        ships=list(ships),
        t0=float(grid.g[k0]),
        t1=float(grid.g[k1 - 1]),
        lat=float(lat),
        lon=float(lon),
        near_port_km=float(near),
        **kw,
    )


def pair_events(st: Stage, grid: Grid, aux: np.ndarray) -> list[dict]:
    """Encounters and replenishments on the true tracks."""
    out = []
    lo_kn, hi_kn = TH["replenishment_min_kn"], TH["replenishment_max_kn"]
    for i, j in _close_pairs(grid, TH["encounter_distance_m"]):
        d = np.hypot(grid.x[i] - grid.x[j], grid.y[i] - grid.y[j])
        enc = (d <= TH["encounter_distance_m"]) & grid.far[i] & grid.far[j]
        for k0, k1 in runs(enc):
            if grid.g[k1 - 1] - grid.g[k0] < TH["encounter_min_h"] * H:
                continue
            med = max(np.median(grid.sp[i, k0:k1]), np.median(grid.sp[j, k0:k1]))
            if med < TH["encounter_speed_kn"]:
                out.append(_event(st, grid, "encounter", [i, j], k0, k1, median_speed_kn=med,
                                  max_distance_m=float(d[k0:k1].max())))  # fmt: skip
        dh = np.abs((grid.hd[i] - grid.hd[j] + 180.0) % 360.0 - 180.0)
        speed_ok = (grid.sp[[i, j]] >= lo_kn).all(axis=0) & (grid.sp[[i, j]] <= hi_kn).all(axis=0)
        rep = (
            (d <= TH["replenishment_distance_m"])
            & speed_ok
            & (dh <= TH["replenishment_course_deg"])
        )
        for k0, k1 in runs(rep):
            if grid.g[k1 - 1] - grid.g[k0] >= TH["replenishment_min_min"] * 60:
                med = min(np.median(grid.sp[i, k0:k1]), np.median(grid.sp[j, k0:k1]))
                out.append(_event(st, grid, "replenishment", [i, j], k0, k1, median_speed_kn=med,
                                  max_distance_m=float(d[k0:k1].max()),
                                  auxiliary=bool(aux[i] or aux[j])))  # fmt: skip
    return out


def loiter_events(st: Stage, grid: Grid) -> list[dict]:
    """Loitering on the true tracks: slow, far from the zones, long enough."""
    out = []
    for i in range(len(grid.x)):
        for k0, k1 in runs((grid.sp[i] < TH["loitering_speed_kn"]) & grid.far[i]):
            if grid.g[k1 - 1] - grid.g[k0] >= TH["loitering_min_h"] * H:
                med = float(np.median(grid.sp[i, k0:k1]))
                out.append(_event(st, grid, "loitering", [i], k0, k1, median_speed_kn=med))
    return out


def _messages(c: dict):
    """Rows grouped by MMSI in time order, a second receiver's copy (<= 1 s after the row
    before it) dropped: order, group bounds."""
    o = np.lexsort((c["t"], c["mmsi"]))
    t, m = c["t"][o], c["mmsi"][o]
    keep = np.ones(len(o), bool)
    keep[1:] = ~((m[1:] == m[:-1]) & (np.diff(t) <= TH["duplicate_s"]))
    o = o[keep]
    m = c["mmsi"][o]
    bounds = np.flatnonzero(np.diff(m)) + 1
    return o, np.concatenate([[0], bounds, [len(o)]])


def gap_events(st: Stage, c: dict) -> list[dict]:
    """Silences of an MMSI in the final AIS (late fixes included), each with its intent."""
    out = []
    o, b = _messages(c)
    for g0, g1 in zip(b[:-1], b[1:], strict=True):
        rows = o[g0:g1]
        t = c["t"][rows]
        for j in np.flatnonzero(np.diff(t) >= TH["gap_min_h"] * H):
            r = rows[j]
            region = int(c["region"][r])
            near = float(st.coast[region].dist(c["x"][r], c["y"][r], cap=1e9)[0])
            before = int(j + 1 - np.searchsorted(t, t[j] - TH["intentional_window_h"] * H))
            dur = t[j + 1] - t[j]
            intent = (
                dur >= TH["intentional_min_h"] * H
                and near >= TH["intentional_port_nm"] * NM
                and before >= TH["intentional_positions"]
            )
            v = int(c["v"][r])
            out.append(
                dict(event_type="gap", ships=[v], t0=float(t[j]), t1=float(t[j + 1]),
                     lat=float(c["tlat"][r]), lon=float(c["tlon"][r]), near_port_km=near / 1e3,
                     likely_intentional=bool(intent), positions_before=before)
            )  # fmt: skip
    return out


def _rows_of(c: dict, v: int, fault_not: int = 1) -> np.ndarray:
    r = np.flatnonzero((c["v"] == v) & (c["fault"] != fault_not))
    return r[np.argsort(c["t"][r], kind="stable")]


def clone_events(st: Stage, c: dict, tracks: list[_Track]) -> list[dict]:
    """Cloned identities: a second transmitter >= 50 km away for >= 30 min."""
    out = []
    for g in st.ghosts:
        r = _rows_of(c, len(st.ships) + g["id"])
        if len(r) < 2:
            continue
        t = c["t"][r]
        vx, vy = tracks[g["victim"]].position(t)
        apart = float(np.hypot(c["x"][r] - vx, c["y"][r] - vy).min())
        if t[-1] - t[0] < TH["clone_min_min"] * 60 or apart < TH["clone_distance_km"] * 1e3:
            continue
        fr = st.frames[g["region"]]
        lon, lat = fr.lonlat(vx.mean(), vy.mean())
        slon, slat = fr.lonlat(c["x"][r].mean(), c["y"][r].mean())
        near = st.coast[g["region"]].dist(vx, vy, cap=1e9).min() / 1e3
        out.append(dict(event_type="spoofing", subtype="clone", ships=[g["victim"]],
                        t0=float(t[0]), t1=float(t[-1]), lat=float(lat), lon=float(lon),
                        spoof_lat=float(slat), spoof_lon=float(slon), near_port_km=float(near),
                        max_distance_m=apart))  # fmt: skip
    return out


def displaced_events(st: Stage, c: dict) -> list[dict]:
    """Displaced segments: >= 2 fixes away, implied speeds out and back > 30 kn."""
    out = []
    for ship in st.ships:
        if not ship.displaced:
            continue
        r = _rows_of(c, ship.i)
        t, f = c["t"][r], c["fault"][r]
        for rec in ship.displaced:
            k = np.flatnonzero((f == DISPLACED) & (t >= rec["t0"]) & (t <= rec["t1"]))
            if len(k) < 2 or k[0] == 0 or k[-1] == len(r) - 1:
                continue
            a, b = r[k[0]], r[k[-1]]
            pa, pb = r[k[0] - 1], r[k[-1] + 1]
            out_kn = _implied(c, pa, a)
            back_kn = _implied(c, b, pb)
            if min(out_kn, back_kn) <= TH["spoof_speed_kn"]:
                continue
            fr, coast = st.frames[ship.region], st.coast[ship.region]
            lon, lat = fr.lonlat(c["x"][r[k]].mean(), c["y"][r[k]].mean())
            slon, slat = fr.lonlat(c["xo"][r[k]].mean(), c["yo"][r[k]].mean())
            near = coast.dist(c["x"][r[k]], c["y"][r[k]], cap=1e9).min() / 1e3
            out.append(dict(event_type="spoofing", subtype="displaced", ships=[ship.i],
                            t0=float(t[k[0]]), t1=float(t[k[-1]]), lat=float(lat),
                            lon=float(lon), spoof_lat=float(slat), spoof_lon=float(slon),
                            near_port_km=float(near), implied_kn=min(out_kn, back_kn)))  # fmt: skip
    return out


def _implied(c: dict, a: int, b: int) -> float:
    """Implied speed (kn) between the reported positions of rows ``a`` and ``b``."""
    d = np.hypot(c["xo"][b] - c["xo"][a], c["yo"][b] - c["yo"][a])
    return float(d / max(abs(c["t"][b] - c["t"][a]), 1e-3) / KN)


def jam_events(st: Stage, c: dict) -> list[dict]:
    """Jammings: one event per area whose ships' positions all jumped together."""
    out = []
    for jam in st.jams:
        m = (c["fault"] == JAMMED) & np.isin(c["v"], jam["ships"])
        m &= (c["t"] >= jam["t0"]) & (c["t"] <= jam["t1"])
        ships = sorted({int(v) for v in c["v"][m]})
        if len(ships) < TH["jamming_min_vessels"]:
            continue
        fr = st.frames[jam["region"]]
        lon, lat = fr.lonlat(jam["cx"], jam["cy"])
        slon, slat = fr.lonlat(jam["sx"], jam["sy"])
        near = st.coast[jam["region"]].dist(jam["cx"], jam["cy"], cap=1e9)[0] / 1e3
        out.append(dict(event_type="jamming", subtype="ring" if jam["ring"] else "point",
                        ships=ships, t0=float(c["t"][m].min()), t1=float(c["t"][m].max()),
                        lat=float(lat), lon=float(lon), spoof_lat=float(slat),
                        spoof_lon=float(slon), near_port_km=float(near)))  # fmt: skip
    return out


def identity_events(st: Stage, c: dict, static: list[dict]) -> list[dict]:
    """Changes of name, IMO or call sign: the last row with the old value, the first with the
    new one (rows without static data skipped)."""
    out = []
    col = {"name": "name", "callsign": "cs", "imo": "imo"}
    for ship in st.ships:
        r = _rows_of(c, ship.i)
        t = c["t"][r]
        for tc, field, _ in sorted(ship.identity, key=lambda x: x[0]):
            vals = c[col[field]][r]
            have = ~pd.isna(vals)
            before = np.flatnonzero(have & (t < tc))
            after = np.flatnonzero(have & (t >= tc))
            if not len(before) or not len(after):
                continue
            old = vals[before[-1]]
            if field == "imo":
                old, new_v = str(int(old)), str(int(vals[after[0]]))
            else:
                new_v = str(vals[after[0]])
            if normalise(old) == normalise(new_v):
                continue
            k = r[after[0]]
            near = st.coast[ship.region].dist(c["x"][k], c["y"][k], cap=1e9)[0] / 1e3
            out.append(dict(event_type="identity_change", subtype=field, ships=[ship.i],
                            t0=float(t[before[-1]]), t1=float(t[after[0]]), field=field,
                            old_value=str(old), new_value=new_v, lat=float(c["tlat"][k]),
                            lon=float(c["tlon"][k]), near_port_km=float(near)))  # fmt: skip
    return out


def label_of(row: dict, eps: list[Episode]) -> str:
    """The episode that made a truth event (its decoy label, else its kind), or ''."""
    for ep in eps:
        if not ep.laid or not set(row["ships"]) <= set(ep.ships):
            continue
        if row["t1"] >= ep.t0 - H and row["t0"] <= ep.t1 + H:
            return ep.label or ep.event
    return ""


TRUTH_COLUMNS = [
    "event_type",
    "mmsi",
    "other_mmsi",
    "vessels",
    "start",
    "end",
    "duration_h",
    "lat",
    "lon",
    "near_port_km",
    "likely_intentional",
    "positions_before",
    "field",
    "old_value",
    "new_value",
    "subtype",
    "auxiliary",
    "median_speed_kn",
    "max_distance_m",
    "spoof_lat",
    "spoof_lon",
    "vessel_id",
    "other_vessel_id",
    "label",
]


def truth_frame(rows: list[dict], eps, vessels: pd.DataFrame, start_ns: int) -> pd.DataFrame:
    """The truth table, in time order (see :mod:`navwatch.simulate.activity`)."""
    mmsi = vessels["mmsi_int"].to_numpy()
    vid = vessels["vessel_id"].astype(str).to_numpy()
    recs = []
    for r in rows:
        ships = sorted(r["ships"], key=lambda i: mmsi[i])
        pair = r["event_type"] in PAIR_TYPES
        rec = {k: v for k, v in r.items() if k not in ("ships", "t0", "t1")}
        rec.update(
            mmsi=int(mmsi[ships[0]]),
            other_mmsi=int(mmsi[ships[1]]) if pair else pd.NA,
            vessels=[int(mmsi[i]) for i in ships],
            start=pd.Timestamp(start_ns + int(round(r["t0"] * 1e9)), tz="UTC"),
            end=pd.Timestamp(start_ns + int(round(r["t1"] * 1e9)), tz="UTC"),
            duration_h=(r["t1"] - r["t0"]) / H,
            vessel_id=vid[ships[0]],
            other_vessel_id=vid[ships[1]] if pair else "",
            label=label_of(r, eps),
        )
        recs.append(rec)
    t = pd.DataFrame(recs).reindex(columns=TRUTH_COLUMNS)
    return (
        _truth_dtypes(t)
        .sort_values(["start", "event_type", "mmsi"], kind="stable")
        .reset_index(drop=True)
    )


def _truth_dtypes(t: pd.DataFrame) -> pd.DataFrame:
    for c in ("start", "end"):
        t[c] = pd.to_datetime(t[c], utc=True).astype("datetime64[ns, UTC]")
    for c in ("mmsi", "other_mmsi", "positions_before"):
        t[c] = pd.array(t[c], dtype="Int64")
    for c in ("likely_intentional", "auxiliary"):
        t[c] = pd.array(t[c], dtype="boolean")
    for c in ("field", "old_value", "new_value", "subtype", "other_vessel_id", "label"):
        t[c] = t[c].where(t[c].notna(), "").astype(object)
    for c in ("lat", "lon", "near_port_km", "duration_h", "median_speed_kn", "max_distance_m"):
        t[c] = t[c].astype("float64")
    for c in ("spoof_lat", "spoof_lon"):
        t[c] = t[c].astype("float64")
    t["vessels"] = t["vessels"].astype(object)
    return t


DECOY_COLUMNS = [
    "decoy",
    "event_type",
    "threshold",
    "side",
    "expected",
    "expected_intentional",
    "value",
    "unit",
    "mmsi",
    "other_mmsi",
    "vessel_id",
    "start",
    "end",
]


def decoy_frame(eps: list[Episode], vessels: pd.DataFrame, start_ns: int) -> pd.DataFrame:
    """One row per decoy laid (one per vessel for fleet anchors and jammed vessels)."""
    mmsi = vessels["mmsi_int"].to_numpy()
    vid = vessels["vessel_id"].astype(str).to_numpy()
    recs = []
    for ep in eps:
        for row in ep.rows if ep.laid else ():
            ships = sorted(row["ships"], key=lambda i: mmsi[i])
            rec = {k: row[k] for k in DECOY_COLUMNS if k in row}
            rec.update(
                mmsi=int(mmsi[ships[0]]),
                other_mmsi=int(mmsi[ships[1]]) if len(ships) > 1 else pd.NA,
                vessel_id=vid[ships[0]],
                start=pd.Timestamp(start_ns + int(round(row["t0"] * 1e9)), tz="UTC"),
                end=pd.Timestamp(start_ns + int(round(row["t1"] * 1e9)), tz="UTC"),
            )
            recs.append(rec)
    d = pd.DataFrame(recs).reindex(columns=DECOY_COLUMNS)
    for c in ("start", "end"):
        d[c] = pd.to_datetime(d[c], utc=True).astype("datetime64[ns, UTC]")
    d["mmsi"] = pd.array(d["mmsi"], dtype="Int64")
    d["other_mmsi"] = pd.array(d["other_mmsi"], dtype="Int64")
    d["expected"] = d["expected"].astype(bool)
    d["expected_intentional"] = pd.array(d["expected_intentional"], dtype="boolean")
    d["value"] = d["value"].astype("float64")
    return d.sort_values(["event_type", "decoy", "start"], kind="stable").reset_index(drop=True)
