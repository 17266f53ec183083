/**
 * The resource types one fake server serves: the built-in ones, and those of the CustomResourceDefinitions
 * created in it (registered by crds.ts as CRDs come, change and go). Routes, state access, discovery and
 * OpenAPI all ask it, so a CRD's resources are served from the write that created it until the one that removed it.
 */
import { ALL_RESOURCES, compareVersions, isResourceName, RESOURCES, apiVersionOf, type ResourceType } from './resources.js';

/** Where a resource type's objects are kept: one table per built-in, one per CRD (all its versions share it). */
export const storageKey = (rt: ResourceType): string => rt.custom?.crd ?? rt.name;

export class ResourceRegistry {
  /** Served versions per CRD name, storage version first. */
  private readonly custom = new Map<string, readonly ResourceType[]>();

  /** Every type served: the built-ins, then each CRD's served versions (preferred first). */
  all(): readonly ResourceType[] {
    return [...ALL_RESOURCES, ...[...this.custom.values()].flatMap((types) => [...types].sort((a, b) => compareVersions(a.version, b.version)))];
  }

  /** The types of one CRD (by `metadata.name`), storage version first; empty when it serves none. */
  typesOf(crd: string): readonly ResourceType[] {
    return this.custom.get(crd) ?? [];
  }

  /** Serves a CRD's versions (replacing what it served before); an empty list stops serving it. */
  register(crd: string, types: readonly ResourceType[]): void {
    if (types.length === 0) this.custom.delete(crd);
    else this.custom.set(crd, [...types].sort((a, b) => Number(b.custom?.storage ?? false) - Number(a.custom?.storage ?? false)));
  }

  /** The type served at `group/version` under `plural`, if any. */
  find(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find((rt) => rt.group === group && rt.version === version && rt.name === plural);
  }

  /** The type of an object, from its `kind` (and `apiVersion` when given). */
  forObject(apiVersion: unknown, kind: unknown): ResourceType | undefined {
    return this.all().find((rt) => rt.kind === kind && (apiVersion === undefined || apiVersionOf(rt) === apiVersion));
  }

  /**
   * A type by the name tests use: a built-in's plural (`services`), a custom resource's plural (`tkeserviceconfigs`)
   * or plural.group (`tkeserviceconfigs.cloud.tencent.com`); for a custom resource, its storage version.
   */
  byName(name: string): ResourceType {
    if (isResourceName(name)) return RESOURCES[name];
    const direct = this.custom.get(name)?.[0];
    if (direct) return direct;
    const matching = [...this.custom.values()].map((types) => types[0]).filter((rt): rt is ResourceType => rt?.name === name);
    if (matching.length === 1 && matching[0]) return matching[0];
    if (matching.length > 1) throw new Error(`"${name}" is served by several groups (${matching.map((rt) => rt.group).join(', ')}): say ${name}.<group>`);
    throw new Error(`the fake API server serves no resource "${name}" (a custom resource is served once its CustomResourceDefinition exists)`);
  }
}
