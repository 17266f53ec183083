import { describe, expect, it } from '@jest/globals';
import { loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { createLocalCloud } from '../../mocks/clb/local-cloud.js';
import { planObjects, renderPlanText, syntheticWorld } from '../../src/cli/plan.js';
import { createdLoadBalancerTags } from '../../src/model/naming.js';

const SETTINGS = { clusterId: 'cls-planned0', vpcId: 'vpc-cluster1', defaultIngressClass: false };
const manifests = (yaml: string) => loadAllYaml(yaml) as KubernetesObject[];

/** The synthetic world plan uses by default, built the same way (three nodes, two Pods per selector). */
async function plan(yaml: string) {
  const { world, manifests: stored } = syntheticWorld(manifests(yaml));
  return planObjects(stored, world, SETTINGS);
}

describe('plan', () => {
  it('shows the desired CLB, listeners, targets and the changes for a Service, in the documented JSON shape', async () => {
    const [web] = await plan(`
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  type: LoadBalancer
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }]
`);
    expect(web).toEqual({
      kind: 'Service', namespace: 'shop', name: 'web', problems: [], warnings: [],
      desired: {
        loadBalancer: { type: 'OPEN', subnetId: null, existingId: null },
        listeners: [{ protocol: 'TCP', port: 80, name: 'k8s_cls-planned0_svc_shop_web_TCP_80', sniEnabled: false, sessionExpireTime: 0, scheduler: null, healthCheck: null, certificate: null, options: {} }],
        rules: [],
        targets: [0, 1, 2].map((i) => ({ port: 80, domain: null, url: null, instanceId: `ins-planned${i}`, eniIp: null, targetPort: 30000, weight: 10 })),
      },
      changes: ['+ create CLB (OPEN)', '+ create listener TCP:80', '+ register 3 targets'],
      notes: [],
      writes: [
        expect.objectContaining({ action: 'createLoadBalancer', loadBalancerId: '(new CLB cls-planned0_shop_web)' }),
        { action: 'createListeners', loadBalancerId: '(new CLB cls-planned0_shop_web)', args: [{ name: 'k8s_cls-planned0_svc_shop_web_TCP_80', protocol: 'TCP', port: 80, sessionExpireTime: 0 }] },
        { action: 'registerTargets', loadBalancerId: '(new CLB cls-planned0_shop_web)', args: [0, 1, 2].map((i) => ({ listenerId: '(new listener TCP:80)', target: { instanceId: `ins-planned${i}`, port: 30000, weight: 10 } })) },
      ],
    });
  });

  it('reports every user error with the annotation, the value and the reason, and plans nothing for that object', async () => {
    const [bad] = await plan(`
apiVersion: v1
kind: Service
metadata:
  name: bad
  annotations:
    service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out: "5000"
    service.kubernetes.io/tke-existed-lbid: "lb-NOPE"
spec: { type: LoadBalancer, selector: { app: bad }, ports: [{ port: 80 }] }
`);
    expect(bad?.desired).toBeNull();
    expect(bad?.problems).toEqual([
      { field: 'service.kubernetes.io/tke-existed-lbid', value: 'lb-NOPE', reason: 'expected an id like lb-xxxxxxxx', code: 'E4045' },
      { field: 'service.kubernetes.io/qcloud-loadbalancer-internet-max-bandwidth-out', value: '5000', reason: 'expected an integer from 1 to 2048', code: 'E4045' },
    ]);
    expect(renderPlanText([bad!])).toContain('✗ E4045 service.kubernetes.io/tke-existed-lbid: "lb-NOPE": expected an id like lb-xxxxxxxx');
  });

  it('plans an Ingress\'s rules on the VIP and its hosts, and skips objects that are not its', async () => {
    const planned = await plan(`
apiVersion: v1
kind: Service
metadata: { name: api }
spec: { type: NodePort, selector: { app: api }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: site }
spec:
  ingressClassName: qcloud
  rules:
    - http: { paths: [{ path: /api, pathType: Prefix, backend: { service: { name: api, port: { number: 80 } } } }] }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: nginx-one }
spec: { ingressClassName: nginx, defaultBackend: { service: { name: api, port: { number: 80 } } } }
`);
    expect(planned.map((p) => `${p.kind}/${p.name}`)).toEqual(['Ingress/site']);
    expect(planned[0]?.desired?.rules).toEqual([{ port: 80, domain: '(VIP)', url: '/api', redirectTo: null, sessionExpireTime: null, scheduler: null, healthCheck: null, certificate: null, options: {} }]);
    expect(planned[0]?.changes).toEqual(['+ create CLB (OPEN)', '+ create listener HTTP:80', '+ create rule HTTP:80 (VIP)/api', '+ register 3 targets']);
  });

  it('shows the settings a TkeServiceConfig gives a listener, in the text and in the JSON', async () => {
    const planned = await plan(`
apiVersion: v1
kind: Service
metadata: { name: web, annotations: { service.cloud.tencent.com/tke-service-config: web-config } }
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ name: tcp, port: 80, targetPort: 8080 }] }
---
apiVersion: cloud.tencent.com/v1alpha1
kind: TkeServiceConfig
metadata: { name: web-config }
spec:
  loadBalancer:
    l4Listeners:
      - { protocol: TCP, port: 80, scheduler: LEAST_CONN, rescheduleTargetZeroWeight: true, healthCheck: { enable: true, intervalTime: 10 } }
`);
    expect(planned[0]?.desired?.listeners[0]).toMatchObject({ scheduler: 'LEAST_CONN', healthCheck: { enabled: true, intervalSeconds: 10 }, options: { rescheduleTargetZeroWeight: true } });
    expect(planned[0]?.changes).toContain('+ create listener TCP:80 (scheduler=LEAST_CONN, healthCheck={enabled: true, intervalSeconds: 10}, rescheduleTargetZeroWeight=true)');
  });

  it('compares with what the cloud has: after the CLB is made as planned, the plan shows no change', async () => {
    const cloud = createLocalCloud();
    const objects = manifests(`
apiVersion: v1
kind: Service
metadata: { name: web, uid: u-1 }
spec: { type: LoadBalancer, selector: { app: web }, ports: [{ name: http, port: 80, targetPort: 8080 }] }
`);
    const synthetic = syntheticWorld(objects);
    const world = { ...synthetic.world, provider: cloud.provider };
    const [before] = await planObjects(synthetic.manifests, world, SETTINGS);
    expect(before?.changes).toEqual(['+ create CLB (OPEN)', '+ create listener TCP:80', '+ register 3 targets']);
    // Make exactly what was planned, as the controller would, with its ownership marks.
    const lb = await cloud.provider.createLoadBalancer({ name: 'web', type: 'OPEN', vpcId: 'vpc-cluster1', tags: createdLoadBalancerTags({ kind: 'Service', clusterId: SETTINGS.clusterId, namespace: 'default', name: 'web', uid: 'u-1' }) });
    const [listenerId] = await cloud.provider.createListeners(lb.id, before!.desired!.listeners.map((l) => ({ name: l.name, protocol: 'TCP' as const, port: l.port })));
    await cloud.provider.registerTargets(lb.id, before!.desired!.targets.map((t) => ({ listenerId: listenerId!, target: { instanceId: t.instanceId!, port: t.targetPort, weight: t.weight } })));
    const [after] = await planObjects(synthetic.manifests, world, SETTINGS);
    expect(after?.changes).toEqual([]);
    expect(cloud.simulator.traffic.log.filter((c) => c.kind === 'write').length).toBe(3);
  });
});
