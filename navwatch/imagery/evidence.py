"""Imagery as evidence in one call: read detections and scenes, match them, derive surveys, and
hand those surveys to port-event detection as ``kind='survey'`` observations."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import IngestError
from ..io import InMemory, read_surveys
from ..quarantine import Quarantine
from ..registry import Registry
from .match import _tracks, match_detections
from .params import ImageryParams
from .surveys import derive_surveys

__all__ = [
    "ImageryEvidence",
    "imagery_evidence",
    "read_imagery",
    "split_inputs",
    "surveys_as_observations",
]


@dataclass
class ImageryEvidence:
    """What imagery says: ``detections`` matched (:data:`navwatch.imagery.MATCH_COLUMNS`),
    the ``scenes``, the ``surveys`` derived from them, and ``observations``: those surveys as
    canonical ``kind='survey'`` rows for :func:`navwatch.detect_port_events`."""

    detections: pd.DataFrame
    scenes: gpd.GeoDataFrame
    surveys: pd.DataFrame
    observations: pd.DataFrame = field(repr=False)

    @property
    def summary(self) -> dict:
        d = self.detections
        return {
            "scenes": len(self.scenes),
            "detections": len(d),
            "matched": int((d["status"] == "matched").sum()) if len(d) else 0,
            "ambiguous": int((d["status"] == "ambiguous").sum()) if len(d) else 0,
            "dark": int((d["status"] == "dark").sum()) if len(d) else 0,
            "surveys": len(self.surveys),
            "full_surveys": int((self.surveys["coverage"] == "full").sum())
            if len(self.surveys)
            else 0,
        }


def split_inputs(paths: Iterable[str | Path]) -> tuple[list, list, list]:
    """(observation inputs, detections files, scenes files), each file judged by its content
    (:func:`navwatch.io.detect_format`); globs expanded."""
    from ..io import _expand, detect_format

    other: list[Path | InMemory] = []
    dets: list[Path | InMemory] = []
    scenes: list[Path | InMemory] = []
    for p in _expand(list(paths)):
        fmt = detect_format(p)
        (dets if fmt == "detections" else scenes if fmt == "scenes" else other).append(p)
    return other, dets, scenes


def read_imagery(
    detection_paths: Iterable[str | Path],
    scene_paths: Iterable[str | Path] = (),
    *,
    quarantine: Quarantine | None = None,
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Every detections file and every scenes file read and concatenated; scenes a detections
    file carries itself (GFW ``footprint_wkt``) are added to the scenes read."""
    from .readers import read_detections, read_scenes

    scene_frames = [read_scenes(p, quarantine=quarantine) for p in scene_paths]
    scenes = _concat_scenes(scene_frames)
    det_frames = []
    for p in detection_paths:
        d = read_detections(p, quarantine=quarantine, scenes=scenes if len(scenes) else None)
        own = d.attrs.get("scenes")
        if own is not None and len(own):
            scene_frames.append(own)
        det_frames.append(d)
    scenes = _concat_scenes(scene_frames)
    dets = pd.concat(det_frames, ignore_index=True) if det_frames else pd.DataFrame()
    return dets, scenes


def _concat_scenes(frames: Sequence[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return gpd.GeoDataFrame({"scene_id": [], "time": []}, geometry=[], crs="EPSG:4326")
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out.drop_duplicates("scene_id"), geometry="geometry", crs="EPSG:4326")


def imagery_evidence(
    detections: pd.DataFrame,
    scenes: gpd.GeoDataFrame,
    ais: pd.DataFrame | None,
    zones,
    registry: Registry | None,
    *,
    params: ImageryParams | None = None,
    quarantine: Quarantine | None = None,
    exit_margin_km: float | None = None,
) -> ImageryEvidence:
    """Match ``detections`` to the AIS in ``ais`` (any canonical observations; the AIS rows are
    used) and the registry, and derive the surveys of ``zones`` the ``scenes`` image
    (``exit_margin_km``: the detector's hysteresis band, see :func:`derive_surveys`)."""
    if len(detections) and not len(scenes):
        raise IngestError(
            "<imagery>",
            "detections were given without any scene footprint: give the scenes file (or a GFW "
            "table with footprint_wkt); a footprint is what lets imagery say a vessel was absent",
        )
    tracks = _tracks(ais, registry)  # sorted once for matching and surveys
    matched = match_detections(detections, tracks, registry, scenes=scenes, zones=zones,
                               params=params, quarantine=quarantine)  # fmt: skip
    surveys = derive_surveys(scenes, matched, zones, registry, ais=tracks, params=params,
                             exit_margin_km=exit_margin_km)  # fmt: skip
    return ImageryEvidence(matched, scenes, surveys, surveys_as_observations(surveys))


def surveys_as_observations(surveys: pd.DataFrame) -> pd.DataFrame:
    """Derived surveys as canonical ``kind='survey'`` rows, read exactly as a hand-written
    surveys CSV is (:func:`navwatch.io.read_surveys`); ``src_file`` names the scene."""
    if not len(surveys):
        from .. import schema

        return schema.empty()
    buf = io.StringIO()
    surveys.to_csv(buf, index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
    return read_surveys(InMemory(buf.getvalue().encode(), "<imagery surveys>"))
