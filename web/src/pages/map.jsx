// The public map: non-confidential reports at the public precision, clustered when dense, filtered by
// category, status and period (kept in the address), each report linking to its tracking page.
import { useEffect, useRef, useState } from "preact/hooks";
import { gql } from "../api.js";
import { pick, t } from "../i18n.js";
import "../map/messages.js";
import { useLeaflet, viewFrom } from "../map/usemap.js";

const MAP = `query($area: MapArea!, $zoom: Int!, $filter: MapFilter) { publicMap(area: $area, zoom: $zoom, filter: $filter) {
  __typename ... on PublicMap { clusters { latitude longitude count submission { trackingCode title text status statusGroup } } }
  ... on RateLimited { retryAfterSeconds } ... on ValidationError { message messageEn } } }`;
const CATEGORIES = "{ categories { slug label labelEn } }";
const GROUPS = ["OPEN", "IN_PROGRESS", "RESOLVED", "REJECTED"];
const PERIODS = ["1", "3", "12"]; // months
const COLOURS = { OPEN: "#b3261e", IN_PROGRESS: "#8a4b00", RESOLVED: "#0b5d3b", REJECTED: "#555" };

function filterOf(params) {
  const filter = {};
  if (params.get("kategori")) filter.categories = [params.get("kategori")];
  if (GROUPS.includes(params.get("status"))) filter.statusGroups = [params.get("status")];
  if (PERIODS.includes(params.get("periode"))) filter.months = Number(params.get("periode"));
  return filter;
}

export default function PublicMapPage({ params }) {
  const [categories, setCategories] = useState([]);
  const [points, setPoints] = useState([]);
  const [notice, setNotice] = useState("");
  const [element, leaflet] = useLeaflet({ ...viewFrom(params.get("di"), undefined, 14), gql });
  const layer = useRef(null);
  const asked = useRef(0);
  const filter = JSON.stringify(filterOf(params));

  useEffect(() => { gql(CATEGORIES).then((d) => setCategories(d.categories)).catch(() => {}); }, []);

  function load() {
    if (!leaflet) return;
    const { map, L, tools } = leaflet;
    const bounds = map.getBounds();
    const clamp = (v, limit) => Math.max(-limit, Math.min(limit, v));
    const area = { south: clamp(bounds.getSouth(), 90), north: clamp(bounds.getNorth(), 90),
      west: clamp(bounds.getWest(), 180), east: clamp(bounds.getEast(), 180) };
    const turn = ++asked.current;
    gql(MAP, { area, zoom: map.getZoom(), filter: JSON.parse(filter) }).then(({ publicMap: result }) => {
      if (turn !== asked.current) return;
      if (result.__typename !== "PublicMap") { setNotice(result.__typename === "RateLimited" ? t("map.slowDown") : pick(result.message, result.messageEn)); return; }
      setNotice("");
      layer.current = layer.current || L.layerGroup().addTo(map);
      layer.current.clearLayers();
      const shown = [];
      for (const cluster of result.clusters) {
        const at = [cluster.latitude, cluster.longitude];
        if (cluster.submission) {
          const s = cluster.submission;
          shown.push(s);
          tools.pin(at, { color: COLOURS[s.statusGroup], fillColor: COLOURS[s.statusGroup] })
            .bindPopup(tools.linkPopup([s.title || s.text, t(`status.${s.statusGroup}`)], `#/lacak/${s.trackingCode}`, t("map.track", { code: s.trackingCode })))
            .addTo(layer.current);
        } else {
          tools.clusterMarker(at, cluster.count).on("click", () => map.setView(at, Math.min(19, map.getZoom() + 2)))
            .addTo(layer.current);
        }
      }
      setPoints(shown);
    }).catch(() => setNotice(t("map.error")));
  }

  useEffect(() => {
    if (!leaflet) return undefined;
    leaflet.map.on("moveend", load);
    load();
    return () => leaflet.map.off("moveend", load);
  }, [leaflet, filter]);

  function choose(name) {
    return (event) => {
      const next = new URLSearchParams(params);
      if (event.currentTarget.value) next.set(name, event.currentTarget.value); else next.delete(name);
      location.replace(`#/peta${next.toString() ? "?" + next : ""}`);
    };
  }

  return (
    <section>
      <h1>{t("map.title")}</h1>
      <p class="lead">{t("map.lead")}</p>
      <form class="map-filters" onSubmit={(e) => e.preventDefault()}>
        <label>{t("map.category")}{" "}
          <select value={params.get("kategori") || ""} onChange={choose("kategori")}>
            <option value="">{t("map.all")}</option>
            {categories.map((c) => <option key={c.slug} value={c.slug}>{pick(c.label, c.labelEn)}</option>)}
          </select>
        </label>
        <label>{t("map.status")}{" "}
          <select value={params.get("status") || ""} onChange={choose("status")}>
            <option value="">{t("map.all")}</option>
            {GROUPS.map((g) => <option key={g} value={g}>{t(`status.${g}`)}</option>)}
          </select>
        </label>
        <label>{t("map.period")}{" "}
          <select value={params.get("periode") || ""} onChange={choose("periode")}>
            <option value="">{t("map.allTime")}</option>
            {PERIODS.map((n) => <option key={n} value={n}>{n === "1" ? t("map.month1") : t("map.months", { n })}</option>)}
          </select>
        </label>
      </form>
      <div class="map tall" ref={element} role="application" aria-label={t("map.label")} data-testid="public-map" />
      {notice && <p class="error" role="alert">{notice}</p>}
      <p class="hint">{t("map.precision")}</p>
      <h2>{t("map.listTitle")}</h2>
      {points.length === 0 ? <p>{t("map.zoomIn")}</p> : (
        <ul class="map-list" aria-label={t("map.listTitle")}>
          {points.map((s) => (
            <li key={s.trackingCode}><a href={`#/lacak/${s.trackingCode}`}>{s.trackingCode}</a> — {s.title || s.text} ({t(`status.${s.statusGroup}`)})</li>
          ))}
        </ul>
      )}
    </section>
  );
}
