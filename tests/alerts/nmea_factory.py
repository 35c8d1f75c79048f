"""Named test tracks as real NMEA 0183 sentences (encoded with pyais), with epoch prefixes.

``Testport`` is a 3 km circle in open ocean far from every bundled zone, so only the tracks made
here produce events. ``departure_lines`` is a vessel moored in Testport for 40 min that then
leaves eastward at 12 kn: the detector reports one departure when the first fix beyond the 1 km
exit margin arrives (``DEPARTURE_FIX``, 0-based index of the deciding line).
"""

from __future__ import annotations

import math

from pyais import encode_dict

PORT_NAME = "Testport"
PORT_LAT, PORT_LON, PORT_RADIUS_KM = 20.0, -40.0, 3.0
PORTS_CSV = f"name,lat,lon,radius_km\n{PORT_NAME},{PORT_LAT},{PORT_LON},{PORT_RADIUS_KM}\n"
T0 = 1_733_119_200  # 2024-12-02T06:00:00Z
IN_PORT_FIXES = 9
DEPARTURE_FIX = IN_PORT_FIXES + 2  # 5.6 km out, beyond radius + exit margin


def position(mmsi: int, lat: float, lon: float, sog_kn: float, t: float, *, status: int = 0) -> str:
    s = encode_dict(
        {
            "type": 1,
            "mmsi": mmsi,
            "lat": lat,
            "lon": lon,
            "speed": sog_kn,
            "course": 90.0,
            "heading": 90,
            "status": status,
        },
        talker_id="AI",
    )[0]
    return f"{t:.3f} {s}"


def departure_lines(
    mmsi: int,
    t0: float = T0,
    *,
    lat: float = PORT_LAT,
    lon: float = PORT_LON,
    step_s: int = 300,
    n_out: int = 4,
) -> list[str]:
    """A departure from Testport: IN_PORT_FIXES moored fixes, then moving out east at 12 kn."""
    lines = [
        position(mmsi, lat + 0.001 * (i % 2), lon, 0.0, t0 + i * step_s, status=5)
        for i in range(IN_PORT_FIXES)
    ]
    km_per_deg = 111.32 * math.cos(math.radians(lat))
    for j in range(1, n_out + 1):
        km = 12 * 1.852 * (j * step_s / 3600)
        lines.append(
            position(mmsi, lat, lon + km / km_per_deg, 12.0, t0 + (IN_PORT_FIXES - 1 + j) * step_s)
        )
    return lines
