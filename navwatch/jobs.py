"""Jobs: a whole detect, dispersal or report run, from paths to the files written.

One job reads the inputs (format auto-detected), loads the registry and the port zones, detects
port events with the chosen engine, derives what it is asked for and writes its outputs; the
CLI parses arguments and calls one of them, and users who want one call from paths can too.

Every job takes ``engine``:

``memory``
    read every input, then detect (the read statistics of every input are kept);
``out-of-core``
    split the inputs by vessel into buckets on disk and detect them in turn, each within
    ``memory_limit_mb`` (:func:`navwatch.scale.detect_partitioned`);
``dask``
    the same split, detected by the workers of a Dask cluster at ``scheduler`` (default a local
    cluster of 2 worker processes; ``pip install 'navwatch[dask]'``;
    :func:`navwatch.scale.dask_engine.detect_dask`).

Dispersal and reports are built from the detector's per-row ``states``; every engine returns
them, equal to a run in memory.

Rejected input rows go where :func:`quarantine_path` says: the one place that decides it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from . import schema
from .detect import Detection, DetectParams, detect_port_events
from .dispersal import Dispersal, DispersalParams, fleet_dispersal
from .errors import ConfigError, NavwatchError
from .io import read_observations
from .io.writers import write_dispersal, write_table
from .ports import load_ports
from .quarantine import Quarantine
from .registry import Registry, load_registry

__all__ = [
    "ActivityRun",
    "DetectRun",
    "DispersalRun",
    "Engine",
    "ImageryRun",
    "ReportRun",
    "detect_files",
    "dispersal_files",
    "disperse_states",
    "quarantine_path",
    "run_activity",
    "run_detect",
    "run_dispersal",
    "run_imagery",
    "run_report",
]

#: How a job detects: ``memory``, ``out-of-core`` or ``dask`` (see the module docstring).
Engine = Literal["memory", "out-of-core", "dask"]
ENGINES: tuple[str, ...] = get_args(Engine)

#: ``progress(what, i, n)``: ``what`` is the input file being read (``memory``) or the stage
#: (``spill``/``read``, ``detect``) of the ``out-of-core`` and ``dask`` engines.
Progress = Callable[[Any, int, int], None]

#: Time step of the dispersal panel of a report.
REPORT_DISPERSAL_EVERY = "6h"


def quarantine_path(output: str | Path, given: str | Path | None = None) -> Path:
    """Where a job that writes ``output`` puts the input rows it rejected: ``given`` if set,
    else next to the output as ``<output stem>.quarantine.csv``. The file is written only when
    some row was rejected.

    >>> quarantine_path("out/events.parquet").as_posix()
    'out/events.quarantine.csv'
    >>> quarantine_path("events.csv", "bad.parquet").as_posix()
    'bad.parquet'
    """
    if given is not None:
        return Path(given)
    output = Path(output)
    return output.with_name(output.stem + ".quarantine.csv")


def _write_quarantine(
    quarantine: Quarantine, output: str | Path | None, given: str | Path | None
) -> Path | None:
    """Write the rejected rows where :func:`quarantine_path` says (nothing if none, or if the
    job writes no ``output`` and no path is given); returns the file written."""
    base = output if output is not None else given
    if not len(quarantine) or base is None:
        return None
    path = quarantine_path(base, given)
    quarantine.write(path)
    return path


# ----------------------------------------------------------------------------------------------
# results


@dataclass
class DetectRun:
    """Everything a detect job produced: the detection, the inputs' read statistics, the
    observations (``memory`` engine only, else None), the registry and zones used, and the files
    written."""

    detection: Detection
    observations: pd.DataFrame | None
    read_stats: dict
    registry: Registry | None
    zones: object
    output: Path | None = None
    visits_output: Path | None = None
    quarantine_output: Path | None = None
    #: Satellite detections among the inputs: matched, and the surveys derived (None: none).
    imagery: Any = None

    @property
    def events(self) -> pd.DataFrame:
        return self.detection.events

    @property
    def visits(self) -> pd.DataFrame:
        return self.detection.visits

    @property
    def quarantine(self) -> Quarantine:
        return self.detection.quarantine

    @property
    def rows_in(self) -> int:
        """Observations detection was given (from every engine)."""
        return int(self.detection.stats.get("rows_in", 0))


@dataclass
class DispersalRun:
    """What a dispersal job produced: the dispersal, the detect run behind it (with ``states``)
    and the files written (per-vessel and fleet tables, rejected rows)."""

    dispersal: Dispersal
    detect: DetectRun
    output: Path | None = None
    fleet_output: Path | None = None
    quarantine_output: Path | None = None

    detection = property(lambda self: self.detect.detection, doc="The detection (with ``states``).")
    read_stats = property(lambda self: self.detect.read_stats, doc="The inputs' read statistics.")
    registry = property(lambda self: self.detect.registry, doc="The registry used.")
    zones = property(lambda self: self.detect.zones, doc="The port zones used.")
    quarantine = property(lambda self: self.detect.quarantine, doc="The rejected input rows.")


@dataclass
class ReportRun:
    """What a report job produced: the map (``navwatch_summary`` says what is on it), the file
    written, the detect run behind it, the fleet table of the dispersal panel (None: the panel
    counts port states) and notes on what the report could not show."""

    map: Any
    output: Path
    detect: DetectRun
    fleet: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict:
        return self.map.navwatch_summary

    @property
    def quarantine(self) -> Quarantine:
        return self.detect.quarantine


# ----------------------------------------------------------------------------------------------
# jobs: inputs to written outputs


def run_detect(
    inputs: Sequence[str | Path],
    *,
    output: str | Path | None = None,
    visits_output: str | Path | None = None,
    quarantine: str | Path | None = None,
    registry: str | Path | Registry | None = None,
    ports: str | Path | None = None,
    port_radius_km: float | None = None,
    all_vessels: bool = False,
    params: DetectParams | None = None,
    engine: Engine = "memory",
    memory_limit_mb: float = 2048,
    scheduler: str | None = None,
    progress: Progress | None = None,
    with_states: bool = False,
    imagery_params: Any = None,
) -> DetectRun:
    """Read every input (format auto-detected), detect port events with ``engine``, and write
    the events table to ``output``, the visits table to ``visits_output`` and rejected rows
    where :func:`quarantine_path` says (``quarantine``, else next to ``output``). Tables:
    ``.csv``, ``.parquet``, ``.geojson`` or ``.gpkg``; an output None is not written (with none
    at all nothing is: :data:`detect_files`).

    ``registry`` None means the registry shipped with navwatch; ``ports`` None means the bundled
    port zones only (a given ports file is added to them). ``memory_limit_mb`` is the
    ``out-of-core`` engine's, ``scheduler`` the ``dask`` engine's. ``with_states`` also returns
    the detector's per-row states (every engine makes them).

    Examples
    --------
    >>> import tempfile
    >>> from navwatch.demo import demo_inputs
    >>> out = Path(tempfile.mkdtemp()) / "events.csv"
    >>> run = run_detect(demo_inputs(), output=out, engine="out-of-core")
    >>> len(pd.read_csv(out)) == len(run.events) > 0, run.quarantine_output
    (True, None)
    """
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}; expected 'memory', 'out-of-core' or 'dask'")
    q = Quarantine()
    reg = registry if isinstance(registry, Registry) else load_registry(registry)
    zones = load_ports(ports, default_radius_km=port_radius_km)
    if engine == "memory":
        obs, imagery = read_with_imagery(
            inputs, q, zones, reg, progress=progress, params=imagery_params,
            exit_margin_km=params.exit_margin_km if params is not None else None,
        )  # fmt: skip
        det = detect_port_events(
            obs,
            zones,
            reg,
            params=params,
            all_vessels=all_vessels,
            quarantine=q,
            with_states=with_states,
        )
        run = DetectRun(
            det, obs, dict(obs.attrs.get("read_stats", {})), reg, zones, imagery=imagery
        )
    else:
        _no_imagery(inputs, engine)
        detect_split: Callable[..., Detection]  # the engines differ in their tuning keywords
        if engine == "out-of-core":
            from .scale import detect_partitioned as detect_split

            how: dict = {"memory_limit_mb": memory_limit_mb}
        else:
            from .scale.dask_engine import detect_dask as detect_split

            how = {"scheduler": scheduler}
        det = detect_split(
            inputs, zones, reg, params=params, all_vessels=all_vessels, quarantine=q, progress=progress, with_states=with_states, **how
        )  # fmt: skip
        if with_states and det.states is None:  # pragma: no cover - every engine makes them today
            raise ConfigError(
                f"engine {engine!r} cannot produce the detector's states that dispersal and reports need; use --engine memory"
            )
        run = DetectRun(det, None, {}, reg, zones)
    if output is not None:
        run.output = write_table(run.events, output, table="events")
    if visits_output is not None:
        run.visits_output = write_table(run.visits, visits_output, table="visits")
    run.quarantine_output = _write_quarantine(run.quarantine, output, quarantine)
    return run


def read_with_imagery(
    inputs: Sequence[str | Path],
    q: Quarantine,
    zones,
    reg,
    *,
    progress=None,
    params=None,
    exit_margin_km: float | None = None,
) -> tuple[pd.DataFrame, Any]:
    """Read the observation inputs; satellite detections and scenes among them are matched to
    that AIS and turned into surveys (:mod:`navwatch.imagery`), appended to the observations.
    ``exit_margin_km``: the detector's hysteresis band (:func:`navwatch.imagery.derive_surveys`).
    With imagery the AIS is read with its vessels' dimensions too (:data:`schema.DIMENSIONS`:
    the per-MMSI identity table of the matching carries them). Returns (observations,
    :class:`navwatch.imagery.ImageryEvidence` or None)."""
    from .imagery.evidence import imagery_evidence, read_imagery, split_inputs

    other, det_files, scene_files = split_inputs(inputs)
    if not det_files and not scene_files:
        return read_observations(
            list(inputs), quarantine=q, progress=progress, columns=schema.ANALYSIS_COLUMNS
        ), None
    columns = (*schema.ANALYSIS_COLUMNS, *schema.DIMENSIONS)
    obs = (
        read_observations(other, quarantine=q, progress=progress, columns=columns)
        if other
        else schema.empty()
    )
    dets, scenes = read_imagery(det_files, scene_files, quarantine=q)
    ev = imagery_evidence(dets, scenes, obs, zones, reg, params=params, quarantine=q,
                          exit_margin_km=exit_margin_km)  # fmt: skip
    stats = dict(obs.attrs.get("read_stats", {}))
    stats["imagery"] = ev.summary
    out = schema.concat([obs, ev.observations]) if len(ev.observations) else obs
    out.attrs = {"read_stats": stats}
    return out, ev


def _no_imagery(inputs: Sequence[str | Path], engine: str) -> None:
    from .imagery.evidence import split_inputs

    _, d, s = split_inputs(inputs)
    if d or s:
        raise ConfigError(
            f"satellite detections and scenes are matched in memory: use --engine memory (not "
            f"{engine!r}), or derive surveys first with `navwatch imagery` and give those"
        )


#: :func:`run_detect` without outputs reads and detects and writes nothing: the former
#: ``navwatch.pipeline.detect_files``.
detect_files = run_detect


def _check_states(run: DetectRun) -> None:
    if run.detection.states is None:
        raise ConfigError(
            "dispersal and reports need the detector's states: pass a run_detect(..., with_states=True)"
        )


def disperse_states(
    states: pd.DataFrame,
    zones,
    registry: Registry | None = None,
    *,
    all_vessels: bool = False,
    port: str | None = None,
    vessels: list[str] | None = None,
    start=None,
    end=None,
    params: DispersalParams | None = None,
) -> Dispersal:
    """:func:`~navwatch.dispersal.fleet_dispersal` of detected ``states``, the fleet chosen as
    every dispersal job chooses it: with ``all_vessels`` and neither ``port`` nor ``vessels``,
    every vessel with evidence (registry vessels without any are not listed)."""
    if all_vessels and port is None and vessels is None:
        vessels = sorted(str(v) for v in states["vessel_id"].dropna().unique())
    return fleet_dispersal(
        states, zones, registry, port=port, vessels=vessels, start=start, end=end, params=params
    )


def run_dispersal(
    inputs: Sequence[str | Path],
    *,
    output: str | Path | None = None,
    quarantine: str | Path | None = None,
    registry: str | Path | Registry | None = None,
    ports: str | Path | None = None,
    port_radius_km: float | None = None,
    all_vessels: bool = False,
    port: str | None = None,
    vessels: list[str] | None = None,
    start=None,
    end=None,
    params: DispersalParams | None = None,
    detect_params: DetectParams | None = None,
    engine: Engine = "memory",
    memory_limit_mb: float = 2048,
    scheduler: str | None = None,
    progress: Progress | None = None,
    detected: DetectRun | None = None,
) -> DispersalRun:
    """Read every input, detect port states with ``engine`` (:func:`run_detect`), measure
    dispersal (:func:`disperse_states`: ``port``, ``vessels``, ``start``, ``end``, ``params``),
    and write the per-vessel table to ``output``, the fleet table next to it as
    ``<stem>.fleet.csv`` (:func:`~navwatch.io.writers.write_dispersal`) and rejected rows where
    :func:`quarantine_path` says. Without ``output`` nothing is written (:data:`dispersal_files`).
    ``detected``, a :func:`run_detect` of the same inputs made ``with_states``, is used instead
    of detecting again (the reading and detection arguments are then ignored).

    Examples
    --------
    >>> from navwatch.demo import demo_inputs
    >>> run = run_dispersal(demo_inputs(), port="Tartus", params=DispersalParams(every="1D"))
    >>> int(run.dispersal.fleet["n_vessels"].iloc[0]), len(run.quarantine)
    (6, 0)
    """
    det = detected or run_detect(
        inputs, registry=registry, ports=ports, port_radius_km=port_radius_km, all_vessels=all_vessels,
        params=detect_params, progress=progress, engine=engine, memory_limit_mb=memory_limit_mb,
        with_states=True, scheduler=scheduler,
    )  # fmt: skip
    _check_states(det)
    disp = disperse_states(
        det.detection.states, det.zones, det.registry, all_vessels=all_vessels, port=port, vessels=vessels,
        start=start, end=end, params=params,
    )  # fmt: skip
    run = DispersalRun(disp, det)
    if output is not None:
        run.output, run.fleet_output = (Path(p) for p in write_dispersal(run.dispersal, output))
    run.quarantine_output = _write_quarantine(run.quarantine, output, quarantine)
    return run


#: :func:`run_dispersal` without outputs writes nothing: the former
#: ``navwatch.pipeline_dispersal.dispersal_files``.
dispersal_files = run_dispersal


def run_report(
    inputs: Sequence[str | Path],
    *,
    output: str | Path = "report.html",
    quarantine: str | Path | None = None,
    registry: str | Path | Registry | None = None,
    ports: str | Path | None = None,
    port_radius_km: float | None = None,
    all_vessels: bool = False,
    port: str | None = None,
    since: pd.Timestamp | None = None,
    until: pd.Timestamp | None = None,
    offline: bool = False,
    tiles: str | None = None,
    full_paths: bool = False,
    max_track_points: int = 1000,
    detect_params: DetectParams | None = None,
    dispersal_params: DispersalParams | None = None,
    engine: Engine = "memory",
    memory_limit_mb: float = 2048,
    scheduler: str | None = None,
    progress: Progress | None = None,
    detected: DetectRun | None = None,
    activity: bool | Sequence[str] | None = None,
    activity_events: str | Path | pd.DataFrame | None = None,
    activity_params: Any = None,
    max_activity_events: int = 1000,
    scenes: Any = None,
    detections: pd.DataFrame | None = None,
    max_detections: int = 5000,
) -> ReportRun:
    """Write an HTML map report (:func:`navwatch.report.map_report`) to ``output``.

    With ``port`` the dispersal panel shows that port's fleet (``dispersal_params``, default
    every :data:`REPORT_DISPERSAL_EVERY`, over ``since`` .. ``until``); if it cannot be measured
    the panel counts port states and ``notes`` says why. Rejected input rows are written only if
    ``quarantine`` names a file (the report itself counts them). ``detected`` as in
    :func:`run_dispersal`.

    Activity at sea is drawn with ``activity`` (True: every type; or the types to detect, as
    :func:`navwatch.activity.detect_activity` takes them, with ``activity_params``), detected
    over the same observations as the report (every MMSI, so an encounter with an unlisted
    vessel is found), and/or ``activity_events``: an activity table or a file written by
    ``navwatch activity`` (:func:`navwatch.report.read_activity`); an event in both is drawn
    once. Without ``all_vessels`` only the events involving a vessel of the report are drawn.
    At most ``max_activity_events`` are drawn; ``notes`` says what was left out.

    Satellite ``scenes`` (a GeoDataFrame, ``navwatch.imagery.read_scenes``) and matched
    ``detections`` (``navwatch.imagery.match_detections``, or
    :func:`navwatch.report.read_detections`) are drawn as layers, at most ``max_detections``
    detections; ``notes`` says what was left out. Detections and scenes among the ``inputs``
    are matched and drawn the same way (when neither is given).
    """
    from .report import map_report, save_report  # folium: imported only for reports

    run = detected or run_detect(
        inputs, registry=registry, ports=ports, port_radius_km=port_radius_km, all_vessels=all_vessels,
        params=detect_params, progress=progress, engine=engine, memory_limit_mb=memory_limit_mb,
        with_states=True, scheduler=scheduler,
    )  # fmt: skip
    _check_states(run)
    det, notes, fleet = run.detection, [], None
    dparams = dispersal_params or DispersalParams(every=REPORT_DISPERSAL_EVERY)
    if port:
        try:
            fleet = fleet_dispersal(
                det.states, run.zones, run.registry, port=port, start=since, end=until,
                params=dparams,
            ).fleet  # fmt: skip
        except NavwatchError as exc:
            notes.append(f"no dispersal panel: {exc}")
    act = _report_activity(
        run, inputs, activity, activity_events, activity_params, all_vessels, notes, progress
    )
    if run.imagery is not None:  # satellite detections among the inputs: drawn unless given
        scenes = run.imagery.scenes if scenes is None else scenes
        detections = run.imagery.detections if detections is None else detections
    m = map_report(
        det.states, det.events, run.zones, run.registry, fleet=fleet, port=port, since=since, until=until,
        offline=offline, tiles=tiles, full_paths=full_paths, max_track_points=max_track_points,
        stale_after_h=dparams.stale_after_h, activity=act, max_activity_events=max_activity_events,
        scenes=scenes, detections=detections, max_detections=max_detections,
    )  # fmt: skip
    s = m.navwatch_summary  # type: ignore[attr-defined]
    notes += _imagery_notes(s, max_detections)
    if s["activity_capped"]:
        notes.append(
            f"activity: {s['activity']:,} of {s['activity_in_period']:,} events drawn "
            f"(at most {max_activity_events:,}: the most telling of each type)"
        )
    if s["activity_unknown_types"]:
        notes.append(f"activity: unknown event types not drawn: {s['activity_unknown_types']}")
    path = save_report(m, output)
    if quarantine is not None:
        run.quarantine_output = _write_quarantine(run.quarantine, None, quarantine)
    return ReportRun(m, Path(path), run, fleet, notes)


def _imagery_notes(s: dict, max_detections: int) -> list[str]:
    """What a report's imagery layers left out (``s``: its ``navwatch_summary``)."""
    notes = []
    if s["detections"] < s["detections_in_period"]:
        notes.append(
            f"satellite detections: {s['detections']:,} of {s['detections_in_period']:,} drawn "
            f"(at most {max_detections:,}: an equal share per status, the highest scores first)"
        )
    if s["scenes"] < s["scenes_in_period"]:
        notes.append(f"scenes: {s['scenes']:,} of {s['scenes_in_period']:,} footprints drawn (the latest)")  # fmt: skip
    if s["detections_unknown_status"]:
        notes.append(
            f"satellite detections: {s['detections_unknown_status']:,} with a status other than "
            "matched or dark not drawn"
        )
    return notes


def _report_activity(
    run: DetectRun,
    inputs,
    activity,
    activity_events,
    params,
    all_vessels: bool,
    notes: list,
    progress,
) -> pd.DataFrame | None:
    """The activity table a report draws (see :func:`run_report`), or None."""
    from .report import read_activity
    from .report._activity import check_activity, involved

    tables = []
    if activity is not None and activity is not False:
        from .activity import detect_activity

        obs = run.observations
        if obs is None:  # the out-of-core and dask engines keep no observations: read them again
            notes.append("activity: the inputs were read again, in memory, for activity detection")
            obs = read_observations(
                list(inputs), quarantine=Quarantine(), progress=progress,
                columns=schema.ANALYSIS_COLUMNS,
            )  # fmt: skip
        types = (
            None
            if activity is True
            else [activity]
            if isinstance(activity, str)
            else list(activity)
        )
        found = detect_activity(obs, run.zones, run.registry, types=types, params=params)
        tables.append(check_activity(found))
    if activity_events is not None:
        given = activity_events
        tables.append(
            check_activity(given, where="activity_events")
            if isinstance(given, pd.DataFrame)
            else read_activity(given)
        )
    if not tables:
        return None
    act = pd.concat(tables, ignore_index=True)
    act = act[~(act["event_id"].ne("") & act["event_id"].duplicated())].reset_index(drop=True)
    states = run.detection.states
    if not all_vessels and states is not None and len(act):
        mine = involved(act, {str(v) for v in states["vessel_id"].dropna().unique()})
        if (~mine).any():
            notes.append(
                f"activity: {int((~mine).sum()):,} events involve no vessel of the report, not "
                "drawn (--all-vessels draws them)"
            )
        act = act[mine].reset_index(drop=True)
    return act


@dataclass
class ActivityRun:
    """What an activity job produced: the events, the inputs' read statistics, the
    quarantine, and the files written."""

    events: pd.DataFrame
    read_stats: dict
    quarantine: Quarantine
    output: Path | None = None
    quarantine_output: Path | None = None


def run_activity(
    inputs: Sequence[str | Path],
    *,
    output: str | Path | None = None,
    quarantine: str | Path | None = None,
    registry: str | Path | Registry | None = None,
    ports: str | Path | None = None,
    port_radius_km: float | None = None,
    all_vessels: bool = True,
    types: Sequence[str] | None = None,
    params: Any = None,
    progress: Progress | None = None,
) -> ActivityRun:
    """Read every input and detect activity at sea (:func:`navwatch.activity.detect_activity`);
    write the table to ``output`` (``.csv``, ``.parquet``, ``.geojson`` or ``.gpkg``) and the
    rejected rows next to it (or to ``quarantine``).

    Examples
    --------
    >>> import tempfile
    >>> from navwatch.demo import demo_inputs
    >>> run = run_activity(demo_inputs(), output=Path(tempfile.mkdtemp()) / "activity.csv")
    >>> run.output.exists(), list(run.events.columns[:3])
    (True, ['event_id', 'event_type', 'vessel_id'])
    """
    from .activity import detect_activity

    q = Quarantine()
    reg = registry if isinstance(registry, Registry) else load_registry(registry)
    zones = load_ports(ports, default_radius_km=port_radius_km)
    obs = read_observations(
        list(inputs), quarantine=q, progress=progress, columns=schema.ANALYSIS_COLUMNS
    )
    events = detect_activity(obs, zones, reg, types=types, params=params, all_vessels=all_vessels)
    run = ActivityRun(events, dict(obs.attrs.get("read_stats", {})), q)
    if output is not None:
        run.output = write_table(events, output, table="activity")
    run.quarantine_output = _write_quarantine(q, output, quarantine)
    return run


# ----------------------------------------------------------------------------------------------
# imagery


@dataclass
class ImageryRun:
    """What an imagery job produced: the evidence (matched detections, scenes, derived
    surveys), the inputs' read statistics and the files written."""

    evidence: Any
    read_stats: dict
    quarantine: Quarantine
    output: Path | None = None
    surveys_output: Path | None = None
    quarantine_output: Path | None = None


def run_imagery(
    inputs: Sequence[str | Path],
    *,
    output: str | Path | None = None,
    surveys_output: str | Path | None = None,
    quarantine: str | Path | None = None,
    registry: str | Path | Registry | None = None,
    ports: str | Path | None = None,
    port_radius_km: float | None = None,
    params: Any = None,
    progress: Progress | None = None,
) -> ImageryRun:
    """Read satellite detections, scenes and any AIS among ``inputs`` (each judged by its
    content), match the detections and derive port surveys from the footprints
    (:mod:`navwatch.imagery`); write the detections table to ``output``, the surveys to
    ``surveys_output`` (a surveys CSV ``navwatch detect`` reads back) and rejected rows next
    to ``output`` (or to ``quarantine``)."""
    from .imagery.evidence import split_inputs

    q = Quarantine()
    reg = registry if isinstance(registry, Registry) else load_registry(registry)
    zones = load_ports(ports, default_radius_km=port_radius_km)
    _, dets, scenes = split_inputs(inputs)
    if not dets and not scenes:
        raise ConfigError(
            "no satellite detections or scenes among the inputs (GFW, Skylight or generic "
            "detections; scenes CSV/GeoJSON): see README 'Satellite detections'"
        )
    obs, ev = read_with_imagery(inputs, q, zones, reg, progress=progress, params=params)
    run = ImageryRun(ev, dict(obs.attrs.get("read_stats", {})), q)
    if output is not None:
        run.output = write_table(ev.detections, output, table="detections")
    if surveys_output is not None:
        run.surveys_output = write_table(ev.surveys, surveys_output, table="imagery_surveys")
    run.quarantine_output = _write_quarantine(q, output or surveys_output, quarantine)
    return run
