/** The fake Kubernetes API server: start it, point the real client-node at `kubeConfig()`. */
export { startFakeKube, type FakeKube, type FakeKubeOptions, type WatchTracker } from './server.js';
export type { ClusterState, ResourceRef } from './state-access.js';
export { applyCrdsFrom } from './crds.js';
export type { JsonSchema } from './crd-schema.js';
export type { Faults, FailOptions, ExpireOptions } from './faults.js';
export type { DropMode, OpenWatch } from './watch.js';
export type { LoggedRequest, RequestFilter, RequestLog, Verb } from './request-log.js';
export { MUTATING_VERBS } from './request-log.js';
export { RESOURCES, RESOURCE_NAMES, type CustomResourceInfo, type ResourceName, type ResourceType } from './resources.js';
export { NODE_PORT_RANGE } from './service-defaults.js';
export type { KubeObject, ObjectMeta, StatusObject } from './types.js';
