/**
 * Step 8 of the owner pipeline, after report: the auto TkeServiceConfig (auto-config.ts) follows the owner's
 * listeners — created on the first ensure, an entry added or dropped when a listener or rule is, deleted when the
 * owner goes or stops asking for it. A config of that name the controller did not make is never written.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CloudProvider, LoadBalancer } from '../../providers/provider.js';
import type { ObservedListeners } from '../deploy/actual-cache.js';
import { withModelledDomains } from '../deploy/plan.js';
import type { ClusterView } from '../kube/cluster-view.js';
import type { DesiredListener } from '../model/desired.js';
import type { Logger } from '../runtime/logger.js';
import { autoConfigObject, autoConfigSpec, isAutoConfigOf, lacksEntries, sameConfig, type AutoConfigWriter } from './auto-config.js';
import { autoConfigName, configChoice, type ConfigAnnotations } from './tke-service-config.js';

export interface AutoConfigDeps {
  /** Absent in `plan` (a dry run writes nothing to the cluster). */
  readonly autoConfigs?: AutoConfigWriter;
  readonly view: ClusterView;
  readonly provider: CloudProvider;
  readonly cache: { listeners(loadBalancerId: string): Promise<ObservedListeners> };
  readonly logger: Logger;
}

const where = (owner: KubernetesObject) => owner.metadata?.namespace ?? 'default';

/** The configs, once they can be listed (the CRD may be absent: then there is nothing to keep). */
function listedConfigs(deps: AutoConfigDeps) {
  const store = deps.view.tkeServiceConfigs;
  return deps.autoConfigs && store && store.hasSynced !== false ? { store, writer: deps.autoConfigs } : undefined;
}

export async function keepAutoConfig(deps: AutoConfigDeps, annotations: ConfigAnnotations, owner: KubernetesObject, lb: LoadBalancer, listeners: readonly DesiredListener[], keepExisting = false): Promise<void> {
  const configs = listedConfigs(deps);
  if (!configs) return;
  if (!configChoice(owner, annotations).auto) return dropAutoConfig(deps, annotations, owner);
  const name = autoConfigName(owner, annotations);
  const existing = configs.store.get(name, where(owner));
  if (existing && !isAutoConfigOf(existing, owner)) return; // the user's own config of that name: used as it is
  // A new entry takes the CLB's settings as the cloud has them (its defaults included): read them fresh.
  const remembered = (await deps.cache.listeners(lb.id)).listeners.map((l) => withModelledDomains(l, lb));
  const actual = lacksEntries(existing?.spec, listeners, remembered) ? (await deps.provider.describeListeners(lb.id)).map((l) => withModelledDomains(l, lb)) : remembered;
  // An Ingress's rules carry no session of their own in the model: the config records theirs; a Service's come from its spec.
  const spec = autoConfigSpec(listeners, actual, existing?.spec, { keepExisting, ruleSessions: owner.kind === 'Ingress' });
  const config = autoConfigObject(owner, annotations, spec, existing);
  if (sameConfig(existing, config)) return;
  try {
    await (existing ? configs.writer.replace(config) : configs.writer.create(config));
  } catch (error) {
    if ((error as { code?: number }).code === 409) throw error; // a race with the informer or a user edit: the retry reads again
    throw new Error(`could not ${existing ? 'update' : 'create'} TkeServiceConfig ${where(owner)}/${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  deps.logger.info({ owner: `${where(owner)}/${owner.metadata?.name}`, config: name }, existing ? 'Updated auto TkeServiceConfig' : 'Created auto TkeServiceConfig');
}

/**
 * Deletes the owner's auto config, if the controller made one. `bestEffort` (the owner is going): a failure is
 * logged, not thrown — the owner's deletion is not held up for it, and the ownerReference lets Kubernetes' garbage
 * collector remove the config.
 */
export async function dropAutoConfig(deps: AutoConfigDeps, annotations: ConfigAnnotations, owner: KubernetesObject, bestEffort = false): Promise<void> {
  const configs = listedConfigs(deps);
  const name = autoConfigName(owner, annotations);
  const existing = configs?.store.get(name, where(owner));
  if (!configs || !existing || !isAutoConfigOf(existing, owner)) return;
  try {
    await configs.writer.delete(name, where(owner));
  } catch (error) {
    if (!bestEffort) throw error;
    return deps.logger.warn({ owner: `${where(owner)}/${owner.metadata?.name}`, config: name, err: error }, 'Could not delete the auto TkeServiceConfig; its ownerReference lets the garbage collector remove it');
  }
  deps.logger.info({ owner: `${where(owner)}/${owner.metadata?.name}`, config: name }, 'Deleted auto TkeServiceConfig');
}
