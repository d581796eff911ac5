// A 304 updates the stored response's headers rather than replacing them
// (RFC 9111 §4.3.4): the cached headers, overlaid with the 304's own.
export function __mergeHeaders(stored, fresh) {
  const merged = new Headers(stored);
  if (fresh) fresh.forEach((value, name) => merged.set(name, value));
  return merged;
}
