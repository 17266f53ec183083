/**
 * `clb-controller explain service/NAME | ingress/NAME [-n NS] --kubeconfig FILE [-o text|json] [--provider tencentcloud]`:
 * is the object's CLB in sync, and why is each node or Pod (not) a backend — read-only. By default only the
 * cluster is read; with `--provider tencentcloud` the live CLB too (what is registered, left out, failed).
 */
import { parseArgs } from 'node:util';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { clusterVpcs } from '../../mocks/clb/options.js';
import type { CloudProvider } from '../../providers/provider.js';
import { createTencentCloudProvider } from '../../providers/tencentcloud/index.js';
import { ConfigError, parseDuration } from '../config.js';
import { explainObject, type ExplainReport, type ExplainTarget } from '../explain/explain.js';
import { renderExplainText } from '../explain/render.js';
import { assumingProvider, readCluster, type PlanWorld } from './plan/world.js';

export function parseTarget(ref: string | undefined, namespace: string): ExplainTarget {
  const match = /^(service|svc|ingress|ing)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(ref ?? '');
  if (!match) throw new ConfigError(`explain needs service/NAME or ingress/NAME, not "${ref ?? ''}"`);
  return { kind: match[1]!.startsWith('s') ? 'Service' : 'Ingress', namespace, name: match[2]! };
}

/** The world explain reads: the cluster through a kubeconfig, and the given cloud (or, by default, none worth reading). */
export async function explainWorld(kubeconfig: string, target: ExplainTarget, cloud: CloudProvider | undefined, vpcId: string): Promise<{ world: PlanWorld; cloudRead: boolean }> {
  const cluster = await readCluster(kubeconfig, [{ metadata: { namespace: target.namespace } }]);
  if (cloud) return { world: { cluster, provider: cloud, owners: [], notes: [] }, cloudRead: true };
  const notes: string[] = [];
  const offline = createLocalCloud({ vpcs: clusterVpcs(vpcId) }).provider;
  return { world: { cluster, provider: assumingProvider(offline, vpcId, notes), owners: [], notes }, cloudRead: false };
}

export async function explain(target: ExplainTarget, kubeconfig: string, options: { cloud?: CloudProvider; clusterId: string; vpcId: string; now?: number; nodeReadyGraceMs?: number }): Promise<ExplainReport> {
  const { world, cloudRead } = await explainWorld(kubeconfig, target, options.cloud, options.vpcId);
  const clock = { now: options.now ?? Date.now(), ...(options.nodeReadyGraceMs !== undefined ? { nodeReadyGraceMs: options.nodeReadyGraceMs } : {}) };
  return explainObject(target, world, { settings: { clusterId: options.clusterId, vpcId: options.vpcId, defaultIngressClass: false }, cloudRead, clock });
}

export async function explainCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      namespace: { type: 'string', short: 'n' },
      output: { type: 'string', short: 'o' },
      kubeconfig: { type: 'string' },
      provider: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      'account-uin': { type: 'string' },
      'cluster-id': { type: 'string' },
      'vpc-id': { type: 'string' },
      'node-ready-grace': { type: 'string' },
    },
    strict: true,
  });
  const target = parseTarget(positionals[0], values.namespace ?? 'default');
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new ConfigError(`-o "${output}" is not valid: use text or json`);
  const kubeconfig = values.kubeconfig ?? env.KUBECONFIG;
  if (!kubeconfig) throw new ConfigError('explain reads the cluster: add --kubeconfig <file> (or set KUBECONFIG)');
  const provider = values.provider ?? 'none';
  if (provider !== 'none' && provider !== 'tencentcloud') throw new ConfigError(`--provider "${provider}" is not valid: use tencentcloud (or leave it out to read the cluster only)`);
  // As `run` has it: the grace decides whether a NotReady node is still bound.
  const nodeReadyGraceMs = parseDuration('node-ready-grace', values['node-ready-grace'] ?? env.CLB_NODE_READY_GRACE ?? '60s');
  const clusterId = values['cluster-id'] ?? env.CLB_CLUSTER_ID;
  if (provider === 'tencentcloud' && !clusterId) throw new ConfigError('--provider tencentcloud needs --cluster-id (or CLB_CLUSTER_ID): which CLBs are this cluster\'s is told by its tags');
  const endpoint = values.endpoint ?? env.CLB_ENDPOINT;
  const cloud = provider === 'tencentcloud'
    ? createTencentCloudProvider({
        region: values.region ?? env.CLB_REGION ?? '',
        accountUin: values['account-uin'] ?? env.CLB_ACCOUNT_UIN ?? '',
        credentials: env.CLB_CREDENTIALS_DIR ? { kind: 'files', dir: env.CLB_CREDENTIALS_DIR } : { kind: 'env', env },
        ...(endpoint ? { endpoint } : {}),
      })
    : undefined;
  const report = await explain(target, kubeconfig, {
    ...(cloud ? { cloud } : {}),
    clusterId: clusterId ?? 'cls-explained',
    vpcId: values['vpc-id'] ?? env.CLB_VPC_ID ?? 'vpc-cluster1',
    nodeReadyGraceMs,
  });
  process.stdout.write(output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : `${renderExplainText(report)}\n`);
}
