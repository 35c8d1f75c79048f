"""The result of a simulation: :class:`Scenario`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .. import schema
from ..registry import COLUMNS as REGISTRY_COLUMNS
from ..registry import Registry


@dataclass
class Scenario:
    """A simulated world and the evidence about it, with ground truth.

    Attributes
    ----------
    seed : int
        The seed it was built from (same seed and arguments -> identical scenario).
    start, end : pandas.Timestamp
        The observed period (UTC).
    zones : geopandas.GeoDataFrame
        Port zones in navwatch's format (:data:`navwatch.ports.ZONE_COLUMNS`), tiers nested.
    vessels : pandas.DataFrame
        Every vessel: the registry columns plus ``registry`` (in the registry), ``has_ais``,
        ``fix_interval_s``, ``gps_error_m``, ``sog_missing``, ``ais_port_only``, ``region``.
    registry : navwatch.registry.Registry
        The registry vessels (``vessels[vessels.registry]``).
    ais : pandas.DataFrame
        Canonical AIS observations (:mod:`navwatch.schema`), rows in random order.
    ais_meta : pandas.DataFrame
        Per AIS row (same index): ``vessel_id``, ``at_rest``, ``fault`` (``''``,
        ``duplicate``, ``jump``), ``visible`` (a detector can use it), ``port``/``tier_rank``
        of the innermost zone containing the fix (``''``/-1 at sea).
    osint : pandas.DataFrame
        Canonical sightings and (unexpanded) surveys. Sightings keep the confidence as
        written in ``confidence_text``; ``confidence`` holds its number
        (:data:`CONFIDENCE_WORDS`, ``80%`` -> 0.8).
    osint_meta : pandas.DataFrame
        Per OSINT row (same index): ``vessel_ids`` it names attributably (``|``-separated),
        ``false`` (an injected contradiction).
    truth_visits : pandas.DataFrame
        ``visit_id, vessel_id, port, tier, tier_rank, arrival, departure, kind`` (``call`` or
        ``transit``), ``stopped``, ``rest_min``, ``osint_present``, ``evidenced_ais``,
        ``evidenced``, ``decoys``, ``registry``, ``has_ais``. ``arrival``/``departure`` are NaT
        when the visit runs past the start/end. ``evidenced_ais``: the visible AIS fixes show
        the stop (a fix at rest with SOG, or two fixes in the zone at least 10 min apart
        implying under 0.5 kn, which no transit can produce); ``evidenced``: that, or OSINT
        placing it in port.
    truth_events : pandas.DataFrame
        ``vessel_id, port, tier, tier_rank, event, time, visit_id, stopped, osint_present,
        evidenced_ais, evidenced, registry, has_ais``, the tight windows
        ``tight_earliest, tight_latest`` (all evidence; NaT where no evidence exists on that
        side) with the kind of the bounding evidence ``earliest_kind, latest_kind``,
        ``tight_earliest_ais, tight_latest_ais`` (AIS alone), ``evidence`` (``ais``,
        ``osint``, ``mixed`` or ``none``: the kinds bounding the all-evidence window),
        ``time_tol_s``, ``consistent`` and ``decoys``.
    contradictions : pandas.DataFrame
        Injected false evidence: ``vessel_id, time, kind, port, zones``.
    decoys : pandas.DataFrame
        Every decoy laid (:data:`DECOYS`): ``vessel_id, decoy, port, start, end`` (the rest or
        the pass), including those that label no visit (``sea_stop``, a stop 50 m outside a
        zone with no outer tier).
    tracks : pandas.DataFrame
        The true plan, one row per leg: ``vessel_id, t0, t1, x0, y0, x1, y1, mode``
        (``move``/``rest``/``swing``), ``speed_kn``, ``region`` (local frame, metres).
    params : dict
        The arguments of :func:`simulate`.
    regions : pandas.DataFrame
        The local frames of ``tracks``: ``region, lat0, lon0`` (spherical azimuthal-equidistant
        frames centred there; :mod:`navwatch.simulate.imagery` maps tracks to lon/lat with them).
    """

    seed: int
    start: pd.Timestamp
    end: pd.Timestamp
    zones: gpd.GeoDataFrame
    vessels: pd.DataFrame
    registry: Registry
    ais: pd.DataFrame
    ais_meta: pd.DataFrame
    osint: pd.DataFrame
    osint_meta: pd.DataFrame
    truth_visits: pd.DataFrame
    truth_events: pd.DataFrame
    contradictions: pd.DataFrame
    decoys: pd.DataFrame
    tracks: pd.DataFrame
    params: dict = field(default_factory=dict)
    regions: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["region", "lat0", "lon0"])
    )

    def observations(self) -> pd.DataFrame:
        """AIS and OSINT in one canonical observation table."""
        return schema.concat([self.ais, self.osint])

    def summary(self) -> dict:
        """Counts of what the scenario holds."""
        v, tv, te = self.vessels, self.truth_visits, self.truth_events
        return {
            "seed": self.seed,
            "days": round((self.end - self.start) / pd.Timedelta(days=1), 2),
            "ports": int(self.zones["port"].nunique()),
            "zones": len(self.zones),
            "vessels": len(v),
            "registry": int(v["registry"].sum()),
            "ais_vessels": int(v["has_ais"].sum()),
            "ais_rows": len(self.ais),
            "sightings": int((self.osint["kind"] == "sighting").sum()),
            "surveys": int((self.osint["kind"] == "survey").sum()),
            "calls": int((tv["kind"] == "call").sum()),
            "transits": int((tv["kind"] == "transit").sum()),
            "events": len(te),
            "contradictions": len(self.contradictions),
            "decoys": sorted(set(self.decoys["decoy"])),
        }

    def write_inputs(self, directory: str | Path) -> dict[str, Path]:
        """Write the evidence as files navwatch reads, as an analyst would hold them.

        ``ais.csv`` (NOAA MarineCadastre legacy layout, sorted by time), ``sightings.csv`` (with
        the confidence as written), ``surveys.csv``, ``ports.geojson`` and ``vessels.csv``.
        Returns the paths by name.
        """
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = {
            k: d / f
            for k, f in (
                ("ais", "ais.csv"),
                ("sightings", "sightings.csv"),
                ("surveys", "surveys.csv"),
                ("ports", "ports.geojson"),
                ("vessels", "vessels.csv"),
            )
        }
        write_noaa_ais(self.ais, paths["ais"])
        o = self.osint
        s = o[o["kind"] == "sighting"]
        pd.DataFrame(
            {
                "time": s["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "vessel": s["vessel"],
                "lat": s["lat"].round(6),
                "lon": s["lon"].round(6),
                "source": s["source"].astype(str),
                "confidence": s["confidence_text"],
                "notes": s["notes"],
            }
        ).to_csv(paths["sightings"], index=False)
        v = o[o["kind"] == "survey"]
        pd.DataFrame(
            {
                "time": v["time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "port": v["port"],
                "source": v["source"].astype(str),
                "coverage": v["coverage"],
                "present": v["vessel"].fillna(""),
                "notes": v["notes"],
            }
        ).to_csv(paths["surveys"], index=False)
        self.zones.to_file(paths["ports"], driver="GeoJSON")
        self.registry.frame.reindex(columns=REGISTRY_COLUMNS, fill_value="").to_csv(
            paths["vessels"], index=False
        )
        return paths


def write_noaa_ais(ais: pd.DataFrame, path: str | Path, dims: pd.DataFrame | None = None) -> None:
    """Canonical AIS rows as a NOAA MarineCadastre legacy CSV (sorted by time), which navwatch
    reads. ``dims`` (``mmsi, length_m, beam_m``, NaN unknown) fills ``Length``/``Width`` on
    every row of that MMSI, as NOAA repeats the static data on each row."""
    a = ais.sort_values("time", kind="stable")
    length = width = pd.Series("", index=a.index, dtype=object)
    if dims is not None and len(dims):
        by = dims.assign(mmsi=pd.to_numeric(dims["mmsi"], errors="coerce"))
        by = by.dropna(subset=["mmsi"]).drop_duplicates("mmsi").set_index("mmsi")
        mm = pd.to_numeric(a["mmsi"], errors="coerce")
        length, width = (
            mm.map(by[c]).round(0).astype("Int64").astype(object).where(lambda x: x.notna(), "")
            for c in ("length_m", "beam_m")
        )
    pd.DataFrame(
        {
            "MMSI": a["mmsi"].astype("Int64"),
            "BaseDateTime": a["time"].dt.strftime("%Y-%m-%dT%H:%M:%S"),
            "LAT": a["lat"].round(6),
            "LON": a["lon"].round(6),
            "SOG": a["sog_kn"].round(1),
            "COG": a["cog_deg"].round(1),
            "Heading": 511,
            "VesselName": "",
            "IMO": "",
            "CallSign": "",
            "VesselType": "",
            "Status": "",
            "Length": length,
            "Width": width,
            "Draft": "",
            "Cargo": "",
            "TransceiverClass": "A",
        }
    ).to_csv(path, index=False)
