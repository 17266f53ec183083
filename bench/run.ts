/**
 * `npm run bench [-- --scale 0.1] [--only name] [--task-latency 100] [--rate-limit 20]`: runs the scenarios
 * against the local mock cloud with its rate limits and task latency, prints a table, writes
 * bench/results.json. Performance is measured here, never asserted by timing in tests.
 *
 * Scenario 6 (`--only memory`) runs at 0.1, 0.3 and 1 of its size (`--memory-sizes 0.1,0.3,1`) and prints how the
 * controller's costs grow; `--cpu-profile [DIR]` writes a .cpuprofile of the controller process per size to DIR (default dist/profiles),
 * and one of the cloud child beside it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BenchOptions, ScenarioResult } from './harness.js';
import { endpointChurn, rollingUpdate } from './scenarios/direct-access.js';
import { rolloutUnderLoad } from './scenarios/rollout-under-load.js';
import { coldStartFamily, memoryAtScale, nodeChurn } from './scenarios/services.js';

const SCENARIOS: Record<string, (options: BenchOptions) => Promise<ScenarioResult | ScenarioResult[]>> = {
  'cold-start': coldStartFamily,
  'rolling-update': rollingUpdate,
  'endpoint-churn': endpointChurn,
  'node-churn': nodeChurn,
  memory: memoryAtScale,
  'rollout-under-load': rolloutUnderLoad,
};

function arg(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

function table(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'mutating', 'min', 'ratio', 'reads', 's', 'bound s', 'ratio', 'p50 ms', 'p99 ms', 'rss MB', 'heap MB'];
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? '' : (a / b).toFixed(2));
  const rows = results.map((r) => [
    r.name, r.mutatingCalls ?? '', r.minMutatingCalls ?? '', ratio(r.mutatingCalls, r.minMutatingCalls), r.readCalls ?? '', r.seconds ?? '', r.boundSeconds ?? '',
    ratio(r.seconds, r.boundSeconds), r.p50Ms ?? '', r.p99Ms ?? '', r.rssMb ?? '', r.heapMb ?? '',
  ].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const options: BenchOptions = {
    scale: Number(arg('scale', '1')),
    taskLatencyMs: Number(arg('task-latency', '100')),
    rateLimitPerSecond: Number(arg('rate-limit', '20')),
    ...(process.argv.includes('--memory-sizes') ? { memorySizes: arg('memory-sizes', '').split(',').map(Number) } : {}),
    // `--cpu-profile` alone writes to dist/profiles (ignored by git).
    ...(process.argv.includes('--cpu-profile') ? { cpuProfileDir: /^(?!--)./.test(arg('cpu-profile', '')) ? arg('cpu-profile', '') : 'dist/profiles' } : {}),
  };
  if (options.memorySizes?.some((f) => !(f > 0))) throw new Error('--memory-sizes takes fractions above 0, e.g. 0.1,0.3,1');
  const only = arg('only', '');
  const names = Object.keys(SCENARIOS).filter((n) => !only || only.split(',').includes(n));
  const results: ScenarioResult[] = [];
  for (const name of names) {
    process.stderr.write(`running ${name}…\n`);
    const produced = await SCENARIOS[name]!(options);
    for (const result of Array.isArray(produced) ? produced : [produced]) {
      results.push(result);
      process.stderr.write(`  ${JSON.stringify(result)}\n`);
    }
  }
  // Merged by scenario name: a run of some scenarios (--only) updates theirs and keeps the others' last results,
  // each with the options it ran with.
  const file = new URL('./results.json', import.meta.url.replace('/dist/bench/', '/bench/'));
  const earlier = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { options?: BenchOptions; scenarios?: (ScenarioResult & { options?: BenchOptions })[] }) : {};
  const ran = new Set(results.map((r) => r.name));
  const kept = (earlier.scenarios ?? []).filter((r) => !ran.has(r.name)).map((r) => ({ ...r, options: r.options ?? earlier.options }));
  writeFileSync(file, `${JSON.stringify({ options, scenarios: [...results.map((r) => ({ ...r, options })), ...kept] }, null, 2)}\n`);
  console.log(table(results));
  const traffic = results.filter((r) => r.requests !== undefined);
  if (traffic.length) {
    console.log('');
    for (const r of traffic) console.log(`${r.name}: ${r.requests} requests, ${r.failedRequests} failed, longest gap without a success ${r.longestGapMs} ms`);
  }
  const growth = growthTable(results);
  if (growth) console.log(`\n${growth}`);
  for (const r of results) if (r.note) console.log(`- ${r.name}: ${r.note}`);
}

/** Scenario 6 at its sizes: the controller process's costs, and how they grow from the smallest size to the largest. */
function growthTable(results: readonly ScenarioResult[]): string | undefined {
  const sized = results.filter((r) => r.services !== undefined && r.controllerCpuMsPerEvent !== undefined).sort((a, b) => a.services! - b.services!);
  if (!sized.length) return undefined;
  const header = ['Services', 'endpoints', 'wall s', 'CPU ms/event', 'heap B/endpoint', 'RSS MB', 'reconciles', 'cloud child CPU s'];
  const rows = sized.map((r) =>
    [r.services, r.endpoints, r.seconds, r.controllerCpuMsPerEvent, r.controllerHeapBytesPerEndpoint, r.controllerRssMb, r.reconciles, r.cloudChildCpuSeconds].map((v) => String(v ?? '')),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join(' | ');
  const lines = ['controller process (scenario 6):', line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)];
  const small = sized[0]!;
  const large = sized[sized.length - 1]!;
  if (large.services! > small.services!) {
    const factor = large.services! / small.services!;
    // The targets are for ten times the Services: time may grow at most 11×, CPU per event at most 1.2×.
    const target = (bound: number) => (Math.abs(factor - 10) < 1e-9 ? ` (target ≤ ${bound})` : ` (targets are for 10× the Services; this is ${factor.toFixed(1)}×)`);
    const ratio = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || b === 0 ? 'n/a' : (a / b).toFixed(2));
    lines.push(`wall(${large.services})/wall(${small.services}) = ${ratio(large.seconds, small.seconds)}${target(11)}`);
    lines.push(`cpuPerEvent(${large.services})/cpuPerEvent(${small.services}) = ${ratio(large.controllerCpuMsPerEvent, small.controllerCpuMsPerEvent)}${target(1.2)}`);
  }
  return lines.join('\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
