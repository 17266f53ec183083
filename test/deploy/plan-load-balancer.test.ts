/**
 * The whole plan of one owner's part of one CLB, as a table: what to create, claim, change and release —
 * decided purely from the desired model, the CLB as it is, and the owner's policies.
 */
import { describe, expect, it } from '@jest/globals';
import type { Listener, ListenerTargets, LoadBalancer, Target } from '../../providers/provider.js';
import { planLoadBalancer, planWrites, type LoadBalancerPlanInput, type OwnerPolicies } from '../../src/deploy/plan-load-balancer.js';
import type { DesiredListener, DesiredState } from '../../src/model/desired.js';
import type { Owner } from '../../src/model/naming.js';

const OWNER: Owner = { kind: 'Service', clusterId: 'cls-1', namespace: 'default', name: 'web', uid: 'uid-web' };
const OURS = 'k8s_cls-1_svc_default_web_';
const CREATED_FOR_WEB = { 'tke-createdBy-flag': 'yes', 'tke-clusterId': 'cls-1', 'tke-lb-serviceuuid': 'uid-web' };
const POLICIES: OwnerPolicies = { mayEmptyTargets: true, keepExisting: false, retain: false };

const clb = (tags: Record<string, string>, extra: Partial<LoadBalancer> = {}): LoadBalancer => ({
  id: 'lb-aaaaaaaa', name: 'lb', type: 'OPEN', vpcId: 'vpc-1', vips: ['203.0.113.7'], status: 'running', tags, securityGroups: [], passToTarget: false, deleteProtect: false, ...extra,
});
const node = (i: number): Target => ({ instanceId: `ins-0000000${i}`, port: 30080, weight: 10 });
const tcp = (port: number, targets: Target[]): DesiredListener => ({ name: `${OURS}TCP_${port}`, protocol: 'TCP', port, sessionExpireTime: 0, targets, rules: [] });
const listener = (id: string, port: number, name = `${OURS}TCP_${port}`): Listener => ({ id, name, protocol: 'TCP', port, sessionExpireTime: 0, scheduler: 'WRR', rules: [] });
const bound = (listenerId: string, port: number, targets: Target[]): [string, ListenerTargets] => [listenerId, { listenerId, protocol: 'TCP', port, targets, rules: [] }];

const created = (listeners: DesiredListener[], attributes: DesiredState['attributes'] = {}): DesiredState => ({
  loadBalancer: { kind: 'create', name: 'cls-1_default_web', type: 'OPEN', vpcId: 'vpc-1', tags: CREATED_FOR_WEB, clientToken: 'token-web' },
  attributes,
  listeners,
});
const reusing = (listeners: DesiredListener[]): DesiredState => ({ loadBalancer: { kind: 'existing', id: 'lb-aaaaaaaa' }, attributes: {}, listeners });
const input = (desired: DesiredState | undefined, lb: LoadBalancer | undefined, listeners: Listener[] = [], targets: [string, ListenerTargets][] = [], policies: Partial<OwnerPolicies> = {}): LoadBalancerPlanInput => ({
  owner: OWNER, desired, actual: lb ? { loadBalancer: lb, listeners, targets: new Map(targets) } : undefined, policies: { ...POLICIES, ...policies },
});

describe('planLoadBalancer', () => {
  it.each<[string, LoadBalancerPlanInput, Record<string, unknown>]>([
    ['no CLB yet: create it, with its listeners and targets', input(created([tcp(80, [node(1)])]), undefined), {
      loadBalancerId: undefined, create: expect.objectContaining({ name: 'cls-1_default_web', clientToken: 'token-web', tags: CREATED_FOR_WEB }),
      listeners: expect.objectContaining({ createListeners: [expect.objectContaining({ port: 80 })], register: [{ listenerKey: 'TCP:80', target: node(1) }] }),
    }],
    ['a reused CLB not yet claimed by the cluster is tagged with it', input(reusing([tcp(80, [])]), clb({ owner: 'team' })), { tag: { 'tke-clusterId': 'cls-1' } }],
    ['a reused CLB already claimed is not tagged again', input(reusing([tcp(80, [])]), clb({ 'tke-clusterId': 'cls-1' })), { tag: undefined }],
    ['security groups and pass-to-target are set only where they differ', input(created([], { securityGroups: ['sg-1'], passToTarget: true }), clb(CREATED_FOR_WEB, { passToTarget: true })), {
      securityGroups: ['sg-1'], attributes: undefined,
    }],
    ['deletion protection on a CLB this controller created', input(created([], { deleteProtect: true }), clb(CREATED_FOR_WEB)), { attributes: { deleteProtect: true } }],
    ['but never on a user\'s reused CLB', input({ ...reusing([]), attributes: { deleteProtect: false } }, clb({ owner: 'team' }, { deleteProtect: true })), { attributes: undefined }],
    ['nothing desired, CLB created for the owner and holding nothing else: delete the CLB (its listeners go with it)', input(undefined, clb(CREATED_FOR_WEB), [listener('lbl-1', 80)]), {
      deleteLoadBalancer: true, release: 'deleted', listeners: expect.objectContaining({ deleteListeners: [] }),
    }],
    ['nothing desired, retained: the owner\'s listeners go, the CLB is handed back untagged', input(undefined, clb(CREATED_FOR_WEB), [listener('lbl-1', 80)], [], { retain: true }), {
      deleteLoadBalancer: false, release: 'retained', untag: ['tke-createdBy-flag', 'tke-lb-serviceuuid', 'tke-clusterId'], listeners: expect.objectContaining({ deleteListeners: ['lbl-1'] }),
    }],
    ['nothing desired, a listener added by hand: the CLB is kept', input(undefined, clb(CREATED_FOR_WEB), [listener('lbl-1', 80), listener('lbl-2', 22, 'ssh')]), {
      deleteLoadBalancer: false, release: 'kept-foreign', foreignListeners: 1, listeners: expect.objectContaining({ deleteListeners: ['lbl-1'] }),
    }],
    ['nothing desired on a reused CLB: the owner\'s listeners go, and the cluster\'s claim when it was the last owner', input(undefined, clb({ 'tke-clusterId': 'cls-1' }), [listener('lbl-1', 80), listener('lbl-2', 22, 'ssh')]), {
      deleteLoadBalancer: false, release: 'listeners-removed', untag: ['tke-clusterId'], listeners: expect.objectContaining({ deleteListeners: ['lbl-1'] }),
    }],
    ['… but not while another owner of the cluster has a listener there', input(undefined, clb({ 'tke-clusterId': 'cls-1' }), [listener('lbl-1', 80), listener('lbl-2', 81, 'k8s_cls-1_svc_default_other_TCP_81')]), {
      untag: undefined, release: 'listeners-removed',
    }],
    ['an empty backend view that may be transient keeps the last targets', input(created([tcp(80, [])]), clb(CREATED_FOR_WEB), [listener('lbl-1', 80)], [bound('lbl-1', 80, [node(1)])], { mayEmptyTargets: false }), {
      heldEmpty: true, listeners: expect.objectContaining({ deregister: [] }),
    }],
    ['once the grace is over, they go', input(created([tcp(80, [])]), clb(CREATED_FOR_WEB), [listener('lbl-1', 80)], [bound('lbl-1', 80, [node(1)])]), {
      heldEmpty: false, listeners: expect.objectContaining({ deregister: [{ listenerId: 'lbl-1', target: node(1) }] }),
    }],
    ['keep-existing: nothing is deleted while a rule is left out', input(created([]), clb(CREATED_FOR_WEB), [listener('lbl-1', 80)], [], { keepExisting: true }), {
      listeners: expect.objectContaining({ deleteListeners: [], deleteRules: [] }),
    }],
  ])('%s', (_name, given, want) => {
    expect(planLoadBalancer(given)).toMatchObject(Object.fromEntries(Object.entries(want).filter(([, v]) => v !== undefined)));
    const plan = planLoadBalancer(given) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(want)) if (value === undefined) expect(plan[key]).toBeUndefined();
  });

  describe('modification protection (only the console switches it; the cloud refuses every change while it is on)', () => {
    const guarded = clb(CREATED_FOR_WEB, { modificationProtect: true });
    it('on: no write at all, the changes wait', () => {
      const plan = planLoadBalancer(input(created([tcp(80, [node(1), node(2)])]), guarded, [listener('lbl-1', 80)], [bound('lbl-1', 80, [node(1)])]));
      expect(plan).toMatchObject({ modificationProtected: true, loadBalancerId: 'lb-aaaaaaaa' });
      expect(planWrites(plan)).toBe(0);
    });
    it('on, and the owner goes: the release waits as for deletion protection', () => {
      const plan = planLoadBalancer(input(undefined, guarded, [listener('lbl-1', 80)]));
      expect(plan).toMatchObject({ modificationProtected: true, release: 'protected', deleteLoadBalancer: false });
      expect(planWrites(plan)).toBe(0);
    });
    it('on, converged: nothing to hold back, nothing told', () => {
      const plan = planLoadBalancer(input(created([tcp(80, [node(1)])]), guarded, [listener('lbl-1', 80)], [bound('lbl-1', 80, [node(1)])]));
      expect(plan.modificationProtected).toBeUndefined();
    });
    it.each<[string, boolean | undefined, boolean | undefined, LoadBalancer | undefined, boolean]>([
      ['asked on, CLB has it off', true, false, clb(CREATED_FOR_WEB), true],
      ['asked on, CLB not created yet (a new CLB has none)', true, undefined, undefined, true],
      ['asked off, CLB has it on', false, true, clb(CREATED_FOR_WEB), true],
      ['asked as the CLB has it', true, true, clb(CREATED_FOR_WEB), false],
      ['not asked: left as it is', undefined, true, clb(CREATED_FOR_WEB), false],
      ['CLB\'s protection unknown (could not be read): not compared', true, undefined, clb(CREATED_FOR_WEB), false],
    ])('the annotation is compared, never written: %s', (_name, asked, has, lb, differs) => {
      const attributes = asked === undefined ? {} : { modificationProtect: asked };
      const actual = lb && has !== undefined ? { ...lb, modificationProtect: has } : lb;
      const plan = planLoadBalancer(input(created([], attributes), actual));
      expect(plan.modificationProtectionDiffers === true).toBe(differs);
      expect(plan.attributes).toBeUndefined();
    });
  });

  it('plans no write for a converged owner', () => {
    const plan = planLoadBalancer(input(created([tcp(80, [node(1)])]), clb(CREATED_FOR_WEB), [listener('lbl-1', 80)], [bound('lbl-1', 80, [node(1)])]));
    expect(planWrites(plan)).toBe(0);
  });
});
