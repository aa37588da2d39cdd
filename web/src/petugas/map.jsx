// The agency's open items on a map at their exact positions (staff of that agency only), each
// opening its item page.
import { useEffect, useState } from "preact/hooks";
import { gql, needsSignIn, signInRequired } from "./api.js";
import { t } from "./i18n.js";
import id from "../messages/petugas.map.id.json";
import en from "../messages/petugas.map.en.json";
import { INDONESIA, useLeaflet } from "../map/usemap.js";

t.add({ id, en }); // this page's messages travel in its chunk

const AGENCY_MAP = `{ agencyMap { __typename ... on AgencyMap { items { id trackingCode status statusGroup title latitude longitude } }
  ... on NotAllowed { code message messageEn } } }`;

export default function AgencyMapPage() {
  const [element, leaflet] = useLeaflet({ ...INDONESIA, gql });
  const [items, setItems] = useState(null);

  useEffect(() => {
    gql(AGENCY_MAP).then(({ agencyMap: result }) => {
      if (needsSignIn(result)) { signInRequired(); return; }
      setItems(result.__typename === "AgencyMap" ? result.items : []);
    }).catch(() => setItems([]));
  }, []);

  useEffect(() => {
    if (!leaflet || !items) return;
    const { map, L, tools } = leaflet;
    const layer = L.layerGroup().addTo(map);
    for (const item of items) {
      tools.pin([item.latitude, item.longitude])
        .bindPopup(tools.linkPopup([item.title, item.trackingCode, t("status." + item.status)], `#/item/${item.id}`, t("map.open")))
        .addTo(layer);
    }
    if (items.length) map.fitBounds(L.latLngBounds(items.map((i) => [i.latitude, i.longitude])).pad(0.2), { maxZoom: 17 });
    return () => layer.remove();
  }, [leaflet, items]);

  return (
    <section>
      <h1>{t("map.title")}</h1>
      <p>{t("map.lead")}</p>
      <div class="map tall" ref={element} role="application" aria-label={t("map.title")} data-testid="agency-map" />
      {items && <p class="meta">{t("map.count", { n: items.length })}</p>}
    </section>
  );
}
