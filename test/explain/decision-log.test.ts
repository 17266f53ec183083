/** [observe] The decision log: each target registered, re-weighted or removed, once, with the reason explain gives. */
import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import type { LoadBalancerPlan } from '../../src/deploy/plan-load-balancer.js';
import { logTargetDecisions } from '../../src/explain/decision-log.js';
import { serviceBackendLines } from '../../src/explain/owner-backends.js';
import { createLogger } from '../../src/runtime/logger.js';

const NOW = Date.parse('2026-12-08T10:00:00Z');

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk, _e, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  return { logger: createLogger('info', stream), lines };
}

const node = (i: number, ready = true) => ({
  metadata: { name: `10.0.1.${i}` },
  spec: { providerID: `qcloud:///800002/ins-0000000${i}` },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date(NOW - 300_000).toISOString() }] },
});

const plan = (listeners: Partial<LoadBalancerPlan['listeners']>) => ({ listeners: { register: [], reweight: [], deregister: [], deregisterFirst: [], ...listeners } }) as unknown as LoadBalancerPlan;
const target = (i: number) => ({ instanceId: `ins-0000000${i}`, port: 30080, weight: 10 });

describe('the decision log', () => {
  const inputs = {
    service: { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] } },
    nodes: [node(1), node(2, false)],
    endpointSlices: [], secrets: new Map(), subnets: new Map(), now: NOW, nodeReadyGraceMs: 60_000,
  };

  it('logs a registered node with its reason, and a removed one with why it went (NotReady since when, or gone)', async () => {
    const { logger, lines } = capture();
    logTargetDecisions(logger, 'default/web', 'lb-1', plan({
      register: [{ listenerKey: 'TCP:80', target: target(1) }],
      deregister: [{ listenerId: 'lbl-1', target: target(2) }, { listenerId: 'lbl-1', target: target(3) }],
    }), () => serviceBackendLines(inputs as never));
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((l) => [l.msg, l.target, l.reason])).toEqual([
      ['Registered target', 'ins-00000001:30080', 'Bound'],
      ['Deregistered target', 'ins-00000002:30080', 'NodeNotReady'],
      ['Deregistered target', 'ins-00000003:30080', 'Gone'],
    ]);
    expect(lines[1]).toMatchObject({ owner: 'default/web', lb: 'lb-1', node: '10.0.1.2', detail: expect.stringContaining('NotReady since 2026-12-08T09:55:00Z') });
  });

  it('logs nothing, and works out no reasons, when no target changes or the logger would drop the lines', () => {
    let asked = 0;
    const { logger, lines } = capture();
    logTargetDecisions(logger, 'default/web', 'lb-1', plan({}), () => { asked += 1; return []; });
    logTargetDecisions(createLogger('warn'), 'default/web', 'lb-1', plan({ register: [{ listenerKey: 'TCP:80', target: target(1) }] }), () => { asked += 1; return []; });
    expect(asked).toBe(0);
    expect(lines).toEqual([]);
  });
});
