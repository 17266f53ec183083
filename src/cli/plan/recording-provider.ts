/**
 * A provider that passes every call through and records every write, in the contract's terms, with the ids of
 * things created during the run replaced by stable placeholders (`(new CLB <its name>)`, `(new listener TCP:80)`,
 * `(new rule HTTP:80 a.example.com/x)`) and their VIPs by `(VIP)`, so two recordings compare action by action:
 * `plan` records its run over a scratch copy of the cloud, the differential test records `run`.
 */
import type { CloudProvider, ListenerSpec, RuleSpec } from '../../../providers/provider.js';
import { overriding } from './delegate.js';

export interface RecordedWrite {
  readonly action: string;
  readonly loadBalancerId: string;
  readonly args: unknown;
}

export interface Recording {
  readonly provider: CloudProvider;
  readonly writes: RecordedWrite[];
}

const WRITES = [
  'createLoadBalancer', 'deleteLoadBalancers', 'modifyLoadBalancerAttributes', 'setSecurityGroups', 'tagLoadBalancer', 'untagLoadBalancer',
  'createListeners', 'modifyListener', 'deleteListeners', 'createRules', 'modifyRule', 'setDomainCertificate', 'setDefaultDomain', 'deleteRules', 'setRedirects',
  'deleteRedirects', 'registerTargets', 'deregisterTargets', 'setTargetWeights',
] as const satisfies readonly (keyof CloudProvider)[];
type Write = (typeof WRITES)[number];

/** A created CLB's placeholder id: its name says whose it is (`<cluster>_<namespace>_<name>`). */
export const newLoadBalancer = (input: { name: string }): string => `(new CLB ${input.name})`;
export const NEW_VIP = '(VIP)';
const newListener = (l: { protocol: string; port: number }) => `(new listener ${l.protocol}:${l.port})`;
const newRule = (listener: string, r: { domain: string; url: string }) => `(new rule ${listener} ${r.domain}${r.url})`;

/** Replaces, deep in a value, every string the placeholder map knows. */
function placeholders(value: unknown, names: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return names.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => placeholders(v, names));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholders(v, names)]));
  return value;
}

export function recordingProvider(inner: CloudProvider): Recording {
  const writes: RecordedWrite[] = [];
  /** Real id (or VIP) → placeholder, for what this run created. */
  const names = new Map<string, string>();
  const listenerNames = new Map<string, string>();
  const record = (action: Write, loadBalancerId: string, args: unknown) => writes.push({ action, loadBalancerId: names.get(loadBalancerId) ?? loadBalancerId, args: placeholders(args, names) });

  const overrides: Pick<CloudProvider, Write> = {
    async createLoadBalancer(input) {
      const lb = await inner.createLoadBalancer(input);
      names.set(lb.id, newLoadBalancer(input));
      for (const vip of lb.vips) names.set(vip, NEW_VIP);
      if (lb.domain) names.set(lb.domain, NEW_VIP);
      record('createLoadBalancer', newLoadBalancer(input), input);
      return lb;
    },
    async createListeners(lb, listeners: readonly ListenerSpec[]) {
      record('createListeners', lb, listeners);
      const ids = await inner.createListeners(lb, listeners);
      ids.forEach((id, i) => {
        names.set(id, newListener(listeners[i]!));
        listenerNames.set(id, `${listeners[i]!.protocol}:${listeners[i]!.port}`);
      });
      return ids;
    },
    async createRules(lb, listenerId, rules: readonly RuleSpec[]) {
      record('createRules', lb, { listenerId, rules });
      const listener = listenerNames.get(listenerId) ?? listenerId;
      const ids = await inner.createRules(lb, listenerId, rules);
      ids.forEach((id, i) => names.set(id, newRule(listener, placeholders(rules[i], names) as RuleSpec)));
      return ids;
    },
    async deleteLoadBalancers(ids) {
      for (const id of ids) record('deleteLoadBalancers', id, [id]);
      await inner.deleteLoadBalancers(ids);
    },
    ...Object.fromEntries(
      WRITES.filter((w) => !['createLoadBalancer', 'createListeners', 'createRules', 'deleteLoadBalancers'].includes(w)).map((action) => [
        action,
        async (lb: string, ...args: unknown[]) => {
          record(action, lb, args.length === 1 ? args[0] : args);
          await (inner[action] as (...a: unknown[]) => Promise<void>)(lb, ...args);
        },
      ]),
    ) as unknown as Pick<CloudProvider, Exclude<Write, 'createLoadBalancer' | 'createListeners' | 'createRules' | 'deleteLoadBalancers'>>,
  };
  // Reads and awaitWrites go to the provider as they are.
  return { provider: overriding(inner, overrides), writes };
}
