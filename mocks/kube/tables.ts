/**
 * Server-side printing: what the API server answers to `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`
 * (what `kubectl get` asks for). The columns and cell formats of the real server's printers
 * (pkg/printers/internalversion): Services, Ingresses, Nodes, Pods, EndpointSlices, Events, Namespaces;
 * CustomResourceDefinitions get Name and Created At; custom resources their CRD's `additionalPrinterColumns` (after
 * Name), evaluated and formatted as apiextensions does; every other kind gets Name and Age.
 */
import { isResourceName, type PrinterColumn, type ResourceType } from './resources.js';
import { isObj, metaOf, type Obj } from './types.js';

interface Column {
  readonly name: string;
  readonly type?: string;
  readonly format?: string;
  /** 0: shown by `kubectl get`; 1: only with `-o wide`. */
  readonly priority?: number;
  readonly description?: string;
}
type Cell = string | number | boolean | null;
interface Printer {
  readonly columns: readonly Column[];
  cells(obj: Obj, now: Date): Cell[];
}

/** Accept headers that ask for a Table (`as=Table;g=meta.k8s.io`, v1 or v1beta1). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const params = part.split(';').map((p) => p.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io');
  });
}

const obj = (value: unknown): Obj => (isObj(value) ? value : {});
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '');

/** apimachinery's duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  if (hours < 24 * 365 * 8) return `${years}y${Math.floor(hours / 24) % 365}d`;
  return `${years}y`;
}

const since = (timestamp: unknown, now: Date): string => {
  const t = Date.parse(str(timestamp));
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now.getTime() - t);
};
const age = (o: Obj, now: Date) => since(metaOf(o).creationTimestamp, now);
const orNone = (values: readonly string[]) => (values.length ? values.join(',') : '<none>');
const NAME: Column = { name: 'Name', format: 'name', description: 'Name must be unique within a namespace.' };
const AGE: Column = { name: 'Age', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' };

const loadBalancerAddresses = (status: unknown) =>
  arr(obj(obj(status).loadBalancer).ingress).map((i) => str(obj(i).ip) || str(obj(i).hostname)).filter((a) => a);

function serviceExternalIp(svc: Obj): string {
  const spec = obj(svc.spec);
  const external = arr(spec.externalIPs).map(str);
  switch (str(spec.type) || 'ClusterIP') {
    case 'LoadBalancer': {
      const all = [...loadBalancerAddresses(svc.status), ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return orNone(external);
  }
}

function servicePorts(svc: Obj): string {
  const ports = arr(obj(svc.spec).ports).map((p) => {
    const port = obj(p);
    const nodePort = Number(port.nodePort ?? 0);
    return `${str(port.port)}${nodePort ? `:${nodePort}` : ''}/${str(port.protocol) || 'TCP'}`;
  });
  return orNone(ports);
}

function ingressHosts(ing: Obj): string {
  const hosts = arr(obj(ing.spec).rules).map((r) => str(obj(r).host) || '*');
  if (hosts.length === 0) return '*';
  return hosts.length > 4 ? `${hosts.slice(0, 3).join(',')} + ${hosts.length - 3} more...` : hosts.join(',');
}

function nodeStatus(node: Obj): string {
  const ready = arr(obj(node.status).conditions).map(obj).find((c) => c.type === 'Ready');
  const states = [ready?.status === 'True' ? 'Ready' : ready?.status === 'False' ? 'NotReady' : 'Unknown'];
  if (obj(node.spec).unschedulable === true) states.push('SchedulingDisabled');
  return states.join(',');
}

function nodeRoles(node: Obj): string {
  const labels = obj(metaOf(node).labels);
  const roles = Object.keys(labels).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length) || str(labels[k]));
  if (labels['kubernetes.io/role']) roles.push(str(labels['kubernetes.io/role']));
  return orNone([...new Set(roles)].sort());
}

const nodeAddress = (node: Obj, type: string) => arr(obj(node.status).addresses).map(obj).find((a) => a.type === type)?.address;

function podReady(pod: Obj): string {
  const containers = arr(obj(pod.spec).containers).length;
  const ready = arr(obj(pod.status).containerStatuses).filter((c) => obj(c).ready === true).length;
  return `${ready}/${containers}`;
}

function podStatus(pod: Obj): string {
  if (metaOf(pod).deletionTimestamp) return 'Terminating';
  const status = obj(pod.status);
  return str(status.reason) || str(status.phase) || 'Pending';
}

const podRestarts = (pod: Obj) => arr(obj(pod.status).containerStatuses).reduce<number>((n, c) => n + Number(obj(c).restartCount ?? 0), 0);

function sliceEndpoints(slice: Obj): string {
  const addresses = arr(slice.endpoints).flatMap((e) => arr(obj(e).addresses).map(str));
  if (addresses.length === 0) return '<none>';
  return addresses.length > 3 ? `${addresses.slice(0, 3).join(',')} + ${addresses.length - 3} more...` : addresses.join(',');
}

function sliceOrPorts(slice: Obj): string {
  const ports = arr(slice.ports).map((p) => str(obj(p).port)).filter((p) => p);
  return ports.length ? ports.join(',') : '<unset>';
}

const eventLastSeen = (ev: Obj, now: Date) => {
  const last = ev.lastTimestamp ?? (obj(ev.series).lastObservedTime as unknown) ?? ev.eventTime ?? metaOf(ev).creationTimestamp;
  return since(last, now);
};

const PRINTERS: Partial<Record<string, Printer>> = {
  services: {
    columns: [NAME, { name: 'Type' }, { name: 'Cluster-IP' }, { name: 'External-IP' }, { name: 'Port(s)' }, AGE, { name: 'Selector', priority: 1 }],
    cells: (svc, now) => {
      const spec = obj(svc.spec);
      const selector = Object.entries(obj(spec.selector)).map(([k, v]) => `${k}=${str(v)}`);
      return [str(metaOf(svc).name), str(spec.type) || 'ClusterIP', str(spec.clusterIP) || '<none>', serviceExternalIp(svc), servicePorts(svc), age(svc, now), orNone(selector)];
    },
  },
  ingresses: {
    columns: [NAME, { name: 'Class' }, { name: 'Hosts' }, { name: 'Address' }, { name: 'Ports' }, AGE],
    cells: (ing, now) => [
      str(metaOf(ing).name), str(obj(ing.spec).ingressClassName) || '<none>', ingressHosts(ing), loadBalancerAddresses(ing.status).join(','),
      arr(obj(ing.spec).tls).length ? '80, 443' : '80', age(ing, now),
    ],
  },
  nodes: {
    columns: [NAME, { name: 'Status' }, { name: 'Roles' }, AGE, { name: 'Version' }, { name: 'Internal-IP', priority: 1 }, { name: 'External-IP', priority: 1 },
      { name: 'OS-Image', priority: 1 }, { name: 'Kernel-Version', priority: 1 }, { name: 'Container-Runtime', priority: 1 }],
    cells: (node, now) => {
      const info = obj(obj(node.status).nodeInfo);
      return [str(metaOf(node).name), nodeStatus(node), nodeRoles(node), age(node, now), str(info.kubeletVersion),
        str(nodeAddress(node, 'InternalIP')) || '<none>', str(nodeAddress(node, 'ExternalIP')) || '<none>',
        str(info.osImage) || '<unknown>', str(info.kernelVersion) || '<unknown>', str(info.containerRuntimeVersion) || '<unknown>'];
    },
  },
  pods: {
    columns: [NAME, { name: 'Ready' }, { name: 'Status' }, { name: 'Restarts', type: 'integer' }, AGE, { name: 'IP', priority: 1 }, { name: 'Node', priority: 1 },
      { name: 'Nominated Node', priority: 1 }, { name: 'Readiness Gates', priority: 1 }],
    cells: (pod, now) => {
      const spec = obj(pod.spec);
      const status = obj(pod.status);
      const gates = arr(spec.readinessGates).length;
      const gatesTrue = arr(spec.readinessGates).filter((g) => arr(status.conditions).some((c) => obj(c).type === obj(g).conditionType && obj(c).status === 'True')).length;
      return [str(metaOf(pod).name), podReady(pod), podStatus(pod), podRestarts(pod), age(pod, now), str(status.podIP) || '<none>', str(spec.nodeName) || '<none>',
        str(status.nominatedNodeName) || '<none>', gates ? `${gatesTrue}/${gates}` : '<none>'];
    },
  },
  endpointslices: {
    columns: [NAME, { name: 'AddressType' }, { name: 'Ports' }, { name: 'Endpoints' }, AGE],
    cells: (slice, now) => [str(metaOf(slice).name), str(slice.addressType), sliceOrPorts(slice), sliceEndpoints(slice), age(slice, now)],
  },
  events: {
    columns: [{ name: 'Last Seen' }, { name: 'Type' }, { name: 'Reason' }, { name: 'Object' }, { name: 'Subobject', priority: 1 }, { name: 'Source', priority: 1 },
      { name: 'Message' }, { name: 'First Seen', priority: 1 }, { name: 'Count', type: 'integer', priority: 1 }, { name: 'Name', priority: 1 }],
    cells: (ev, now) => {
      const involved = obj(ev.involvedObject);
      const source = obj(ev.source);
      return [eventLastSeen(ev, now), str(ev.type), str(ev.reason), `${str(involved.kind).toLowerCase()}/${str(involved.name)}`, str(involved.fieldPath),
        [str(source.component) || str(ev.reportingComponent), str(source.host)].filter((s) => s).join(', '), str(ev.message),
        since(ev.firstTimestamp ?? ev.eventTime ?? metaOf(ev).creationTimestamp, now), Number(ev.count ?? 1), str(metaOf(ev).name)];
    },
  },
  namespaces: {
    columns: [NAME, { name: 'Status' }, AGE],
    cells: (ns, now) => [str(metaOf(ns).name), str(obj(ns.status).phase) || 'Active', age(ns, now)],
  },
  customresourcedefinitions: {
    columns: [NAME, { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' }],
    cells: (crd) => [str(metaOf(crd).name), str(metaOf(crd).creationTimestamp)],
  },
};

// ---- custom resources: additionalPrinterColumns ----------------------------------------------

type PathStep = { readonly key: string } | { readonly index: number | '*' } | { readonly filter: { readonly path: string[]; readonly value: string } };

/** The simple JSONPath of printer columns: `.a.b`, `.a[0]`, `.a[*].b`, `.a[?(@.type=="Ready")].status`. */
function parsePath(jsonPath: string): PathStep[] | undefined {
  const steps: PathStep[] = [];
  const re = /\.([A-Za-z0-9_\-]+)|\[(\d+|\*)\]|\[\?\(@\.([A-Za-z0-9_.\-]+)\s*==\s*["']([^"']*)["']\)\]|\['([^']+)'\]/y;
  let at = 0;
  const path = jsonPath.replace(/^\{|\}$/g, '');
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m) return undefined;
    if (m[1] !== undefined) steps.push({ key: m[1] });
    else if (m[2] !== undefined) steps.push({ index: m[2] === '*' ? '*' : Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: { path: m[3].split('.'), value: m[4] ?? '' } });
    else if (m[5] !== undefined) steps.push({ key: m[5] });
    at = re.lastIndex;
  }
  return steps;
}

function evaluate(root: unknown, steps: readonly PathStep[]): unknown[] {
  let current: unknown[] = [root];
  for (const step of steps) {
    current = current.flatMap((v): unknown[] => {
      if ('key' in step) return isObj(v) && v[step.key] !== undefined ? [v[step.key]] : [];
      if ('index' in step) return Array.isArray(v) ? (step.index === '*' ? v : v[step.index] !== undefined ? [v[step.index]] : []) : [];
      return arr(v).filter((item) => str(step.filter.path.reduce<unknown>((o, k) => obj(o)[k], item)) === step.filter.value);
    });
  }
  return current;
}

/** A cell as apiextensions makes it: the first result, typed by the column (`date` as an age); missing: null. */
function customCell(column: PrinterColumn, o: Obj, now: Date): Cell {
  const steps = parsePath(column.jsonPath);
  const [value] = steps ? evaluate(o, steps) : [];
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? (Number.isNaN(Date.parse(value)) ? '<invalid>' : since(value, now)) : null;
    default:
      return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  }
}

function customPrinter(columns: readonly PrinterColumn[]): Printer {
  // Without columns apiextensions prints Name and an Age of type date.
  if (columns.length === 0) return { columns: [NAME, { ...AGE, type: 'date' }], cells: DEFAULT_PRINTER.cells };
  return {
    columns: [NAME, ...columns.map((c) => ({ name: c.name, type: c.type, ...(c.format !== undefined ? { format: c.format } : {}), ...(c.description !== undefined ? { description: c.description } : {}), ...(c.priority !== undefined ? { priority: c.priority } : {}) }))],
    cells: (o, now) => [str(metaOf(o).name), ...columns.map((c) => customCell(c, o, now))],
  };
}

const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], cells: (o, now) => [str(metaOf(o).name), age(o, now)] };

function printerOf(rt: ResourceType): Printer {
  if (rt.custom) return customPrinter(rt.custom.printerColumns);
  return (isResourceName(rt.name) ? PRINTERS[rt.name] : undefined) ?? DEFAULT_PRINTER;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function rowObject(rt: ResourceType, o: Obj, include: IncludeObject): Obj | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return { apiVersion: rt.group ? `${rt.group}/${rt.version}` : rt.version, kind: rt.kind, ...o };
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** A `meta.k8s.io/v1` Table of one object (a GET) or of a list's items (a LIST). */
export function toTable(rt: ResourceType, body: unknown, include: IncludeObject, now: Date): Obj {
  const printer = printerOf(rt);
  const source = obj(body);
  const isList = Array.isArray(source.items);
  const items = isList ? arr(source.items).map(obj) : [source];
  const listMeta = obj(source.metadata);
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1',
    metadata: isList
      ? { resourceVersion: listMeta.resourceVersion, ...(listMeta.continue ? { continue: listMeta.continue } : {}), ...(listMeta.remainingItemCount !== undefined ? { remainingItemCount: listMeta.remainingItemCount } : {}) }
      : { resourceVersion: metaOf(source).resourceVersion },
    columnDefinitions: printer.columns.map((c) => ({ name: c.name, type: c.type ?? 'string', format: c.format ?? '', description: c.description ?? c.name, priority: c.priority ?? 0 })),
    rows: items.map((o) => {
      const object = rowObject(rt, o, include);
      return { cells: printer.cells(o, now), ...(object ? { object } : {}) };
    }),
  };
}
