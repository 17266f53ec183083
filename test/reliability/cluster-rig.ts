/** Both controllers as `run` starts them (src/app.ts): shared informers and cache, over the fake API and mock cloud. */
import { CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { createLocalCloud, type LocalCloud, type ProviderOverrides } from '../../mocks/clb/local-cloud.js';
import type { SimulatorOptions } from '../../mocks/clb/options.js';
import { startFakeKube } from '../../mocks/kube/index.js';
import { convergenceViolations } from '../../mocks/sandbox/invariants.js';
import { startControllers, type RunningControllers } from '../../src/app.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { node, SETTINGS, waitFor, type FakeKube } from '../support/service-rig.js';
import { loadBalancers } from './support.js';

export interface ClusterRig {
  readonly kube: FakeKube;
  readonly cloud: LocalCloud;
  readonly core: CoreV1Api;
  controllers: RunningControllers;
  restart(): Promise<void>;
  stopControllers(): Promise<void>;
  startControllers(): Promise<void>;
  /** Nothing queued or running in either controller, and no cloud call, for `quietMs`. */
  settle(quietMs?: number): Promise<void>;
  violations(): string[];
  close(): Promise<void>;
}

export async function startClusterRig(options: { nodes?: V1Node[]; seed?: object[]; simulator?: SimulatorOptions; provider?: ProviderOverrides; resyncPeriodMs?: number } = {}): Promise<ClusterRig> {
  const kube = await startFakeKube({ seed: [...(options.nodes ?? [node(1), node(2), node(3)]), ...(options.seed ?? [])] });
  const cloud = createLocalCloud(options.simulator ?? {}, options.provider ?? {});
  const kc = kube.kubeConfig();
  const start = () =>
    startControllers({
      kubeConfig: kc, provider: cloud.provider, settings: { ...SETTINGS, defaultIngressClass: false }, logger: silentLogger(), workers: 2,
      resyncPeriodMs: options.resyncPeriodMs ?? 3_600_000, informerBackoffMs: { min: 20, max: 200 },
    });
  const rig: ClusterRig = {
    kube,
    cloud,
    core: kc.makeApiClient(CoreV1Api),
    controllers: await start(),
    async restart() {
      await rig.stopControllers();
      await rig.startControllers();
    },
    async stopControllers() {
      await rig.controllers.stop();
    },
    async startControllers() {
      rig.controllers = await start();
    },
    async settle(quietMs = 150) {
      let since = Date.now();
      let calls = cloud.simulator.traffic.log.length;
      await waitFor(() => {
        const now = cloud.simulator.traffic.log.length;
        if (!rig.controllers.idle() || now !== calls) since = Date.now();
        calls = now;
        return Date.now() - since >= quietMs;
      }, 'the controllers to settle');
    },
    violations: () => convergenceViolations({ state: kube.state, loadBalancers: loadBalancers(rig), settings: SETTINGS, now: Date.now() }),
    async close() {
      await rig.controllers.stop();
      await kube.close();
    },
  };
  return rig;
}
