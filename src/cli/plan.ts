/**
 * `clb-controller plan -f <file|dir> [-o text|json]`: what the controller WOULD do for these manifests, writing
 * nothing — its own pipeline run over a provider that records writes (plan/plan-objects.ts), in a world that is
 * synthetic, a copy of the cloud (`--cloud-state`), or a real cluster and cloud read-only (plan/world.ts). The
 * JSON shape is documented in the README; fields are only ever added.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { clusterVpcs } from '../../mocks/clb/options.js';
import { CloudStateError, parseCloudState, readCloudState, type CloudState } from '../../providers/cloud-state.js';
import type { CloudProvider } from '../../providers/provider.js';
import { createTencentCloudProvider } from '../../providers/tencentcloud/index.js';
import { TAGS } from '../annotations/keys.js';
import { ConfigError } from '../config.js';
import { loadManifests } from './manifests.js';
import { runObjects, type PlanSettings } from './plan/plan-objects.js';
import { plannedObject, renderPlanText, type PlannedObject } from './plan/render.js';
import { assumingProvider, readCluster, syntheticCluster, withNodePorts, type PlanWorld } from './plan/world.js';

export { renderPlanText, type PlannedObject } from './plan/render.js';
export type { PlanWorld } from './plan/world.js';

/** Plans every Service and Ingress of the manifests in the world. */
export async function planObjects(objects: readonly KubernetesObject[], world: PlanWorld, settings: PlanSettings): Promise<PlannedObject[]> {
  const runs = await runObjects(objects, world, settings);
  return runs.map((run) => plannedObject(run, world.notes));
}

/** The mock cloud, empty or as a cloud-state file describes it, with the cluster's VPC in its inventory. */
function offlineCloud(vpcId: string, state: CloudState | undefined): CloudProvider {
  return createLocalCloud({ vpcs: clusterVpcs(vpcId), ...(state ? { cloudState: state } : {}) }).provider;
}

/** The world `plan` assumes without --kubeconfig or --cloud-state: a synthetic cluster and an empty, honest cloud. */
export function syntheticWorld(objects: readonly KubernetesObject[], vpcId = 'vpc-cluster1', state?: CloudState): { world: PlanWorld; manifests: KubernetesObject[] } {
  const manifests = withNodePorts(objects);
  // Against a copy of a real cloud, the synthetic nodes and endpoints differ from the real ones: say so once.
  const notes: string[] = state ? ['the cluster is synthetic (nodes ins-planned0…2, two endpoints per selector): targets differ from a real cluster\'s; add --kubeconfig to read it'] : [];
  const cloud = offlineCloud(vpcId, state);
  return { world: { cluster: syntheticCluster(manifests), provider: state ? cloud : assumingProvider(cloud, vpcId, notes), owners: state?.owners ?? [], notes }, manifests };
}

function readStateFile(file: string): CloudState {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`--cloud-state ${file}: ${(error as Error).message}`);
  }
  try {
    return parseCloudState(json, file);
  } catch (error) {
    if (error instanceof CloudStateError) throw new ConfigError(`--cloud-state ${error.message}`);
    throw error;
  }
}

export async function planCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      file: { type: 'string', short: 'f', multiple: true },
      output: { type: 'string', short: 'o' },
      kubeconfig: { type: 'string' },
      provider: { type: 'string' },
      'cloud-state': { type: 'string' },
      'write-cloud-state': { type: 'string' },
      endpoint: { type: 'string' },
      'cluster-id': { type: 'string' },
      'vpc-id': { type: 'string' },
      region: { type: 'string' },
      'account-uin': { type: 'string' },
      'default-ingress-class': { type: 'boolean' },
    },
    strict: true,
  });
  if (!values.file?.length) throw new ConfigError('plan needs -f <file|dir> (the manifests to check)');
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new ConfigError(`-o "${output}" is not valid: use text or json`);
  const provider = values.provider ?? 'mock';
  if (provider !== 'mock' && provider !== 'tencentcloud') throw new ConfigError(`--provider "${provider}" is not valid: use mock or tencentcloud`);
  if (provider === 'tencentcloud' && values['cloud-state']) throw new ConfigError('--cloud-state describes the cloud offline: use it without --provider tencentcloud');
  const settings = {
    clusterId: values['cluster-id'] ?? env.CLB_CLUSTER_ID ?? 'cls-planned0',
    vpcId: values['vpc-id'] ?? env.CLB_VPC_ID ?? 'vpc-cluster1',
    defaultIngressClass: values['default-ingress-class'] ?? false,
  };
  const objects = loadManifests(values.file).map((l) => l.object);
  const state = values['cloud-state'] ? readStateFile(values['cloud-state']) : undefined;

  let world: PlanWorld;
  let manifests: readonly KubernetesObject[] = objects;
  if (provider === 'tencentcloud') {
    if (!values.kubeconfig) throw new ConfigError('--provider tencentcloud reads the cluster too: add --kubeconfig <file>');
    const endpoint = values.endpoint ?? env.CLB_ENDPOINT;
    const cloud = createTencentCloudProvider({
      region: values.region ?? env.CLB_REGION ?? '',
      accountUin: values['account-uin'] ?? env.CLB_ACCOUNT_UIN ?? '',
      credentials: env.CLB_CREDENTIALS_DIR ? { kind: 'files', dir: env.CLB_CREDENTIALS_DIR } : { kind: 'env', env },
      ...(endpoint ? { endpoint } : {}),
    });
    world = { cluster: await readCluster(values.kubeconfig, objects), provider: cloud, owners: [], notes: [] };
  } else if (values.kubeconfig) {
    const notes: string[] = [];
    const cloud = offlineCloud(settings.vpcId, state);
    world = { cluster: await readCluster(values.kubeconfig, objects), provider: state ? cloud : assumingProvider(cloud, settings.vpcId, notes), owners: state?.owners ?? [], notes };
  } else {
    ({ world, manifests } = syntheticWorld(objects, settings.vpcId, state));
  }
  const planned = await planObjects(manifests, world, settings);
  if (values['write-cloud-state']) {
    // What this plan read of the cloud: the cluster's CLBs (by tag) and those the manifests name, as a cloud-state file.
    const clusters = await world.provider.findLoadBalancersByTags({ [TAGS.clusterId]: settings.clusterId });
    const named = planned.flatMap((p) => (p.desired?.loadBalancer.existingId ? [p.desired.loadBalancer.existingId] : []));
    const extra = named.length ? await world.provider.describeLoadBalancers(named.filter((id) => !clusters.some((lb) => lb.id === id))) : [];
    const written = await readCloudState(world.provider, [...clusters, ...extra]);
    writeFileSync(values['write-cloud-state'], `${JSON.stringify(written, null, 2)}\n`);
  }
  process.stdout.write(output === 'json' ? `${JSON.stringify({ objects: planned }, null, 2)}\n` : `${renderPlanText(planned)}\n`);
}
