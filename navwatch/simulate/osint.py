"""OSINT: sightings and port surveys about registry vessels, with injected contradictions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import schema
from .common import _EVIDENCE_DTYPES, CONFIDENCE_WORDS, MOVE, NS, POS, SURV_IN, SURV_OUT, H, _ts
from .geometry import _membership
from .plans import _place

_SOURCES = (
    "Maxar",
    "Planet",
    "Airbus",
    "Sentinel-2",
    "ICEYE",
    "spotter @strait_watch",
    "spotter @harbour_cam",
    "press (local)",
    "press (agency)",
)


def _confidence(rng) -> tuple[str, float]:
    r = rng.random()
    if r < 0.4:
        x = round(float(rng.uniform(0.5, 0.97)), 2)
        return f"{x:g}", x
    if r < 0.75:
        w = str(rng.choice(list(CONFIDENCE_WORDS)))
        w = w.capitalize() if rng.random() < 0.3 else w
        return w, CONFIDENCE_WORDS[w.lower()]
    p = int(rng.choice([50, 60, 65, 70, 75, 80, 85, 90, 95]))
    return f"{p}%", p / 100.0


def _token(rng, v: pd.Series) -> str:
    """How an observer names one vessel: name, registry alias, unlisted transliteration, pennant."""
    forms = [v["name"]] * 4
    al = [a for a in str(v["aliases"]).split("|") if a]
    forms += al
    forms += [u for u in str(v["unlisted"]).split("|") if u] * 2
    f = str(rng.choice(forms))
    r = rng.random()
    if r < 0.15:
        f = f.upper()
    elif r < 0.25:
        f = f.lower()
    return f


def _make_osint(rng, vessels, tracks, zones, ports, frames, span, start_ns, visits, contradictions):
    """Sightings and surveys with their meta, the evidence they give, the contradictions laid."""
    o = _Osint(rng, vessels, tracks, zones, ports, frames)
    survey_recs = o.survey_records(o.survey_schedule(span))
    # contradictions: a full survey omitting a vessel that is in port (seen there again later),
    # and a sighting placing in port a vessel that AIS shows at sea
    contra: list[dict] = []
    n_contra = max(1, int(round(len(o.reg) / 20))) if contradictions and len(o.reg) else 0
    extra_sightings: list[tuple] = []  # (i, t, x, y, conf_text, false, note)
    if n_contra:
        o.false_absences(survey_recs, n_contra, contra, extra_sightings)
        o.false_presences(visits, span, n_contra, contra, extra_sightings)
    o.survey_rows(survey_recs)
    # sightings: collected first, positions and zones resolved in one batch
    o.vessel_sightings(span)
    for i, t, x, y, conf, false, note in extra_sightings:
        o.sighting(i, t, x, y, conf=conf, false=false, note=note, true=not false)
    o.group_sightings(span)
    if o.pending:
        o.resolve_sightings()
    df, meta, evd = o.tables(start_ns)
    return df, meta, evd, contra


class _Osint:
    """The OSINT being built: rows, their meta and evidence, and what the observers know."""

    def __init__(self, rng, vessels, tracks, zones, ports, frames):
        self.rng, self.tracks, self.zones, self.ports = rng, tracks, zones, ports
        self.frames = frames
        self.V = vessels.to_dict("records")
        self.reg = np.flatnonzero(vessels["registry"].to_numpy())
        self.region_of = vessels["region"].to_numpy()
        self.ev: dict[str, list] = {k: [] for k in _EVIDENCE_DTYPES}
        self.rows: list[dict] = []
        self.meta: list[dict] = []
        self.pending: list[tuple] = []  # (i, t, x, y, token, conf, false, note, ids, jitter)
        self.groups: dict[str, list[int]] = {}
        for i in self.reg:
            v = self.V[i]
            if v["vessel_class"]:
                self.groups.setdefault("class:" + v["vessel_class"], []).append(i)
            self.groups.setdefault("type:" + v["type"], []).append(i)

    def add_ev(self, i, t, status, port, rank, kind, false=False) -> None:
        """One row of evidence about vessel ``i``."""
        for k, val in (
            ("v", i),
            ("t", t),
            ("status", status),
            ("port", port),
            ("rank", rank),
            ("kind", kind),
            ("false", false),
        ):
            self.ev[k].append(val)

    def group_of(self, i) -> str:
        """The group a counted vessel is counted in: its class, else its type."""
        v = self.V[i]
        return "class:" + v["vessel_class"] if v["vessel_class"] else "type:" + v["type"]

    def group_token(self, g: str, n: int) -> str:
        """How an observer counts ``n`` vessels of group ``g`` (``frigate x2``)."""
        name = g.split(":", 1)[1]
        r = self.rng.random()
        if r < 0.6:
            return f"{name} x{n}"
        if r < 0.8:
            return f"{n} x {name}"
        return f"{name} ({n})"

    def true_pos(self, i, t):
        """Vessel ``i``'s true position(s) at ``t``."""
        tr = self.tracks[i]
        x, y = tr.position(np.atleast_1d(np.asarray(t, dtype="float64")))
        return x, y

    def member(self, i, x, y):
        """Port and tier rank of the zone vessel ``i`` is in at (x, y)."""
        r = int(self.region_of[i])
        return _membership(np.atleast_1d(x), np.atleast_1d(y), self.zones, r, self.frames[r])

    def member_many(self, idx, x, y):
        """Port and tier rank of the zones vessels ``idx`` are in at (x, y)."""
        idx = np.asarray(idx, dtype=np.int64)
        p_out = np.full(len(idx), -1, np.int32)
        k_out = np.full(len(idx), -1, np.int32)
        reg_ = self.region_of[idx] if len(idx) else np.empty(0, int)
        for r in np.unique(reg_):
            m = reg_ == r
            p_out[m], k_out[m] = _membership(
                np.asarray(x)[m], np.asarray(y)[m], self.zones, int(r), self.frames[int(r)]
            )
        return p_out, k_out

    def pos_many(self, idx, t):
        """True positions of vessels ``idx`` at times ``t``."""
        idx = np.asarray(idx, dtype=np.int64)
        t = np.asarray(t, dtype="float64")
        x, y = np.empty(len(idx)), np.empty(len(idx))
        for i in np.unique(idx):
            m = idx == i
            x[m], y[m] = self.tracks[int(i)].position(t[m])
        return x, y

    def sighting(
        self, i, t, x, y, token=None, conf=None, false=False, note="", ids=None, true=True
    ):
        """A sighting to resolve later (:meth:`resolve_sightings`)."""
        self.pending.append(
            (i, t, x, y, token, conf, false, note, [i] if ids is None else ids, true)
        )

    def survey_schedule(self, span: float) -> list[tuple]:
        """Surveys of some ports at random times: ``(t, port, zone, coverage)`` in time order."""
        rng, ports = self.rng, self.ports
        n_ports = len(ports)
        n_surv = max(min(2, n_ports), int(round(0.6 * n_ports)))
        surveyed = [
            ports[k] for k in sorted(rng.choice(n_ports, size=min(n_surv, n_ports), replace=False))
        ]
        surveys = []
        for p in surveyed:
            mean = float(rng.uniform(8, 48)) * H
            t = float(rng.uniform(0, mean))
            while t < span:
                z = (
                    p.zones[0]
                    if len(p.zones) == 1 or rng.random() < 0.8
                    else p.zones[int(rng.integers(1, len(p.zones)))]
                )
                surveys.append(
                    (float(round(t)), p, z, "full" if rng.random() < 0.65 else "partial")
                )
                t += float(rng.exponential(mean))
        surveys.sort(key=lambda s: s[0])
        return surveys

    def survey_records(self, surveys: list[tuple]) -> list[dict]:
        """What each survey lists: registry vessels in the zone (all, if full), named or counted."""
        rng, V = self.rng, self.V
        st = np.array([s[0] for s in surveys])
        inside = np.zeros((len(surveys), len(V)), bool)
        for i in self.reg:
            if not len(surveys):
                break
            x, y = self.true_pos(i, st)
            r = int(V[i]["region"])
            for j, (_, p, z, _) in enumerate(surveys):
                if p.region == r and z.margin(x[j], y[j]) > 0:
                    inside[j, i] = True
        survey_recs = []
        for j, (t, p, z, cov) in enumerate(surveys):
            present = list(np.flatnonzero(inside[j]))
            listed = present if cov == "full" else [i for i in present if rng.random() < 0.6]
            named: list = []
            counted: dict[str, list] = {}
            for i in listed:
                if rng.random() < 0.85:
                    named.append(i)
                else:
                    counted.setdefault(self.group_of(i), []).append(i)
            survey_recs.append(
                dict(t=t, p=p, z=z, cov=cov, named=named, counted=counted, omit=set())
            )
        return survey_recs

    def false_absences(self, survey_recs, n_contra, contra, extra_sightings) -> None:
        """Full harbour surveys omitting a named vessel at rest there (seen again hours later)."""
        rng, V, tracks, groups = self.rng, self.V, self.tracks, self.groups
        cands = []
        for j, s in enumerate(survey_recs):
            if s["cov"] != "full" or s["z"].rank != 0:
                continue
            maybe = {
                m for g in s["counted"] for m in groups[g] if len(s["counted"][g]) < len(groups[g])
            }
            for i in s["named"]:
                if i in maybe:
                    continue
                tr = tracks[i]
                k = tr.seg(np.array([s["t"]]))[0]
                if tr.mode[k] != MOVE and tr.T[k + 1] - s["t"] > 8 * H:
                    cands.append((j, i, float(tr.T[k + 1])))
        for ci in rng.permutation(len(cands))[:n_contra]:
            j, i, rest_end = cands[ci]
            s = survey_recs[j]
            if i not in s["named"]:
                continue
            s["named"].remove(i)
            s["omit"].add(i)
            t2 = float(round(s["t"] + float(rng.uniform(2, 6)) * H))
            x, y = self.true_pos(i, t2)
            extra_sightings.append(
                (i, t2, float(x[0]), float(y[0]), None, False, "seen again at its berth")
            )
            contra.append(
                dict(
                    vessel_id=V[i]["vessel_id"],
                    v=i,
                    t=s["t"],
                    kind="false_absence",
                    port=s["p"].idx,
                    zones=[s["z"].idx],
                )
            )

    def false_presences(self, visits, span, n_contra, contra, extra_sightings) -> None:
        """Sightings in a harbour, hours after the vessel left, while AIS shows it at sea."""
        rng, V, ports = self.rng, self.V, self.ports
        pre = []
        for vi in visits:
            i = vi["v"]
            if (
                not (V[i]["registry"] and V[i]["has_ais"])
                or vi["open_d"]
                or vi["rank"] != len(ports[vi["port"]].zones) - 1
            ):
                continue
            t_f = round(vi["d"] + float(rng.uniform(3, 10)) * H)
            if t_f < span - H:
                pre.append((i, vi["port"], t_f))
        cands = []
        if pre:
            pi = np.array([c[0] for c in pre])
            x, y = self.pos_many(pi, [c[2] for c in pre])
            p_, _ = self.member_many(pi, x, y)
            cands = [c for c, pp in zip(pre, p_, strict=True) if pp < 0]
        for ci in rng.permutation(len(cands))[:n_contra]:
            i, pidx, t_f = cands[ci]
            h = ports[pidx].harbour
            pt = _place(rng, h, 30.0, None, None) or (h.cx, h.cy)
            extra_sightings.append((i, t_f, pt[0], pt[1], "probable", True, "reported in port"))
            contra.append(
                dict(
                    vessel_id=V[i]["vessel_id"],
                    v=i,
                    t=t_f,
                    kind="false_presence",
                    port=pidx,
                    zones=[z.idx for z in ports[pidx].zones],
                )
            )

    def survey_rows(self, survey_recs) -> None:
        """A row per survey (its tokens in random order) and the evidence it gives, in or out."""
        rng, V, groups = self.rng, self.V, self.groups
        for s in survey_recs:
            toks = []
            for i in s["named"]:
                toks.append(_token(rng, V[i]))
            attributed = set(s["named"])
            maybe = set()
            for g, members in s["counted"].items():
                toks.append(self.group_token(g, len(members)))
                if len(members) >= len(groups[g]):
                    attributed.update(groups[g])
                else:
                    maybe.update(groups[g])
            maybe -= attributed
            toks = [toks[k] for k in rng.permutation(len(toks))]
            p, z = s["p"], s["z"]
            if z.rank > 0:
                port_txt = f"{p.name}/{z.tier}"
            elif p.aliases and rng.random() < 0.2:
                port_txt = str(rng.choice(p.aliases))
            else:
                port_txt = p.name
            self.rows.append(
                dict(
                    time=s["t"],
                    lat=np.nan,
                    lon=np.nan,
                    kind="survey",
                    vessel="|".join(toks),
                    port=port_txt,
                    coverage=s["cov"],
                    source=str(rng.choice(_SOURCES[:5])),
                    confidence=np.nan,
                    confidence_text="",
                    notes=f"{s['cov']} survey of {p.name}/{z.tier}",
                )
            )
            self.meta.append(
                dict(
                    vessel_ids="|".join(sorted(V[i]["vessel_id"] for i in attributed)),
                    false=bool(s["omit"]),
                )
            )
            for i in attributed:
                self.add_ev(i, s["t"], SURV_IN, p.idx, z.rank, 2)
            if s["cov"] == "full":
                for i in self.reg:
                    if i not in attributed and i not in maybe:
                        self.add_ev(i, s["t"], SURV_OUT, p.idx, z.rank, 2, i in s["omit"])

    def vessel_sightings(self, span: float) -> None:
        """Each registry vessel seen at random times; OSINT-only ones also leaving and arriving."""
        rng = self.rng
        for i in self.reg:
            v = self.V[i]
            rate = (
                float(rng.uniform(0.4, 1.5)) if not v["has_ais"] else float(rng.uniform(0.05, 0.3))
            )
            ts = np.sort(rng.uniform(0, span, int(rng.poisson(rate * span / 86400))))
            tr = self.tracks[i]
            if not v["has_ais"]:  # seen leaving or arriving
                rk = np.flatnonzero((tr.mode != MOVE) & (tr.rport >= 0))
                more = []
                for k in rk:
                    if rng.random() < 0.3:
                        more.append(tr.T[k + 1] + float(rng.uniform(30, 900)))
                    if rng.random() < 0.15:
                        more.append(tr.T[k] - float(rng.uniform(30, 900)))
                ts = np.sort(np.concatenate([ts, np.array(more)]))
                ts = ts[(ts > 0) & (ts < span)]
            ts = np.round(ts)
            if not len(ts):
                continue
            xs, ys = self.true_pos(i, ts)
            for t, x, y in zip(ts, xs, ys, strict=True):
                self.sighting(i, float(t), float(x), float(y), note="")

    def group_sightings(self, span: float) -> None:
        """A whole class seen together in one zone; and uncountable ones (``frigate x1``)."""
        rng, groups = self.rng, self.groups
        for _ in range(int(rng.poisson(span / 86400 * 0.6))):
            t = float(round(rng.uniform(0, span)))
            cls = [g for g in groups if g.startswith("class:") and len(groups[g]) >= 2]
            if not cls:
                break
            g = cls[int(rng.integers(0, len(cls)))]
            mem = groups[g]
            pos = [self.true_pos(i, t) for i in mem]
            where = [self.member(i, px, py) for i, (px, py) in zip(mem, pos, strict=True)]
            if len({(int(p[0]), int(k[0])) for p, k in where}) == 1 and int(where[0][0][0]) >= 0:
                j = int(rng.integers(0, len(mem)))
                self.sighting(
                    mem[j],
                    t,
                    float(pos[j][0][0]),
                    float(pos[j][1][0]),
                    token=self.group_token(g, len(mem)),
                    ids=list(mem),
                    note="group",
                )
        for _ in range(int(rng.poisson(span / 86400 * 0.3))):
            multi = [g for g in groups if g.startswith("type:") and len(groups[g]) >= 2]
            if not multi:
                break
            g = multi[int(rng.integers(0, len(multi)))]
            i = groups[g][int(rng.integers(0, len(groups[g])))]
            t = float(round(rng.uniform(0, span)))
            x, y = self.true_pos(i, t)
            self.sighting(
                i,
                t,
                float(x[0]),
                float(y[0]),
                token=self.group_token(g, 1),
                ids=[],
                note="group, not identified",
            )

    def resolve_sightings(self) -> None:
        """The pending sightings as rows: reported up to 50 m off (never across a zone edge)."""
        rng, V, pending, region_of = self.rng, self.V, self.pending, self.region_of
        pi = np.array([p[0] for p in pending])
        x = np.array([p[2] for p in pending], dtype="float64")
        y = np.array([p[3] for p in pending], dtype="float64")
        jit = np.array([p[9] for p in pending])
        d = rng.uniform(0, 50, len(pending)) * jit  # reported up to 50 m off ...
        a = rng.uniform(0, 2 * math.pi, len(pending))
        xr, yr = x + d * np.cos(a), y + d * np.sin(a)
        p0, k0 = self.member_many(pi, x, y)
        p1, k1 = self.member_many(pi, xr, yr)
        same = (p0 == p1) & (k0 == k1)  # ... never on the other side of a zone edge
        xr, yr = np.where(same, xr, x), np.where(same, yr, y)
        p1, k1 = np.where(same, p1, p0), np.where(same, k1, k0)
        lon, lat = np.empty(len(pending)), np.empty(len(pending))
        for r in np.unique(region_of[pi]):
            m = region_of[pi] == r
            lon[m], lat[m] = self.frames[int(r)].lonlat(xr[m], yr[m])
        for j, (i, t, _, _, token, conf, false, note, ids, _) in enumerate(pending):
            ct, cv = _confidence(rng) if conf is None else (conf, CONFIDENCE_WORDS.get(conf, 0.7))
            self.rows.append(
                dict(
                    time=t,
                    lat=float(lat[j]),
                    lon=float(lon[j]),
                    kind="sighting",
                    vessel=token if token is not None else _token(rng, V[i]),
                    port=None,
                    coverage=None,
                    source=str(rng.choice(_SOURCES)),
                    confidence=cv,
                    confidence_text=ct,
                    notes=note,
                )
            )
            self.meta.append(
                dict(vessel_ids="|".join(sorted(V[k]["vessel_id"] for k in ids)), false=false)
            )
            for k in ids:
                self.add_ev(k, t, POS, int(p1[j]), int(k1[j]), 1, false)

    def tables(self, start_ns: int):
        """The canonical OSINT table and its meta (rows in random order); the evidence arrays."""
        rng, ev = self.rng, self.ev
        df = pd.DataFrame(
            self.rows,
            columns=[
                "time",
                "lat",
                "lon",
                "kind",
                "vessel",
                "port",
                "coverage",
                "source",
                "confidence",
                "confidence_text",
                "notes",
            ],
        )
        meta = pd.DataFrame(self.meta, columns=["vessel_ids", "false"])
        order = rng.permutation(len(df))
        df, meta = df.iloc[order].reset_index(drop=True), meta.iloc[order].reset_index(drop=True)
        df["time"] = _ts(
            start_ns + np.round(df["time"].to_numpy(dtype="float64") * NS).astype("int64")
        )
        df["kind"] = pd.Categorical(df["kind"], categories=list(schema.KINDS))
        df["src_file"] = np.where(df["kind"] == "survey", "sim_surveys.csv", "sim_sightings.csv")
        line = np.zeros(len(df), dtype="int64")
        for f in ("sim_surveys.csv", "sim_sightings.csv"):
            m = (df["src_file"] == f).to_numpy()
            line[m] = np.arange(2, m.sum() + 2)
        df["src_line"] = pd.array(line, dtype="Int32")
        df["confidence_text"] = df["confidence_text"].astype("string")
        df = schema.conform(df)
        evd = {k: np.asarray(ev[k]).astype(_EVIDENCE_DTYPES[k]) for k in ev}
        return df, meta, evd
