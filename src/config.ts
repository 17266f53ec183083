/**
 * The only reader of flags and environment variables. Every setting has a flag and an environment variable
 * (the flag wins); a bad or missing value stops the program with one line saying what to set.
 */
import { parseArgs } from 'node:util';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface RunConfig {
  readonly clusterId: string;
  readonly vpcId: string;
  readonly region: string;
  readonly accountUin: string;
  readonly provider: 'tencentcloud' | 'mock';
  readonly kubeconfig?: string;
  readonly workers: number;
  readonly resyncPeriodMs: number;
  readonly rateLimitPerSecond: number;
  readonly defaultIngressClass: boolean;
  readonly leaderElect: boolean;
  readonly leaseNamespace: string;
  readonly identity: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly metricsPort: number;
  readonly endpoint?: string;
  readonly credentialsDir?: string;
  readonly requestTimeoutSeconds: number;
  readonly nodeReadyGraceMs: number;
  /** Orphan CLBs and listeners are deleted after this long; 0 turns the collector off. */
  readonly orphanGcDelayMs: number;
  readonly orphanGcDryRun: boolean;
  /** A sync-state series per Service and Ingress on /metrics (clb_controller_object_sync_state). */
  readonly perObjectMetrics: boolean;
}

/** Flag → environment variable → description (also the --help text). */
export const RUN_SETTINGS = {
  'cluster-id': { env: 'CLB_CLUSTER_ID', help: 'TKE cluster id (cls-xxxxxxxx): tagged on every CLB the controller creates' },
  'vpc-id': { env: 'CLB_VPC_ID', help: "the cluster's VPC (vpc-xxxxxxxx): CLBs are created and reused only there" },
  region: { env: 'CLB_REGION', help: 'Tencent Cloud region, e.g. ap-guangzhou' },
  'account-uin': { env: 'CLB_ACCOUNT_UIN', help: 'numeric account id (names CLBs for the Tag API); the mock default is used with --provider mock' },
  provider: { env: 'CLB_PROVIDER', help: 'tencentcloud (default) or mock (the in-process simulator)' },
  kubeconfig: { env: 'KUBECONFIG', help: 'kubeconfig file; default: in-cluster config' },
  workers: { env: 'CLB_WORKERS', help: 'reconcile workers per controller (default 4)' },
  'resync-period': { env: 'CLB_RESYNC_PERIOD', help: 'full resync and cloud re-read period, e.g. 5m, 300s (default 5m)' },
  'rate-limit': { env: 'CLB_RATE_LIMIT', help: 'CLB API requests per second per action (default 20)' },
  'default-ingress-class': { env: 'CLB_DEFAULT_INGRESS_CLASS', help: 'true: Ingresses without a class are handled as qcloud (default false)' },
  'leader-elect': { env: 'CLB_LEADER_ELECT', help: 'true (default): only the holder of the Lease reconciles' },
  'lease-namespace': { env: 'POD_NAMESPACE', help: 'namespace of the leader Lease (default clb-controller)' },
  identity: { env: 'POD_NAME', help: 'this replica in the Lease (default: host name + pid)' },
  'log-level': { env: 'CLB_LOG_LEVEL', help: 'fatal, error, warn, info (default), debug, trace, silent' },
  'metrics-port': { env: 'CLB_METRICS_PORT', help: 'port of /metrics, /healthz, /readyz (default 8080)' },
  endpoint: { env: 'CLB_ENDPOINT', help: 'CLB API endpoint override, e.g. clb.internal.tencentcloudapi.com' },
  'credentials-dir': { env: 'CLB_CREDENTIALS_DIR', help: 'directory of a mounted credentials Secret (secretId, secretKey[, token]); default: TENCENTCLOUD_SECRET_ID/KEY' },
  'request-timeout': { env: 'CLB_REQUEST_TIMEOUT', help: 'cloud API request timeout in seconds (default 30)' },
  'node-ready-grace': { env: 'CLB_NODE_READY_GRACE', help: 'a node that went NotReady stays bound this long (default 60s)' },
  'orphan-gc-delay': { env: 'CLB_ORPHAN_GC_DELAY', help: "delete this cluster's CLBs/listeners whose owner is gone after this long (default 10m; 0 = off)" },
  'orphan-gc-dry-run': { env: 'CLB_ORPHAN_GC_DRY_RUN', help: 'true: the orphan collector only logs what it would delete (default false)' },
  'per-object-metrics': { env: 'CLB_PER_OBJECT_METRICS', help: 'true: a sync-state series per Service and Ingress on /metrics, one per object (default false)' },
} as const;

export type SettingName = keyof typeof RUN_SETTINGS;

const REGION = /^[a-z]{2,3}-[a-z]+(-[a-z]+)?$/;
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function parseDuration(name: string, value: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new ConfigError(`--${name} "${value}" is not a duration: use e.g. 30s, 5m, 1h`);
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

function integer(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new ConfigError(`--${name} "${value}" must be an integer from ${min} to ${max}`);
  return n;
}

function boolean(name: string, value: string): boolean {
  if (value === 'true' || value === '') return true;
  if (value === 'false') return false;
  throw new ConfigError(`--${name} "${value}" must be true or false`);
}

/** Reads the `run` settings: flags first, then the environment, then defaults; validates them all. */
export function readRunConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, hostname: string): RunConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(Object.keys(RUN_SETTINGS).map((name) => [name, { type: 'string' as const }])),
    allowPositionals: false,
    strict: true,
  });
  const get = (name: SettingName): string | undefined => (values[name] as string | undefined) ?? env[RUN_SETTINGS[name].env] ?? undefined;
  const required = (name: SettingName, pattern: RegExp, example: string): string => {
    const value = get(name);
    if (!value) throw new ConfigError(`Set --${name} or ${RUN_SETTINGS[name].env} (${example})`);
    if (!pattern.test(value)) throw new ConfigError(`--${name} "${value}" is not valid: expected ${example}`);
    return value;
  };
  const provider = get('provider') ?? 'tencentcloud';
  if (provider !== 'tencentcloud' && provider !== 'mock') throw new ConfigError(`--provider "${provider}" is not valid: use tencentcloud or mock`);
  const logLevel = get('log-level') ?? 'info';
  if (!(LEVELS as readonly string[]).includes(logLevel)) throw new ConfigError(`--log-level "${logLevel}" is not valid: use ${LEVELS.join(', ')}`);
  const endpoint = get('endpoint');
  const credentialsDir = get('credentials-dir');
  const kubeconfig = get('kubeconfig');
  return {
    clusterId: required('cluster-id', /^cls-[a-z0-9]{8}$/, 'a cluster id like cls-xxxxxxxx'),
    vpcId: required('vpc-id', /^vpc-[a-z0-9]{8}$/, 'a VPC id like vpc-xxxxxxxx'),
    region: required('region', REGION, 'a region like ap-guangzhou'),
    accountUin: provider === 'mock' ? (get('account-uin') ?? '100000000001') : required('account-uin', /^\d{5,20}$/, 'the numeric account id (UIN)'),
    provider,
    ...(kubeconfig ? { kubeconfig } : {}),
    workers: integer('workers', get('workers') ?? '4', 1, 64),
    resyncPeriodMs: parseDuration('resync-period', get('resync-period') ?? '5m'),
    rateLimitPerSecond: integer('rate-limit', get('rate-limit') ?? '20', 1, 1000),
    defaultIngressClass: boolean('default-ingress-class', get('default-ingress-class') ?? 'false'),
    leaderElect: boolean('leader-elect', get('leader-elect') ?? 'true'),
    leaseNamespace: get('lease-namespace') ?? 'clb-controller',
    identity: get('identity') ?? `${hostname}-${process.pid}`,
    logLevel: logLevel as RunConfig['logLevel'],
    metricsPort: integer('metrics-port', get('metrics-port') ?? '8080', 0, 65535),
    ...(endpoint ? { endpoint } : {}),
    ...(credentialsDir ? { credentialsDir } : {}),
    requestTimeoutSeconds: integer('request-timeout', get('request-timeout') ?? '30', 1, 600),
    nodeReadyGraceMs: parseDuration('node-ready-grace', get('node-ready-grace') ?? '60s'),
    orphanGcDelayMs: parseDuration('orphan-gc-delay', get('orphan-gc-delay') ?? '10m'),
    orphanGcDryRun: boolean('orphan-gc-dry-run', get('orphan-gc-dry-run') ?? 'false'),
    perObjectMetrics: boolean('per-object-metrics', get('per-object-metrics') ?? 'false'),
  };
}
