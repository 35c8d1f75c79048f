"""Write the example notebooks (outputs stripped) from the cells below.

    .venv/bin/python notebooks/_build.py

The ``.ipynb`` files are the deliverable; this script only keeps them easy to review and
regenerate. Cells tagged here are looked up by ``tests/test_notebooks.py``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

KERNEL = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(text: str, tag: str | None = None):
    cell = new_code_cell(text.strip("\n"))
    if tag:
        cell.metadata["tags"] = [tag]
    return cell


# ----------------------------------------------------------------------------------------------

TARTUS = [
    md(r"""
# Tartus, 30 November – 10 December 2024

The Russian Navy's Mediterranean flotilla at Tartus, Syria, as public reporting saw it in the
days before and after the fall of Damascus: six ships, a handful of satellite images and
spotter reports, **no AIS at all**. This notebook runs navwatch end to end on that evidence
(shipped with the package, every row citing its source in `navwatch/data/demo/`) and shows

1. the evidence table,
2. the departures navwatch infers, with their time windows, confidence and conflicts,
3. fleet dispersal from 30 Nov to 10 Dec as a plot,
4. the interactive map.

Everything here is a call into the public `navwatch` API; the notebook defines no logic of its
own. Install with `pip install -e '.[notebooks]'` and open with `jupyter lab notebooks/`.
"""),
    code(
        r"""
%matplotlib inline
import pandas as pd

import navwatch as nw
from navwatch.demo import demo_inputs

pd.set_option("display.max_colwidth", 70)
pd.set_option("display.width", 160)

zones = nw.load_ports()  # bundled zones: Tartus has harbour, anchorage and operating-area tiers
registry = nw.load_registry()  # the shipped registry: the six ships of the flotilla
registry.frame[["vessel_id", "name", "type", "vessel_class", "home_port"]]
"""
    ),
    md(r"""
## 1. The evidence

Two tables, read by `nw.read_observations` (the format is recognised from the header):

* **port surveys** — an image of the harbour and the ships seen in it. `coverage` *full* means a
  registered ship **not** listed was imaged and absent, so absence is evidence too. Later images
  give only types (`frigate x3 | oiler x2 | submarine x1`), which the registry resolves to ships.
* **sightings** — a ship (or a class with a count) at a position.

Read them with their caveats, which the analysis inherits:

* **Times are a convention.** No source publishes acquisition times. Every image is placed at
  **08:30Z** (mid-morning local, typical of sun-synchronous optical passes); the Yelnya sighting
  at **06:00Z** for "early on Monday 2 Dec". An event window bounded by an image is therefore
  only as exact as that convention (a few hours either way).
* **Positions of sightings are placements, not fixes.** No source gives coordinates: offshore
  sightings are placed by the *reported distance and bearing* from the naval piers (13 km at
  315° for the 9 Dec Planet image; 9.5 km at 292.5°, the middle of "7–12 km W/NW", for the
  10 Dec Maxar image). The Yelnya point is notional, just outside the harbour.
* **Identities are often inferred.** Only the 30 Nov / 1 Dec posts and the 3–4 Dec press name
  ships; Landsat (15–30 m) on 1 Dec cannot resolve them, they are carried over by position.
"""),
    code(
        r"""
obs = nw.read_observations(demo_inputs())
evidence = obs.sort_values("time", kind="stable")[
    ["time", "kind", "port", "coverage", "vessel", "lat", "lon", "confidence", "source"]
]
evidence
""",
        tag="evidence",
    ),
    md(r"""
## 2. Detection

`detect_port_events` resolves every row to ships of the registry, expands surveys into
per-ship presence/absence, and runs the per-ship port state machine. `with_states=True` also
returns the evidence rows it used with the port state after each one (needed for timelines,
dispersal and the map).
"""),
    code(
        r"""
det = nw.detect_port_events(obs, zones, registry, with_states=True)
det.stats
"""
    ),
    md(r"""
Two sightings are `sightings_unattributed`: the 9 Dec Planet image shows "two guided missile
frigates and an oiler" 13 km out, but the flotilla has three frigates and two oilers, so those
rows cannot be pinned on particular ships. navwatch counts them and does not guess; they do not
enter any ship's track.
"""),
    md(r"""
## 3. The inferred departures

Every departure comes with a **window** — `time_earliest` is the last evidence that the ship
was in the harbour, `time_latest` the first evidence that it was not — a best estimate `time`
(`time_method` says how), a `confidence` and `flags`.
"""),
    code(
        r"""
columns = ["vessel_name", "port", "tier", "time_earliest", "time_latest", "window_h", "time",
           "time_method", "confidence", "flags"]
departures = det.events.query("event == 'departure'")[columns]
departures
""",
        tag="departures",
    ),
    md(r"""
How to read it:

* **All six ships left the harbour twice.** First between the 1 Dec image and the 3 Dec image;
  then between 5 Dec and 9 Dec (Reuters: "sometime between Dec. 6 and Dec. 9").
* **Yelnya's first window is the narrowest (21.5 h)** because a sighting reports the oiler
  leaving early on 2 Dec. Its best estimate is projected back from that sighting; the sighting
  is a 0.6-confidence report with a notional position, hence confidence 0.30.
* **The other five first departures carry a contradiction flag.** The 3 Dec reports say the
  harbour was empty; the 5 Dec Maxar and BlackSky images show all six back, with no evidence of
  them anywhere else in between. Either the 3 Dec reading was wrong or they left and came back
  (ItaMilRadar: "after exercises"). navwatch does not pick one: it keeps both events, flags
  them and halves their confidence (0.20). Yelnya is not flagged: it *was* seen outside.
* **Survey-only windows are days wide** (48 h, then 96 h), so the best estimate is just the
  middle of the window (`midpoint`) and confidence is low (0.20–0.41). The data support
  "left between these two images", not a time of day.
"""),
    code(
        r"""
arrivals = det.events.query("event == 'arrival'")[columns]
arrivals
""",
        tag="arrivals",
    ),
    md(r"""
The arrivals mirror that: six returns between 3 and 5 Dec (five flagged, for the same reason),
and two ships *arriving in the anchorage tier* between 9 and 10 Dec — the Maxar sighting of
"Admiral Gorshkov class x2" 7–12 km offshore resolves to the two ships of that class.

Departures per day, placed by the best estimate or by the end of the window ("known gone by").
Days with evidence and no departure read 0; days with neither evidence nor an event are left
out rather than counted as 0, and `<NA>` marks a day that only the other reckoning places an
event on:
"""),
    code(
        r"""
per_day = pd.concat(
    {
        "best estimate": nw.departures_per_day(det.events, evidence=det.states)["Tartus"],
        "known gone by": nw.departures_per_day(det.events, by="time_latest", evidence=det.states)["Tartus"],
    },
    axis=1,
).astype("Int64")
per_day
""",
        tag="per-day",
    ),
    md(r"""
The best estimates put six departures on 2 Dec and six on 7 Dec: the middles of the windows,
days on which nobody imaged the harbour. What the evidence says is the right-hand column: one
ship known gone by the 2 Dec sighting, five more by the 3 Dec image, all six by the 9 Dec image.

### One ship: Yelnya

`vessel_timeline` lines up a ship's spells of constant port state (from the evidence) with the
events between them. Note the spell *in the anchorage* from 2 to 3 Dec: it rests on the notional
position of the 2 Dec sighting (placed just outside the harbour, inside the anchorage tier) and
on the 3 Dec image showing the harbour empty, which says nothing about the anchorage.
"""),
    code(
        r"""
nw.vessel_timeline(det.states, det.events, "Yelnya")[
    ["entry", "port", "tier", "start", "end", "duration_h", "n_evidence", "kinds", "confidence", "flags"]
]
""",
        tag="timeline",
    ),
    md(r"""
## 4. Dispersal, 30 Nov – 10 Dec

`fleet_dispersal` gives, every hour, each ship's status using only evidence up to that
moment: `in_port` (harbour), `offshore` (anchorage or operating area of its home port),
`at_sea`, `in_other_port`, or `unknown`. A ship known only to be **absent** from the harbour is
`unknown`, not `at_sea`: an empty harbour says where the ships are not, never where they are.
"""),
    code(
        r"""
disp = nw.fleet_dispersal(
    det.states, zones, registry, port="Tartus",
    start="2024-11-30 12:00", end="2024-12-10 12:00", params=nw.DispersalParams(every="1h"),
)
counts = disp.fleet.set_index("time")[["n_in_port", "n_offshore", "n_at_sea", "n_in_other_port", "n_unknown"]]
counts = counts.rename(columns=lambda c: c.removeprefix("n_"))
ax = counts.plot.area(
    figsize=(10, 3.5), linewidth=0, color=["#08306b", "#6baed6", "#31a354", "#756bb1", "#bdbdbd"],
    title="Tartus flotilla: status by hour (evidence up to each hour)",
)
ax.set_ylabel("ships")
ax.legend(loc="upper left", bbox_to_anchor=(1, 1));
""",
        tag="dispersal-plot",
    ),
    code(
        r"""
daily = disp.vessels[disp.vessels["time"].dt.hour == 12]
daily.pivot(index="vessel_name", columns="time", values="status").rename(columns=lambda t: t.strftime("%d %b"))
""",
        tag="dispersal-table",
    ),
    md(r"""
The plot is mostly a picture of *what was observed*: the ships in port until the 3 Dec image
(Yelnya offshore from its 2 Dec sighting), unknown until the 5 Dec image puts all six back in
port, unknown again once that image is older than 48 h (`stale_after_h`) and after the 9 Dec
image finds the harbour empty — except the two frigates placed offshore on 10 Dec, about
9.5 km from the piers at the placed position. The stretches of `unknown` are not "at sea":
there is simply no evidence of where the ships were.

## 5. The map

`map_report` returns a `folium.Map`, which renders inline: port zones by tier, the placed
sightings and survey positions, event markers with their windows, a time slider and the
dispersal panel. `nw.save_report(m, "tartus.html")` writes it as a standalone page
(`offline=True` makes one that needs no network).
"""),
    code(
        r"""
m = nw.map_report(
    det.states, det.events, zones, registry, fleet=disp.fleet, port="Tartus",
    title="Tartus, 30 Nov - 10 Dec 2024",
)
m
""",
        tag="map",
    ),
    md(r"""
## 6. The same story from satellite detections

The images behind the surveys can also be given as machine-style **detections** (a hull: time,
position, length, the analyst's `label`) and **scenes** (footprints with their ground
resolution): `navwatch/data/demo/imagery/`. `navwatch.imagery` matches detections to AIS (there is
none here: every hull is *dark*), sizes them up against the registry's lengths, carries an
identity from the sharp 30 Nov image to the same berths on the coarse 1 Dec Landsat image, and
turns each footprint over a port zone into a survey — which detection then reads like the hand
surveys.
"""),
    code(
        r"""
from navwatch import schema
from navwatch.demo import demo_dir
from navwatch.imagery import imagery_evidence, read_imagery

folder = demo_dir() / "imagery"
dets, scenes = read_imagery([folder / "detections.csv"], [folder / "scenes.geojson"])
imagery = imagery_evidence(dets, scenes, None, zones, registry)
imagery.surveys.query("port == 'Tartus/harbour'")[["time", "coverage", "present", "confidence"]]
""",
        tag="imagery-surveys",
    ),
    code(
        r"""
sightings = nw.read_observations([demo_dir() / "sightings.csv"])
det_img = nw.detect_port_events(schema.concat([sightings, imagery.observations]), zones, registry)
img_departures = det_img.events.query("event == 'departure'")[columns]
img_departures
""",
        tag="imagery-departures",
    ),
    md(r"""
The departures, their windows and the contradiction flags are those of the hand surveys: the
detections say what the analysts said, in the form a satellite detection service delivers.
"""),
    md(r"""
## What the evidence supports, and what it does not

**Supports**

* All six ships were in the Tartus harbour on 30 Nov and (by position) on 1 Dec.
* Yelnya left the harbour between the 1 Dec image and early 2 Dec.
* All six were in the harbour again on 5 Dec, and all had left it by the 9 Dec image.
* On 10 Dec two Admiral Gorshkov-class frigates were 7–12 km off Tartus.

**Does not support**

* Any departure *time* beyond its window: survey-bounded windows are 2–4 days wide, and their
  ends rest on the 08:30Z convention, not on published acquisition times.
* Whether the flotilla really left between 1 and 3 Dec: the 3 Dec "gone" reports are
  contradicted by the 5 Dec images, so those departures and returns are flagged and weighted
  0.20.
* Exact positions offshore: they are placements from reported distance and bearing.
* Where the ships went after 9 Dec, except the two frigates offshore: which ships the 9 Dec
  "two frigates and an oiler" were is not stated, and "the rest could not be located".
"""),
]


# ----------------------------------------------------------------------------------------------

AIS = [
    md(r"""
# Port departures in real AIS: New York harbour

navwatch's engine on real, public AIS, `--all-vessels` style: every MMSI in the data is tracked,
no registry needed. The data are the small slices shipped with the test suite (`tests/data/`,
see its README), cut unchanged from the files in `../shared/data/`:

| file | what |
| --- | --- |
| `noaa/nyharbor_2020-06-30_head.csv` | NOAA MarineCadastre, 30 Jun 2020: the first 599 rows (about 3.5 minutes, all vessels) |
| `noaa/nyharbor_2020-06-30_tugs_ferry.csv` | the same hour, 223 rows of a few tugs and a Staten Island ferry |
| `traj/nyharbor_2020-12_head.traj` | Sandia Tracktable, 1 Dec 2020 09:14–18:39: 20 trajectories, 19 MMSIs |
| `ports/wpi_slice.csv` | nine ports of the NGA World Port Index, as published |

The slices are **not continuous**: an hour in June, nine hours in December, and nothing in
between. Keep that in mind below; it is exactly the kind of thing the tables make visible.
To run on the full files, point `files` at `../shared/data/ais/...` and the ports at the full
`UpdatedPub150.csv`.
"""),
    code(
        r"""
%matplotlib inline
from pathlib import Path

import pandas as pd

import navwatch as nw

pd.set_option("display.width", 160)

DATA = Path("../tests/data")
files = [
    DATA / "noaa" / "nyharbor_2020-06-30_head.csv",
    DATA / "noaa" / "nyharbor_2020-06-30_tugs_ferry.csv",
    DATA / "traj" / "nyharbor_2020-12_head.traj",
]
quarantine = nw.Quarantine()
obs = nw.read_observations(files, quarantine=quarantine)
obs.groupby("src_file", observed=True).agg(
    rows=("time", "size"), vessels=("mmsi", "nunique"), first=("time", "min"), last=("time", "max")
)
""",
        tag="inputs",
    ),
    md(r"""
World Port Index ports are points; navwatch turns them into circles. The default radii by
harbour size (2–5 km) swallow most of New York's inner harbour, so we use 1.5 km circles, and
leave out navwatch's bundled (Mediterranean and Russian) zones.
"""),
    code(
        r"""
zones = nw.load_ports(DATA / "ports" / "wpi_slice.csv", default_radius_km=1.5, bundled=False)
zones[["port", "tier", "country", "locode"]]
"""
    ),
    code(
        r"""
det = nw.detect_port_events(obs, zones, all_vessels=True, quarantine=quarantine, with_states=True)
print(f"{len(quarantine)} rows quarantined")
det.stats
""",
        tag="detect",
    ),
    md(r"""
`duplicates` are repeated fixes (the two NOAA slices overlap); `transits` are passes through a
port circle that were too short and too fast to count as port calls; `pending_visits` are ships
that entered a port and had not stayed long enough when the data ended, so no arrival is
reported yet.

## Departures per port per day
"""),
    code(
        r"""
nw.departures_per_day(det.events, evidence=det.states)
""",
        tag="per-day",
    ),
    md(r"""
Two days, and they are **not comparable**: 30 June holds one hour of data (and for most vessels
3.5 minutes), 1 December nine hours of 19 vessels. A count of departures is a count of what the
archive saw. Hour by hour on 1 December (hours with data but no departure read 0):
"""),
    code(
        r"""
hourly = nw.departures_per_day(det.events, "1h", evidence=det.states).loc["2020-12-01"]
ax = hourly.set_axis(hourly.index.strftime("%H:%M")).plot.bar(
    stacked=True, figsize=(10, 3.5), rot=0, title="Departures per port and hour, 1 Dec 2020 (UTC)"
)
ax.set_xlabel("hour starting")
ax.set_ylabel("departures");
""",
        tag="hourly-plot",
    ),
    md(r"""
The events themselves. Most are crossings seen fix by fix (`interpolated`, windows of a minute
or two, confidence 0.90). The widest windows tell a different story:
"""),
    code(
        r"""
columns = ["vessel_name", "mmsi", "port", "event", "time_earliest", "time_latest", "window_h",
           "time_method", "confidence"]
det.events.nlargest(3, "window_h")[columns]
""",
        tag="widest",
    ),
    md(r"""
SUSAN MILLER was last seen outside St. George (WPI "Tompkinsville SI") on 30 June and next seen
inside it on 1 December: navwatch reports an arrival somewhere in those five months (window
3706 h, confidence 0.45). Its best estimate `time` is a back-projection from the ship's speed
and means little inside such a window — **read the window, not the point**.

## A vessel's timeline
"""),
    code(
        r"""
nw.vessel_timeline(det.states, det.events, "SUSAN MILLER")[
    ["entry", "port", "start", "end", "duration_h", "n_evidence", "kinds", "confidence"]
]
""",
        tag="timeline",
    ),
    md(r"""
Spells (`in`/`out`) come from the evidence, events sit between them. The first arrival is the
five-month window above. The two short spells *in New York City* with no event around them are
passes the detector did not count as port calls (shorter than 30 minutes, under way at every
fix): no arrival, no departure. With AIS a departure's window brackets the crossing of the port
circle, while the port state turns `out` only 1 km beyond it (the exit margin that stops a
moored ship from flickering), so the window can start before the `in` spell ends.

## Dark periods

Silences between consecutive AIS fixes of a vessel. `outage_h` is how much of each silence the
*archive itself* was silent (no fix from any vessel): a silence that is mostly outage says
nothing about the ship.
"""),
    code(
        r"""
gaps = nw.dark_periods(det.states, min_gap_h=0.25)
gaps[["vessel_name", "mmsi", "time_start", "time_end", "gap_h", "distance_km", "state_start",
      "port_start", "state_end", "port_end", "outage_h"]]
""",
        tag="dark",
    ),
    md(r"""
Five of the seven silences span June to December and are almost entirely outage: the archive
slices stop, the ships did not go dark. The other two are silences of the ships themselves, while
the archive recorded others: CG HAWSER, quiet for 18 minutes in port at Bayonne without moving
(common and benign), and MMSI 368111920, 30 minutes outside every port circle, reappearing
0.4 km away (it may well be moored somewhere the nine WPI circles do not cover). Neither means
anything on its own. At the 6 h threshold Global Fishing Watch uses, only the archive holes
are long enough, and filtering on `outage_h` removes them all:
"""),
    code(
        r"""
real = nw.dark_periods(det.states)  # min_gap_h=6
real[real["outage_h"] < 0.5 * real["gap_h"]]
"""
    ),
    md(r"""
## The map

1 December, the nine continuous hours: tracks (thinned), last positions, departure and arrival
markers with their windows, port circles and a time slider. Drop `since`/`until` to see June too.
"""),
    code(
        r"""
m = nw.map_report(
    det.states, det.events, zones, since="2020-12-01", until="2020-12-02",
    title="New York harbour AIS, 1 Dec 2020",
)
m
""",
        tag="map",
    ),
]


ACTIVITY = [
    md(r"""
# Activity at sea: what ships did between port calls

Port departures are where a story starts; what a watcher asks next is what the ships did at sea.
navwatch finds six kinds of activity in AIS tracks (definitions and thresholds in the README,
"Activity at sea"): **encounters** (two vessels together, slow, away from ports),
**replenishments** (two vessels side by side at 8-15 kn, flagged when one is an oiler),
**loitering**, **gaps** (AIS silences, and whether they look intentional), **spoofing** (one MMSI
in two places, displaced stretches, jamming of several vessels at once) and **identity changes**.

No open AIS archive labels replenishments at sea, so this notebook runs on a *simulated* world
with ground truth (`navwatch.simulate.activity`: a navy with oilers, merchant traffic, ports,
GPS noise, missing SOG, duplicates and decoys just either side of every threshold) and scores
the detections against it. Every cell is a call into the public `navwatch` API.
"""),
    code(
        r"""
%matplotlib inline
import navwatch as nw
from navwatch.simulate.activity import metrics_table, score_activity, simulate_activity

world = simulate_activity(11, n_vessels=24, days=4, n_ports=3)
obs, zones, registry = world.obs, world.zones, world.registry
print(f"{len(obs):,} AIS fixes of {obs['mmsi'].nunique()} MMSIs, {len(zones)} port zones")
obs.head(3)
"""
    ),
    md(r"""
## Every type in one table

`nw.detect_activity` runs every detector and returns one table (`schema.ACTIVITY`): the shared
columns (`event_id`, type, vessel and the other vessel of a pair, start and end in UTC,
position, confidence, evidence as `file:line`, flags) and each type's own fields.
`navwatch.activity.find_gaps`, `find_replenishments`, ... run one type each.
"""),
    code(
        r"""
ev = nw.detect_activity(obs, zones, registry)
ev["event_type"].value_counts()
""",
        tag="counts",
    ),
    md(r"""
## Replenishment at sea

Two vessels within 200 m on a common course at 8-15 kn for at least 30 min. The registry says
which vessels are oilers or auxiliaries: their replenishments are flagged `oiler` (a flag, not a
filter; a frigate alongside a merchant is reported too).
"""),
    code(
        r"""
cols = ["vessel_name", "other_vessel_name", "start", "duration_h", "median_distance_m",
        "median_speed_kn", "flags"]
ev.loc[ev["event_type"] == "replenishment", cols]
""",
        tag="replenishment",
    ),
    md(r"""
## Going dark

A gap is a silence of at least 6 h; Global Fishing Watch's rule calls it *likely intentional*
when it lasts 12 h or more, starts 50 nm or more from every port and the vessel was
transmitting densely before it (so the area had reception).
"""),
    code(
        r"""
gaps = ev[ev["event_type"] == "gap"]
gaps[["vessel_name", "start", "duration_h", "distance_from_port_km", "positions_before",
      "likely_intentional"]].sort_values("duration_h", ascending=False)
""",
        tag="gaps",
    ),
    md(r"""
## Position integrity

`two_places`: one MMSI reporting from two places at once (a cloned identity); `displaced`: a
stretch of fixes jumped out to and back from; `jamming`: several vessels displaced together,
one event naming them all rather than blaming each.
"""),
    code(
        r"""
spoof = ev[ev["event_type"] == "spoofing"]
spoof[["vessel_name", "start", "duration_h", "flags", "distance_km", "vessels"]]
""",
        tag="spoofing",
    ),
    md(r"""
## One vessel's story

`nw.vessel_timeline(..., activity=ev)` lines up a vessel's port spells, its departures and
arrivals, and what it did at sea (a pair's events appear for both vessels, with the other one
named in `detail`).
"""),
    code(
        r"""
det = nw.detect_port_events(obs, zones, registry, all_vessels=True, with_states=True)
who = ev.loc[ev["event_type"] == "replenishment", "vessel_id"].iloc[0]
tl = nw.vessel_timeline(det.states, det.events, who, activity=ev)
tl[["entry", "port", "start", "end", "duration_h", "flags", "detail"]]
""",
        tag="timeline",
    ),
    md(r"""
## Activity per day
"""),
    code(
        r"""
per_day = nw.activity_per_day(ev)
per_day.plot.bar(stacked=True, figsize=(8, 3), title="activity events per day (by start)");
""",
        tag="per-day-plot",
    ),
    md(r"""
## Are they right?

The simulator knows what happened. Precision and recall per type, and the start and end errors
in minutes (`bench/bench_activity.py` runs the same over many seeds and sizes):
"""),
    code(
        r"""
scores = score_activity(ev, world)
metrics_table(scores)[["truth", "detected", "precision", "recall", "start_err_med_min"]]
""",
        tag="scores",
    ),
    md(r"""
## Thresholds are parameters

Every threshold is an `ActivityParams` field with its unit in its name (a TOML `[activity]`
table loads with `ActivityParams.from_dict`). Only silences of 12 h or more:
"""),
    code(
        r"""
long_gaps = nw.detect_activity(obs, zones, registry, types=["gap"],
                               params=nw.ActivityParams(gap_min_h=12))
len(gaps), len(long_gaps)
"""
    ),
]


def build() -> None:
    for name, cells in (
        ("tartus_2024.ipynb", TARTUS),
        ("ais_port_departures.ipynb", AIS),
        ("activity_at_sea.ipynb", ACTIVITY),
    ):
        for i, cell in enumerate(cells):
            cell.id = f"{name.split('_')[0]}-{i:02d}"  # stable ids: regenerating gives no diff
        nb = new_notebook(cells=cells, metadata=KERNEL)
        nbformat.validate(nb)
        nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    build()
