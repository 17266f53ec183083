/**
 * Seeding the simulator from a cloud state (providers/cloud-state.ts): what is seeded reads back through the real
 * provider exactly as given, the seeded cloud then behaves as a real one holding it would, and what the API would
 * refuse is refused with a CloudStateError naming the path. Also: parseCloudState's refusals of malformed files.
 */
import { describe, expect, it } from '@jest/globals';
import { CloudStateError, parseCloudState, readCloudState, type CloudState, type CloudStateLoadBalancer } from '../../providers/cloud-state.js';
import { ConflictError, type HealthCheck, type Listener, type ListenerTargets } from '../../providers/provider.js';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { ClbSimulator } from '../../mocks/clb/simulator.js';
import { EVERY_LAYER4_CHECK, EVERY_RULE_CHECK } from '../contract/provider-contract.js';
import { LB_SUBNET, LB_SUBNET_CIDR, VPC, ipInCidr } from './clb-fixtures.js';

const CLUSTER_TAGS = { 'tke-createdBy-flag': 'yes', 'tke-clusterId': 'cls-a1b2c3d4' };
const SEEDED_SUBNET = 'subnet-seed0001';
const SEEDED_SUBNET_CIDR = '192.168.10.0/24';
const HEALTH: HealthCheck = { enabled: true, timeoutSeconds: 3, intervalSeconds: 10, healthyThreshold: 2, unhealthyThreshold: 4 };
const HTTP_HEALTH: HealthCheck = { ...HEALTH, httpCheckPath: '/healthz', httpCheckDomain: 'www.example.com' };
/** The checks the provider contract round-trips, with every field of a layer-4 CUSTOM check and of a rule's (here HTTPS) check. */
const CUSTOM_HEALTH: HealthCheck = EVERY_LAYER4_CHECK;
const HTTPS_HEALTH: HealthCheck = { ...EVERY_RULE_CHECK, checkType: 'HTTPS', httpCheckPath: '/ready' };
const CERT = { mode: 'UNIDIRECTIONAL', certId: 'cert-www00001' } as const;
const API_CERT = { mode: 'UNIDIRECTIONAL', certId: 'cert-api00001' } as const;

const l4 = (id: string, protocol: 'TCP' | 'UDP', port: number, extra: Partial<Listener> = {}): Listener => ({
  id, name: `${protocol}-${port}`, protocol, port, sessionExpireTime: 0, scheduler: 'WRR', healthCheck: HEALTH, sniEnabled: false, deregisterTargetRst: false, rescheduleStartTime: 0, rescheduleInterval: 0, rules: [], ...extra,
});
const rule = (id: string, domain: string, url: string, extra: object = {}) => ({ id, domain, url, sessionExpireTime: 0, scheduler: 'WRR' as const, healthCheck: HTTP_HEALTH, forwardType: 'HTTP' as const, defaultServer: true, ...extra });

/** Everything a state exported from a TKE cluster holds: the round trip must give it back to the letter. */
const STATE: CloudState = {
  version: 1,
  region: 'ap-guangzhou',
  subnets: [
    { id: LB_SUBNET, vpcId: VPC, cidr: LB_SUBNET_CIDR, zone: 'ap-guangzhou-4' }, // a default subnet, as the sandbox exports it
    { id: SEEDED_SUBNET, vpcId: 'vpc-seeded01', cidr: SEEDED_SUBNET_CIDR, zone: 'ap-guangzhou-6' },
  ],
  loadBalancers: [
    {
      id: 'lb-seed0001', name: 'default_web', type: 'OPEN', vpcId: VPC, vips: ['203.0.113.2'], domain: 'lb-seed0001.clb.ap-guangzhou.tencentclb.com',
      status: 'running', tags: { ...CLUSTER_TAGS, 'tke-lb-serviceuuid': '6f1c2d3e-0000-4000-8000-000000000001' },
      securityGroups: ['sg-aaaa1111', 'sg-bbbb2222'], passToTarget: true, deleteProtect: false, modificationProtect: false,
      listeners: [
        l4('lbl-tcp00080', 'TCP', 80),
        l4('lbl-tcp00443', 'TCP', 443, { name: 'TCP-443-sticky', sessionExpireTime: 300, scheduler: 'LEAST_CONN' }),
        l4('lbl-udp00080', 'UDP', 80, { sessionExpireTime: 30, scheduler: 'IP_HASH', healthCheck: { ...HEALTH, enabled: false } }),
        // Every layer-4 setting.
        l4('lbl-tcp09000', 'TCP', 9000, { deregisterTargetRst: true, rescheduleStartTime: 10, rescheduleInterval: 60, healthCheck: CUSTOM_HEALTH }),
      ],
      targets: [
        { listenerId: 'lbl-tcp00080', protocol: 'TCP', port: 80, targets: [{ instanceId: 'ins-node0001', port: 30080, weight: 10 }, { instanceId: 'ins-node0002', port: 30080, weight: 0 }], rules: [] },
        { listenerId: 'lbl-tcp00443', protocol: 'TCP', port: 443, targets: [{ instanceId: 'ins-node0001', port: 30443, weight: 50 }], rules: [] },
        { listenerId: 'lbl-udp00080', protocol: 'UDP', port: 80, targets: [{ eniIp: '10.0.1.21', port: 8080, weight: 100 }], rules: [] },
        { listenerId: 'lbl-tcp09000', protocol: 'TCP', port: 9000, targets: [], rules: [] },
      ],
    },
    {
      id: 'lb-seed0002', name: 'default_ingress', type: 'OPEN', vpcId: VPC, vips: ['203.0.113.3'], domain: 'lb-seed0002.clb.ap-guangzhou.tencentclb.com',
      status: 'running', tags: { ...CLUSTER_TAGS, 'tke-lb-ingress-uuid': '6f1c2d3e-0000-4000-8000-000000000002' },
      securityGroups: [], passToTarget: false, deleteProtect: true, modificationProtect: false,
      listeners: [
        { id: 'lbl-http0080', name: 'HTTP-80', protocol: 'HTTP', port: 80, sniEnabled: false, keepaliveEnable: false, rules: [
          rule('loc-http0001', 'www.example.com', '/', { redirect: { listenerId: 'lbl-https443', ruleId: 'loc-sni00001' } }),
          rule('loc-http0002', 'www.example.com', '/static', { scheduler: 'LEAST_CONN', sessionExpireTime: 60 }),
        ] },
        { id: 'lbl-https443', name: 'HTTPS-443', protocol: 'HTTPS', port: 443, sniEnabled: true, keepaliveEnable: false, rules: [
          rule('loc-sni00001', 'www.example.com', '/', { certificate: CERT, defaultServer: false }), // the default domain is api.example.com
          rule('loc-sni00002', 'api.example.com', '/v1', { certificate: API_CERT }),
          rule('loc-sni00003', 'api.example.com', '/v2', { certificate: API_CERT }),
        ] },
        { id: 'lbl-https844', name: 'HTTPS-8443', protocol: 'HTTPS', port: 8443, certificate: { mode: 'MUTUAL', certId: 'cert-mtls0001', caCertId: 'ca-mtls00001' }, sniEnabled: false, keepaliveEnable: false, rules: [
          rule('loc-mtls0001', '203.0.113.3', '/'),
        ] },
        // Every layer-7 listener and rule setting.
        { id: 'lbl-https945', name: 'HTTPS-9443', protocol: 'HTTPS', port: 9443, certificate: CERT, sniEnabled: false, keepaliveEnable: true, rules: [
          rule('loc-grpc0001', 'secure.example.com', '/', { scheduler: 'LEAST_CONN', forwardType: 'HTTPS', healthCheck: HTTPS_HEALTH }),
        ] },
      ],
      targets: [
        { listenerId: 'lbl-http0080', protocol: 'HTTP', port: 80, targets: [], rules: [
          { ruleId: 'loc-http0001', domain: 'www.example.com', url: '/', targets: [] },
          { ruleId: 'loc-http0002', domain: 'www.example.com', url: '/static', targets: [{ eniIp: '10.0.1.30', port: 80, weight: 10 }] },
        ] },
        { listenerId: 'lbl-https443', protocol: 'HTTPS', port: 443, targets: [], rules: [
          { ruleId: 'loc-sni00001', domain: 'www.example.com', url: '/', targets: [{ eniIp: '10.0.1.30', port: 80, weight: 10 }, { eniIp: '10.0.1.31', port: 80, weight: 30 }] },
          { ruleId: 'loc-sni00002', domain: 'api.example.com', url: '/v1', targets: [{ instanceId: 'ins-node0001', port: 31000, weight: 10 }] },
          { ruleId: 'loc-sni00003', domain: 'api.example.com', url: '/v2', targets: [] },
        ] },
        { listenerId: 'lbl-https844', protocol: 'HTTPS', port: 8443, targets: [], rules: [
          { ruleId: 'loc-mtls0001', domain: '203.0.113.3', url: '/', targets: [{ eniIp: '10.0.1.32', port: 8443, weight: 5 }] },
        ] },
        { listenerId: 'lbl-https945', protocol: 'HTTPS', port: 9443, targets: [], rules: [
          { ruleId: 'loc-grpc0001', domain: 'secure.example.com', url: '/', targets: [{ eniIp: '10.0.1.33', port: 8443, weight: 10 }] },
        ] },
      ],
    },
    {
      id: 'lb-seed0003', name: 'default_internal', type: 'INTERNAL', vpcId: VPC, subnetId: LB_SUBNET, vips: ['10.0.2.2'], domain: 'lb-seed0003.clb.ap-guangzhou.tencentclb.com',
      status: 'running', tags: CLUSTER_TAGS, securityGroups: [], passToTarget: false, deleteProtect: false, modificationProtect: false,
      listeners: [l4('lbl-tcp08080', 'TCP', 8080)],
      targets: [{ listenerId: 'lbl-tcp08080', protocol: 'TCP', port: 8080, targets: [{ eniIp: '10.0.1.40', port: 8080, weight: 10 }, { eniIp: '10.0.1.41', port: 8080, weight: 20 }], rules: [] }],
    },
    {
      id: 'lb-seed0004', name: 'other-team', type: 'INTERNAL', vpcId: 'vpc-seeded01', subnetId: SEEDED_SUBNET, vips: ['192.168.10.10'], domain: 'lb-seed0004.clb.ap-guangzhou.tencentclb.com',
      status: 'running', tags: { team: 'payments' }, securityGroups: ['sg-cccc3333'], passToTarget: false, deleteProtect: false, modificationProtect: true,
      listeners: [l4('lbl-udp05353', 'UDP', 5353)],
      targets: [{ listenerId: 'lbl-udp05353', protocol: 'UDP', port: 5353, targets: [{ instanceId: 'ins-other001', port: 5353, weight: 10 }], rules: [] }],
    },
    {
      // A domain-only CLB (dynamic VIP), without listeners.
      id: 'lb-seed0005', name: 'domain-only', type: 'OPEN', vpcId: VPC, vips: [], domain: 'lb-seed0005.clb.ap-guangzhou.tencentclb.com',
      status: 'running', tags: {}, securityGroups: [], passToTarget: false, deleteProtect: false, modificationProtect: false, listeners: [], targets: [],
    },
  ],
};

const ids = (state: CloudState) => state.loadBalancers.map((lb) => lb.id);

async function readBack(cloud: ReturnType<typeof createLocalCloud>, state: CloudState, subnetIds: readonly string[] = []): Promise<CloudState> {
  return readCloudState(cloud.provider, await cloud.provider.describeLoadBalancers(ids(state)), subnetIds, state.region);
}

describe('seeding the simulator from a cloud state', () => {
  it('reads back, through the real provider, exactly the state it was seeded with', async () => {
    const cloud = createLocalCloud({ cloudState: STATE });
    // No normalisation: every field the API would fill in (domains, health checks, schedulers, …) is given.
    expect(await readBack(cloud, STATE)).toStrictEqual(STATE);
    expect(cloud.simulator.snapshot().runningTasks).toBe(0);
    expect(cloud.simulator.traffic.mutatingCalls()).toBe(0);
  });

  it('survives the file format: a state written as JSON, parsed and seeded, reads back the same', async () => {
    const parsed = parseCloudState(JSON.parse(JSON.stringify(STATE)));
    expect(parsed).toStrictEqual(STATE);
    const cloud = createLocalCloud({ cloudState: parsed });
    expect(await readBack(cloud, STATE)).toStrictEqual(STATE);
  });

  it('fills in, for a sparse hand-written state, only what the API fills in by itself', async () => {
    const sparse: CloudState = {
      version: 1,
      subnets: [],
      loadBalancers: [{
        id: 'lb-sparse01', name: 'sparse', type: 'OPEN', vpcId: VPC, vips: ['198.18.0.9'], status: 'running', tags: {}, securityGroups: [], passToTarget: false, deleteProtect: false, modificationProtect: false,
        listeners: [
          { id: 'lbl-sparse01', name: '', protocol: 'TCP', port: 80, rules: [] },
          { id: 'lbl-sparse02', name: '', protocol: 'HTTP', port: 8080, rules: [{ id: 'loc-sparse01', domain: 'a.example.com', url: '/' }] },
        ],
        targets: [{ listenerId: 'lbl-sparse01', protocol: 'TCP', port: 80, targets: [{ instanceId: 'ins-node0001', port: 30080, weight: 10 }], rules: [] }],
      }],
    };
    const cloud = createLocalCloud({ cloudState: sparse });
    const defaultHealth: HealthCheck = { enabled: true, timeoutSeconds: 2, intervalSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 3 };
    const [input] = sparse.loadBalancers as [CloudStateLoadBalancer];
    // What the API fills in: the CLB's domain; a layer-4 listener's session persistence (off), scheduler (WRR),
    // health check and deregister-RST (off); a rule's the same, and its forward type (HTTP); SNI and keep-alive off;
    // and an entry in targets for every listener and rule, empty or not.
    const filled: CloudStateLoadBalancer = {
      ...input,
      domain: 'lb-sparse01.clb.ap-guangzhou.tencentclb.com',
      listeners: [
        { ...input.listeners[0]!, sessionExpireTime: 0, scheduler: 'WRR', healthCheck: defaultHealth, sniEnabled: false, deregisterTargetRst: false, rescheduleStartTime: 0, rescheduleInterval: 0 },
        { ...input.listeners[1]!, sniEnabled: false, keepaliveEnable: false, rules: [{ id: 'loc-sparse01', domain: 'a.example.com', url: '/', sessionExpireTime: 0, scheduler: 'WRR', healthCheck: defaultHealth, forwardType: 'HTTP', defaultServer: true }] },
      ],
      targets: [
        ...input.targets,
        { listenerId: 'lbl-sparse02', protocol: 'HTTP', port: 8080, targets: [], rules: [{ ruleId: 'loc-sparse01', domain: 'a.example.com', url: '/', targets: [] }] },
      ],
    };
    expect(await readBack(cloud, sparse)).toStrictEqual({ ...sparse, loadBalancers: [filled] });
  });

  it('adds the state VPCs and subnets to the default inventory', async () => {
    const cloud = createLocalCloud({ cloudState: { version: 1, vpcs: [{ id: 'vpc-seeded02', cidr: '172.20.0.0/16' }], subnets: [{ id: 'subnet-seed0002', vpcId: 'vpc-seeded02', cidr: '172.20.5.0/24' }], loadBalancers: [] } });
    expect(await cloud.provider.describeSubnet('subnet-seed0002')).toEqual({ id: 'subnet-seed0002', vpcId: 'vpc-seeded02', cidr: '172.20.5.0/24' });
    expect(await cloud.provider.describeSubnet(LB_SUBNET)).toMatchObject({ vpcId: VPC, cidr: LB_SUBNET_CIDR });
    const lb = await cloud.provider.createLoadBalancer({ name: 'new', type: 'INTERNAL', vpcId: 'vpc-seeded02', subnetId: 'subnet-seed0002', tags: {} });
    expect(ipInCidr(lb.vips[0] ?? '', '172.20.5.0/24')).toBe(true);
  });

  it('takes the region of the state unless the simulator is given one', () => {
    expect(new ClbSimulator({ cloudState: { ...STATE, region: 'ap-shanghai', subnets: [], loadBalancers: [] } }).region).toBe('ap-shanghai');
    expect(() => new ClbSimulator({ region: 'ap-beijing', cloudState: STATE })).toThrow('region: the state is of ap-guangzhou; this simulator serves ap-beijing');
  });
});

describe('a seeded cloud behaves like a real one', () => {
  it('refuses a listener on a seeded port of the same protocol family', async () => {
    const { provider } = createLocalCloud({ cloudState: STATE });
    await expect(provider.createListeners('lb-seed0001', [{ name: 'x', protocol: 'TCP', port: 443 }])).rejects.toBeInstanceOf(ConflictError);
    await expect(provider.createListeners('lb-seed0002', [{ name: 'x', protocol: 'TCP', port: 80 }])).rejects.toBeInstanceOf(ConflictError);
    await expect(provider.createListeners('lb-seed0001', [{ name: 'x', protocol: 'UDP', port: 443 }])).resolves.toHaveLength(1);
  });

  it('gives a new CLB a fresh id and a VIP no seeded CLB holds', async () => {
    const { provider } = createLocalCloud({ cloudState: STATE });
    const open = await provider.createLoadBalancer({ name: 'new', type: 'OPEN', vpcId: VPC, tags: {} });
    const internal = await provider.createLoadBalancer({ name: 'new-internal', type: 'INTERNAL', vpcId: VPC, subnetId: LB_SUBNET, tags: {} });
    const inSeededSubnet = await provider.createLoadBalancer({ name: 'new-seeded', type: 'INTERNAL', vpcId: 'vpc-seeded01', subnetId: SEEDED_SUBNET, tags: {} });
    const seededVips = STATE.loadBalancers.flatMap((lb) => lb.vips);
    for (const lb of [open, internal, inSeededSubnet]) {
      expect(ids(STATE)).not.toContain(lb.id);
      expect(seededVips).not.toContain(lb.vips[0]);
    }
    // 203.0.113.2 and 10.0.2.2 are the first addresses the pools hand out: the seeded CLBs hold them.
    expect(open.vips).toEqual(['203.0.113.4']);
    expect(internal.vips).toEqual(['10.0.2.3']);
    expect(ipInCidr(inSeededSubnet.vips[0] ?? '', SEEDED_SUBNET_CIDR)).toBe(true);
  });

  it('never hands out a seeded id, even the very id its generator would draw next', async () => {
    // The first id a fresh simulator draws (the default seed): a seeded CLB, listener and rule carry it.
    const fresh = createLocalCloud();
    const drawn = (await fresh.provider.createLoadBalancer({ name: 'probe', type: 'OPEN', vpcId: VPC, tags: {} })).id.slice('lb-'.length);
    const lbId = `lb-${drawn}`;
    const state: CloudState = { version: 1, subnets: [], loadBalancers: [{
      id: lbId, name: 'seeded', type: 'OPEN', vpcId: VPC, vips: [], status: 'running', tags: {}, securityGroups: [], passToTarget: false, deleteProtect: false,
      listeners: [{ id: `lbl-${drawn}`, name: '', protocol: 'HTTP', port: 80, rules: [{ id: `loc-${drawn}`, domain: 'a.example.com', url: '/' }] }], targets: [],
    }] };
    // Each creation is the first of its own cloud, so each would draw that id.
    const creations: ((provider: ReturnType<typeof createLocalCloud>['provider']) => Promise<string | undefined>)[] = [
      async (p) => (await p.createLoadBalancer({ name: 'new', type: 'OPEN', vpcId: VPC, tags: {} })).id,
      async (p) => (await p.createListeners(lbId, [{ name: '', protocol: 'HTTP', port: 81 }]))[0],
      async (p) => (await p.createRules(lbId, `lbl-${drawn}`, [{ domain: 'b.example.com', url: '/' }]))[0],
    ];
    for (const create of creations) {
      const id = await create(createLocalCloud({ cloudState: state }).provider);
      expect(id).toMatch(/^(lb|lbl|loc)-[a-z0-9]{8}$/);
      expect(id).not.toContain(drawn);
    }
  });

  it('finds seeded CLBs by their tags', async () => {
    const { provider } = createLocalCloud({ cloudState: STATE });
    expect((await provider.findLoadBalancersByTags(CLUSTER_TAGS)).map((lb) => lb.id).sort()).toEqual(['lb-seed0001', 'lb-seed0002', 'lb-seed0003']);
    expect((await provider.findLoadBalancersByTags({ team: 'payments' })).map((lb) => lb.id)).toEqual(['lb-seed0004']);
  });

  it('keeps the seeded rules: delete protection, bound targets, redirects that cannot chain', async () => {
    const { provider, simulator } = createLocalCloud({ cloudState: STATE });
    await expect(provider.deleteLoadBalancers(['lb-seed0002'])).rejects.toMatchObject({ code: 'OperationDenied' });
    // Bound already: as asked is success (a re-sent batch); at another weight, the duplicate is refused.
    await expect(provider.registerTargets('lb-seed0001', [{ listenerId: 'lbl-tcp00080', target: { instanceId: 'ins-node0001', port: 30080, weight: 10 } }])).resolves.toBeUndefined();
    await expect(provider.registerTargets('lb-seed0001', [{ listenerId: 'lbl-tcp00080', target: { instanceId: 'ins-node0001', port: 30080, weight: 60 } }])).rejects.toMatchObject({ failedListenerIds: ['lbl-tcp00080'] });
    await expect(provider.setRedirects('lb-seed0002', [{ sourceListenerId: 'lbl-https443', sourceRuleId: 'loc-sni00002', targetListenerId: 'lbl-http0080', targetRuleId: 'loc-http0001' }]))
      .rejects.toMatchObject({ code: 'InvalidParameter.RewriteAlreadyExist' });
    await provider.deregisterTargets('lb-seed0003', [{ listenerId: 'lbl-tcp08080', target: { eniIp: '10.0.1.40', port: 8080, weight: 10 } }]);
    expect([...simulator.boundTargets('lb-seed0003').keys()]).toEqual(['10.0.1.41:8080']);
  });
});

/** STATE with one change, made by `edit` on a deep copy. */
function stateWith(edit: (state: { loadBalancers: Record<string, any>[]; subnets: Record<string, any>[]; vpcs?: Record<string, any>[] }) => void): CloudState {
  const copy = structuredClone(STATE) as unknown as Parameters<typeof edit>[0];
  edit(copy);
  return copy as unknown as CloudState;
}

describe('seeding refuses what the API would refuse, naming the path', () => {
  it.each<[string, CloudState, string]>([
    ['two CLBs with one id', stateWith((s) => (s.loadBalancers[1]!.id = 'lb-seed0001')), 'loadBalancers[1].id: lb-seed0001 is used twice in this state'],
    ['a malformed CLB id', stateWith((s) => (s.loadBalancers[0]!.id = 'lb-1')), 'loadBalancers[0].id: lb-1 is not a well-formed id'],
    ['a listener id used on two CLBs', stateWith((s) => (s.loadBalancers[2]!.listeners[0].id = 'lbl-tcp00080')), 'loadBalancers[2].listeners[0].id: lbl-tcp00080 is used twice'],
    ['two listeners on one port of one protocol family', stateWith((s) => (s.loadBalancers[1]!.listeners[2].port = 80)), 'loadBalancers[1].listeners[2].port: InvalidParameter.PortCheckFailed: Port 80 is already used'],
    ['a port out of range', stateWith((s) => (s.loadBalancers[0]!.listeners[0].port = 70000)), 'loadBalancers[0].listeners[0].port: InvalidParameterValue.Range'],
    ['a session expire time out of range', stateWith((s) => (s.loadBalancers[0]!.listeners[1].sessionExpireTime = 5)), 'loadBalancers[0].listeners[1]: InvalidParameterValue.Range: SessionExpireTime 5'],
    ['a scheduler on a layer-7 listener', stateWith((s) => (s.loadBalancers[1]!.listeners[0].scheduler = 'WRR')), 'loadBalancers[1].listeners[0]: InvalidParameter: HealthCheck, Scheduler and SessionExpireTime are set per rule'],
    ['a health-check timeout not below its interval', stateWith((s) => (s.loadBalancers[0]!.listeners[3].healthCheck.timeoutSeconds = 12)), 'loadBalancers[0].listeners[3]: InvalidParameterValue: HealthCheck.TimeOut 12 must be less than HealthCheck.IntervalTime 12.'],
    ['a check type the protocol does not have', stateWith((s) => (s.loadBalancers[0]!.listeners[2].healthCheck.checkType = 'TCP')), 'loadBalancers[0].listeners[2]: InvalidParameterValue: HealthCheck.CheckType "TCP" is invalid on a UDP listener; accepted: PING, CUSTOM.'],
    ['a HEX context that is not hex', stateWith((s) => (s.loadBalancers[0]!.listeners[3].healthCheck.sendContext = 'PING')), 'loadBalancers[0].listeners[3]: InvalidParameterValue: HealthCheck.SendContext "PING" is not HEX'],
    ['a CUSTOM check without its contexts', stateWith((s) => delete s.loadBalancers[0]!.listeners[3].healthCheck.recvContext), 'loadBalancers[0].listeners[3]: MissingParameter: HealthCheck.RecvContext is required when HealthCheck.CheckType is CUSTOM.'],
    ['keep-alive on a TCP listener', stateWith((s) => (s.loadBalancers[0]!.listeners[0].keepaliveEnable = true)), 'loadBalancers[0].listeners[0]: InvalidParameter: KeepaliveEnable is only accepted on HTTP and HTTPS listeners'],
    ['deregister-RST on an HTTPS listener', stateWith((s) => (s.loadBalancers[1]!.listeners[3].deregisterTargetRst = false)), 'loadBalancers[1].listeners[3]: InvalidParameter: DeregisterTargetRst is only accepted on TCP and UDP listeners'],
    ['a forward type other than HTTP on an HTTP listener', stateWith((s) => (s.loadBalancers[1]!.listeners[0].rules[1].forwardType = 'GRPC')), 'loadBalancers[1].listeners[0].rules[1]: InvalidParameter: ForwardType GRPC needs an HTTPS listener'],
    ['a check port on a rule', stateWith((s) => (s.loadBalancers[1]!.listeners[3].rules[0].healthCheck.checkPort = 8080)), 'loadBalancers[1].listeners[3].rules[0]: InvalidParameter: HealthCheck.CheckPort is only accepted on TCP and UDP listeners'],
    ['an HTTP status mask out of range', stateWith((s) => (s.loadBalancers[1]!.listeners[3].rules[0].healthCheck.httpCode = 0)), 'loadBalancers[1].listeners[3].rules[0]: InvalidParameterValue.Range: HealthCheck.HttpCode 0 is out of range [1, 31].'],
    ['an HTTPS listener without a certificate or SNI', stateWith((s) => delete s.loadBalancers[1]!.listeners[2].certificate), 'loadBalancers[1].listeners[2]: MissingParameter: Certificate.CertId is required'],
    ['rules on a TCP listener', stateWith((s) => (s.loadBalancers[0]!.listeners[0].rules = [{ id: 'loc-tcp00001', domain: 'a.example.com', url: '/' }])), 'loadBalancers[0].listeners[0].rules: InvalidParameter.ProtocolCheckFailed'],
    ['two rules for one domain and url', stateWith((s) => (s.loadBalancers[1]!.listeners[0].rules[1].url = '/')), 'loadBalancers[1].listeners[0].rules[1]: InvalidParameterValue.Duplicate'],
    ['an invalid url', stateWith((s) => (s.loadBalancers[1]!.listeners[0].rules[1].url = 'static')), 'loadBalancers[1].listeners[0].rules[1]: InvalidParameterValue: Url static is invalid'],
    ['an SNI domain without a certificate', stateWith((s) => delete s.loadBalancers[1]!.listeners[1].rules[0].certificate), 'loadBalancers[1].listeners[1].rules[0].certificate: MissingParameter'],
    ['two certificates for one SNI domain', stateWith((s) => (s.loadBalancers[1]!.listeners[1].rules[2].certificate = CERT)), 'loadBalancers[1].listeners[1].rules[2].certificate: another rule of api.example.com has another certificate'],
    ['a rule certificate without SNI', stateWith((s) => (s.loadBalancers[1]!.listeners[2].rules[0].certificate = CERT)), 'loadBalancers[1].listeners[2].rules[0].certificate: listener lbl-https844 does not have SNI on'],
    ['a redirect to a missing rule', stateWith((s) => (s.loadBalancers[1]!.listeners[0].rules[0].redirect.ruleId = 'loc-missing1')), 'loadBalancers[1].listeners[0].rules[0].redirect.ruleId: InvalidParameter.LocationNotFound: Rule loc-missing1 does not exist on lbl-https443'],
    ['a redirect to a missing listener', stateWith((s) => (s.loadBalancers[1]!.listeners[0].rules[0].redirect.listenerId = 'lbl-missing1')), 'loadBalancers[1].listeners[0].rules[0].redirect.listenerId: InvalidParameter.ListenerIdNotFound'],
    ['a redirect to its own listener', stateWith((s) => (s.loadBalancers[1]!.listeners[0].rules[0].redirect = { listenerId: 'lbl-http0080', ruleId: 'loc-http0002' })), 'loadBalancers[1].listeners[0].rules[0].redirect: InvalidParameter: A rule cannot redirect to its own listener.'],
    ['a chain of redirects', stateWith((s) => (s.loadBalancers[1]!.listeners[1].rules[0].redirect = { listenerId: 'lbl-https844', ruleId: 'loc-mtls0001' })), 'loadBalancers[1].listeners[1].rules[0].redirect: InvalidParameter.RewriteAlreadyExist'],
    ['a target bound twice', stateWith((s) => s.loadBalancers[0]!.targets[0].targets.push({ instanceId: 'ins-node0002', port: 30080, weight: 5 })), 'loadBalancers[0].targets[0].targets[2]: InvalidParameterValue.Duplicate: Target ins-node0002:30080 is already bound.'],
    ['a weight out of range', stateWith((s) => (s.loadBalancers[0]!.targets[1].targets[0].weight = 101)), 'loadBalancers[0].targets[1].targets[0]: InvalidParameterValue.Range: Target.Weight 101'],
    ['a malformed instance id', stateWith((s) => (s.loadBalancers[0]!.targets[1].targets[0].instanceId = 'node-1')), 'loadBalancers[0].targets[1].targets[0]: InvalidParameter.FormatError'],
    ['targets of an unknown listener', stateWith((s) => (s.loadBalancers[0]!.targets[1].listenerId = 'lbl-missing1')), 'loadBalancers[0].targets[1].listenerId: InvalidParameter.ListenerIdNotFound'],
    ['targets on a layer-7 listener itself', stateWith((s) => s.loadBalancers[1]!.targets[0].targets.push({ eniIp: '10.0.1.30', port: 80, weight: 10 })), 'loadBalancers[1].targets[0].targets[0]: MissingParameter: Listener lbl-http0080 is layer-7: LocationId is required.'],
    ['targets of an unknown rule', stateWith((s) => (s.loadBalancers[1]!.targets[1].rules[0].ruleId = 'loc-missing1')), 'loadBalancers[1].targets[1].rules[0].ruleId: InvalidParameter.LocationNotFound'],
    ['a targets entry whose port is not its listener', stateWith((s) => (s.loadBalancers[0]!.targets[0].port = 81)), 'loadBalancers[0].targets[0].port: listener lbl-tcp00080 is on port 80, not 81'],
    ['an INTERNAL CLB in an unknown subnet', stateWith((s) => (s.loadBalancers[2]!.subnetId = 'subnet-missing1')), 'loadBalancers[2].subnetId: InvalidParameterValue: SubnetId subnet-missing1 does not exist'],
    ['an INTERNAL CLB without a subnet', stateWith((s) => delete s.loadBalancers[2]!.subnetId), 'loadBalancers[2].subnetId: MissingParameter'],
    ['an INTERNAL CLB in a subnet of another VPC', stateWith((s) => (s.loadBalancers[2]!.subnetId = SEEDED_SUBNET)), 'loadBalancers[2].subnetId: InvalidParameterValue: SubnetId subnet-seed0001 does not belong to VpcId vpc-cluster1.'],
    ['an internal VIP outside its subnet', stateWith((s) => (s.loadBalancers[2]!.vips = ['10.0.3.2'])), 'loadBalancers[2].vips[0]: VIP 10.0.3.2 is not a host address of subnet subnet-lb000001 (10.0.2.0/24)'],
    ['an internal VIP that is the gateway', stateWith((s) => (s.loadBalancers[2]!.vips = ['10.0.2.1'])), 'loadBalancers[2].vips[0]: VIP 10.0.2.1 is not a host address'],
    ['one VIP on two CLBs', stateWith((s) => (s.loadBalancers[1]!.vips = ['203.0.113.2'])), 'loadBalancers[1].vips[0]: VIP 203.0.113.2 is already used by another CLB'],
    ['two VIPs', stateWith((s) => (s.loadBalancers[0]!.vips = ['203.0.113.2', '203.0.113.9'])), 'loadBalancers[0].vips: a CLB of the simulator has at most one VIP'],
    ['a public CLB in a subnet', stateWith((s) => (s.loadBalancers[0]!.subnetId = LB_SUBNET)), 'loadBalancers[0].subnetId: a public (OPEN) CLB sits in no subnet'],
    ['a CLB still being created', stateWith((s) => (s.loadBalancers[0]!.status = 'creating')), 'loadBalancers[0].status: seeded CLBs are running'],
    ['a malformed security group', stateWith((s) => (s.loadBalancers[0]!.securityGroups = ['sg-1'])), 'loadBalancers[0].securityGroups: InvalidParameter.FormatError'],
    ['a tag key too long', stateWith((s) => (s.loadBalancers[0]!.tags = { ['k'.repeat(128)]: 'v' })), `loadBalancers[0].tags.${'k'.repeat(128)}: InvalidParameterValue`],
    ['a subnet that contradicts the inventory', stateWith((s) => (s.subnets[0]!.cidr = '10.0.9.0/24')), 'subnets[0]: subnet subnet-lb000001 is already known: 10.0.2.0/24 in vpc-cluster1'],
    ['a subnet overlapping another of its VPC', stateWith((s) => s.subnets.push({ id: 'subnet-overlap1', vpcId: VPC, cidr: '10.0.2.128/25' })), 'subnets[2].cidr: 10.0.2.128/25 overlaps subnet subnet-lb000001 (10.0.2.0/24) of vpc-cluster1'],
    ['a subnet outside its VPC', stateWith((s) => s.subnets.push({ id: 'subnet-outside1', vpcId: VPC, cidr: '10.1.0.0/24' })), "subnets[2].cidr: 10.1.0.0/24 is not inside vpc-cluster1's CIDR 10.0.0.0/16"],
    ['a CIDR that is not a network address', stateWith((s) => (s.subnets[1]!.cidr = '192.168.10.5/24')), 'subnets[1].cidr: 192.168.10.5/24 is not a network address (that would be 192.168.10.0/24)'],
    ['a VPC that contradicts the inventory', stateWith((s) => (s.vpcs = [{ id: VPC, cidr: '10.8.0.0/16' }])), 'vpcs[0].cidr: VPC vpc-cluster1 is already known with CIDR 10.0.0.0/16'],
  ])('%s', (_name, state, message) => {
    const simulator = new ClbSimulator();
    const before = simulator.snapshot();
    const refusal = (() => {
      try {
        simulator.seed(state);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(CloudStateError);
    expect((refusal as Error).message.startsWith(message)).toBe(true);
    // All or nothing: a refused seed leaves the simulator as it was.
    expect(simulator.snapshot()).toEqual(before);
  });

  it('refuses ids the simulator already uses, and more CLBs than the quota', async () => {
    const simulator = new ClbSimulator({ cloudState: STATE });
    expect(() => simulator.seed(STATE)).toThrow('loadBalancers[0].id: lb-seed0001 is already used in this simulator');
    const tooMany = new ClbSimulator({ quotas: { openLoadBalancers: 2 } });
    expect(() => tooMany.seed(STATE)).toThrow('loadBalancers[4]: LimitExceeded: Creating 3 OPEN CLB(s) exceeds the quota of 2 per region');
  });
});

describe('parseCloudState refuses a malformed file, naming the path', () => {
  const file = () => JSON.parse(JSON.stringify(STATE)) as { loadBalancers: Record<string, any>[]; [key: string]: unknown };
  const edited = (edit: (f: ReturnType<typeof file>) => void) => {
    const f = file();
    edit(f);
    return f;
  };

  it.each<[string, unknown, string]>([
    ['not an object', [], 'cloud state: expected an object, got []'],
    ['a wrong version', { ...file(), version: 2 }, 'cloud state.version: expected 1, got 2'],
    ['a region that is not a string', { ...file(), region: 1 }, 'cloud state.region: expected a string, got 1'],
    ['a subnet without a cidr', edited((f) => delete (f.subnets as Record<string, unknown>[])[1]!.cidr), 'cloud state.subnets[1].cidr: expected a string'],
    ['a malformed CLB id', edited((f) => (f.loadBalancers[0]!.id = 'lb-1')), 'cloud state.loadBalancers[0].id: expected an id like lb-0123abcd, got "lb-1"'],
    ['two CLBs with one id', edited((f) => (f.loadBalancers[1]!.id = 'lb-seed0001')), 'cloud state.loadBalancers[1].id: expected an id not used by another CLB'],
    ['passToTarget as a string', edited((f) => (f.loadBalancers[0]!.passToTarget = 'true')), 'cloud state.loadBalancers[0].passToTarget: expected true or false, got "true"'],
    ['an unknown protocol', edited((f) => (f.loadBalancers[0]!.listeners[1].protocol = 'tcp')), 'cloud state.loadBalancers[0].listeners[1].protocol: expected one of TCP, UDP, HTTP, HTTPS, TCP_SSL, QUIC, got "tcp"'],
    ['a port as a string', edited((f) => (f.loadBalancers[0]!.listeners[1].port = '443')), 'cloud state.loadBalancers[0].listeners[1].port: expected a port (an integer 1-65535), got "443"'],
    ['a health check without its switch', edited((f) => delete f.loadBalancers[0]!.listeners[3].healthCheck.enabled), 'cloud state.loadBalancers[0].listeners[3].healthCheck.enabled: expected true or false'],
    ['a health-check interval as a string', edited((f) => (f.loadBalancers[0]!.listeners[3].healthCheck.intervalSeconds = '12')), 'cloud state.loadBalancers[0].listeners[3].healthCheck.intervalSeconds: expected a number, got "12"'],
    ['an unknown check type', edited((f) => (f.loadBalancers[0]!.listeners[3].healthCheck.checkType = 'custom')), 'cloud state.loadBalancers[0].listeners[3].healthCheck.checkType: expected one of TCP, HTTP, HTTPS, GRPC, PING, CUSTOM, got "custom"'],
    ['a check port out of range', edited((f) => (f.loadBalancers[0]!.listeners[3].healthCheck.checkPort = 0)), 'cloud state.loadBalancers[0].listeners[3].healthCheck.checkPort: expected a port (an integer 1-65535), got 0'],
    ['an unknown context type', edited((f) => (f.loadBalancers[0]!.listeners[3].healthCheck.contextType = 'BASE64')), 'cloud state.loadBalancers[0].listeners[3].healthCheck.contextType: expected one of HEX, TEXT, got "BASE64"'],
    ['a send context that is not a string', edited((f) => (f.loadBalancers[0]!.listeners[3].healthCheck.sendContext = 42)), 'cloud state.loadBalancers[0].listeners[3].healthCheck.sendContext: expected a string, got 42'],
    ['a source IP type of 2', edited((f) => (f.loadBalancers[0]!.listeners[3].healthCheck.sourceIpType = 2)), 'cloud state.loadBalancers[0].listeners[3].healthCheck.sourceIpType: expected one of 0, 1, got 2'],
    ['deregisterTargetRst as a string', edited((f) => (f.loadBalancers[0]!.listeners[3].deregisterTargetRst = 'true')), 'cloud state.loadBalancers[0].listeners[3].deregisterTargetRst: expected true or false, got "true"'],
    ['keepaliveEnable as a number', edited((f) => (f.loadBalancers[1]!.listeners[3].keepaliveEnable = 1)), 'cloud state.loadBalancers[1].listeners[3].keepaliveEnable: expected true or false, got 1'],
    ['an unknown forward type', edited((f) => (f.loadBalancers[1]!.listeners[3].rules[0].forwardType = 'GRPCS')), 'cloud state.loadBalancers[1].listeners[3].rules[0].forwardType: expected one of HTTP, HTTPS, GRPC, got "GRPCS"'],
    ['an unknown HTTP check method', edited((f) => (f.loadBalancers[1]!.listeners[3].rules[0].healthCheck.httpCheckMethod = 'POST')), 'cloud state.loadBalancers[1].listeners[3].rules[0].healthCheck.httpCheckMethod: expected one of HEAD, GET, got "POST"'],
    ['an HTTP status mask out of range', edited((f) => (f.loadBalancers[1]!.listeners[3].rules[0].healthCheck.httpCode = 32)), 'cloud state.loadBalancers[1].listeners[3].rules[0].healthCheck.httpCode: expected an integer 1-31, got 32'],
    ['a redirect without a rule', edited((f) => delete f.loadBalancers[1]!.listeners[0].rules[0].redirect.ruleId), 'cloud state.loadBalancers[1].listeners[0].rules[0].redirect.ruleId: expected a string'],
    ['a target with both an instance and an ENI IP', edited((f) => (f.loadBalancers[0]!.targets[0].targets[0].eniIp = '10.0.1.9')), 'cloud state.loadBalancers[0].targets[0].targets[0]: expected an instanceId or an eniIp (exactly one)'],
    ['a target without a weight', edited((f) => delete f.loadBalancers[0]!.targets[0].targets[1].weight), 'cloud state.loadBalancers[0].targets[0].targets[1].weight: expected a number'],
    ['targets of a listener the CLB does not have', edited((f) => (f.loadBalancers[0]!.targets[2].listenerId = 'lbl-tcp08080')), 'cloud state.loadBalancers[0].targets[2].listenerId: expected the id of a listener of this CLB, got "lbl-tcp08080"'],
    ['targets whose protocol is not the listener one', edited((f) => (f.loadBalancers[0]!.targets[2].protocol = 'TCP')), 'cloud state.loadBalancers[0].targets[2].protocol: expected "UDP" (the listener\'s), got "TCP"'],
    ['targets of a rule the listener does not have', edited((f) => (f.loadBalancers[1]!.targets[0].rules[1].ruleId = 'loc-sni00001')), 'cloud state.loadBalancers[1].targets[0].rules[1].ruleId: expected the id of a rule of listener lbl-http0080'],
  ])('%s', (_name, input, message) => {
    expect(() => parseCloudState(input)).toThrow(CloudStateError);
    expect(() => parseCloudState(input)).toThrow(message);
  });

  it("fills in a hand-written targets entry's protocol, port, domain and url from its listener and rule", () => {
    const f = edited((x) => {
      for (const entry of x.loadBalancers[1]!.targets) {
        delete entry.protocol;
        delete entry.port;
        for (const r of entry.rules) {
          delete r.domain;
          delete r.url;
        }
      }
    });
    expect(parseCloudState(f).loadBalancers[1]!.targets).toStrictEqual(STATE.loadBalancers[1]!.targets as ListenerTargets[]);
  });
});
