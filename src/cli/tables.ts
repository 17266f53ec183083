/** Plain-text tables for people: the CLBs with their listeners, rules and targets; Services and Ingresses. */
import type { KubernetesObject } from '@kubernetes/client-node';

interface SnapshotTarget { instanceId?: string; eniIp?: string; port: number; weight: number }
interface SnapshotRule { domain: string; url: string; rewrite: { listenerId: string; locationId: string } | null; targets: SnapshotTarget[] }
interface SnapshotListener { id: string; name: string; protocol: string; port: number; targets: SnapshotTarget[]; rules: SnapshotRule[] }
export interface SnapshotLoadBalancer { id: string; type: string; vips: string[]; domain: string; tags: Record<string, string>; listeners: SnapshotListener[] }

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const targetText = (targets: readonly SnapshotTarget[]) =>
  targets.length ? targets.map((t) => `${t.instanceId ?? t.eniIp}:${t.port}${t.weight !== 10 ? ` w${t.weight}` : ''}`).join(', ') : '(none)';

function owner(tags: Record<string, string>): string {
  if (tags['tke-createdBy-flag'] === 'yes') return `created (${tags['tke-clusterId'] ?? '?'})`;
  return tags['tke-clusterId'] ? `reused (${tags['tke-clusterId']})` : 'not managed';
}

export function renderCloud(loadBalancers: readonly SnapshotLoadBalancer[]): string {
  const rows: string[][] = [];
  for (const lb of loadBalancers) {
    const address = lb.vips[0] ?? lb.domain;
    if (!lb.listeners.length) rows.push([lb.id, lb.type, address, owner(lb.tags), '(no listeners)', '', '']);
    for (const l of lb.listeners) {
      const listener = `${l.protocol}:${l.port}`;
      if (!l.rules.length) rows.push([lb.id, lb.type, address, owner(lb.tags), listener, '', targetText(l.targets)]);
      for (const r of l.rules) {
        const target = r.rewrite ? `→ redirect to ${lb.listeners.find((x) => x.id === r.rewrite!.listenerId)?.protocol ?? '?'}` : targetText(r.targets);
        rows.push([lb.id, lb.type, address, owner(lb.tags), listener, `${r.domain}${r.url}`, target]);
      }
    }
  }
  return table(['CLB', 'TYPE', 'ADDRESS', 'OWNER', 'LISTENER', 'RULE', 'TARGETS'], rows);
}

type Reported = KubernetesObject & { status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } };

export function renderObjects(objects: readonly { kind: string; object: Reported }[], events: readonly { type: string; reason: string; message: string; involvedObject: { kind: string; name: string } }[]): string {
  const rows = objects.map(({ kind, object }) => {
    const name = `${object.metadata?.namespace ?? 'default'}/${object.metadata?.name}`;
    const annotations = object.metadata?.annotations ?? {};
    const lb = annotations['service.kubernetes.io/loadbalance-id'] ?? annotations['kubernetes.io/ingress.qcloud-loadbalance-id'] ?? '-';
    const address = object.status?.loadBalancer?.ingress?.map((i) => i.ip ?? i.hostname).join(',') || '-';
    const warnings = [...new Set(events.filter((e) => e.type === 'Warning' && e.involvedObject.kind === kind && e.involvedObject.name === object.metadata?.name).map((e) => `${e.reason}: ${e.message}`))];
    return [kind, name, lb, address, warnings.join(' | ') || '-'];
  });
  return table(['KIND', 'NAME', 'CLB', 'ADDRESS', 'WARNINGS'], rows);
}
