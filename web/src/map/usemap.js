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
