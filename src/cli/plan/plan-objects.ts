/**
 * `plan`'s core: each Service and Ingress of the manifests goes through the controller's own pipeline
 * (controllers/reconcile-owner.ts) — the same class filters, builds, reuse refusals, plan and policies as `run`,
 * by construction — one after another, as `run` would, over a scratch copy of what they touch in the world's
 * cloud (scratch-cloud.ts), every write recorded. What comes out is what `run` would do: the plans, the writes,
 * the problems and warnings.
 */
import type { KubernetesObject, V1Ingress, V1Service } from '@kubernetes/client-node';
import type { CloudStateOwner } from '../../../providers/cloud-state.js';
import { ingressAdapter } from '../../controllers/ingress-adapter.js';
import { OwnerReconciler, type OwnerAdapter, type OwnerBuilt } from '../../controllers/reconcile-owner.js';
import { serviceAdapter } from '../../controllers/service-adapter.js';
import { ActualStateCache } from '../../deploy/actual-cache.js';
import type { ActualLoadBalancer, LoadBalancerPlan } from '../../deploy/plan-load-balancer.js';
import { storeOf, viewOf, type ClusterView } from '../../kube/cluster-view.js';
import { hasFinalizer, memoryWriter, type StatusObject } from '../../kube/object-writer.js';
import type { Problem } from '../../model/problems.js';
import { TerminalError } from '../../runtime/controller.js';
import { silentLogger } from '../../runtime/logger.js';
import { recordingProvider, type RecordedWrite, type Recording } from './recording-provider.js';
import { scratchCloud } from './scratch-cloud.js';
import type { PlanWorld } from './world.js';

export interface PlanSettings {
  readonly clusterId: string;
  readonly vpcId: string;
  readonly defaultIngressClass: boolean;
}

/** One object's dry run: what the pipeline decided, step by step. */
export interface ObjectRun {
  readonly kind: 'Service' | 'Ingress';
  readonly object: KubernetesObject;
  readonly built: OwnerBuilt | undefined;
  readonly problems: readonly Problem[];
  readonly plans: readonly { readonly plan: LoadBalancerPlan; readonly actual: ActualLoadBalancer | undefined }[];
  readonly writes: readonly RecordedWrite[];
  /** mode: skip — the controller changes nothing for this object. */
  readonly skipped: boolean;
}

const ns = (o: KubernetesObject) => o.metadata?.namespace ?? 'default';
const sameObject = (a: KubernetesObject, b: KubernetesObject) => a.kind === b.kind && ns(a) === ns(b) && a.metadata?.name === b.metadata?.name;

/**
 * The object as the API server would hold it: the live copy's uid, recorded CLB, finalizers and NodePorts (or a
 * cloud-state file's owner entry) under the manifest's spec and annotations.
 */
function asStored(manifest: KubernetesObject, live: KubernetesObject | undefined, owner: CloudStateOwner | undefined, annotation: string): KubernetesObject {
  const recorded = live?.metadata?.annotations?.[annotation] ?? owner?.loadBalancerId;
  const metadata = {
    ...manifest.metadata,
    namespace: ns(manifest),
    uid: manifest.metadata?.uid ?? live?.metadata?.uid ?? owner?.uid ?? 'planned',
    ...(live?.metadata?.finalizers ? { finalizers: live.metadata.finalizers } : {}),
    ...(live?.metadata?.resourceVersion ? { resourceVersion: live.metadata.resourceVersion } : {}),
    annotations: { ...manifest.metadata?.annotations, ...(recorded && !manifest.metadata?.annotations?.[annotation] ? { [annotation]: recorded } : {}) },
  };
  const spec = (manifest as V1Service).spec;
  const livePorts = (live as V1Service | undefined)?.spec?.ports ?? [];
  const ports = manifest.kind === 'Service' && spec?.ports ? spec.ports.map((p) => ({ ...p, nodePort: p.nodePort ?? livePorts.find((l) => l.port === p.port && (l.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))?.nodePort })) : undefined;
  return { ...manifest, metadata, ...(ports ? { spec: { ...spec, ports } } : {}) } as KubernetesObject;
}

export async function runObjects(manifests: readonly KubernetesObject[], world: PlanWorld, settings: PlanSettings): Promise<ObjectRun[]> {
  const adapters = {
    Service: serviceAdapter(settings) as OwnerAdapter<StatusObject>,
    Ingress: ingressAdapter({ clusterId: settings.clusterId, vpcId: settings.vpcId, defaultClass: settings.defaultIngressClass }) as OwnerAdapter<StatusObject>,
  };
  const live = world.cluster;
  const subjects = manifests.map((m) => {
    if (m.kind !== 'Service' && m.kind !== 'Ingress') return m;
    const owner = world.owners.find((o) => o.kind === m.kind && o.namespace === ns(m) && o.name === m.metadata?.name);
    return asStored(m, live.find((l) => sameObject(l, m)), owner, adapters[m.kind].fields.loadBalancerIdAnnotation);
  });
  // The manifests replace their live copies; the rest of the cluster stays as it is.
  const cluster = [...live.filter((l) => !subjects.some((s) => sameObject(s, l))), ...subjects];
  // The controller's own filter: another class, another type — not ours, unless it still holds our finalizer.
  const ours = subjects.filter((s): s is StatusObject => (s.kind === 'Service' || s.kind === 'Ingress') && (adapters[s.kind].wants(s) || hasFinalizer(s, adapters[s.kind].fields.finalizer)));
  const scratch = await scratchCloud(world, ours, settings);
  const recording = recordingProvider(scratch.provider);
  // One memory of the cloud for the whole run, as the controller has.
  const cache = new ActualStateCache(recording.provider, { ttlMs: 3_600_000 });
  const runs: ObjectRun[] = [];
  for (const subject of ours) {
    const kind = subject.kind as 'Service' | 'Ingress';
    runs.push(await runOne(kind, subject, adapters[kind], cluster, { recording, cache }, settings));
  }
  return runs;
}

async function runOne(kind: 'Service' | 'Ingress', subject: StatusObject, adapter: OwnerAdapter<StatusObject>, cluster: readonly KubernetesObject[], cloud: { recording: Recording; cache: ActualStateCache }, settings: PlanSettings): Promise<ObjectRun> {
  const holder = { object: subject };
  // The object as the pipeline's writes leave it (finalizer, annotation, status), over the rest of the cluster.
  const base = viewOf(cluster.filter((o) => !sameObject(o, subject)));
  const withSubject = <T extends KubernetesObject>(store: ClusterView['services'] | ClusterView['ingresses']) => storeOf<T>(() => [...(store.list() as T[]), holder.object as T]);
  const view: ClusterView = kind === 'Service' ? { ...base, services: withSubject<V1Service>(base.services) } : { ...base, ingresses: withSubject<V1Ingress>(base.ingresses) };
  const { recording, cache } = cloud;
  const from = recording.writes.length;
  let built: OwnerBuilt | undefined;
  const problems: Problem[] = [];
  const plans: ObjectRun['plans'][number][] = [];
  const reconciler = new OwnerReconciler(adapter, {
    provider: recording.provider,
    cache,
    view,
    settings,
    writer: memoryWriter(holder),
    events: { emit: () => undefined },
    gates: { openAfterWrites: async () => [] },
    logger: silentLogger(),
    onBuilt: (_o, b) => (built = b),
    onRefused: (_o, p) => problems.push(...p),
    onPlanned: (_o, plan, actual) => plans.push({ plan, actual }),
  });
  try {
    await reconciler.reconcile(`${ns(subject)}/${subject.metadata?.name ?? ''}`);
  } catch (error) {
    if (!(error instanceof TerminalError)) throw error;
  }
  const skipped = adapter.lifecycle(subject).skip;
  return { kind, object: subject, built, problems, plans, writes: recording.writes.slice(from), skipped };
}
