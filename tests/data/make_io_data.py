"""Rebuild the converted reader test files from the real NOAA slice (see README.md).

Run from the repository root: ``python tests/data/make_io_data.py``. Only the standard library is
used, so values are copied as text exactly as they appear in the real rows.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).parent
SLICE = HERE / "noaa" / "nyharbor_2020-06-30_head.csv"

DMA_HEADER = (
    "# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Navigational status,ROT,SOG,COG,Heading,"
    "IMO,Callsign,Name,Ship type,Cargo type,Width,Length,Type of position fixing device,Draught,"
    "Destination,ETA,Data source type,A,B,C,D"
).split(",")

DMA_STATUS = {
    0: "Under way using engine",
    1: "At anchor",
    2: "Not under command",
    3: "Restricted manoeuverability",
    4: "Constrained by her draught",
    5: "Moored",
    6: "Aground",
    7: "Engaged in fishing",
    8: "Under way sailing",
    9: "Reserved for future amendment [HSC]",
    10: "Reserved for future amendment [WIG]",
    11: "Power-driven vessel towing astern",
    12: "Power-driven vessel pushing ahead or towing alongside",
    13: "Reserved for future use",
    14: "AIS-SART",
    15: "Unknown value",
}


def dma_ship_type(code: str) -> str:
    if not code:
        return "Undefined"
    c = int(float(code))
    named = {
        30: "Fishing",
        31: "Towing",
        32: "Towing long/wide",
        35: "Military",
        36: "Sailing",
        37: "Pleasure",
        50: "Pilot",
        51: "SAR",
        52: "Tug",
        55: "Law enforcement",
    }
    if c in named:
        return named[c]
    for lo, name in ((60, "Passenger"), (70, "Cargo"), (80, "Tanker"), (90, "Other")):
        if lo <= c < lo + 10:
            return name
    return "Undefined"


def dma_cog(cog: str) -> str:
    """True course from the NOAA signed artefact (x + 409.6 for negatives), '' for 'not available'."""
    v = float(cog)
    if v < 0:
        v = round(v + 409.6, 1)
    return "" if v >= 360 else f"{v:.1f}"


def rows() -> list[dict[str, str]]:
    with SLICE.open(newline="") as fh:
        return list(csv.DictReader(fh))


def write_dma(n: int, path: Path, columns: int) -> None:
    out = []
    for r in rows()[:n]:
        day, clock = r["BaseDateTime"].split("T")
        status = DMA_STATUS[int(float(r["Status"]))] if r["Status"] else "Unknown value"
        out.append(
            [
                f"03/12/2024 {clock}",  # 2020-06-30 -> 2024-12-03, written day-first
                "Class A" if r["TranscieverClass"] == "A" else "Class B",
                r["MMSI"],
                r["LAT"],
                r["LON"],
                status,
                "",
                r["SOG"],
                dma_cog(r["COG"]),
                "" if r["Heading"] == "511.0" else r["Heading"],
                r["IMO"].removeprefix("IMO") or "Unknown",
                r["CallSign"] or "Unknown",
                r["VesselName"],
                dma_ship_type(r["VesselType"]),
                "",
                r["Width"],
                r["Length"],
                "GPS",
                r["Draft"],
                "Unknown",
                "",
                "AIS",
                "",
                "",
                "",
                "",
            ][:columns]
        )
    # constructed non-vessel rows: a shore base station and an aid to navigation
    base = ["03/12/2024 00:00:05", "Base Station", "3669999", "40.6", "-74.05", "Unknown value"]
    aton = ["03/12/2024 00:00:07", "AtoN", "993669001", "40.61", "-74.04", "Unknown value"]
    for extra in (base, aton):
        full = (
            extra
            + [""] * 4
            + [
                "Unknown",
                "Unknown",
                "",
                "Undefined",
                "",
                "",
                "",
                "Surveyed",
                "",
                "Unknown",
                "",
                "AIS",
                "",
                "",
                "",
                "",
            ]
        )
        out.insert(3, full[:columns])
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(DMA_HEADER[:columns])
        w.writerows(out)


def write_csv2(n: int, path: Path) -> None:
    header = (
        "mmsi,base_date_time,longitude,latitude,sog,cog,heading,vessel_name,imo,call_sign,"
        "vessel_type,status,length,width,draft,cargo,transceiver"
    ).split(",")
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for r in rows()[:n]:
            w.writerow(
                [
                    r["MMSI"],
                    r["BaseDateTime"].replace("T", " "),
                    r["LON"],
                    r["LAT"],
                    r["SOG"],
                    "" if r["COG"] == "-49.6" else r["COG"],  # 360 'not available' -> null
                    "" if r["Heading"] == "511.0" else r["Heading"],  # 511 -> null
                    r["VesselName"],
                    r["IMO"],
                    r["CallSign"],
                    r["VesselType"],
                    r["Status"],
                    r["Length"],
                    r["Width"],
                    r["Draft"],
                    r["Cargo"],
                    r["TranscieverClass"],
                ]
            )


if __name__ == "__main__":
    write_dma(150, HERE / "dma" / "dma_from_nyharbor.csv", 26)
    write_dma(40, HERE / "dma" / "dma22_from_nyharbor.csv", 22)
    write_csv2(200, HERE / "noaa" / "csv2_from_nyharbor.csv")
