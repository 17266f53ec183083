/**
 * `plan` runs the controller's own pipeline, so it makes the controller's decisions: its class filter, TKE's
 * reuse refusals (with their codes) against a copy of the cloud (`--cloud-state`), honest notes where an offline
 * world knows nothing, and every listener's settings in the JSON.
 */
import { describe, expect, it } from '@jest/globals';
import { loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import type { CloudState, CloudStateLoadBalancer } from '../../providers/cloud-state.js';
import { planObjects, syntheticWorld } from '../../src/cli/plan.js';

const SETTINGS = { clusterId: 'cls-planned0', vpcId: 'vpc-cluster1', defaultIngressClass: false };

async function plan(yaml: string, state?: CloudState) {
  const { world, manifests } = syntheticWorld(loadAllYaml(yaml) as KubernetesObject[], SETTINGS.vpcId, state);
  return planObjects(manifests, world, SETTINGS);
}

const reusing = (id: string) => `
apiVersion: v1
kind: Service
metadata: { name: web, annotations: { service.kubernetes.io/tke-existed-lbid: ${id} } }
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
`;

const lb = (id: string, tags: Record<string, string>, more: Partial<CloudStateLoadBalancer> = {}): CloudStateLoadBalancer => ({
  id, name: id, type: 'OPEN', vpcId: 'vpc-cluster1', vips: ['203.0.113.70'], status: 'running', tags, securityGroups: [], passToTarget: false, deleteProtect: false, listeners: [], targets: [], ...more,
});
const state = (...loadBalancers: CloudStateLoadBalancer[]): CloudState => ({ version: 1, subnets: [], loadBalancers });

describe('plan decides as the controller does', () => {
  it('leaves a Service of another loadBalancerClass alone, as the controller does', async () => {
    const planned = await plan(`
apiVersion: v1
kind: Service
metadata: { name: theirs }
spec: { type: LoadBalancer, loadBalancerClass: example.com/other-lb, selector: { app: web }, ports: [{ port: 80 }] }
`);
    expect(planned).toEqual([]);
  });

  it.each([
    ['a CLB that does not exist', 'lb-nothere1', state(), 'no CLB with this id exists', 'E4011'],
    ['a CLB created by TKE', 'lb-auto0001', state(lb('lb-auto0001', { 'tke-createdBy-flag': 'yes', 'tke-clusterId': 'cls-planned0' })), 'E4012', 'E4012'],
    ['another cluster\'s CLB', 'lb-other001', state(lb('lb-other001', { 'tke-clusterId': 'cls-someone' })), 'cls-someone', 'E4013'],
  ])('refuses to reuse %s, with TKE\'s code, against a cloud-state', async (_what, id, cloud, says, code) => {
    const [web] = await plan(reusing(id), cloud);
    expect(web?.desired).toBeNull();
    expect(web?.changes).toEqual([]);
    expect(web?.writes).toEqual([]);
    expect(web?.problems).toEqual([expect.objectContaining({ field: 'service.kubernetes.io/tke-existed-lbid', value: id, code })]);
    expect(JSON.stringify(web?.problems)).toContain(says);
  });

  it('refuses to reuse a CLB of another VPC', async () => {
    const [web] = await plan(reusing('lb-vpc00001'), state(lb('lb-vpc00001', {}, { vpcId: 'vpc-another1' })));
    expect(web?.problems).toEqual([expect.objectContaining({ reason: expect.stringContaining('vpc-another1') })]);
  });

  it('reuses a user\'s CLB of the cloud-state: claims it, adds the listener, and says so', async () => {
    const [web] = await plan(reusing('lb-user0001'), state(lb('lb-user0001', { owner: 'platform-team' })));
    expect(web?.problems).toEqual([]);
    expect(web?.changes).toEqual(['= reuse CLB lb-user0001', '~ tag CLB lb-user0001: tke-clusterId=cls-planned0', '+ create listener TCP:80', '+ register 3 targets']);
    expect(web?.writes.map((w) => `${w.action} ${w.loadBalancerId}`)).toEqual(['tagLoadBalancer lb-user0001', 'createListeners lb-user0001', 'registerTargets lb-user0001']);
  });

  it('offline, says what it cannot know — a CLB to reuse, a subnet — instead of reporting an error', async () => {
    const [reused] = await plan(reusing('lb-user0009'));
    expect(reused?.problems).toEqual([]);
    expect(reused?.notes).toEqual([expect.stringContaining('CLB lb-user0009 is not in the offline world')]);
    expect(reused?.changes).toContain('+ create listener TCP:80');
    const [internal] = await plan(`
apiVersion: v1
kind: Service
metadata: { name: private, annotations: { service.kubernetes.io/qcloud-loadbalancer-internal-subnetid: subnet-abcd1234 } }
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] }
`);
    expect(internal?.problems).toEqual([]);
    expect(internal?.notes).toEqual([expect.stringContaining('subnet subnet-abcd1234 not checked offline')]);
    expect(internal?.changes[0]).toBe('+ create CLB (INTERNAL in subnet-abcd1234)');
  });

  it('shows each listener\'s settings — session persistence — and a certificate for HTTPS', async () => {
    const [web] = await plan(`
apiVersion: v1
kind: Secret
metadata: { name: web-tls }
data: { qcloud_cert_id: ${Buffer.from('cert-abc123').toString('base64')} }
---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    service.cloud.tencent.com/specify-protocol: '{"443":{"protocol":["HTTPS"],"tls":"web-tls"}}'
spec:
  type: LoadBalancer
  sessionAffinity: ClientIP
  sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } }
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080 }, { name: https, port: 443, targetPort: 8443 }]
`);
    expect(web?.problems).toEqual([]);
    const listeners = web?.desired?.listeners ?? [];
    expect(listeners.find((l) => l.port === 80)).toMatchObject({ protocol: 'TCP', sessionExpireTime: 600 });
    expect(listeners.find((l) => l.port === 443)).toMatchObject({ protocol: 'HTTPS', certificate: { certId: 'cert-abc123', mode: 'UNIDIRECTIONAL', caCertId: null } });
  });

  it('plans objects one after another on one copy of the cloud, as run applies them: a shared CLB is claimed once, a taken port is a conflict', async () => {
    const planned = await plan(`
apiVersion: v1
kind: Service
metadata: { name: first, annotations: { service.kubernetes.io/tke-existed-lbid: lb-shared01 } }
spec: { type: LoadBalancer, selector: { app: a }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: second, annotations: { service.kubernetes.io/tke-existed-lbid: lb-shared01 } }
spec: { type: LoadBalancer, selector: { app: b }, ports: [{ name: http, port: 80, targetPort: 8080 }, { name: dns, port: 53, protocol: UDP, targetPort: 53 }] }
`, state(lb('lb-shared01', { owner: 'platform-team' })));
    const [first, second] = planned;
    expect(first?.changes).toEqual(['= reuse CLB lb-shared01', '~ tag CLB lb-shared01: tke-clusterId=cls-planned0', '+ create listener TCP:80', '+ register 3 targets']);
    expect(second?.changes).toEqual(['= reuse CLB lb-shared01', '+ create listener UDP:53', '+ register 3 targets', expect.stringContaining('! blocked: port 80 is already used by listener')]);
    expect(second?.warnings).toEqual([expect.objectContaining({ field: 'TCP:80', code: 'E4014' })]);
  });

  it('compares a new CLB\'s attributes with the CLB the cloud created: parameters passed through at creation count', async () => {
    const [web] = await plan(`
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    service.kubernetes.io/service.extensiveParameters: '{"LoadBalancerPassToTarget":true}'
    service.cloud.tencent.com/pass-to-target: "false"
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
`);
    expect(web?.writes.map((w) => w.action)).toEqual(['createLoadBalancer', 'modifyLoadBalancerAttributes', 'createListeners', 'registerTargets']);
    expect(web?.writes[1]?.args).toEqual({ passToTarget: false });
  });

  it('against a cloud-state with the object\'s owner entry, plans the release of a Service that is no longer a LoadBalancer', async () => {
    const uid = '99999999-0000-0000-0000-000000000001';
    const cloud: CloudState = {
      ...state(lb('lb-web00001', { 'tke-createdBy-flag': 'yes', 'tke-clusterId': 'cls-planned0', 'tke-lb-serviceuuid': uid }, {
        listeners: [{ id: 'lbl-0000web1', name: 'k8s_cls-planned0_svc_default_web_TCP_80', protocol: 'TCP', port: 80, rules: [] }],
      })),
      owners: [{ kind: 'Service', namespace: 'default', name: 'web', uid, loadBalancerId: 'lb-web00001' }],
    };
    const [web] = await plan(`
apiVersion: v1
kind: Service
metadata: { name: web, finalizers: [service.kubernetes.io/load-balancer-cleanup] }
spec: { type: ClusterIP, selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] }
`, cloud);
    expect(web?.changes).toEqual(['- delete CLB lb-web00001']);
    expect(web?.writes).toEqual([{ action: 'deleteLoadBalancers', loadBalancerId: 'lb-web00001', args: ['lb-web00001'] }]);
  });
});
