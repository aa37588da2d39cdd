// Leaflet and its styles: a chunk of its own, imported (import()) only by the pages that show a map,
// so every other page's first load stays as it was.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./map.css";

export { L };

let tiles; // one mapTiles request per page load, shared by every map

/** A map in `element`; the background tiles come from the server's SUARA_MAP_TILES. Without tiles
 * (offline, blocked, or none configured) the pins still show, on a blank background. */
export function createMap(element, { center, zoom, gql }) {
  const map = L.map(element, { center, zoom, minZoom: 3, maxZoom: 19, zoomControl: false });
  L.control.zoom({ zoomInTitle: "Perbesar / Zoom in", zoomOutTitle: "Perkecil / Zoom out" }).addTo(map);
  tiles = tiles || gql("{ mapTiles { url attribution } }").then((d) => d.mapTiles).catch(() => null);
  tiles.then((found) => {
    if (found && found.url) L.tileLayer(found.url, { maxZoom: 19, attribution: found.attribution }).addTo(map);
  });
  return map;
}

/** A pin drawn as a vector (no marker image to fetch). */
export function pin(latlng, options = {}) {
  return L.circleMarker(latlng, { radius: 9, weight: 2, color: "#0b5d3b", fillColor: "#1a8a5a", fillOpacity: 0.9, ...options });
}

/** A numbered cluster marker; its number is the only text in it. */
export function clusterMarker(latlng, count) {
  const size = count < 10 ? 30 : count < 100 ? 36 : 44;
  const icon = L.divIcon({ className: "map-cluster", html: `<span>${Number(count)}</span>`, iconSize: [size, size] });
  return L.marker(latlng, { icon, keyboard: true, title: String(count) });
}

/** A popup of plain text and one link, built from DOM nodes (a report's words are never HTML). */
export function linkPopup(lines, href, linkText) {
  const box = document.createElement("div");
  for (const line of lines.filter(Boolean)) {
    const p = document.createElement("p");
    p.textContent = line;
    box.appendChild(p);
  }
  const a = document.createElement("a");
  a.href = href;
  a.textContent = linkText;
  box.appendChild(a);
  return box;
}
