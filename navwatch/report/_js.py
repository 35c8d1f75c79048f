"""The report's own script and styles (project-written; Leaflet core is the only library).

``navwatchReport(map, groups, data)`` draws zones, tracks, last positions and events from the
JSON data island, wires the time slider (replay: every vessel at its last point at or before the
slider time, its track up to there, the events up to there) and sets ``window.navwatchReady``.
Every string in ``data`` is HTML built and escaped server-side; the script never builds HTML from
data itself.
"""

REPORT_JS = r"""
function navwatchReport(map, groups, D) {
  "use strict";
  var t0 = D.t0;
  L.DomUtil.addClass(map.getContainer(), "nw-map");
  function fmt(t) { return new Date((t0 + t) * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC"; }
  function upper(a, x) { var lo = 0, hi = a.length; while (lo < hi) { var m = (lo + hi) >> 1; if (a[m] <= x) lo = m + 1; else hi = m; } return lo; }
  function control(id, position) {
    var el = document.getElementById(id);
    if (!el) return null;
    var C = L.Control.extend({ options: { position: position }, onAdd: function () {
      el.style.display = ""; L.DomEvent.disableClickPropagation(el); L.DomEvent.disableScrollPropagation(el); return el; } });
    new C().addTo(map);
    return el;
  }

  D.zones.forEach(function (z) {
    var s = D.tiers[z.k].style;
    var layer = L.geoJSON(z.g, { style: function () { return {
      color: s.color, weight: s.weight, opacity: 0.9, fillColor: s.color, fillOpacity: s.fill,
      dashArray: s.dash || null, className: "nw-zone nw-zone-" + z.k }; } });
    layer.bindTooltip(z.tip, { sticky: true });
    layer.addTo(groups.zones[z.k]);
  });

  var vessels = D.vessels.map(function (v) {
    var ll = v.la.map(function (la, i) { return [la, v.lo[i]]; });
    var o = { t: v.t, ll: ll, k: -1, track: null };
    if (ll.length >= 2) {
      o.track = L.polyline(ll, { color: v.c, weight: 2, opacity: 0.8, className: "nw-track", interactive: false });
    }
    o.marker = L.circleMarker(ll[ll.length - 1], { radius: 6, color: "#1b1b1b", weight: 1.5, fillColor: v.c,
      fillOpacity: 0.95, className: "nw-vessel" });
    o.marker.bindPopup(v.p, { maxWidth: 360 });
    o.marker.bindTooltip(v.n, { direction: "top", offset: [0, -6] });
    return o;
  });

  var events = D.events.map(function (e) {
    var dep = e.k === "departure";
    var m = L.circleMarker([e.la, e.lo], { radius: 5, color: "#ffffff", weight: 2, fillColor: dep ? "#d7301f" : "#238b45",
      fillOpacity: 1, className: "nw-event nw-" + e.k });
    m.bindPopup(e.p, { maxWidth: 400 });
    return { t: e.t, m: m, g: dep ? groups.departures : groups.arrivals, on: false };
  });

  var slider = control(D.ids.slider, "bottomleft");
  control(D.ids.legend, "bottomright");
  var panel = control(D.ids.panel, "topleft");
  var range = slider.querySelector("input[type=range]");
  var label = slider.querySelector(".nw-time");
  var play = slider.querySelector("button.nw-play");
  var cursor = panel ? panel.querySelector(".nw-cursor") : null;
  var svg = panel ? panel.querySelector("svg") : null;
  range.min = D.tmin; range.max = D.tmax; range.step = Math.max(1, Math.round((D.tmax - D.tmin) / 2000));

  function setTime(T) {
    var shown = 0;
    vessels.forEach(function (o) {
      var k = upper(o.t, T) - 1;
      if (k !== o.k) {
        if (k < 0) {
          groups.vessels.removeLayer(o.marker);
          if (o.track) groups.tracks.removeLayer(o.track);
        } else {
          o.marker.setLatLng(o.ll[k]);
          if (o.track) o.track.setLatLngs(o.ll.slice(0, k + 1));
          if (o.k < 0) { groups.vessels.addLayer(o.marker); if (o.track) groups.tracks.addLayer(o.track); }
        }
        o.k = k;
      }
      if (k >= 0) shown++;
    });
    var nev = 0;
    events.forEach(function (e) {
      var on = e.t <= T;
      if (on !== e.on) { if (on) e.g.addLayer(e.m); else e.g.removeLayer(e.m); e.on = on; }
      if (on) nev++;
    });
    range.value = T;
    label.textContent = fmt(T) + " \u00b7 " + shown + " vessels located \u00b7 " + nev + " events";
    if (cursor && svg) {
      var a = +svg.dataset.t0, b = +svg.dataset.t1, x0 = +svg.dataset.x0, x1 = +svg.dataset.x1;
      var x = x0 + Math.min(Math.max((T - a) / Math.max(b - a, 1), 0), 1) * (x1 - x0);
      cursor.setAttribute("x1", x); cursor.setAttribute("x2", x);
    }
  }

  var timer = null;
  function stop() { if (timer) { clearInterval(timer); timer = null; } play.textContent = "\u25b6 play"; }
  play.addEventListener("click", function () {
    if (timer) { stop(); return; }
    var step = Math.max((D.tmax - D.tmin) / 300, 1);
    var T = +range.value >= D.tmax ? D.tmin : +range.value;
    play.textContent = "\u275a\u275a pause";
    setTime(T);
    timer = setInterval(function () {
      T = Math.min(T + step, D.tmax); setTime(T);
      if (T >= D.tmax) stop();
    }, 100);
  });
  range.addEventListener("input", function () { stop(); setTime(+range.value); });
  setTime(D.tmax);
  window.navwatchSetTime = setTime;
  window.navwatchSetTimeUTC = function (s) { stop(); setTime(Math.min(Math.max(s - t0, D.tmin), D.tmax)); };
  window.navwatchReady = true;
}
"""

REPORT_CSS = r"""
.leaflet-container.nw-map { background: #e9eff4; }
.nw-map .leaflet-popup-content, .nw-map .leaflet-tooltip, .nw-map .leaflet-control-layers { font: 12px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
.nw-box { background: rgba(255,255,255,0.95); padding: 6px 9px; border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); font: 12px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }
.nw-slider { width: 480px; max-width: calc(100vw - 60px); }
.nw-slider .nw-title { font-weight: 600; margin-bottom: 2px; }
.nw-slider .nw-sub { color: #555; font-size: 11px; }
.nw-slider .nw-row { display: flex; align-items: center; gap: 6px; }
.nw-slider input[type=range] { flex: 1; }
.nw-slider button { font: inherit; padding: 1px 6px; cursor: pointer; }
.nw-pop table { border-collapse: collapse; margin-top: 3px; }
.nw-pop th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: normal; vertical-align: top; white-space: nowrap; }
.nw-pop td { vertical-align: top; padding: 1px 0; }
.nw-pop .nw-name { font-size: 13px; }
.nw-ev { white-space: pre-wrap; font-size: 11px; color: #333; max-height: 9em; overflow: auto; }
.nw-flag { color: #b30000; }
.nw-legend div { white-space: nowrap; }
.nw-legend i, .nw-keys i { display: inline-block; width: 11px; height: 11px; margin-right: 5px; vertical-align: -1px; border-radius: 50%; box-sizing: border-box; }
.nw-legend i.sq, .nw-keys i { border-radius: 2px; }
.nw-legend i.ln { height: 3px; vertical-align: 3px; border-radius: 0; }
.nw-panel { max-width: 320px; }
.nw-panel summary { font-weight: 600; cursor: pointer; }
.nw-panel svg { display: block; margin: 3px 0; }
.nw-keys span { margin-right: 6px; font-size: 11px; white-space: nowrap; }
.nw-disp { font-size: 10.5px; border-collapse: collapse; }
.nw-disp th, .nw-disp td { padding: 0 3px; text-align: right; white-space: nowrap; }
.nw-disp th { font-weight: normal; color: #555; }
.nw-note { color: #777; font-size: 10px; }
"""
