import { describe, expect, it } from '@jest/globals';
import { ConfigError, parseDuration, readRunConfig } from '../../src/config.js';

const ENV = { CLB_CLUSTER_ID: 'cls-abcdefgh', CLB_VPC_ID: 'vpc-abcdefgh', CLB_REGION: 'ap-guangzhou', CLB_ACCOUNT_UIN: '100000000001' };

describe('run configuration', () => {
  it('reads the environment, lets flags win, and fills defaults', () => {
    const config = readRunConfig(['--region', 'ap-shanghai', '--workers', '8'], ENV, 'host-1');
    expect(config).toMatchObject({
      clusterId: 'cls-abcdefgh', vpcId: 'vpc-abcdefgh', region: 'ap-shanghai', accountUin: '100000000001', provider: 'tencentcloud',
      workers: 8, resyncPeriodMs: 300_000, rateLimitPerSecond: 20, leaderElect: true, leaseNamespace: 'clb-controller', metricsPort: 8080, logLevel: 'info',
      orphanGcDryRun: false, perObjectMetrics: false,
    });
    expect(config.identity).toMatch(/^host-1-\d+$/);
  });

  it.each([
    ['a missing cluster id', [], { ...ENV, CLB_CLUSTER_ID: undefined }, 'Set --cluster-id or CLB_CLUSTER_ID (a cluster id like cls-xxxxxxxx)'],
    ['a bad region', ['--region', 'guangzhou'], ENV, '--region "guangzhou" is not valid: expected a region like ap-guangzhou'],
    ['a malformed VPC id', ['--vpc-id', 'vpc-1'], ENV, '--vpc-id "vpc-1" is not valid: expected a VPC id like vpc-xxxxxxxx'],
    ['an unknown provider', ['--provider', 'aws'], ENV, '--provider "aws" is not valid: use tencentcloud or mock'],
    ['a missing account for the real cloud', [], { ...ENV, CLB_ACCOUNT_UIN: undefined }, 'Set --account-uin or CLB_ACCOUNT_UIN (the numeric account id (UIN))'],
    ['a bad duration', ['--resync-period', 'soon'], ENV, '--resync-period "soon" is not a duration: use e.g. 30s, 5m, 1h'],
    ['too many workers', ['--workers', '1000'], ENV, '--workers "1000" must be an integer from 1 to 64'],
    ['a non-boolean', ['--leader-elect', 'maybe'], ENV, '--leader-elect "maybe" must be true or false'],
    ['a non-boolean per-object metrics switch', [], { ...ENV, CLB_PER_OBJECT_METRICS: 'yes' }, '--per-object-metrics "yes" must be true or false'],
  ])('stops on %s with one line saying what to set', (_name, argv, env, message) => {
    expect(() => readRunConfig(argv, env, 'h')).toThrow(new ConfigError(message));
  });

  it('turns per-object metrics on from the flag or the environment, the flag winning', () => {
    expect(readRunConfig(['--per-object-metrics', 'true'], ENV, 'h').perObjectMetrics).toBe(true);
    expect(readRunConfig([], { ...ENV, CLB_PER_OBJECT_METRICS: 'true' }, 'h').perObjectMetrics).toBe(true);
    expect(readRunConfig(['--per-object-metrics', 'false'], { ...ENV, CLB_PER_OBJECT_METRICS: 'true' }, 'h').perObjectMetrics).toBe(false);
  });

  it('needs no account id with the mock provider', () => {
    expect(readRunConfig(['--provider', 'mock'], { ...ENV, CLB_ACCOUNT_UIN: undefined }, 'h').accountUin).toBe('100000000001');
  });

  it.each([['30s', 30_000], ['5m', 300_000], ['1h', 3_600_000], ['250ms', 250], ['45', 45_000]])('parses the duration %s', (text, ms) => {
    expect(parseDuration('x', text)).toBe(ms);
  });
});
