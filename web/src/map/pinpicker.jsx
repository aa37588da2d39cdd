// The submit page's map: tap to place the pin (or use the device's position); open reports near it show too.
import { useEffect, useRef } from "preact/hooks";
import { gql } from "../api.js";
import { t } from "../i18n.js";
import "./messages.js";
import { useLeaflet, viewFrom } from "./usemap.js";

export default function PinPicker({ latitude, longitude, nearby, onPick, onSupport, start }) {
  const picked = useRef(onPick);
  picked.current = onPick;
  // The pin already placed, else the view a link asked for ("peta=lat,lon,zoom"), else all of Indonesia.
  const view = latitude !== null ? { center: [latitude, longitude], zoom: 17 } : viewFrom(start);
  const [element, leaflet] = useLeaflet({ ...view, gql });
  const layers = useRef(null);

  useEffect(() => {
    if (!leaflet) return;
    leaflet.map.on("click", (event) => picked.current(+event.latlng.lat.toFixed(6), +event.latlng.lng.toFixed(6)));
    layers.current = leaflet.L.layerGroup().addTo(leaflet.map);
  }, [leaflet]);

  useEffect(() => {
    if (!leaflet || !layers.current) return;
    layers.current.clearLayers();
    for (const report of nearby) {
      const { latitude: lat, longitude: lon } = report.submission.location || {};
      if (lat !== null && lat !== undefined) {
        leaflet.tools.pin([lat, lon], { radius: 7, color: "#8a4b00", fillColor: "#e08a00" }).addTo(layers.current);
      }
    }
    if (latitude !== null) {
      leaflet.tools.pin([latitude, longitude]).addTo(layers.current);
      if (!leaflet.map.getBounds().contains([latitude, longitude])) leaflet.map.setView([latitude, longitude], 17);
    }
  }, [leaflet, latitude, longitude, nearby]);

  return (
    <>
      <p class="hint">{t("report.location.pin")}</p>
      <div class="map" ref={element} role="application" aria-label={t("report.location.mapLabel")} data-testid="pin-map" />
      {nearby.length > 0 && (
        <div class="similar" role="region" aria-label={t("report.nearby.title")}>
          <h2>{t("report.nearby.title")}</h2>
          <p>{t("report.nearby.lead")}</p>
          <ul>
            {nearby.map((n) => (
              <li key={n.submission.trackingCode}>
                <p>{n.submission.title || n.submission.text}</p>
                <p class="meta">{n.submission.trackingCode} · {n.distanceMetres === 0 ? t("report.nearby.here") : t("report.nearby.metres", { n: n.distanceMetres })} · {t("report.similar.supporters", { n: n.submission.supportCount })}</p>
                <button type="button" class="secondary" onClick={() => onSupport(n.submission.trackingCode)}>
                  {t("report.similar.support")}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
