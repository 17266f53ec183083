/**
 * The parts of a cluster the fake API server does not run, reduced to what the controllers observe:
 * Deployments become Pods (scheduled on the nodes, given VPC IPs, containers ready at once); a Pod is
 * Ready when its containers are and every readiness gate is True; every Service with a selector gets an
 * EndpointSlice of its Pods. Used by the offline sandbox; it runs on the fake's state directly.
 */
import type { V1EndpointSlice, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import type { FakeKube } from '../kube/index.js';

const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

export class ClusterSimulator {
  private nextIp = 10;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly kube: FakeKube) {}

  /** Pods for a Deployment-like object (apps/v1 is not served by the fake): `replicas` Pods from its template. */
  createPods(deployment: { metadata?: { name?: string; namespace?: string }; spec?: { replicas?: number; template?: { metadata?: { labels?: Record<string, string> }; spec?: V1Pod['spec'] } } }): void {
    const nodes = this.kube.state.list<V1Node>('nodes');
    const replicas = deployment.spec?.replicas ?? 1;
    for (let i = 0; i < replicas; i++) {
      const name = `${deployment.metadata?.name ?? 'app'}-${i}`;
      this.createPod({
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name, namespace: deployment.metadata?.namespace ?? 'default', labels: { ...deployment.spec?.template?.metadata?.labels } },
        spec: { ...deployment.spec?.template?.spec, containers: deployment.spec?.template?.spec?.containers ?? [], nodeName: nodes[i % Math.max(1, nodes.length)]?.metadata?.name ?? '' },
      });
    }
  }

  createPod(pod: V1Pod): void {
    const ip = `172.16.${Math.floor(this.nextIp / 250)}.${(this.nextIp % 250) + 1}`;
    this.nextIp += 1;
    this.kube.state.apply({ ...pod, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'ContainersReady', status: 'True', lastTransitionTime: new Date().toISOString() }] } });
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

  /** One pass of kubelet readiness and the EndpointSlice controller. */
  syncOnce(): void {
    const pods = this.kube.state.list<V1Pod>('pods');
    for (const pod of pods) {
      const conditions = pod.status?.conditions ?? [];
      const gatesOpen = (pod.spec?.readinessGates ?? []).every((g) => conditions.some((c) => c.type === g.conditionType && c.status === 'True'));
      const ready = conditions.some((c) => c.type === 'ContainersReady' && c.status === 'True') && gatesOpen ? 'True' : 'False';
      if (conditions.find((c) => c.type === 'Ready')?.status !== ready) {
        this.kube.state.setStatus('pods', `${pod.metadata?.namespace}/${pod.metadata?.name}`, { ...pod.status, conditions: [...conditions.filter((c) => c.type !== 'Ready'), { type: 'Ready', status: ready }] });
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
        ports: (service.spec?.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: typeof p.targetPort === 'number' ? p.targetPort : p.port })),
        endpoints: backing.map((p) => {
          const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
          return { addresses: [p.status!.podIP!], nodeName: p.spec?.nodeName ?? '', conditions: { ready, serving: ready, terminating: false }, targetRef: { kind: 'Pod', name: p.metadata?.name ?? '', namespace } };
        }),
      };
      const current = this.kube.state.get<V1EndpointSlice>('endpointslices', `${namespace}/${slice.metadata!.name}`);
      if (JSON.stringify(current?.endpoints ?? null) !== JSON.stringify(slice.endpoints) || JSON.stringify(current?.ports ?? null) !== JSON.stringify(slice.ports)) this.kube.state.apply(slice);
    }
  }

  start(everyMs = 200): void {
    this.timer = setInterval(() => this.syncOnce(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
