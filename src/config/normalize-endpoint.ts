/**
 * Canonical form of an upstream base URL for comparisons: lower-case scheme and host, no trailing `/`, no
 * trailing `/v1`, so `http://LOCALHOST:8000/v1/` and `http://localhost:8000` are the same worker.
 */
export function normalizeEndpoint(url: string): string {
  let value = url.trim();
  while (value.endsWith('/')) value = value.slice(0, -1);
  if (value.toLowerCase().endsWith('/v1')) value = value.slice(0, -3);
  while (value.endsWith('/')) value = value.slice(0, -1);
  const match = /^(https?:\/\/[^/]+)(.*)$/i.exec(value);
  if (match === null) return value.toLowerCase();
  return `${(match[1] ?? '').toLowerCase()}${match[2] ?? ''}`;
}
