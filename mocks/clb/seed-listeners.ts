/**
 * Seeding, part two: the listeners, rules, redirects and targets of one seeded CLB, built into it as the API would
 * have built them. Every setting goes through the checks and defaults of CreateListener / CreateRule (via the
 * provider's own request mapping), ports and quotas through the same checks, redirects through ManualRewrite's
 * and targets through BatchRegisterTargets', so a seed holds only what the API could have made.
 */
import type { CloudStateLoadBalancer } from '../../providers/cloud-state.js';
import type { Listener, Rule, Target } from '../../providers/provider.js';
import { fromCertificate, fromRuleSpec, listenerSettings, toBatchTarget } from '../../providers/tencentcloud/mapping.js';
import { atPath, refuse } from './api-error.js';
import { checkListenerPort, checkListenerQuota, checkRedirectListeners, checkRuleQuota, createListenerFields, newRuleFields, redirectRules, requireRule } from './listeners.js';
import type { SimState } from './sim-state.js';
import { LAYER7, settleDefaultServer, type SimListener, type SimLoadBalancer } from './state.js';
import { planBatch } from './targets.js';

/** Claims a seeded id: well-formed, and used by nothing in the simulator or elsewhere in the seed. */
export type ClaimId = (kind: 'loadBalancer' | 'listener' | 'location', id: string, path: string) => void;

export function seedListeners(s: SimState, lb: SimLoadBalancer, input: CloudStateLoadBalancer, path: string, claim: ClaimId): void {
  input.listeners.forEach((listener, k) => seedListener(s, lb, listener, `${path}.listeners[${k}]`, claim));
  input.listeners.forEach((listener, k) => listener.rules.forEach((rule, m) => seedRedirect(s, lb, listener, rule, `${path}.listeners[${k}].rules[${m}].redirect`)));
  const seen = new Set<string>();
  input.targets.forEach((entry, k) => {
    const at = `${path}.targets[${k}]`;
    const listener = atPath(`${at}.listenerId`, () => s.requireListener(lb, entry.listenerId));
    if (seen.has(listener.id)) refuse(`${at}.listenerId`, `listener ${listener.id} already has an entry in targets`);
    seen.add(listener.id);
    if (entry.protocol !== undefined && entry.protocol !== listener.protocol) refuse(`${at}.protocol`, `listener ${listener.id} is ${listener.protocol}, not ${entry.protocol}`);
    if (entry.port !== undefined && entry.port !== listener.port) refuse(`${at}.port`, `listener ${listener.id} is on port ${listener.port}, not ${entry.port}`);
    (entry.targets ?? []).forEach((target, j) => bindTarget(s, lb, listener, undefined, target, `${at}.targets[${j}]`));
    if (entry.rules?.length && !LAYER7.has(listener.protocol)) refuse(`${at}.rules`, `listener ${listener.id} is ${listener.protocol}: its targets are bound to the listener (targets), not to rules`);
    const seenRules = new Set<string>();
    (entry.rules ?? []).forEach((ruleTargets, m) => {
      const rat = `${at}.rules[${m}]`;
      const rule = atPath(`${rat}.ruleId`, () => requireRule(listener, ruleTargets.ruleId));
      if (seenRules.has(rule.id)) refuse(`${rat}.ruleId`, `rule ${rule.id} already has an entry in this listener's rules`);
      seenRules.add(rule.id);
      if (ruleTargets.domain !== undefined && ruleTargets.domain !== rule.domain) refuse(`${rat}.domain`, `rule ${rule.id} is for ${rule.domain}, not ${ruleTargets.domain}`);
      if (ruleTargets.url !== undefined && ruleTargets.url !== rule.url) refuse(`${rat}.url`, `rule ${rule.id} is for ${rule.url}, not ${ruleTargets.url}`);
      (ruleTargets.targets ?? []).forEach((target, j) => bindTarget(s, lb, listener, rule.id, target, `${rat}.targets[${j}]`));
    });
  });
}

function seedListener(s: SimState, lb: SimLoadBalancer, spec: Listener, path: string, claim: ClaimId): void {
  claim('listener', spec.id, `${path}.id`);
  atPath(path, () => checkListenerQuota(lb, 1, s.quotas.listenersPerLoadBalancer));
  const name = spec.name ?? '';
  if (name.length > 80) refuse(`${path}.name`, 'InvalidParameterValue.Length: ListenerName is longer than 80 characters.');
  const fields = atPath(path, () => createListenerFields({ LoadBalancerId: lb.id, Ports: [spec.port], ...listenerSettings(spec) }, lb));
  atPath(`${path}.port`, () => checkListenerPort(lb, fields.protocol, spec.port));
  const listener: SimListener = {
    ...fields,
    id: spec.id,
    name,
    port: spec.port,
    createdAt: new Date(s.now()).toISOString(),
    targets: new Map(),
    rules: new Map(),
    domainCertificates: new Map(),
  };
  lb.listeners.set(listener.id, listener);
  const rules = spec.rules ?? [];
  if (rules.length && !LAYER7.has(listener.protocol)) refuse(`${path}.rules`, `InvalidParameter.ProtocolCheckFailed: Listener ${listener.id} is ${listener.protocol}: rules need an HTTP or HTTPS listener.`);
  const seen = new Set<string>();
  rules.forEach((rule, m) => seedRule(s, lb, listener, rule, `${path}.rules[${m}]`, seen, claim));
  const defaults = [...new Set(rules.filter((r) => r.defaultServer).map((r) => r.domain))];
  if (defaults.length > 1) refuse(`${path}.rules`, `InvalidParameter: DefaultServer is set on ${defaults.join(' and ')}: a listener has one default domain.`);
  settleDefaultServer(listener, defaults[0]);
  rules.forEach((rule, m) => {
    if (listener.sniSwitch === 1 && !listener.domainCertificates.has(rule.domain)) {
      refuse(`${path}.rules[${m}].certificate`, `MissingParameter: Listener ${listener.id} has SNI on: the domain ${rule.domain} needs a Certificate.`);
    }
  });
}

function seedRule(s: SimState, lb: SimLoadBalancer, listener: SimListener, rule: Rule, path: string, seen: Set<string>, claim: ClaimId): void {
  claim('location', rule.id, `${path}.id`);
  atPath(path, () => checkRuleQuota(listener, 1, s.quotas.rulesPerListener));
  const fields = atPath(path, () => newRuleFields(fromRuleSpec(rule), lb, listener, seen));
  listener.rules.set(rule.id, { ...fields, id: rule.id, targets: new Map() });
  if (!rule.certificate) return;
  // CreateRule would drop a certificate on a listener without SNI; a seed that says so is refused instead.
  if (listener.sniSwitch !== 1) refuse(`${path}.certificate`, `listener ${listener.id} does not have SNI on: only an SNI listener keeps a certificate per domain`);
  if (!rule.certificate.certId) refuse(`${path}.certificate.certId`, 'MissingParameter: Certificate.CertId is required.');
  const certificate = fromCertificate(rule.certificate);
  const known = listener.domainCertificates.get(fields.domain);
  if (known && JSON.stringify(known) !== JSON.stringify(certificate)) refuse(`${path}.certificate`, `another rule of ${fields.domain} has another certificate: an SNI listener keeps one per domain`);
  listener.domainCertificates.set(fields.domain, certificate);
}

function seedRedirect(s: SimState, lb: SimLoadBalancer, sourceSpec: Listener, rule: Rule, path: string): void {
  const redirect = rule.redirect;
  if (!redirect) return;
  const source = lb.listeners.get(sourceSpec.id)!;
  const target = atPath(`${path}.listenerId`, () => s.requireListener(lb, redirect.listenerId));
  atPath(path, () => checkRedirectListeners(source, target));
  atPath(`${path}.ruleId`, () => requireRule(target, redirect.ruleId));
  const { from, to } = atPath(path, () => redirectRules(lb, source, target, rule.id, redirect.ruleId));
  from.rewrite = { listenerId: target.id, locationId: to.id };
}

/** One target, as BatchRegisterTargets would bind it: well-formed, not bound twice, within the quota. */
function bindTarget(s: SimState, lb: SimLoadBalancer, listener: SimListener, ruleId: string | undefined, target: Target, path: string): void {
  atPath(path, () => {
    const outcome = planBatch(lb, [toBatchTarget({ listenerId: listener.id, ...(ruleId ? { ruleId } : {}), target }, true)], 'register', s.quotas.targetsPerRule);
    const failure = outcome.failures[0];
    if (failure) throw failure;
    outcome.apply();
  });
}
