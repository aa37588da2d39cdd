// Mounts a Leaflet map in a Preact component: loads the map chunk on first use, removes the map on unmount.
import { useEffect, useRef, useState } from "preact/hooks";

export function useLeaflet(options) {
  const element = useRef(null);
  const [leaflet, setLeaflet] = useState(null); // { L, map, tools } once loaded
  useEffect(() => {
    let gone = false;
    let made = null;
    import("./leafmap.js").then((tools) => {
      if (gone || !element.current) return;
      made = tools.createMap(element.current, options);
      setLeaflet({ L: tools.L, map: made, tools });
    });
    return () => { gone = true; if (made) made.remove(); };
  }, []);
  return [element, leaflet];
}

export const INDONESIA = { center: [-2.5, 118], zoom: 5 };

/** A view from the address ("lat,lon,zoom", as a shared link gives it), else ``fallback``. */
export function viewFrom(text, fallback = INDONESIA, defaultZoom = 16) {
  const [lat, lon, zoom] = (text || "").split(",").map(Number);
  if (!(Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180)) return fallback;
  return { center: [lat, lon], zoom: Number.isFinite(zoom) ? Math.min(19, Math.max(3, zoom)) : defaultZoom };
}
