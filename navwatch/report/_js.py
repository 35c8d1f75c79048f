"""The report's own script and styles (project-written; Leaflet core is the only library).

Tracks come delta-encoded (``t`` seconds after ``t0``, ``la``/``lo`` in 1e-5 degrees, each
value after the first a difference); the script sums them back.

``navwatchReport(map, groups, data)`` draws land, zones, port labels, tracks, vessels, events,
activity at sea (one group per type, ``groups.activity``) and satellite imagery (scene footprints
and detections, ``groups.imagery``) from the JSON data island, wires the time slider (replay:
every vessel at its last located point at or before the slider time, drawn by its status *at
that time*; its track up to there; the events, activity, scenes and detections up to there), the
events list, the timeline and the panels, and sets
``window.navwatchReady``. Every string in ``data`` is HTML built and escaped server-side; the
script never builds HTML from data values except numbers and the server's escaped strings.

Status codes (``vessels[i].ss``) are those of :data:`navwatch.dispersal.STATUSES`: 0 in port,
1 offshore, 2 at sea, 3 in another port, 4 unknown; 5 is unknown because the evidence is stale
and 6 unknown because an absent survey says where it is not. 4-6 are drawn hollow, at the last
position, with how long ago it was seen there.
"""

REPORT_JS = r"""
function navwatchReport(map, groups, D) {
  "use strict";
  var started = performance.now(), timings = {};
  function mark(stage) { timings[stage] = Math.round(performance.now() - started); }
  var t0 = D.t0, HOLLOW = 4;
  var container = map.getContainer();
  L.DomUtil.addClass(container, "nw-map");
  function fmt(t) { return new Date((t0 + t) * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC"; }
  function upper(a, x) { var lo = 0, hi = a.length; while (lo < hi) { var m = (lo + hi) >> 1; if (a[m] <= x) lo = m + 1; else hi = m; } return lo; }
  function ago(s) {
    var h = s / 3600;
    if (h < 1) return Math.max(0, Math.round(s / 60)) + " min";
    if (h < 48) return Math.round(h) + " h";
    return Math.round(h / 24) + " d";
  }
  function byId(id) { return id ? document.getElementById(id) : null; }
  function control(id, position) {
    var el = byId(id);
    if (!el) return null;
    var C = L.Control.extend({ options: { position: position }, onAdd: function () {
      el.style.display = ""; L.DomEvent.disableClickPropagation(el); L.DomEvent.disableScrollPropagation(el); return el; } });
    new C().addTo(map);
    return el;
  }

  // ---- the boxes first, then the view: every layer below is drawn once, at its final zoom
  var slider = control(D.ids.slider, "bottomleft");
  var legendBox = control(D.ids.legend, "bottomright");
  var panel = control(D.ids.panel, "topleft");
  var list = control(D.ids.events, "topright");
  if (container.clientWidth < 900) {
    [panel, list, legendBox].forEach(function (el) { if (el && el.tagName === "DETAILS") el.open = false; });
  }
  // fit the data into the part of the map the boxes leave free
  (function fit() {
    var w = container.clientWidth, h = container.clientHeight;
    var left = panel && panel.open !== false ? panel.offsetWidth : 0;
    var right = Math.max(list && list.open !== false ? list.offsetWidth : 0, legendBox ? legendBox.offsetWidth : 0);
    var bottom = slider ? slider.offsetHeight : 0;
    var padL = Math.min(left + 20, w * 0.35), padR = Math.min(right + 20, w * 0.35);
    map.fitBounds(D.bounds, { paddingTopLeft: [padL, 20], paddingBottomRight: [padR, Math.min(bottom + 20, h * 0.4)],
      maxZoom: 13, animate: false });
  })();
  mark("fit");

  // ---- land (its own pane, below the tiles) and tiles when asked for
  map.createPane("nwLand");
  map.getPane("nwLand").style.zIndex = 150;
  map.getPane("nwLand").style.pointerEvents = "none";
  if (D.land) {
    L.geoJSON(D.land, { pane: "nwLand", interactive: false, renderer: L.canvas({ pane: "nwLand" }), style: function () { return {
      stroke: false, fillColor: "#ebe5d5", fillOpacity: 1, className: "nw-land" }; } }).addTo(map);  // fill only: a stroke would draw the window's edges
  }
  if (map.attributionControl) {
    map.attributionControl.setPrefix(false);
    if (D.land_source) map.attributionControl.addAttribution(D.land_source);
  }
  mark("land");
  var note = control(D.ids.note, "topright");
  function showNote(text) { if (note) { note.textContent = text; note.style.display = ""; } }
  if (note) note.style.display = "none";
  if (!D.land) showNote(D.land_missing || "No land data: the map shows the data only.");
  if (D.tiles) {
    var failed = 0;
    var tiles = L.tileLayer(D.tiles.url, { attribution: D.tiles.attribution, maxZoom: 19, className: "nw-tiles" });
    tiles.on("tileerror", function () {
      if (++failed === 1) showNote("Map tiles could not be loaded (no network?): land is drawn from the report's own data.");
    });
    tiles.addTo(map);
  }

  // ---- zones and port labels
  D.zones.forEach(function (z) {
    var s = D.tiers[z.k].style;
    var layer = L.geoJSON(z.g, { style: function () { return {
      color: s.color, weight: s.weight, opacity: 0.9, fillColor: s.color, fillOpacity: s.fill,
      dashArray: s.dash || null, className: "nw-zone nw-zone-" + z.k }; } });
    layer.bindTooltip(z.tip, { sticky: true });
    layer.addTo(groups.zones[z.k]);
  });
  D.labels.forEach(function (p) {
    L.marker([p.la, p.lo], { interactive: false, keyboard: false,
      icon: L.divIcon({ className: "nw-port-label", html: '<span>' + p.n + "</span>", iconSize: [0, 0] }) }).addTo(groups.labels);
  });

  mark("zones");
  // ---- vessels: a marker styled by status at the slider time, and a track
  var labelsOn = false;
  // SVG circles (fast to restyle): the fill is the vessel's colour, the ring its status
  // (the colours of the dispersal chart); unknown: hollow, dashed in the vessel's colour
  var RING = D.rings;  // (navwatch.report._html.STATUS_RINGS, also the legend's)
  map.createPane("nwVessels");
  map.getPane("nwVessels").style.zIndex = 450;  // above zones, tracks and events
  function vesselStyle(colour, code) {
    if (code >= HOLLOW) return { radius: 6, color: colour, weight: 2, opacity: 0.95, dashArray: "2 3",
      fillColor: "#ffffff", fillOpacity: 0.35 };
    return { radius: 6, color: RING[code], weight: code === 0 ? 2 : 3, opacity: 1,
      dashArray: code === 1 ? "3 2" : null, fillColor: colour, fillOpacity: 0.95 };
  }
  function sums(d, scale) { var out = new Array(d.length), x = 0; for (var i = 0; i < d.length; i++) { x += d[i]; out[i] = x * scale; } return out; }
  function pairs(dla, dlo) {
    var out = new Array(dla.length), la = 0, lo = 0;
    for (var i = 0; i < dla.length; i++) { la += dla[i]; lo += dlo[i]; out[i] = L.latLng(la * 1e-5, lo * 1e-5); }
    return out;
  }
  // tracks on one canvas (thousands of points: far cheaper than one SVG path each), in the
  // overlay pane under the vessels and events; they take no clicks
  var trackCanvas = L.canvas({ padding: 0.5 });
  var tracksDrawn = 0;
  window.navwatchTrackCount = function () { return tracksDrawn; };
  var vessels = D.vessels.map(function (v) {
    v.t = sums(v.t, 1);
    var ll = pairs(v.la, v.lo);
    var o = { v: v, t: v.t, ll: ll, k: -1, key: -1, tip: "", track: null };
    if (ll.length >= 2) {  // its points are set when it is first drawn
      o.track = L.polyline([], { color: v.c, weight: 2, opacity: 0.8, interactive: false, renderer: trackCanvas });
    }
    o.marker = L.circleMarker(ll[ll.length - 1], L.extend({ pane: "nwVessels", className: "nw-vessel" },
      vesselStyle(v.c, 0)));
    o.marker.bindPopup(v.p, { maxWidth: 360 });
    return o;
  });
  function statusAt(o, T) {
    var j = upper(o.v.st, T) - 1;
    return j < 0 ? HOLLOW : o.v.ss[j];
  }
  function describe(o, code, T) {
    var seen = o.t[o.k];
    if (code >= HOLLOW) return o.v.n + " \u00b7 " + D.status_labels[code] + " \u00b7 last seen here " + ago(T - seen) + " before";
    return o.v.n + " \u00b7 " + D.status_labels[code];
  }
  function placeVessel(o, T) {
    var k = upper(o.t, T) - 1;
    if (k < 0) {
      if (o.k >= 0) { groups.vessels.removeLayer(o.marker); if (o.track) { groups.tracks.removeLayer(o.track); tracksDrawn--; } }
      o.k = -1;
      return -1;
    }
    var code = statusAt(o, T);
    if (code !== o.key) o.marker.setStyle(vesselStyle(o.v.c, code));
    if (k !== o.k) {
      o.marker.setLatLng(o.ll[k]);
      if (o.track) o.track.setLatLngs(k === o.ll.length - 1 ? o.ll : o.ll.slice(0, k + 1));  // (LatLngs: Leaflet keeps them)
      if (o.k < 0) { groups.vessels.addLayer(o.marker); if (o.track) { groups.tracks.addLayer(o.track); tracksDrawn++; } }
      o.k = k;
    }
    if (code !== o.key) {
      o.marker.getElement().setAttribute("data-status", code);  // what it is drawn as, for tests
      o.key = code;
    }
    var tt = o.marker.getTooltip();
    if (!tt || tt.options.permanent !== labelsOn) {  // (re)bind only when the labels switch
      o.marker.unbindTooltip();
      o.marker.bindTooltip(labelsOn ? o.v.n : "", { direction: "top", offset: [0, -8], permanent: labelsOn,
        className: labelsOn ? "nw-vlabel" : "" });
      o.tip = labelsOn ? o.v.n : "";
    }
    if (!labelsOn) {
      var tip = describe(o, code, T);
      if (tip !== o.tip) { o.marker.setTooltipContent(tip); o.tip = tip; }
    }
    return code;
  }

  mark("vessels");
  // ---- events: markers at one place share one clustered marker with a count
  var places = {}, clusters = [];
  var EVENT_FILL = { "nw-e-dep": "#d7301f", "nw-e-arr": "#238b45", "nw-e-mix": "#7a5c2e" };
  var events = D.events.map(function (e, i) {
    var key = e.la.toFixed(4) + "," + e.lo.toFixed(4);
    var c = places[key];
    if (!c) {
      c = places[key] = { ll: [e.la, e.lo], items: [], on: -1, cls: "", marker: null };
      clusters.push(c);
      c.marker = L.circleMarker(c.ll, { radius: 5, color: "#ffffff", weight: 2, fillOpacity: 1, className: "nw-event" });
      c.marker.bindPopup(function () { return clusterPopup(c); }, { maxWidth: 420, maxHeight: 360 });
    }
    var o = { e: e, i: i, c: c };
    c.items.push(o);
    return o;
  });
  var currentT = D.tmax;
  function clusterPopup(c) {
    var shown = c.items.filter(function (o) { return o.e.t <= currentT; });
    shown.sort(function (a, b) { return b.e.t - a.e.t; });
    var head = shown.length > 1 ? '<div class="nw-ehead">' + shown.length + " events here</div>" : "";
    return head + shown.map(function (o) { return o.e.p; }).join('<hr class="nw-sep">');
  }
  function drawCluster(c, T) {
    var n = 0, dep = 0;
    c.items.forEach(function (o) { if (o.e.t <= T) { n++; if (o.e.k === "departure") dep++; } });
    var cls = n === 0 ? "" : dep === n ? "nw-e-dep" : dep === 0 ? "nw-e-arr" : "nw-e-mix";
    if (n === c.on && cls === c.cls) return n;
    if (n === 0) { groups.events.removeLayer(c.marker); }
    else {
      c.marker.setStyle({ radius: n > 1 ? 9 : 5, fillColor: EVENT_FILL[cls] });
      if (c.on <= 0) groups.events.addLayer(c.marker);
      c.marker.getElement().setAttribute("data-n", n);
    }
    // the count, on the marker (a fixed-size label: no layout to measure, clicks pass through)
    if (n > 1) {
      if (!c.count) c.count = L.marker(c.ll, { interactive: false, keyboard: false });
      c.count.setIcon(L.divIcon({ className: "nw-count", iconSize: [18, 18], iconAnchor: [9, 9], html: String(n) }));
      if (!(c.on > 1)) groups.events.addLayer(c.count);
    } else if (c.count && c.on > 1) {
      groups.events.removeLayer(c.count);
    }
    c.on = n; c.cls = cls;
    return n;
  }

  mark("events");
  // ---- activity at sea: one layer per type, each event drawn from its start on the slider
  // (styles: navwatch.report._activity.STYLES; a variant such as "oiler" overrides some)
  var ACT = D.activity || { events: [], styles: {} };
  map.createPane("nwActArea");
  map.getPane("nwActArea").style.zIndex = 390;  // loitering areas: under tracks and markers
  map.createPane("nwActMarkers");
  map.getPane("nwActMarkers").style.zIndex = 440;  // above events, under the vessels
  function actStyle(a, part) {
    var s = ACT.styles[a.k], v = a.s && s.variants ? s.variants[a.s] : null;
    return L.extend({}, s[part], v && v[part]);
  }
  var icons = {};  // one L.divIcon per type and variant
  function actIcon(a) {
    var key = a.k + "/" + (a.s || "");
    if (!icons[key]) {
      var ic = actStyle(a, "icon");
      icons[key] = L.divIcon({ className: "nw-act nw-act-" + a.k + " " + ic.cls, html: "", iconSize: [ic.size, ic.size],
        iconAnchor: [ic.size / 2, ic.size / 2] });  // drawn by its class (navwatch.report._activity.icon_css)
    }
    return icons[key];
  }
  // popups and tooltips from the server's escaped parts (navwatch.report._html.activity_popup)
  function actRow(label, v) { return "<tr><th>" + label + "</th><td>" + v + "</td></tr>"; }
  function actPopup(a) {
    var P = a.p, rows = actRow(P.v.length > 1 ? "vessels" : "vessel", P.v.join("<br>")) + actRow("time", P.tm);
    P.r.forEach(function (x) {
      var label = ACT.labels[x[0]], v = x[1];
      if (label === "evidence") v = '<div class="nw-ev">' + v + "</div>";
      else if (label === "flags") v = '<span class="nw-flag">' + v + "</span>";
      rows += actRow(label, v);
    });
    return '<div class="nw-pop"><b class="nw-name">' + P.h + "</b><br><span>" + P.w + "</span><table>" + rows + "</table></div>";
  }
  var acts = ACT.events.map(function (a, i) {
    var cls = " nw-act-" + a.k, parts = [];
    if (a.r) parts.push(L.circle(a.m, L.extend(actStyle(a, "area"), { radius: a.r, color: a.c, pane: "nwActArea",
      className: "nw-act-area" + cls })));
    if (a.ln) parts.push(L.polyline(a.ln, L.extend(actStyle(a, "line"), { className: "nw-act-line" + cls })));
    if (a.m2) parts.push(L.circleMarker(a.m2, L.extend(actStyle(a, "end"), { opacity: 1, fillOpacity: 1,
      className: "nw-act-end" + cls })));
    var marker = L.marker(a.m, { icon: actIcon(a), pane: "nwActMarkers", keyboard: false });
    if (a.c) marker.on("add", function () {  // loitering: the vessel's colour, so a fleet stays apart
      marker.getElement().style.backgroundColor = a.c;
    });
    parts.push(marker);
    var layer = L.featureGroup(parts);
    layer.bindPopup(function () { return actPopup(a); }, { maxWidth: 420, maxHeight: 360 });
    layer.bindTooltip(a.p.h + ": " + a.p.w + ", " + a.p.tm, { sticky: true });
    return { a: a, i: i, layer: layer, group: groups.activity[a.k], on: false };
  });
  function drawActivity(T) {
    var n = 0;
    acts.forEach(function (o) {
      var on = o.a.t <= T;
      if (on !== o.on) { if (on) o.group.addLayer(o.layer); else o.group.removeLayer(o.layer); o.on = on; }
      if (on) n++;
    });
    return n;
  }
  function actShown(k) {
    return acts.filter(function (o) { return o.on && (!k || o.a.k === k) && map.hasLayer(o.group); });
  }
  // for tests and the benchmark: activity events on the map (of type k), and what each draws
  window.navwatchActivityCount = function (k) { return actShown(k).length; };
  window.navwatchActivityDrawn = function (k) {
    return actShown(k).map(function (o) {
      var d = { k: o.a.k, lines: [], circles: [], markers: [] };
      o.layer.eachLayer(function (l) {
        if (l instanceof L.Polyline) d.lines.push(l.getLatLngs().map(function (p) { return [p.lat, p.lng]; }));
        else if (l instanceof L.Circle) d.circles.push({ c: [l.getLatLng().lat, l.getLatLng().lng], r: l.getRadius() });
        else d.markers.push([l.getLatLng().lat, l.getLatLng().lng]);
      });
      return d;
    });
  };

  mark("activity");
  // ---- satellite imagery: scene footprints (their own pane, under the zones and tracks) and
  // detections (above the activity markers, under the vessels), each from its time on the
  // slider (styles: navwatch.report._imagery.STYLES; popups: its escaped parts)
  var IMG = D.imagery || { scenes: [], detections: [], styles: {}, labels: [] };
  map.createPane("nwScenes");
  map.getPane("nwScenes").style.zIndex = 380;
  map.createPane("nwDetections");
  map.getPane("nwDetections").style.zIndex = 445;
  function imgPopup(x) {
    var rows = actRow("time", x.tm);
    x.r.forEach(function (r) { rows += actRow(IMG.labels[r[0]], r[1]); });
    return '<div class="nw-pop"><b class="nw-name">' + x.h + "</b><br><span>" + x.w + "</span><table>" + rows + "</table></div>";
  }
  function imgItem(x, k, layer) {
    layer.bindPopup(function () { return imgPopup(x); }, { maxWidth: 420, maxHeight: 360 });
    layer.bindTooltip(x.h + ", " + x.tm, { sticky: true });
    return { x: x, k: k, layer: layer, group: groups.imagery[k], on: false };
  }
  var imgs = IMG.scenes.map(function (s) {
    return imgItem(s, "scenes", L.polygon(s.g, L.extend({}, IMG.styles.scenes, { pane: "nwScenes", className: "nw-scene" })));
  }).concat(IMG.detections.map(function (d) {
    return imgItem(d, d.k, L.circleMarker(d.m, L.extend({}, IMG.styles[d.k], { pane: "nwDetections",
      className: "nw-det nw-det-" + d.k })));
  }));
  function drawImagery(T) {
    var n = 0;
    imgs.forEach(function (o) {
      var on = o.x.t <= T;
      if (on !== o.on) { if (on) o.group.addLayer(o.layer); else o.group.removeLayer(o.layer); o.on = on; }
      if (on && o.k !== "scenes") n++;
    });
    return n;
  }
  // for tests: scenes or detections (k: scenes, matched, dark) on the map
  window.navwatchImageryCount = function (k) {
    return imgs.filter(function (o) { return o.on && (!k || o.k === k) && map.hasLayer(o.group); }).length;
  };

  mark("imagery");
  // ---- the boxes' controls
  var range = slider.querySelector("input[type=range]");
  var label = slider.querySelector(".nw-time");
  var play = slider.querySelector("button.nw-play");
  var charts = Array.prototype.slice.call(document.querySelectorAll("svg.nw-chart"));
  var rows = list ? Array.prototype.slice.call(list.querySelectorAll("tr[data-e]")) : [];
  var arows = list ? Array.prototype.slice.call(list.querySelectorAll("tr[data-a]")) : [];
  range.min = D.tmin; range.max = D.tmax; range.step = Math.max(1, Math.round((D.tmax - D.tmin) / 2000));

  function setTime(T) {
    currentT = T;
    var counts = [0, 0, 0, 0, 0, 0, 0], shown = 0;
    vessels.forEach(function (o) { var code = placeVessel(o, T); if (code >= 0) { counts[code]++; shown++; } });
    var nev = 0;
    clusters.forEach(function (c) { nev += drawCluster(c, T); });
    rows.forEach(function (r) { r.classList.toggle("nw-future", D.events[+r.dataset.e].t > T); });
    var nact = drawActivity(T), ndet = drawImagery(T);
    arows.forEach(function (r) { r.classList.toggle("nw-future", acts[+r.dataset.a].a.t > T); });
    range.value = T;
    var parts = [];
    for (var code = 0; code < HOLLOW; code++) if (counts[code]) parts.push(counts[code] + " " + D.status_labels[code]);
    var unknown = counts[4] + counts[5] + counts[6];
    if (unknown) parts.push(unknown + " position unknown");
    label.textContent = fmt(T) + " \u00b7 " + (parts.join(", ") || "no vessel located yet") + " \u00b7 " + nev + " events" +
      (acts.length ? " \u00b7 " + nact + " activity" : "") + (IMG.detections.length ? " \u00b7 " + ndet + " detections" : "");
    charts.forEach(function (svg) {
      var a = +svg.dataset.t0, b = +svg.dataset.t1, x0 = +svg.dataset.x0, x1 = +svg.dataset.x1;
      var x = x0 + Math.min(Math.max((T - a) / Math.max(b - a, 1), 0), 1) * (x1 - x0);
      Array.prototype.forEach.call(svg.querySelectorAll(".nw-cursor"), function (c) { c.setAttribute("x1", x); c.setAttribute("x2", x); });
    });
  }

  // clicking a chart or the timeline moves the slider there
  charts.forEach(function (svg) {
    svg.addEventListener("click", function (ev) {
      var box = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
      var x = (ev.clientX - box.left) * (vb && vb.width ? vb.width / box.width : 1);
      var a = +svg.dataset.t0, b = +svg.dataset.t1, x0 = +svg.dataset.x0, x1 = +svg.dataset.x1;
      if (x < x0) return;
      stop(); setTime(Math.round(Math.min(Math.max(a + (x - x0) / (x1 - x0) * (b - a), D.tmin), D.tmax)));
    });
  });
  // a row of the events list: to its time, and the map to the event
  rows.forEach(function (r) {
    r.addEventListener("click", function () {
      var o = events[+r.dataset.e];
      stop(); setTime(o.e.t);
      map.setView(o.c.ll, Math.max(map.getZoom(), 13));
      o.c.marker.openPopup();
    });
  });
  // a row of activity: to its start, its layer shown, the map to the event
  arows.forEach(function (r) {
    r.addEventListener("click", function () {
      var o = acts[+r.dataset.a];
      stop(); setTime(o.a.t);
      if (!map.hasLayer(o.group)) map.addLayer(o.group);
      if (o.a.ln) map.fitBounds(L.latLngBounds(o.a.ln.concat([o.a.m])).pad(0.5), { maxZoom: 13, animate: false });
      else map.setView(o.a.m, Math.max(map.getZoom(), o.a.r ? 11 : 12), { animate: false });
      o.layer.openPopup(o.a.m);
    });
  });
  // vessel labels on the map
  var toggle = legendBox ? legendBox.querySelector("input.nw-labels-toggle") : null;
  if (toggle) toggle.addEventListener("change", function () { labelsOn = toggle.checked; setTime(+range.value); });

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

  mark("boxes");
  setTime(D.tmax);
  mark("draw");
  window.navwatchTimings = timings;
  window.navwatchSetTime = setTime;
  window.navwatchSetTimeUTC = function (s) { stop(); setTime(Math.min(Math.max(s - t0, D.tmin), D.tmax)); };
  window.navwatchBuildMs = performance.now() - started;  // for the benchmark
  window.navwatchReady = true;
}
"""

REPORT_CSS = r"""
.leaflet-container.nw-map { background: #c9dbe8; }
.nw-map .leaflet-popup-content, .nw-map .leaflet-tooltip, .nw-map .leaflet-control-layers { font: 12px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; }
.nw-box { background: rgba(255,255,255,0.95); padding: 6px 9px; border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); font: 12px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; }
.nw-box > summary { font-weight: 600; cursor: pointer; }
.nw-slider { width: 480px; max-width: calc(100vw - 60px); }
.nw-slider .nw-title { font-weight: 600; margin-bottom: 2px; }
.nw-slider .nw-sub { color: #555; font-size: 11px; }
.nw-slider .nw-row { display: flex; align-items: center; gap: 6px; }
.nw-slider input[type=range] { flex: 1; }
.nw-slider button { font: inherit; padding: 1px 6px; cursor: pointer; }
.nw-timeline { max-height: 180px; overflow: auto; margin-top: 3px; }
.nw-note { background: #fff3cd; color: #664d03; border: 1px solid #e0c36a; max-width: 300px; }
.nw-pop table { border-collapse: collapse; margin-top: 3px; }
.nw-pop th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: normal; vertical-align: top; white-space: nowrap; }
.nw-pop td { vertical-align: top; padding: 1px 0; }
.nw-pop .nw-name { font-size: 13px; }
.nw-ev { white-space: pre-wrap; font-size: 11px; color: #333; max-height: 9em; overflow: auto; }
.nw-ehead { font-weight: 600; margin-bottom: 4px; }
.nw-sep { border: 0; border-top: 1px solid #ccc; margin: 6px 0; }
.nw-flag { color: #b30000; }
.nw-legend { max-width: 260px; }
.nw-legend div { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.nw-legend .nw-vessels { max-height: 160px; overflow: auto; }
.nw-legend i, .nw-keys i { display: inline-block; width: 11px; height: 11px; margin-right: 5px; vertical-align: -1px; border-radius: 50%; box-sizing: border-box; }
.nw-legend i.sq, .nw-keys i { border-radius: 2px; }
.nw-legend i.ln { height: 3px; vertical-align: 3px; border-radius: 0; }
.nw-legend .nw-sym { vertical-align: -3px; margin-right: 4px; }
.nw-panel { max-width: 320px; }
.nw-panel svg { display: block; margin: 3px 0; }
.nw-chart { cursor: crosshair; }
.nw-keys span { margin-right: 6px; font-size: 11px; white-space: nowrap; }
.nw-scroll { max-height: 220px; overflow: auto; }
.nw-disp { font-size: 10.5px; border-collapse: collapse; }
.nw-disp th, .nw-disp td { padding: 0 3px; text-align: right; white-space: nowrap; }
.nw-disp th { font-weight: normal; color: #555; position: sticky; top: 0; background: #fff; }
.nw-events { max-width: 500px; }
.nw-events table { font-size: 11px; border-collapse: collapse; }
.nw-events th { text-align: left; font-weight: normal; color: #555; position: sticky; top: 0; background: #fff; }
.nw-events td { padding: 1px 4px; white-space: nowrap; }
.nw-events td.nw-flag { cursor: help; }
.nw-events tr[data-e] { cursor: pointer; }
.nw-events tr[data-e]:hover { background: #eef3f8; }
.nw-events tr.nw-future { color: #aaa; }
.nw-events .dep { color: #c62a1c; } .nw-events .arr { color: #1d7a3d; }
.nw-muted { color: #777; font-size: 10px; }
.nw-count { background: none; border: 0; color: #fff; font: bold 10px/18px system-ui, sans-serif; text-align: center; }
.nw-port-label { background: none; border: 0; pointer-events: none; }
.nw-port-label span { position: absolute; left: 0; top: 0; transform: translate(-50%, -150%); white-space: nowrap;
  font: 600 12px/1 system-ui, sans-serif; color: #08306b; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
.nw-vlabel { font-size: 11px; padding: 1px 4px; }
.nw-legend .nw-act-legend { border-top: 1px solid #ddd; margin-top: 3px; padding-top: 3px; }
.nw-legend .nw-act-legend div { white-space: normal; }
"""
