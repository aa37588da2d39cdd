// A component that arrives in its own chunk (import()), so that pages without it do not load it.
import { useEffect, useState } from "preact/hooks";

export function Lazy({ load, placeholder = null, ...props }) {
  const [Component, setComponent] = useState(null);
  useEffect(() => { load().then((module) => setComponent(() => module.default)); }, []);
  return Component ? <Component {...props} /> : placeholder;
}
