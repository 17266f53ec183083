/**
 * The cloud side of scenario 6 in a process of its own (bench/remote-cloud.ts forks it): the fake Kubernetes API
 * over HTTP and the CLB simulator behind the TC3 emulator (mocks/clb/api-server.ts), which the real
 * tencentcloud-sdk-nodejs clients of the parent call. The parent seeds and asks for convergence over IPC, so what
 * the parent's process measures is the controller alone. It exits when the parent goes (IPC disconnect).
 */
import { randomBytes } from 'node:crypto';
import { startApiServer } from '../mocks/clb/api-server.js';
import { ClbSimulator } from '../mocks/clb/simulator.js';
import { startFakeKube } from '../mocks/kube/index.js';
import { startCpuProfile, type CpuProfiler } from './cpu-profile.js';
import { directAccessService, LB_ID, readyNode, type CloudAnswers, type CloudChildOptions, type CloudChildReady, type CloudRequest, type FromChild, type ToChild } from './cloud-protocol.js';

function send(message: FromChild): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/cloud-child.js runs as a forked child of the benchmark (bench/remote-cloud.ts)');
  const options = JSON.parse(process.argv[2] ?? '{}') as CloudChildOptions;
  const kube = await startFakeKube({ seed: Array.from({ length: options.nodes }, (_, i) => readyNode(i)) });
  const simulator = new ClbSimulator(options.simulator);
  const key = { secretId: `AKIDbench${randomBytes(12).toString('hex')}`, secretKey: randomBytes(16).toString('hex') };
  const api = await startApiServer({ simulator, keys: [key] });

  let cpuAtSeed = process.cpuUsage();
  let profiler: CpuProfiler | undefined;
  let logCursor = 0;
  let registerCalls = 0;
  const answer: { [K in CloudRequest['op']]: (request: Extract<CloudRequest, { op: K }>) => CloudAnswers[K] | Promise<CloudAnswers[K]> } = {
    seed({ count, perService }) {
      cpuAtSeed = process.cpuUsage();
      const objects: object[] = [];
      for (let i = 0; i < count; i++) objects.push(...directAccessService(i, perService));
      kube.state.seed(...objects);
      return { objects: objects.length };
    },
    progress({ count, targetsEach }) {
      // Read incrementally: polls cost the child next to nothing until the CLBs can all have their targets.
      const log = simulator.traffic.log;
      for (; logCursor < log.length; logCursor++) {
        const c = log[logCursor]!;
        if (c.kind === 'write' && !c.errorCode && c.action.includes('RegisterTargets')) registerCalls += 1;
      }
      if (registerCalls < count) return { registerCalls, services: 0, recorded: 0, bound: 0, converged: false };
      const services = kube.state.list<{ metadata: { annotations?: Record<string, string> } }>('services');
      let recorded = 0;
      let bound = 0;
      for (const s of services) {
        const id = s.metadata.annotations?.[LB_ID];
        if (id === undefined) continue;
        recorded += 1;
        if (simulator.boundTargets(id).size === targetsEach) bound += 1;
      }
      return { registerCalls, services: services.length, recorded, bound, converged: services.length >= count && bound === services.length };
    },
    traffic() {
      const writes: Record<string, number> = {};
      const readsPerAction: Record<string, number> = {};
      let reads = 0;
      let taskPolls = 0;
      for (const c of simulator.traffic.log) {
        if (c.kind === 'write') {
          if (!c.errorCode) writes[c.action] = (writes[c.action] ?? 0) + 1;
        } else if (c.action === 'DescribeTaskStatus') taskPolls += 1;
        else {
          reads += 1;
          readsPerAction[c.action] = (readsPerAction[c.action] ?? 0) + 1;
        }
      }
      const cpu = process.cpuUsage(cpuAtSeed);
      return {
        calls: simulator.traffic.log.length,
        writes,
        reads,
        readsPerAction,
        taskPolls,
        kubeRequests: kube.requests.count(),
        kubeWrites: kube.requests.mutations().length,
        childRssMb: Math.round(process.memoryUsage().rss / 1e6),
        childCpuMsSinceSeed: Math.round((cpu.user + cpu.system) / 1000),
      };
    },
    calls() {
      return { calls: simulator.traffic.log.length };
    },
    async profile({ action, dir, name }) {
      if (action === 'start') {
        profiler ??= await startCpuProfile(dir, name);
        return {};
      }
      const path = await profiler?.stop();
      profiler = undefined;
      return path ? { path } : {};
    },
  };

  process.on('message', (message: ToChild) => {
    void (async () => {
      const handler = answer[message.op] as ((request: CloudRequest) => unknown) | undefined;
      if (!handler) throw new Error(`unknown request ${String(message.op)}`);
      return handler(message);
    })().then(
      (result) => send({ type: 'answer', id: message.id, result }),
      (error: unknown) => send({ type: 'answer', id: message.id, error: (error as Error).stack ?? String(error) }),
    );
  });
  // The parent went (finished, failed or killed): nothing is left to serve.
  process.on('disconnect', () => process.exit(0));

  const ready: CloudChildReady = {
    type: 'ready',
    kubeUrl: kube.url,
    cloudPort: api.port,
    region: simulator.region,
    uin: simulator.uin,
    taskLatencyMs: simulator.taskLatencyMs,
    ...key,
  };
  send(ready);
}

main().catch((error: unknown) => {
  console.error('cloud child failed:', error);
  process.exit(1);
});
