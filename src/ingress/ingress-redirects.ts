/**
 * Redirect rules (reference §4, TKE doc 457/59096): a redirecting rule has no targets and sends its requests to
 * another rule of the CLB. CLB refuses chains (B, redirected to, cannot redirect) and self-redirects.
 *
 * - auto-rewrite "true": every forwarding HTTPS rule gets an HTTP rule on the same domain+url redirecting to it.
 *   An HTTP rule that would forward on that domain+url is replaced by the redirect (so plain HTTP never serves
 *   what HTTPS protects). ⚠ A valid explicit redirect (rewrite) on that domain+url is kept instead: the user
 *   wrote it. HTTPS rules that are themselves redirects get none (that would chain).
 * - rewrite-support "true": an annotation rule with `"rewrite": {"port", "host", "path"}` redirects to the rule
 *   host+path (default: its own) on the listener at port; that rule must exist and forward, else the redirect is
 *   a rule-level problem (left out — and auto-rewrite fills its place when it covers that domain+url).
 */
import { problem, type Problem } from '../model/problems.js';
import { DEFAULT_DOMAIN, type DesiredRule } from '../model/desired.js';
import type { L7Protocol, RuleCandidate } from './ingress-rules.js';

export interface BuiltRule {
  readonly protocol: L7Protocol;
  readonly rule: DesiredRule;
  /** Pods whose readiness gate this rule's targets bind. */
  readonly gatePods: readonly string[];
  readonly candidate: RuleCandidate;
}

export interface RedirectOptions {
  readonly httpPort: number | undefined;
  /** undefined: no HTTPS listener. */
  readonly httpsPort: number | undefined;
  readonly autoRewrite: boolean;
}

const shown = (domain: string): string => (domain === DEFAULT_DOMAIN ? '(the default domain)' : domain);
const at = (protocol: L7Protocol, domain: string, url: string): string => `${protocol}:${domain}${url}`;

export function applyRedirects(built: readonly BuiltRule[], options: RedirectOptions): { rules: BuiltRule[]; problems: Problem[] } {
  const { httpPort, httpsPort, autoRewrite } = options;
  const problems: Problem[] = [];
  const forwards = built.filter((b) => !b.candidate.rewrite);
  const autoSources = autoRewrite && httpsPort !== undefined && httpPort !== undefined ? forwards.filter((b) => b.protocol === 'HTTPS') : [];
  const autoKeys = new Set(autoSources.map((b) => at('HTTP', b.rule.domain, b.rule.url)));
  // What forwards once auto-rewrite has replaced HTTP rules: the only valid redirect targets.
  const finalForwards = new Set(forwards.map((b) => at(b.protocol, b.rule.domain, b.rule.url)).filter((k) => !autoKeys.has(k)));
  const manualKeys = new Set(built.filter((b) => b.candidate.rewrite).map((b) => at(b.protocol, b.rule.domain, b.rule.url)));
  const protocolAt = (port: number): L7Protocol | undefined => (port === httpPort ? 'HTTP' : port === httpsPort ? 'HTTPS' : undefined);

  const manual: BuiltRule[] = [];
  for (const b of built) {
    const rewrite = b.candidate.rewrite;
    if (!rewrite) continue;
    const field = b.candidate.rewriteField ?? b.candidate.field;
    const bad = (reason: string) => problems.push(problem('InvalidAnnotation', field, JSON.stringify(rewrite), reason));
    const protocol = protocolAt(rewrite.port);
    const domain = rewrite.host === undefined ? b.rule.domain : rewrite.host || DEFAULT_DOMAIN;
    const url = rewrite.path ?? b.rule.url;
    const target = at(protocol ?? 'HTTP', domain, url);
    const listeners = [httpPort, httpsPort].filter((p) => p !== undefined).join(', ');
    if (!protocol) bad(`no listener of this Ingress is on port ${rewrite.port} (its listeners: ${listeners})`);
    else if (protocol === b.protocol && domain === b.rule.domain && url === b.rule.url) bad('a rule cannot redirect to itself');
    else if (manualKeys.has(target) || autoKeys.has(target)) bad(`the rule ${shown(domain)}${url} on port ${rewrite.port} is itself a redirect; redirects cannot chain`);
    else if (!finalForwards.has(target)) bad(`there is no rule ${shown(domain)}${url} on port ${rewrite.port} to redirect to`);
    else {
      manual.push({ ...b, rule: { ...b.rule, targets: [], redirect: { port: rewrite.port, domain, url } } });
      continue;
    }
  }

  const manualAt = new Set(manual.map((b) => at(b.protocol, b.rule.domain, b.rule.url)));
  const auto: BuiltRule[] = autoSources
    .filter((b) => !manualAt.has(at('HTTP', b.rule.domain, b.rule.url)))
    .map((b) => ({
      protocol: 'HTTP',
      rule: { domain: b.rule.domain, url: b.rule.url, targets: [], redirect: { port: httpsPort!, domain: b.rule.domain, url: b.rule.url } },
      gatePods: [],
      candidate: b.candidate,
    }));
  const kept = forwards.filter((b) => !(b.protocol === 'HTTP' && autoKeys.has(at('HTTP', b.rule.domain, b.rule.url))));
  return { rules: [...kept, ...manual, ...auto], problems };
}


