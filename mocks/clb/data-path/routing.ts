/**
 * Which rule of a layer-7 listener serves a request, as CLB matches them (doc 214/9032): first the domain — an
 * exact match, then a wildcard (`*.example.com`, the longest suffix first; `www.example.*`), and when none matches,
 * the listener's default domain (DefaultServer) — then, among that domain's rules, the URL: an exact rule (`=/path`)
 * for that very path, else the longest rule the path starts with, character by character (`/api` serves
 * `/api/v1` and `/apix`). A request whose path no rule of the domain covers is not served (404).
 */
import type { SimListener, SimRule } from '../state.js';

function domainMatches(pattern: string, host: string): number {
  if (pattern === host) return 3;
  if (pattern.startsWith('*.') && host.endsWith(pattern.slice(1))) return 2;
  if (pattern.endsWith('.*') && host.startsWith(pattern.slice(0, -1))) return 1;
  return 0;
}

/** The domain of the listener that serves `host`: exact, then wildcards (longer patterns first), then the default domain. */
export function routeDomain(listener: Readonly<SimListener>, host: string): string | undefined {
  const domains = [...new Set([...listener.rules.values()].map((r) => r.domain))];
  let best: { domain: string; rank: number } | undefined;
  for (const domain of domains) {
    const rank = domainMatches(domain.toLowerCase(), host.toLowerCase());
    if (rank && (!best || rank > best.rank || (rank === best.rank && domain.length > best.domain.length))) best = { domain, rank };
  }
  return best?.domain ?? listener.defaultServer;
}

/** The rule that serves a request for `host` and `path` (no query), or undefined (404). */
export function routeRequest(listener: Readonly<SimListener>, host: string, path: string): SimRule | undefined {
  const domain = routeDomain(listener, host);
  if (domain === undefined) return undefined;
  const rules = [...listener.rules.values()].filter((r) => r.domain === domain);
  const exact = rules.find((r) => r.url.startsWith('=') && r.url.slice(1) === path);
  if (exact) return exact;
  let best: SimRule | undefined;
  for (const rule of rules) {
    if (rule.url.startsWith('=') || rule.url.startsWith('~')) continue;
    if (path.startsWith(rule.url) && (!best || rule.url.length > best.url.length)) best = rule;
  }
  return best;
}
