/**
 * The parts of a cluster the fake API server does not run, reduced to what the controllers observe:
 * Deployments become Pods (scheduled on the nodes, given VPC IPs, containers ready at once); a Pod is
 * Ready when its containers are and every readiness gate is True; every Service with a selector gets an
 * EndpointSlice of its Pods (a Pod being deleted stays in it, terminating and serving, until it is gone).
 * Rollouts and node drains replace Pods as Kubernetes does: a new Pod first, Ready, then the old one terminated
 * with a grace. Used by the offline sandbox; it runs on the fake's state directly.
 *
 * With `dataPath: true` the cluster also carries real traffic on loopback (mocks/cluster-net): every Pod it creates
 * gets a Pod server on the ports of the Services selecting it (pod-ports.ts), and every Node a node proxy for its
 * NodePorts, so a CLB target — nodeIP:nodePort, or a Pod IP and port under direct access — answers with the name of
 * the Pod that served it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1EndpointSlice, V1Node, V1Pod, V1PodCondition, V1Service } from '@kubernetes/client-node';
import type { FakeKube } from '../kube/index.js';
import { startNodeProxy, type NodeProxy } from '../cluster-net/node-proxy.js';
import { podPortsFor, targetPortOn } from '../cluster-net/pod-ports.js';
import { startPodServer, type PodServer } from '../cluster-net/pod-server.js';

const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const keyOf = (pod: V1Pod) => `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
const hasCondition = (pod: V1Pod | undefined, type: string) => pod?.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Holds a Pod being deleted for its termination grace (the fake deletes Pods at once otherwise). */
const GRACE_FINALIZER = 'sandbox.clb-controller/termination-grace';

export interface ClusterSimOptions {
  /** Real sockets for Pods and NodePorts (see the module comment). Default off. */
  readonly dataPath?: boolean;
  /** The first two octets of the Pod IPs given out. Default '172.16'; two data paths on one machine need different ones. */
  readonly podNetwork?: string;
  /** How often node proxies look for endpoint changes: the cluster's propagation delay. Default 100 ms. */
  readonly proxyPollMs?: number;
}

export interface ReplaceOptions {
  /** How long a terminating Pod keeps serving before it is gone (a preStop sleep). */
  readonly graceMs: number;
  /** How long a new Pod's containers take to become ready (after its ports listen). Default 0. */
  readonly readyAfterMs?: number;
  /** How long to wait for a new Pod to be Ready (readiness gates included) before giving up. Default 30 000 ms. */
  readonly timeoutMs?: number;
}

export interface RolloutOptions extends ReplaceOptions {
  /** New Pods created at a time before old ones are terminated (maxUnavailable is 0). Default 1. */
  readonly maxSurge?: number;
  readonly namespace?: string;
}

type DeploymentLike = { metadata?: { name?: string; namespace?: string }; spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> }; spec?: V1Pod['spec'] } } };

/** A Deployment given to createPods: its template, and the Pods it has now. */
interface Workload {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly spec: V1Pod['spec'];
  readonly pods: Set<string>;
  revision: number;
  nextIndex: number;
}

export class ClusterSimulator {
  private nextIp = 10;
  private timer: NodeJS.Timeout | undefined;
  private readonly workloads = new Map<string, Workload>();
  private readonly dataPath: boolean;
  private readonly podNetwork: string;
  /** Pod servers by Pod uid (a stopped one stays until its Pod is gone, so it is not started again). */
  private readonly servers = new Map<string, PodServer>();
  private readonly proxies = new Map<string, NodeProxy>();
  /** uids of the Pods this simulator created: only those get Pod servers. */
  private readonly ownPods = new Set<string>();
  /** Data-path passes run one at a time; `queuedPass` is the one not started yet, which later requests share. */
  private dataPathQueue: Promise<void> = Promise.resolve();
  private queuedPass: Promise<void> | undefined;
  private dataPathProblems: string[] = [];
  private readonly terminations = new Set<Promise<void>>();
  private readonly lifetime = new AbortController();

  constructor(private readonly kube: FakeKube, private readonly options: ClusterSimOptions = {}) {
    this.dataPath = options.dataPath ?? false;
    this.podNetwork = options.podNetwork ?? '172.16';
  }

  /** Pods for a Deployment-like object (apps/v1 is not served by the fake): `replicas` Pods from its template. */
  createPods(deployment: DeploymentLike): void {
    const nodes = this.kube.state.list<V1Node>('nodes');
    const replicas = deployment.spec?.replicas ?? 1;
    const workload = this.remember(deployment);
    for (let i = 0; i < replicas; i++) {
      const name = `${workload.name}-${i}`;
      this.createPod(this.podOf(workload, name, nodes[i % Math.max(1, nodes.length)]?.metadata?.name ?? ''));
      workload.pods.add(name);
    }
    workload.nextIndex = Math.max(workload.nextIndex, replicas);
  }

  createPod(pod: V1Pod): void {
    this.addPod(pod, true);
  }

  /** Two Pods for every Service whose selector matches none, as if its workload were deployed too. */
  podsForLonelySelectors(): void {
    for (const service of this.kube.state.list<V1Service>('services')) {
      const selector = service.spec?.selector;
      if (!selector || !Object.keys(selector).length) continue;
      const namespace = service.metadata?.namespace ?? 'default';
      if (this.kube.state.list<V1Pod>('pods', namespace).some((p) => matches(p.metadata?.labels, selector))) continue;
      this.createPods({ metadata: { name: service.metadata?.name ?? 'app', namespace }, spec: { replicas: 2, template: { metadata: { labels: { ...selector } }, spec: { containers: [{ name: 'app', image: 'example' }] } } } });
    }
  }

  /** One pass of kubelet readiness and the EndpointSlice controller (and, with a data path, its sockets follow). */
  syncOnce(): void {
    const pods = this.kube.state.list<V1Pod>('pods');
    for (const pod of pods) {
      const conditions = pod.status?.conditions ?? [];
      const gatesOpen = (pod.spec?.readinessGates ?? []).every((g) => conditions.some((c) => c.type === g.conditionType && c.status === 'True'));
      const ready = conditions.some((c) => c.type === 'ContainersReady' && c.status === 'True') && gatesOpen ? 'True' : 'False';
      if (conditions.find((c) => c.type === 'Ready')?.status !== ready) {
        this.kube.state.setStatus('pods', keyOf(pod), { ...pod.status, conditions: [...conditions.filter((c) => c.type !== 'Ready'), { type: 'Ready', status: ready }] });
      }
    }
    for (const service of this.kube.state.list<V1Service>('services')) {
      const selector = service.spec?.selector;
      if (!selector || !Object.keys(selector).length) continue;
      const namespace = service.metadata?.namespace ?? 'default';
      const backing = this.kube.state.list<V1Pod>('pods', namespace).filter((p) => matches(p.metadata?.labels, selector) && p.status?.podIP);
      const slice: V1EndpointSlice = {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
        metadata: { name: `${service.metadata?.name}-sandbox`, namespace, labels: { 'kubernetes.io/service-name': service.metadata?.name ?? '' } },
        // A named targetPort as the first Pod's containers name it (the Pods of one Service share a template).
        ports: (service.spec?.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: targetPortOn(backing[0], p) })),
        endpoints: backing.map((p) => {
          const podReady = hasCondition(p, 'Ready');
          const terminating = p.metadata?.deletionTimestamp !== undefined;
          // A terminating Pod's containers run through its grace (the preStop hook): it serves until it is gone.
          const serving = podReady || (terminating && p.status?.phase === 'Running');
          return { addresses: [p.status!.podIP!], nodeName: p.spec?.nodeName ?? '', conditions: { ready: podReady && !terminating, serving, terminating }, targetRef: { kind: 'Pod', name: p.metadata?.name ?? '', namespace } };
        }),
      };
      const current = this.kube.state.get<V1EndpointSlice>('endpointslices', `${namespace}/${slice.metadata!.name}`);
      if (JSON.stringify(current?.endpoints ?? null) !== JSON.stringify(slice.endpoints) || JSON.stringify(current?.ports ?? null) !== JSON.stringify(slice.ports)) this.kube.state.apply(slice);
    }
    if (this.dataPath) this.scheduleDataPath().catch((error: unknown) => this.dataPathProblems.push(errorText(error)));
  }

  start(everyMs = 200): void {
    this.timer = setInterval(() => this.syncOnce(), everyMs);
    this.timer.unref();
  }

  /** Stops the periodic sync (the data path, if any, keeps serving: see `close`). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Stops everything: the sync, rollouts and drains under way, every Pod server and node proxy. */
  async close(): Promise<void> {
    this.stop();
    this.lifetime.abort();
    await Promise.allSettled([...this.terminations]);
    await this.dataPathQueue;
    await Promise.all([...this.servers.values()].map((s) => s.stop()));
    await Promise.all([...this.proxies.values()].map((p) => p.stop()));
    this.servers.clear();
    this.proxies.clear();
  }

  /**
   * Replaces a Deployment's Pods (one given to createPods) as a rolling update with maxUnavailable 0 does: `maxSurge`
   * new Pods, each on the least-loaded schedulable node; once one is Ready, one old Pod is terminated (with `graceMs`)
   * and the next new Pod created. Resolves when every old Pod is gone; rejects when a new Pod is not Ready in time
   * (the old Pods left then stay, as with a Deployment past its progress deadline) or once `close` is called.
   */
  async rollOut(deploymentName: string, options: RolloutOptions): Promise<void> {
    const workload = this.workloads.get(`${options.namespace ?? 'default'}/${deploymentName}`);
    if (!workload) throw new Error(`no Deployment ${options.namespace ?? 'default'}/${deploymentName} was given to createPods`);
    workload.revision += 1;
    const old = this.livePods(workload);
    const surge = Math.max(1, options.maxSurge ?? 1);
    const terminations: Promise<void>[] = [];
    while (old.length) {
      const replaced = old.splice(0, surge);
      await Promise.all(replaced.map((pod) => this.startReplacement(workload, pod, options)));
      terminations.push(...replaced.map((pod) => this.terminate(pod, options.graceMs)));
    }
    await Promise.all(terminations);
  }

  /**
   * `kubectl drain` done gently: the node is cordoned (unschedulable), then each of its Pods that belongs to a
   * Deployment gets a replacement on another node, Ready, before it is terminated with `graceMs`; other Pods are only
   * terminated. Resolves when the node has no Pods left.
   */
  async drainNode(nodeName: string, options: ReplaceOptions): Promise<void> {
    this.kube.state.patch('nodes', nodeName, { spec: { unschedulable: true } });
    const terminations: Promise<void>[] = [];
    for (const pod of this.kube.state.list<V1Pod>('pods').filter((p) => p.spec?.nodeName === nodeName && !p.metadata?.deletionTimestamp)) {
      const workload = this.workloadOf(pod);
      if (workload) await this.startReplacement(workload, pod, options);
      terminations.push(this.terminate(pod, options.graceMs));
    }
    await Promise.all(terminations);
  }

  /** The Pod server of a Pod (data path only). */
  podServer(name: string, namespace = 'default'): PodServer | undefined {
    const uid = this.kube.state.get<V1Pod>('pods', `${namespace}/${name}`)?.metadata?.uid;
    return uid ? this.servers.get(uid) : undefined;
  }

  /** The node proxy of a Node (data path only). */
  nodeProxy(nodeName: string): NodeProxy | undefined {
    return this.proxies.get(nodeName);
  }

  /**
   * Resolves once every Pod server and node proxy follows the state as it is now (ports listening, proxies'
   * endpoints current); rejects with what could not listen.
   */
  async dataPathReady(): Promise<void> {
    if (!this.dataPath) return;
    await this.scheduleDataPath();
    await Promise.all([...this.proxies.values()].map((p) => p.refresh().catch((error: unknown) => this.dataPathProblems.push(errorText(error)))));
    if (this.dataPathProblems.length) throw new Error(`the data path is incomplete: ${this.dataPathProblems.join('; ')}`);
  }

  private addPod(pod: V1Pod, containersReady: boolean): V1Pod {
    const ip = `${this.podNetwork}.${Math.floor(this.nextIp / 250)}.${(this.nextIp % 250) + 1}`;
    this.nextIp += 1;
    const created = this.kube.state.apply({ ...pod, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'ContainersReady', status: containersReady ? 'True' : 'False', lastTransitionTime: new Date().toISOString() }] } }) as V1Pod;
    if (created.metadata?.uid) this.ownPods.add(created.metadata.uid);
    return created;
  }

  private remember(deployment: DeploymentLike): Workload {
    const name = deployment.metadata?.name ?? 'app';
    const namespace = deployment.metadata?.namespace ?? 'default';
    const workload: Workload = {
      name, namespace, labels: { ...deployment.spec?.template?.metadata?.labels },
      spec: { ...deployment.spec?.template?.spec, containers: deployment.spec?.template?.spec?.containers ?? [] },
      pods: this.workloads.get(`${namespace}/${name}`)?.pods ?? new Set(), revision: 1, nextIndex: 0,
    };
    this.workloads.set(`${namespace}/${name}`, workload);
    return workload;
  }

  private podOf(workload: Workload, name: string, nodeName: string): V1Pod {
    return {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: workload.namespace, labels: { ...workload.labels } },
      spec: { ...workload.spec, containers: workload.spec?.containers ?? [], nodeName },
    };
  }

  private workloadOf(pod: V1Pod): Workload | undefined {
    return [...this.workloads.values()].find((w) => w.namespace === (pod.metadata?.namespace ?? 'default') && w.pods.has(pod.metadata?.name ?? ''));
  }

  /** A workload's Pods that exist and are not terminating. */
  private livePods(workload: Workload): V1Pod[] {
    return [...workload.pods]
      .map((name) => this.kube.state.get<V1Pod>('pods', `${workload.namespace}/${name}`))
      .filter((p): p is V1Pod => p !== undefined && !p.metadata?.deletionTimestamp);
  }

  /**
   * Where a replacement for `replaced` goes: the schedulable node with the fewest live Pods of the workload (the
   * scheduler's spreading), the replaced Pod's own node on a tie — so a rollout keeps the Pods where they were.
   */
  private placeReplacement(workload: Workload, replaced: V1Pod): string {
    const nodes = this.kube.state.list<V1Node>('nodes').filter((n) => !n.spec?.unschedulable).map((n) => n.metadata?.name ?? '');
    if (!nodes.length) throw new Error(`no schedulable node for a replacement of ${keyOf(replaced)}`);
    const load = (node: string) => this.livePods(workload).filter((p) => p.spec?.nodeName === node).length;
    const rank = (node: string) => load(node) * 2 + (node === replaced.spec?.nodeName ? 0 : 1);
    return nodes.reduce((best, node) => (rank(node) < rank(best) ? node : best));
  }

  /** Creates a Pod of the workload's current template and waits until it is Ready. */
  private async startReplacement(workload: Workload, replaced: V1Pod, options: ReplaceOptions): Promise<V1Pod> {
    let name: string;
    do name = `${workload.name}-v${workload.revision}-${workload.nextIndex++}`;
    while (this.kube.state.get('pods', `${workload.namespace}/${name}`));
    const pod = this.addPod(this.podOf(workload, name, this.placeReplacement(workload, replaced)), false);
    workload.pods.add(name);
    // The containers start: their ports listen, then they pass their readiness after readyAfterMs.
    if (this.dataPath) {
      await this.scheduleDataPath();
      if (!this.podServer(name, workload.namespace)) throw new Error(`Pod ${keyOf(pod)} cannot listen: ${this.dataPathProblems.join('; ')}`);
    }
    await sleep(options.readyAfterMs ?? 0, undefined, { signal: this.lifetime.signal });
    this.setConditions(pod, [{ type: 'ContainersReady', status: 'True', lastTransitionTime: new Date() }]);
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      this.syncOnce();
      const current = this.kube.state.get<V1Pod>('pods', keyOf(pod));
      if (hasCondition(current, 'Ready')) return current!;
      if (!current) throw new Error(`Pod ${keyOf(pod)} was deleted before it became Ready`);
      if (Date.now() > deadline) {
        const waiting = (current.spec?.readinessGates ?? []).filter((g) => !hasCondition(current, g.conditionType)).map((g) => g.conditionType);
        throw new Error(`Pod ${keyOf(pod)} was not Ready within ${options.timeoutMs ?? 30_000} ms${waiting.length ? ` (readiness gates not True: ${waiting.join(', ')})` : ''}`);
      }
      await sleep(10, undefined, { signal: this.lifetime.signal });
    }
  }

  /** Terminates a Pod; the promise is tracked so that `close` can wait for it. */
  private terminate(pod: V1Pod, graceMs: number): Promise<void> {
    const done = this.runTermination(pod, graceMs).finally(() => this.terminations.delete(done));
    this.terminations.add(done);
    return done;
  }

  /**
   * What deleting a Pod does: deletionTimestamp set, containers no longer ready (the endpoint turns not ready,
   * serving, terminating), the app told (its /healthz fails), `graceMs` still serving, then its sockets close and
   * the Pod is gone.
   */
  private async runTermination(pod: V1Pod, graceMs: number): Promise<void> {
    const key = keyOf(pod);
    const finalizers = this.kube.state.get<V1Pod>('pods', key)?.metadata?.finalizers ?? [];
    if (!this.kube.state.get('pods', key)) return;
    this.kube.state.patch('pods', key, { metadata: { finalizers: [...finalizers, GRACE_FINALIZER] } });
    this.kube.state.delete('pods', key);
    this.setConditions(pod, [{ type: 'ContainersReady', status: 'False', lastTransitionTime: new Date() }, { type: 'Ready', status: 'False', lastTransitionTime: new Date() }]);
    this.syncOnce();
    const server = this.podServer(pod.metadata?.name ?? '', pod.metadata?.namespace ?? 'default');
    server?.terminating();
    try {
      await sleep(graceMs, undefined, { signal: this.lifetime.signal });
    } finally {
      await server?.stop();
      // The containers have exited; other finalizers may still hold the Pod, no longer serving.
      const current = this.kube.state.get<V1Pod>('pods', key);
      if (current) {
        this.kube.state.setStatus('pods', key, { ...current.status, phase: 'Succeeded' });
        this.kube.state.patch('pods', key, { metadata: { finalizers: (current.metadata?.finalizers ?? []).filter((f) => f !== GRACE_FINALIZER) } });
      }
      this.workloadOf(pod)?.pods.delete(pod.metadata?.name ?? '');
      if (!this.lifetime.signal.aborted) this.syncOnce();
    }
  }

  /** Sets some of a Pod's conditions, keeping the others (readiness gates the controller set). */
  private setConditions(pod: V1Pod, conditions: V1PodCondition[]): void {
    const current = this.kube.state.get<V1Pod>('pods', keyOf(pod));
    if (!current) return;
    const others = (current.status?.conditions ?? []).filter((c) => !conditions.some((n) => n.type === c.type));
    this.kube.state.setStatus('pods', keyOf(pod), { ...current.status, conditions: [...others, ...conditions] });
  }

  /** A data-path pass after the ones under way (a pass already waiting covers this request too). */
  private scheduleDataPath(): Promise<void> {
    if (this.lifetime.signal.aborted) return Promise.resolve();
    if (!this.queuedPass) {
      this.queuedPass = this.dataPathQueue.then(() => {
        this.queuedPass = undefined;
        return this.syncDataPath();
      });
      this.dataPathQueue = this.queuedPass.catch(() => undefined);
    }
    return this.queuedPass;
  }

  /** Pod servers for the Pods, with the ports their Services need; a node proxy for each Node. */
  private async syncDataPath(): Promise<void> {
    if (this.lifetime.signal.aborted) return;
    const problems: string[] = [];
    const pods = this.kube.state.list<V1Pod>('pods');
    const services = this.kube.state.list<V1Service>('services');
    const present = new Set(pods.map((p) => p.metadata?.uid ?? ''));
    for (const [uid, server] of [...this.servers]) {
      if (present.has(uid)) continue;
      this.servers.delete(uid);
      this.ownPods.delete(uid);
      await server.stop();
    }
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      const ip = pod.status?.podIP;
      if (!this.ownPods.has(uid) || !ip) continue;
      const namespace = pod.metadata?.namespace ?? 'default';
      const selecting = services.filter((s) => (s.metadata?.namespace ?? 'default') === namespace && s.spec?.selector && Object.keys(s.spec.selector).length && matches(pod.metadata?.labels, s.spec.selector));
      const ports = podPortsFor(pod, selecting);
      const server = this.servers.get(uid);
      try {
        if (!server) this.servers.set(uid, await startPodServer({ name: pod.metadata?.name ?? '', ip, ports }));
        else if (!server.closed) await server.addPorts(ports);
      } catch (error) {
        problems.push(errorText(error));
      }
    }
    const nodes = new Set(this.kube.state.list<V1Node>('nodes').map((n) => n.metadata?.name ?? ''));
    for (const [name, proxy] of [...this.proxies]) {
      if (nodes.has(name)) continue;
      this.proxies.delete(name);
      await proxy.stop();
    }
    for (const name of nodes) {
      if (this.proxies.has(name)) continue;
      try {
        this.proxies.set(name, await startNodeProxy({ kube: this.kube, nodeName: name, ...(this.options.proxyPollMs !== undefined ? { pollMs: this.options.proxyPollMs } : {}) }));
      } catch (error) {
        problems.push(errorText(error));
      }
    }
    this.dataPathProblems = problems;
  }
}
