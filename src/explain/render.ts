/** `explain -o text`: the report as a person reads it — the CLB, its sync state, then one line per backend. */
import type { BackendLine } from './backend-lines.js';
import type { ExplainReport } from './explain.js';

const mark = (line: BackendLine) => (!line.bound ? '✗' : line.weight === 0 ? '~' : '✓');

export function renderExplainText(report: ExplainReport): string {
  const out = [`${report.kind} ${report.namespace}/${report.name}`];
  for (const note of report.notes) out.push(`  Note:       ${note}`);
  if (!report.loadBalancerId && !report.listeners.length && !report.backends.length && report.notes.length) return out.join('\n');
  out.push(`  CLB:        ${report.loadBalancerId ?? '(none recorded yet)'}`);
  const c = report.condition;
  out.push(`  Synced:     ${c ? `${c.status} — ${c.reason} (since ${c.lastTransitionTime}): ${c.message}` : '(no LoadBalancerSynced condition yet)'}`);
  const listeners = report.listeners.flatMap((l) => [
    `${l.protocol}:${l.port}${l.rules.length ? '' : ` → ${l.targets} target(s)`}`,
    ...l.rules.map((r) => `  ${r.domain}${r.url} → ${r.targets} target(s)`),
  ]);
  out.push(`  Listeners:  ${listeners.length ? listeners.join('\n              ') : '(none)'}`);
  for (const p of report.problems) out.push(`  ✗ ${p.code} ${p.field}: ${JSON.stringify(p.value)}: ${p.reason}`);
  out.push(`  Pending:    ${report.pending.length ? report.pending.join('; ') : report.cloud === 'read' ? 'nothing: the CLB is as the object asks' : '(the cloud was not read: add --provider tencentcloud to compare with the live CLB)'}`);
  const groups = new Map<string, BackendLine[]>();
  for (const line of report.backends) groups.set(line.serves, [...(groups.get(line.serves) ?? []), line]);
  if (!groups.size) out.push('  Backends:   (no node or endpoint to bind)');
  for (const [serves, lines] of groups) {
    out.push(`  Backends of ${serves}:`);
    const name = Math.max(...lines.map((l) => `${l.kind} ${l.name}`.length));
    const address = Math.max(...lines.map((l) => `${l.address}${l.port !== undefined && l.kind === 'pod' ? `:${l.port}` : ''}`.length));
    for (const l of lines) {
      const where = `${l.address}${l.port !== undefined && l.kind === 'pod' ? `:${l.port}` : ''}`;
      out.push(`    ${mark(l)} ${`${l.kind} ${l.name}`.padEnd(name)}  ${where.padEnd(address)}  ${l.reason}: ${l.detail}`);
    }
  }
  return out.join('\n');
}
