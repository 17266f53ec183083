/**
 * `npm run build --silent && node --expose-gc dist/bench/kube-writes.js [--count 2000] [--concurrency 16] [--rounds 5]`:
 * the controller's CPU per Kubernetes write, client-node against the lean path (src/kube/lean-writes.ts). The fake
 * API runs in a child (bench/cloud-child.ts), so the parent's `process.cpuUsage()` is the client's alone. Per
 * Service: a merge patch of an annotation, a merge patch of status, an Event POST — the bodies ObjectWriter and
 * EventRecorder send, through client-node's CoreV1Api as serviceWriter and events.ts call it (withPooledConnections
 * applied, as the controller does) and through the lean factories.
 */
import { parseArgs } from 'node:util';
import { CoreV1Api, type V1Service } from '@kubernetes/client-node';
import type { EventCreator } from '../src/kube/events.js';
import { clientNodeWrites } from '../src/kube/kube-writes.js';
import { createLeanWrites, leanEventCreator, leanServicePatchers } from '../src/kube/lean-writes.js';
import type { Patchers } from '../src/kube/object-writer.js';
import { withPooledConnections } from '../src/kube/pooled-connections.js';
import { startRemoteCloud } from './remote-cloud.js';

const ANNOTATION = 'bench.clb-controller/pass';

interface Path {
  readonly name: string;
  readonly patchers: Patchers<unknown>;
  readonly events: EventCreator;
}

interface Held {
  readonly name: string;
  resourceVersion: string | undefined;
}

const versionOf = (object: unknown) => (object as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;

function event(name: string, pass: number, i: number) {
  const time = new Date();
  return {
    metadata: { name: `${name}.${pass}-${i}`, namespace: 'default' },
    involvedObject: { apiVersion: 'v1', kind: 'Service', name, namespace: 'default' },
    type: 'Normal',
    reason: 'EnsuredLoadBalancer',
    message: `Ensured load balancer (pass ${pass})`,
    source: { component: 'clb-controller' },
    reportingComponent: 'clb-controller',
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
  };
}

/** One pass over the Services: 3 writes each, `concurrency` Services at a time. */
async function pass(path: Path, held: readonly Held[], passNo: number, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < held.length; i = next++) {
      const s = held[i]!;
      const annotated = await path.patchers.patch(s.name, 'default', { metadata: { annotations: { [ANNOTATION]: String(passNo) }, resourceVersion: s.resourceVersion } });
      const ingress = [{ ip: `10.${passNo % 250}.${i >> 8}.${i & 255}` }];
      const status = await path.patchers.patchStatus(s.name, 'default', { metadata: { resourceVersion: versionOf(annotated) }, status: { loadBalancer: { ingress } } });
      s.resourceVersion = versionOf(status);
      await path.events.createEvent('default', event(s.name, passNo, i));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '16' }, rounds: { type: 'string', default: '5' } } });
  const count = Number(values.count);
  const concurrency = Number(values.concurrency);
  const rounds = Number(values.rounds);
  const cloud = await startRemoteCloud({ nodes: 1, simulator: {} });
  const lean = createLeanWrites(cloud.kubeConfig());
  try {
    await cloud.ask({ op: 'seed', count, perService: 1 });
    const pooled = withPooledConnections(cloud.kubeConfig());
    const core = pooled.makeApiClient(CoreV1Api);
    const viaClientNode = clientNodeWrites(pooled);
    const listed = await core.listNamespacedService({ namespace: 'default' });
    const held: Held[] = listed.items.map((s: V1Service) => ({ name: s.metadata!.name!, resourceVersion: s.metadata?.resourceVersion }));
    const paths: Path[] = [
      {
        name: 'client-node',
        patchers: viaClientNode.services as Patchers<unknown>,
        events: viaClientNode.events,
      },
      { name: 'lean', patchers: leanServicePatchers(lean), events: leanEventCreator(lean) },
    ];
    let passNo = 0;
    // Warm-up (JIT, connections) with a full pass each, then alternating measured passes so drift hits both alike.
    for (const path of paths) await pass(path, held, ++passNo, concurrency);
    const results = new Map<string, number[]>(paths.map((p) => [p.name, []]));
    for (let r = 0; r < rounds; r++) {
      for (const path of paths) {
        // Run with --expose-gc: the garbage of the pass before is collected on its own account, not this one's.
        (globalThis as { gc?: () => void }).gc?.();
        const wall = performance.now();
        const before = process.cpuUsage();
        await pass(path, held, ++passNo, concurrency);
        const cpu = process.cpuUsage(before);
        const perRequest = (cpu.user + cpu.system) / (3 * held.length);
        results.get(path.name)!.push(perRequest);
        console.log(`round ${r + 1} ${path.name.padEnd(11)} ${perRequest.toFixed(1)} µs CPU/request (user ${(cpu.user / 3 / held.length).toFixed(1)}, system ${(cpu.system / 3 / held.length).toFixed(1)}), ${((performance.now() - wall) / 1000).toFixed(2)} s`);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [base, leanCost] = paths.map((p) => median(results.get(p.name)!));
    console.log(`\n${held.length} Services × 3 writes, concurrency ${concurrency}, median of ${rounds}:`);
    console.log(`  client-node  ${base!.toFixed(1)} µs CPU/request`);
    console.log(`  lean         ${leanCost!.toFixed(1)} µs CPU/request (${((1 - leanCost! / base!) * 100).toFixed(0)}% less)`);
  } finally {
    lean.close();
    await cloud.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
