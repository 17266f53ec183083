/**
 * The world `plan` runs the controller's pipeline in: the cluster around the manifests, and a cloud to read.
 * - synthetic (the default): three nodes, the API server's NodePorts, two ready endpoints per selector, and an
 *   empty cloud — or the cloud described by `--cloud-state`;
 * - a cluster read through `--kubeconfig` (read-only), with the mock cloud, a `--cloud-state`, or the real cloud
 *   (`--provider tencentcloud`, read-only).
 * What an empty offline cloud cannot know (a CLB to reuse, a subnet) is assumed and said in a note, never
 * reported as the user's error.
 */
import { CoreV1Api, DiscoveryV1Api, KubeConfig, NetworkingV1Api, type KubernetesObject, type V1EndpointSlice, type V1Node, type V1Service } from '@kubernetes/client-node';
import type { CloudStateOwner } from '../../../providers/cloud-state.js';
import type { CloudProvider, LoadBalancer, Subnet } from '../../../providers/provider.js';
import { SERVICE_NAME_LABEL } from '../../annotations/keys.js';
import { overriding } from './delegate.js';

export interface PlanWorld {
  /** Nodes, EndpointSlices, Pods, Secrets, and the live copies of Services and Ingresses. */
  readonly cluster: readonly KubernetesObject[];
  /** Read from, never written to. */
  readonly provider: CloudProvider;
  /** Owners' uids and recorded CLBs (from a cloud-state file), for manifests that do not carry them. */
  readonly owners: readonly CloudStateOwner[];
  /** Said once per plan about what this world does not know. */
  readonly notes: string[];
}

const ns = (o: KubernetesObject) => o.metadata?.namespace ?? 'default';

/** The API server assigns NodePorts; manifests rarely carry them. Do the same so the plan shows real targets. */
export function withNodePorts(objects: readonly KubernetesObject[], first = 30000): KubernetesObject[] {
  let next = first;
  return objects.map((o) => {
    const service = o as V1Service;
    if (o.kind !== 'Service' || (service.spec?.type !== 'LoadBalancer' && service.spec?.type !== 'NodePort')) return o;
    return { ...service, spec: { ...service.spec, ports: (service.spec?.ports ?? []).map((p) => ({ ...p, nodePort: p.nodePort ?? next++ })) } } as KubernetesObject;
  });
}

/** Three ready nodes and two ready endpoints per selector: the cluster `plan` assumes without --kubeconfig. */
export function syntheticCluster(manifests: readonly KubernetesObject[]): KubernetesObject[] {
  const nodes = [0, 1, 2].map((i) => ({
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: `10.0.1.${10 + i}`, labels: {} },
    spec: { providerID: `qcloud:///800002/ins-planned${i}` },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  })) as V1Node[];
  const services = manifests.filter((o) => o.kind === 'Service') as V1Service[];
  const slices = services
    .filter((s) => Object.keys(s.spec?.selector ?? {}).length)
    .map((s, i) => ({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: `${s.metadata?.name}-planned`, namespace: ns(s), labels: { [SERVICE_NAME_LABEL]: s.metadata?.name ?? '' } },
      addressType: 'IPv4',
      ports: (s.spec?.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: typeof p.targetPort === 'number' ? p.targetPort : p.port })),
      endpoints: [1, 2].map((k) => ({ addresses: [`172.16.${i}.${k}`], conditions: { ready: true }, targetRef: { kind: 'Pod', name: `${s.metadata?.name}-pod-${k}` } })),
    })) as V1EndpointSlice[];
  return [...nodes, ...slices, ...manifests.filter((o) => o.kind === 'Secret')];
}

/** The cluster as `--kubeconfig` shows it: nodes, and the manifests' namespaces' objects (read-only). */
export async function readCluster(kubeconfig: string, manifests: readonly KubernetesObject[]): Promise<KubernetesObject[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const kinded = (apiVersion: string, kind: string) => (list: { items: KubernetesObject[] }) => list.items.map((o) => ({ ...o, apiVersion, kind }));
  const objects: KubernetesObject[] = kinded('v1', 'Node')(await core.listNode());
  for (const namespace of [...new Set(manifests.map(ns))]) {
    objects.push(
      ...kinded('v1', 'Service')(await core.listNamespacedService({ namespace })),
      ...kinded('networking.k8s.io/v1', 'Ingress')(await networking.listNamespacedIngress({ namespace })),
      ...kinded('discovery.k8s.io/v1', 'EndpointSlice')(await discovery.listNamespacedEndpointSlice({ namespace })),
      ...kinded('v1', 'Pod')(await core.listNamespacedPod({ namespace })),
      ...kinded('v1', 'Secret')(await core.listNamespacedSecret({ namespace })),
    );
  }
  return objects;
}

const OFFLINE_HINT = 'give --cloud-state FILE (a copy of the cloud) or --provider tencentcloud to check it';

/**
 * An empty offline cloud, honest about it: a CLB named for reuse or a subnet it has never heard of is assumed to
 * exist as the manifest says (in the cluster's VPC), with a note — the plan goes on and shows the listeners.
 */
export function assumingProvider(inner: CloudProvider, vpcId: string, notes: string[]): CloudProvider {
  const note = (text: string) => {
    if (!notes.includes(text)) notes.push(text);
  };
  const assumed = new Set<string>();
  const assumedSubnets = new Map<string, Subnet>();
  // A documentation address (TEST-NET-2) stands for the VIP the CLB really has.
  const assumedLoadBalancer = (id: string): LoadBalancer => ({
    id, name: '', type: 'OPEN', vpcId, vips: [`198.51.100.${10 + assumed.size}`], status: 'running', tags: {}, securityGroups: [], passToTarget: false, deleteProtect: false,
  });
  const overrides: Partial<CloudProvider> = {
    describeLoadBalancers: async (ids) => {
      const found = await inner.describeLoadBalancers(ids);
      const missing = ids.filter((id) => !found.some((lb) => lb.id === id));
      const made = missing.map((id) => {
        const lb = assumedLoadBalancer(id);
        assumed.add(id);
        note(`CLB ${id} is not in the offline world: assumed empty and reusable (VIP ${lb.vips[0]} stands for its own); TKE's reuse rules (E4011–E4013) not checked (${OFFLINE_HINT})`);
        return lb;
      });
      return [...found, ...made];
    },
    describeListeners: (id) => (assumed.has(id) ? Promise.resolve([]) : inner.describeListeners(id)),
    describeTargets: (id, listenerIds) => (assumed.has(id) ? Promise.resolve([]) : inner.describeTargets(id, listenerIds)),
    describeSubnet: async (id): Promise<Subnet | undefined> => {
      const subnet = (await inner.describeSubnet(id)) ?? assumedSubnets.get(id);
      if (subnet) return subnet;
      // A block of the cluster's VPC that the offline inventory does not use stands for the subnet's real one.
      const assumedSubnet = { id, vpcId, cidr: `10.0.${200 + assumedSubnets.size}.0/24` };
      assumedSubnets.set(id, assumedSubnet);
      note(`subnet ${id} not checked offline: assumed to exist in ${vpcId} (${assumedSubnet.cidr} stands for its range) (${OFFLINE_HINT})`);
      return assumedSubnet;
    },
  };
  return overriding(inner, overrides);
}
