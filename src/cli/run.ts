/**
 * `clb-controller run`: the controller in a cluster. The composition root: it reads the configuration, picks
 * the provider (the only place that does), and starts informers (every replica: a warm standby), leader
 * election, the health/metrics server and — on the leader only — the controllers. Losing the lease stops
 * every cloud write at once (the provider is gated on leadership) and ends the process, as
 * controller-runtime does; SIGTERM finishes in-flight work, releases the lease and exits.
 */
import { hostname } from 'node:os';
import { CoordinationV1Api, KubeConfig } from '@kubernetes/client-node';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { clusterVpcs } from '../../mocks/clb/options.js';
import type { CloudProvider } from '../../providers/provider.js';
import { createTencentCloudProvider } from '../../providers/tencentcloud/index.js';
import { startControllers, type RunningControllers } from '../app.js';
import { readRunConfig, type RunConfig } from '../config.js';
import { SharedInformers } from '../controllers/informers.js';
import { startHealthServer } from '../runtime/health-server.js';
import { createLeaderGatedProvider } from '../runtime/leader-gated-provider.js';
import { LeaderElector } from '../runtime/leader-election.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import { Metrics } from '../runtime/metrics.js';
import { withPooledConnections } from '../kube/pooled-connections.js';

function cloudProvider(config: RunConfig, metrics: Metrics): CloudProvider {
  const onCall = metrics.cloudCallObserver();
  if (config.provider === 'mock') {
    // The simulator's inventory, with the cluster's VPC under the configured id.
    const vpcs = clusterVpcs(config.vpcId);
    return createLocalCloud({ rateLimitPerSecond: config.rateLimitPerSecond, region: config.region, vpcs }, { onCall }).provider;
  }
  return createTencentCloudProvider({
    region: config.region,
    accountUin: config.accountUin,
    credentials: config.credentialsDir ? { kind: 'files', dir: config.credentialsDir } : { kind: 'env', env: process.env },
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    requestTimeoutSeconds: config.requestTimeoutSeconds,
    rateLimitPerSecond: config.rateLimitPerSecond,
    onCall,
  });
}

function kubeConfig(config: RunConfig): KubeConfig {
  const kc = new KubeConfig();
  if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
  else kc.loadFromCluster();
  return withPooledConnections(kc);
}

export async function run(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const config = readRunConfig(argv, env, hostname());
  const logger: Logger = createLogger(config.logLevel);
  const metrics = new Metrics({ perObjectSyncState: config.perObjectMetrics });
  const kc = kubeConfig(config);
  let elector: LeaderElector | undefined;
  const provider = createLeaderGatedProvider({
    provider: cloudProvider(config, metrics),
    isLeader: () => !elector || elector.isLeader(),
    onRefused: (method) => logger.warn({ method }, 'Refused a cloud write: not the leader'),
  });
  const informers = new SharedInformers({ kubeConfig: kc, logger });
  let controllers: RunningControllers | undefined;
  const health = await startHealthServer({ metrics, ready: () => informers.hasSynced, logger, port: config.metricsPort });
  const startReconciling = async () => {
    controllers ??= await startControllers({
      kubeConfig: kc, provider, logger, metrics, informers, workers: config.workers, resyncPeriodMs: config.resyncPeriodMs,
      nodeReadyGraceMs: config.nodeReadyGraceMs,
      ...(config.orphanGcDelayMs > 0 ? { orphanGc: { safetyDelayMs: config.orphanGcDelayMs, dryRun: config.orphanGcDryRun, everyMs: Math.min(config.resyncPeriodMs, config.orphanGcDelayMs) } } : {}),
      settings: { clusterId: config.clusterId, vpcId: config.vpcId, defaultIngressClass: config.defaultIngressClass },
    });
  };
  let stopping = false;
  const shutdown = async (code: number, why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'Stopping');
    await controllers?.stop();
    await elector?.stop();
    await informers.stop();
    await health.close();
    process.exit(code);
  };
  process.once('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  process.once('SIGINT', () => void shutdown(0, 'SIGINT'));

  logger.info({ clusterId: config.clusterId, region: config.region, provider: config.provider, identity: config.identity, leaderElect: config.leaderElect }, 'Starting clb-controller');
  void informers.start().then(() => logger.info('Caches synced'));
  if (!config.leaderElect) return startReconciling();
  elector = new LeaderElector({
    api: kc.makeApiClient(CoordinationV1Api),
    namespace: config.leaseNamespace,
    name: 'clb-controller',
    identity: config.identity,
    logger,
    beforeRelease: () => provider.idle(),
    onStartedLeading: () => {
      logger.info({ identity: config.identity }, 'Became leader');
      startReconciling().catch((error: unknown) => {
        logger.error({ err: (error as Error).message }, 'Failed to start the controllers');
        void shutdown(1, 'controllers failed to start');
      });
    },
    // The gate already refuses every write; exit so a restart rejoins the election with a clean slate.
    onStoppedLeading: () => void shutdown(1, 'lost leadership'),
  });
  elector.start();
}
