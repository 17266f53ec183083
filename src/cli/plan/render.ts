/** `plan`'s output: the documented JSON shape (fields are only ever added) and its text form. */
import { WRITE_ONLY_LISTENER_SETTINGS, type Certificate, type HealthCheck, type Listener, type Target } from '../../../providers/provider.js';
import type { LoadBalancerPlan } from '../../deploy/plan-load-balancer.js';
import { DEFAULT_DOMAIN, listenerKey, type DesiredState } from '../../model/desired.js';
import type { Problem } from '../../model/problems.js';
import type { RecordedWrite } from './recording-provider.js';
import type { ObjectRun } from './plan-objects.js';

export interface ProblemJson {
  readonly field: string;
  readonly value: string;
  readonly reason: string;
  /** TKE's error code (E4011…), where it has one. */
  readonly code?: string;
}

interface Settings {
  readonly sessionExpireTime: number | null;
  readonly scheduler: string | null;
  readonly healthCheck: HealthCheck | null;
  readonly certificate: { certId: string; mode: string; caCertId: string | null } | null;
  /** The other settings the model sets (a TkeServiceConfig's keepaliveEnable, forwardType, and our rescheduling extension); unset ones are absent. */
  readonly options: Record<string, boolean | number | string>;
}

export interface PlannedObject {
  readonly kind: 'Service' | 'Ingress';
  readonly namespace: string;
  readonly name: string;
  readonly problems: ProblemJson[];
  readonly warnings: ProblemJson[];
  readonly desired: {
    readonly loadBalancer: { type: 'OPEN' | 'INTERNAL' | null; subnetId: string | null; existingId: string | null };
    readonly listeners: ({ protocol: string; port: number; name: string; sniEnabled: boolean } & Settings)[];
    readonly rules: ({ port: number; domain: string; url: string; redirectTo: string | null } & Settings)[];
    readonly targets: { port: number; domain: string | null; url: string | null; instanceId: string | null; eniIp: string | null; targetPort: number; weight: number }[];
  } | null;
  readonly changes: string[];
  /** What the plan assumed or could not check (an offline world), and why nothing is planned (mode: skip). */
  readonly notes: string[];
  /** The cloud API writes `run` would make, in the provider contract's terms (ids of new things as placeholders). */
  readonly writes: RecordedWrite[];
}

const problemJson = (p: Problem): ProblemJson => ({ field: p.field, value: p.value, reason: p.reason, ...(p.code ? { code: p.code } : {}) });
const certificateJson = (c: Certificate | undefined) => (c ? { certId: c.certId, mode: c.mode, caCertId: c.caCertId ?? null } : null);
const settingsJson = (s: { sessionExpireTime?: number; scheduler?: string; healthCheck?: HealthCheck; certificate?: Certificate }): Settings => ({
  sessionExpireTime: s.sessionExpireTime ?? null,
  scheduler: s.scheduler ?? null,
  healthCheck: s.healthCheck ?? null,
  certificate: certificateJson(s.certificate),
  options: optionsOf(s),
});

const OPTIONS = ['keepaliveEnable', 'forwardType', 'defaultServer', 'deregisterTargetRst', 'rescheduleTargetZeroWeight', 'rescheduleUnhealthy', 'rescheduleExpandTarget', 'rescheduleStartTime', 'rescheduleInterval'] as const;
const optionsOf = (s: object): Settings['options'] =>
  Object.fromEntries(OPTIONS.flatMap((k) => ((s as Record<string, unknown>)[k] === undefined ? [] : [[k, (s as Record<string, boolean | number | string>)[k]!]])));

/** A change as a person reads it: `scheduler=LEAST_CONN, healthCheck={enabled: true, intervalSeconds: 10}`. */
const shownChanges = (changes: object) =>
  Object.entries(changes).map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? `{${Object.entries(v).map(([f, x]) => `${f}: ${String(x)}`).join(', ')}}` : String(v)}`).join(', ');

/** What a new listener sets beyond protocol and port (nothing: the CLB's defaults). */
function shownSettings(l: { sessionExpireTime?: number; scheduler?: string; healthCheck?: HealthCheck } & object): string {
  const set = { ...(l.scheduler ? { scheduler: l.scheduler } : {}), ...(l.sessionExpireTime ? { sessionExpireTime: l.sessionExpireTime } : {}), ...(l.healthCheck ? { healthCheck: l.healthCheck } : {}), ...optionsOf(l) };
  return Object.keys(set).length ? ` (${shownChanges(set)})` : '';
}
const shownDomain = (domain: string) => (domain === DEFAULT_DOMAIN ? '(VIP)' : domain);

function desiredJson(model: DesiredState): NonNullable<PlannedObject['desired']> {
  const lb = model.loadBalancer;
  const targetJson = (port: number, domain: string | null, url: string | null) => (t: Target) => ({
    port, domain, url, instanceId: t.instanceId ?? null, eniIp: t.eniIp ?? null, targetPort: t.port, weight: t.weight,
  });
  return {
    loadBalancer: lb.kind === 'existing' ? { type: null, subnetId: null, existingId: lb.id } : { type: lb.type, subnetId: lb.subnetId ?? null, existingId: null },
    listeners: model.listeners.map((l) => ({ protocol: l.protocol, port: l.port, name: l.name, sniEnabled: Boolean(l.sniEnabled), ...settingsJson(l) })),
    rules: model.listeners.flatMap((l) => l.rules.map((r) => ({ port: l.port, domain: shownDomain(r.domain), url: r.url, redirectTo: r.redirect ? `${r.redirect.port} ${shownDomain(r.redirect.domain)}${r.redirect.url}` : null, ...settingsJson(r) }))),
    targets: model.listeners.flatMap((l) => [...l.targets.map(targetJson(l.port, null, null)), ...l.rules.flatMap((r) => r.targets.map(targetJson(l.port, shownDomain(r.domain), r.url)))]),
  };
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** One CLB plan as the lines a person reads: `+` creates, `~` changes, `-` removes, `=` uses as it is, `!` blocked. */
export function describePlan(plan: LoadBalancerPlan, listeners: readonly Listener[], model: DesiredState | undefined): string[] {
  const name = (id: string) => {
    const l = listeners.find((x) => x.id === id);
    return l ? listenerKey(l) : id;
  };
  const p = plan.listeners;
  const want = model?.loadBalancer;
  return [
    ...(plan.create ? [`+ create CLB (${plan.create.type}${plan.create.subnetId ? ` in ${plan.create.subnetId}` : ''})`] : []),
    ...(want?.kind === 'existing' ? [`= reuse CLB ${want.id}`] : []),
    ...(plan.tag ? [`~ tag CLB ${plan.loadBalancerId}: ${Object.entries(plan.tag).map(([k, v]) => `${k}=${v}`).join(', ')}`] : []),
    ...(plan.securityGroups ? [`~ set security groups of CLB to [${plan.securityGroups.join(', ')}]`] : []),
    ...(plan.attributes ? [`~ modify CLB attributes: ${Object.entries(plan.attributes).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`] : []),
    ...p.deleteListenersFirst.map((id) => `- delete listener ${name(id)} (its port is needed by a new listener)`),
    ...p.createListeners.map((l) => `+ create listener ${l.protocol}:${l.port}${l.rules.length ? '' : shownSettings(l)}`),
    ...p.modifyListeners.map((m) => `~ modify listener ${name(m.listenerId)}: ${shownChanges(m.changes)}${WRITE_ONLY_LISTENER_SETTINGS.some((k) => k in m.changes) ? ' (rescheduling switches are write-only: the CLB never reports them, so a dry run always shows them)' : ''}`),
    ...p.createRules.flatMap((r) => r.rules.map((rule) => `+ create rule ${r.listenerKey} ${shownDomain(rule.domain)}${rule.url}${shownSettings(rule)}`)),
    ...p.modifyRules.map((m) => `~ modify rule ${m.ruleId} on ${name(m.listenerId)}: ${shownChanges(m.changes)}`),
    ...p.setDomainCertificates.map((c) => `~ set certificate of ${c.domain} on ${name(c.listenerId)} to ${c.certificate.certId}`),
    ...p.setDefaultDomains.map((d) => `~ make ${d.domain} the default domain of ${name(d.listenerId)}`),
    ...p.deleteRedirects.map((r) => `- remove redirect of rule ${r.sourceRuleId}`),
    ...p.setRedirects.map((r) => `+ redirect ${r.source.listenerKey} ${r.source.ruleKey.replace(DEFAULT_DOMAIN, '(VIP)')} → ${r.target.listenerKey} ${r.target.ruleKey.replace(DEFAULT_DOMAIN, '(VIP)')}`),
    ...(p.deregisterFirst.length ? [`- deregister ${count(p.deregisterFirst.length, 'gone target')} first (to make room at the target quota)`] : []),
    ...(p.register.length ? [`+ register ${count(p.register.length, 'target')}`] : []),
    ...(p.reweight.length ? [`~ re-weight ${count(p.reweight.length, 'target')}`] : []),
    ...(p.deregister.length ? [`- deregister ${count(p.deregister.length, 'target')}`] : []),
    ...p.deleteRules.map((r) => `- delete ${count(r.ruleIds.length, 'rule')} on ${name(r.listenerId)}`),
    ...p.deleteListeners.map((id) => `- delete listener ${name(id)}`),
    ...(plan.untag ? [`- untag CLB ${plan.loadBalancerId}: ${plan.untag.join(', ')}`] : []),
    ...(plan.deleteLoadBalancer ? [`- delete CLB ${plan.loadBalancerId}`] : []),
    ...(plan.heldEmpty ? ['= keep the last targets while the empty backend view settles'] : []),
    ...(plan.modificationProtected ? [`! blocked: CLB ${plan.loadBalancerId} has modification protection on; nothing is changed until it is turned off in the console`] : []),
    ...(plan.release === 'kept-foreign' ? [`! keep CLB ${plan.loadBalancerId}: it has ${plan.foreignListeners} listener(s) this controller does not manage`] : []),
    ...p.conflicts.map((c) => `! blocked: ${c.reason}`),
    ...plan.leftOut.map((c) => `! left out: ${c.reason}`),
    ...(p.deferredTargets ? [`= ${count(p.deferredTargets, 'target')} added at the next reconcile, once the removals made room`] : []),
  ];
}

export function plannedObject(run: ObjectRun, notes: readonly string[]): PlannedObject {
  const built = run.built;
  const model = built?.ok ? built.model : undefined;
  const refused = run.problems.length > 0;
  return {
    kind: run.kind,
    namespace: run.object.metadata?.namespace ?? 'default',
    name: run.object.metadata?.name ?? '',
    problems: run.problems.map(problemJson),
    warnings: [...(built?.ok ? built.warnings : []), ...run.plans.flatMap((p) => [...p.plan.listeners.conflicts, ...p.plan.leftOut])].map(problemJson),
    desired: model && !refused ? desiredJson(model) : null,
    changes: refused ? [] : run.plans.flatMap(({ plan, actual }) => describePlan(plan, actual?.listeners ?? [], model)),
    notes: [...(run.skipped ? ['mode: skip — the controller makes no change to this object\'s CLB'] : []), ...notes],
    writes: refused ? [] : [...run.writes],
  };
}

export function renderPlanText(planned: readonly PlannedObject[]): string {
  if (!planned.length) return 'No LoadBalancer Service or qcloud Ingress in these manifests.';
  return planned
    .map((p) => {
      const lines = [`${p.kind} ${p.namespace}/${p.name}`];
      for (const problem of p.problems) lines.push(`  ✗ ${problem.code ? `${problem.code} ` : ""}${problem.field}: ${JSON.stringify(problem.value)}: ${problem.reason}`);
      for (const warning of p.warnings) lines.push(`  ! ${warning.field}: ${JSON.stringify(warning.value)}: ${warning.reason}`);
      for (const note of p.notes) lines.push(`  note: ${note}`);
      if (p.desired) {
        const lb = p.desired.loadBalancer;
        lines.push(`  CLB: ${lb.existingId ? `existing ${lb.existingId}` : `${lb.type}${lb.subnetId ? ` in ${lb.subnetId}` : ''}`}`);
        for (const l of p.desired.listeners) {
          const rules = p.desired.rules.filter((r) => r.port === l.port);
          const targets = p.desired.targets.filter((t) => t.port === l.port);
          lines.push(`  listener ${l.protocol}:${l.port}${rules.length ? '' : ` → ${targets.length} target(s)`}${settingsText(l)}`);
          for (const r of rules) {
            const ruleTargets = targets.filter((t) => t.domain === r.domain && t.url === r.url);
            lines.push(`    rule ${r.domain}${r.url} → ${r.redirectTo ? `redirect to ${r.redirectTo}` : `${ruleTargets.length} target(s)`}${settingsText(r)}`);
          }
        }
      }
      if (p.desired || p.changes.length) {
        lines.push(...p.changes.map((c) => `  ${c}`));
        if (!p.changes.length) lines.push('  (no changes)');
      }
      return lines.join('\n');
    })
    .join('\n\n');
}

function settingsText(s: Settings): string {
  const parts = [
    ...(s.sessionExpireTime ? [`session ${s.sessionExpireTime}s`] : []),
    ...(s.scheduler ? [`scheduler ${s.scheduler}`] : []),
    ...(s.healthCheck ? [`health check ${s.healthCheck.enabled === false ? 'off' : 'on'}`] : []),
    ...(s.certificate ? [`certificate ${s.certificate.certId}`] : []),
  ];
  return parts.length ? ` (${parts.join(', ')})` : '';
}
