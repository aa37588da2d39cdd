// A tiny observable value: the language and the route re-render the app when they change.
const listeners = new Set();

export function signal(initial) {
  let value = initial;
  return {
    get value() { return value; },
    set value(next) { value = next; listeners.forEach((fn) => fn()); },
  };
}

export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
