/**
 * One informer per resource for the whole process, shared by service- and ingress-controller: one watch per
 * resource on the API server, one cache in memory. Each restarts itself after errors (ResilientInformer).
 */
import {
  CoreV1Api, CustomObjectsApi, DiscoveryV1Api, ListWatch, NetworkingV1Api, Watch, type KubeConfig, type KubernetesObject, type V1EndpointSlice, type V1Ingress, type V1Node,
  type V1Pod, type V1Secret, type V1Service,
} from '@kubernetes/client-node';
import { SLICES_BY_POD, SLICES_BY_SERVICE, slicePodKeys, sliceServiceKeys, type ClusterView } from '../kube/cluster-view.js';
import { withPooledConnections } from '../kube/pooled-connections.js';
import { ResilientInformer } from '../runtime/informer.js';
import { TKE_SERVICE_CONFIG, type TkeServiceConfig } from '../tke-service-config/tke-service-config.js';
import { instanceIdOf, isEligibleNode, notReadyGraceEndsAt } from '../service/nodes.js';
import type { Logger } from '../runtime/logger.js';

export interface SharedInformersOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly backoffMs?: { readonly min: number; readonly max: number };
}

/** The controllers' view of the cluster (kube/cluster-view.ts), kept by one informer per resource. */
export class SharedInformers implements ClusterView {
  readonly services: ResilientInformer<V1Service>;
  readonly nodes: ResilientInformer<V1Node>;
  readonly endpointSlices: ResilientInformer<V1EndpointSlice>;
  readonly secrets: ResilientInformer<V1Secret>;
  readonly pods: ResilientInformer<V1Pod>;
  readonly ingresses: ResilientInformer<V1Ingress>;
  /**
   * Not waited for at start: its CRD may not be installed (the list then fails, and is retried with backoff). Until
   * it has synced, owners naming a config keep their listeners' settings; they are built again once it has
   * (onConfigsListed).
   */
  readonly tkeServiceConfigs: ResilientInformer<TkeServiceConfig>;
  private configsListed: (() => void)[] = [];
  private started: Promise<void> | undefined;

  constructor(options: SharedInformersOptions) {
    const kc = withPooledConnections(options.kubeConfig);
    const core = kc.makeApiClient(CoreV1Api);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const networking = kc.makeApiClient(NetworkingV1Api);
    const backoff = { minBackoffMs: options.backoffMs?.min ?? 500, maxBackoffMs: options.backoffMs?.max ?? 30_000 };
    // Bookmarks keep quiet watches alive (client-node aborts a watch after 30 s without bytes).
    // makeInformer's ListWatch, but its reconnect delay (up to 30 s) must not keep a stopping process alive.
    const delayFn = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
    const informer = <T extends KubernetesObject>(name: string, path: string, list: () => Promise<{ items: T[] }>) =>
      new ResilientInformer<T>(new ListWatch<T>(`${path}?allowWatchBookmarks=true`, new Watch(kc), list as never, false, undefined, undefined, { delayFn }), { name, logger: options.logger, ...backoff });
    this.services = informer('services', '/api/v1/services', () => core.listServiceForAllNamespaces());
    this.nodes = informer('nodes', '/api/v1/nodes', () => core.listNode());
    this.endpointSlices = informer('endpointslices', '/apis/discovery.k8s.io/v1/endpointslices', () => discovery.listEndpointSliceForAllNamespaces());
    this.secrets = informer('secrets', '/api/v1/secrets', () => core.listSecretForAllNamespaces());
    this.pods = informer('pods', '/api/v1/pods', () => core.listPodForAllNamespaces());
    this.ingresses = informer('ingresses', '/apis/networking.k8s.io/v1/ingresses', () => networking.listIngressForAllNamespaces());
    const custom = kc.makeApiClient(CustomObjectsApi);
    const { group, version, plural } = TKE_SERVICE_CONFIG;
    this.tkeServiceConfigs = informer('tkeserviceconfigs', `/apis/${group}/${version}/${plural}`, () => custom.listClusterCustomObject({ group, version, plural }) as Promise<{ items: TkeServiceConfig[] }>);
    // A reconcile reads its own Service's slices, and a Pod's change finds its Services, without scanning a namespace.
    this.endpointSlices.addIndex(SLICES_BY_SERVICE, sliceServiceKeys);
    this.endpointSlices.addIndex(SLICES_BY_POD, slicePodKeys);
  }

  private all(): ResilientInformer<KubernetesObject>[] {
    return [this.services, this.nodes, this.endpointSlices, this.secrets, this.pods, this.ingresses] as ResilientInformer<KubernetesObject>[];
  }

  /** Starts every informer once; resolves when all caches have synced. */
  start(): Promise<void> {
    if (!this.started) void this.tkeServiceConfigs.start().then(() => this.configsListed.forEach((then) => then()));
    this.started ??= Promise.all(this.all().map((i) => i.start())).then(() => undefined);
    return this.started;
  }

  /** Called once the TkeServiceConfigs are listed (maybe long after start: when their CRD gets installed). */
  onConfigsListed(then: () => void): void {
    this.configsListed.push(then);
  }

  get hasSynced(): boolean {
    return this.all().every((i) => i.hasSynced);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.all(), this.tkeServiceConfigs as ResilientInformer<KubernetesObject>].map((i) => i.stop()));
  }
}

/**
 * Calls `onChange` when a node changes in a way a CLB cares about — whether it may carry traffic, as which
 * instance, with which labels — not on every status heartbeat. A node that goes NotReady keeps counting as
 * eligible for `graceMs` (the builders bind it as long): a NotReady↔Ready flap inside the window changes nothing,
 * so it enqueues nothing; a timer looks at the node again when its window ends. Returns a function that stops
 * those timers.
 */
export function onTrafficRelevantNodeChange(nodes: ResilientInformer<V1Node>, onChange: () => void, options: { graceMs?: number; now?: () => number } = {}): () => void {
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? 0;
  const last = new Map<string, string>();
  const rechecks = new Map<string, NodeJS.Timeout>();
  const observe = (name: string, node: V1Node | undefined) => {
    const grace = { now: now(), graceMs };
    const projection = node ? JSON.stringify([isEligibleNode(node, grace), instanceIdOf(node), node.metadata?.labels ?? {}]) : 'deleted';
    clearTimeout(rechecks.get(name));
    rechecks.delete(name);
    const graceEnd = node ? notReadyGraceEndsAt(node, grace) : undefined;
    if (graceEnd !== undefined) {
      const timer = setTimeout(() => observe(name, nodes.get(name)), graceEnd - grace.now + 1);
      timer.unref();
      rechecks.set(name, timer);
    }
    if (last.get(name) === projection || (!node && !last.has(name))) return;
    if (!node) last.delete(name);
    else last.set(name, projection);
    onChange();
  };
  nodes.onChange((node, kind) => observe(node.metadata?.name ?? '', kind === 'delete' ? undefined : node));
  return () => {
    for (const timer of rechecks.values()) clearTimeout(timer);
    rechecks.clear();
  };
}
