import { describe, expect, it } from '@jest/globals';
import { matchesSelector, parseBoolean, parseEnum, parseId, parseIdList, parseIntInRange, parseJsonObject, parseLabelSelector, type Parsed, type Requirement } from '../../src/annotations/parse.js';

const FIELD = 'example.com/annotation';

interface Accepts<T> {
  readonly name: string;
  readonly given: string;
  readonly want: T;
}
interface Refuses {
  readonly name: string;
  readonly given: string;
  /** The reason, whole (string) or matched (RegExp). */
  readonly reason: string | RegExp;
}

function expectValue<T>(parsed: Parsed<T>, want: T): void {
  expect(parsed).toEqual({ ok: true, value: want });
}

function expectProblem(parsed: Parsed<unknown>, given: string, reason: string | RegExp): void {
  if (parsed.ok) throw new Error(`accepted ${JSON.stringify(given)} as ${JSON.stringify(parsed.value)}`);
  expect(parsed.problem).toEqual({ field: FIELD, value: given, reason: expect.any(String), eventReason: 'InvalidAnnotation', code: 'E4045' });
  if (typeof reason === 'string') expect(parsed.problem.reason).toBe(reason);
  else expect(parsed.problem.reason).toMatch(reason);
}

const req = (key: string, operator: Requirement['operator'], ...values: string[]): Requirement => ({ key, operator, values });

describe('parseLabelSelector', () => {
  it.each<Accepts<Requirement[]>>([
    { name: 'equality', given: 'group=access', want: [req('group', 'In', 'access')] },
    { name: 'double equals', given: 'group==access', want: [req('group', 'In', 'access')] },
    { name: 'spaces around the operator', given: 'group = access', want: [req('group', 'In', 'access')] },
    { name: 'inequality', given: 'group!=batch', want: [req('group', 'NotIn', 'batch')] },
    { name: 'empty value', given: 'group=', want: [req('group', 'In', '')] },
    { name: 'set: in', given: 'zone in (gz-3, gz-6)', want: [req('zone', 'In', 'gz-3', 'gz-6')] },
    { name: 'set: notin', given: 'zone notin (gz-4)', want: [req('zone', 'NotIn', 'gz-4')] },
    { name: 'exists', given: 'spot', want: [req('spot', 'Exists')] },
    { name: 'does not exist', given: '!spot', want: [req('spot', 'DoesNotExist')] },
    { name: 'prefixed key', given: 'topology.kubernetes.io/zone=ap-guangzhou-3', want: [req('topology.kubernetes.io/zone', 'In', 'ap-guangzhou-3')] },
    {
      name: 'several requirements, commas inside a set kept',
      given: 'group=access, zone in (a,b),!spot',
      want: [req('group', 'In', 'access'), req('zone', 'In', 'a', 'b'), req('spot', 'DoesNotExist')],
    },
    { name: 'trailing comma ignored', given: 'group=access,', want: [req('group', 'In', 'access')] },
  ])('accepts $name: $given', ({ given, want }) => {
    expectValue(parseLabelSelector(FIELD, given), want);
  });

  it.each<Refuses>([
    { name: 'empty', given: '', reason: 'expected a label selector such as group=access or zone in (a,b)' },
    { name: 'only commas', given: ' , ', reason: 'expected a label selector such as group=access or zone in (a,b)' },
    { name: 'in without parentheses', given: 'group in access', reason: '"group in access" is not a valid label selector requirement (e.g. group=access, zone in (a,b), !spot)' },
    { name: 'key starting with a dash', given: '-group=access', reason: /^"-group=access" is not a valid/ },
    { name: 'value with "="', given: 'group=access=x', reason: /^"group=access=x" is not a valid/ },
    { name: 'value with a space inside a set', given: 'zone in (a b)', reason: /^"zone in \(a b\)" is not a valid/ },
    { name: 'upper-case prefix', given: 'Example.COM/key=v', reason: /is not a valid/ },
    { name: 'name part over 63 characters', given: `${'k'.repeat(64)}=v`, reason: /is not a valid/ },
    { name: 'value over 63 characters', given: `k=${'v'.repeat(64)}`, reason: /is not a valid/ },
    { name: 'one bad requirement among good ones', given: 'group=access,!', reason: '"!" is not a valid label selector requirement (e.g. group=access, zone in (a,b), !spot)' },
  ])('refuses $name: $given', ({ given, reason }) => {
    expectProblem(parseLabelSelector(FIELD, given), given, reason);
  });
});

describe('matchesSelector', () => {
  const labels = { group: 'access', zone: 'gz-3', empty: '' };
  it.each<{ name: string; given: { labels: Record<string, string> | undefined; selector: string }; want: boolean }>([
    { name: 'equality holds', given: { labels, selector: 'group=access' }, want: true },
    { name: 'equality fails on another value', given: { labels, selector: 'group=batch' }, want: false },
    { name: 'equality fails when the label is missing', given: { labels, selector: 'team=a' }, want: false },
    { name: 'empty value equals an empty label', given: { labels, selector: 'empty=' }, want: true },
    { name: 'inequality holds on another value', given: { labels, selector: 'group!=batch' }, want: true },
    { name: 'inequality holds when the label is missing', given: { labels, selector: 'team!=a' }, want: true },
    { name: 'inequality fails on the value', given: { labels, selector: 'group!=access' }, want: false },
    { name: 'in holds on a listed value', given: { labels, selector: 'zone in (gz-3,gz-6)' }, want: true },
    { name: 'in fails on an unlisted value', given: { labels, selector: 'zone in (gz-4)' }, want: false },
    { name: 'notin holds when the label is missing', given: { labels, selector: 'team notin (a)' }, want: true },
    { name: 'notin fails on a listed value', given: { labels, selector: 'zone notin (gz-3)' }, want: false },
    { name: 'exists holds', given: { labels, selector: 'group' }, want: true },
    { name: 'exists holds for an empty label', given: { labels, selector: 'empty' }, want: true },
    { name: 'exists fails', given: { labels, selector: 'spot' }, want: false },
    { name: 'does-not-exist holds', given: { labels, selector: '!spot' }, want: true },
    { name: 'does-not-exist fails', given: { labels, selector: '!group' }, want: false },
    { name: 'every requirement must hold', given: { labels, selector: 'group=access,!zone' }, want: false },
    { name: 'all requirements hold', given: { labels, selector: 'group=access,zone in (gz-3),!spot' }, want: true },
    { name: 'a node without labels: does-not-exist holds', given: { labels: undefined, selector: '!spot' }, want: true },
    { name: 'a node without labels: equality fails', given: { labels: undefined, selector: 'group=access' }, want: false },
  ])('$name ($given.selector)', ({ given, want }) => {
    const parsed = parseLabelSelector(FIELD, given.selector);
    if (!parsed.ok) throw new Error(parsed.problem.reason);
    expect(matchesSelector(given.labels, parsed.value)).toBe(want);
  });
});

describe('parseIntInRange (1-2048)', () => {
  it.each<Accepts<number>>([
    { name: 'the minimum', given: '1', want: 1 },
    { name: 'the maximum', given: '2048', want: 2048 },
    { name: 'a value inside', given: '100', want: 100 },
    { name: 'leading zeros', given: '0100', want: 100 },
    { name: 'surrounding spaces', given: ' 100 ', want: 100 },
  ])('accepts $name: "$given"', ({ given, want }) => {
    expectValue(parseIntInRange(FIELD, given, 1, 2048), want);
  });

  it.each<Refuses>([
    { name: 'below the minimum', given: '0', reason: 'expected an integer from 1 to 2048' },
    { name: 'above the maximum', given: '2049', reason: 'expected an integer from 1 to 2048' },
    { name: 'negative', given: '-5', reason: 'expected an integer from 1 to 2048' },
    { name: 'a fraction', given: '1.5', reason: 'expected an integer from 1 to 2048' },
    { name: 'exponent notation', given: '1e3', reason: 'expected an integer from 1 to 2048' },
    { name: 'hexadecimal', given: '0x10', reason: 'expected an integer from 1 to 2048' },
    { name: 'a unit', given: '100Mbps', reason: 'expected an integer from 1 to 2048' },
    { name: 'empty', given: '', reason: 'expected an integer from 1 to 2048' },
  ])('refuses $name: "$given"', ({ given, reason }) => {
    expectProblem(parseIntInRange(FIELD, given, 1, 2048), given, reason);
  });
});

describe('parseIdList (sg-xxxxxxxx, at most 3)', () => {
  const SG = /^sg-[a-z0-9]{8}$/;
  const parse = (value: string) => parseIdList(FIELD, value, SG, 'sg-xxxxxxxx', 3);
  it.each<Accepts<string[]>>([
    { name: 'one id', given: 'sg-web00001', want: ['sg-web00001'] },
    { name: 'ids in the order given, spaces trimmed', given: 'sg-web00001, sg-ops00001 ,sg-db000001', want: ['sg-web00001', 'sg-ops00001', 'sg-db000001'] },
    { name: 'empty entries skipped', given: 'sg-web00001,,sg-ops00001,', want: ['sg-web00001', 'sg-ops00001'] },
    { name: 'empty: no ids', given: '', want: [] },
  ])('accepts $name: "$given"', ({ given, want }) => {
    expectValue(parse(given), want);
  });

  it.each<Refuses>([
    { name: 'too many', given: 'sg-aaaa0001,sg-aaaa0002,sg-aaaa0003,sg-aaaa0004', reason: 'at most 3 ids are accepted' },
    { name: 'a malformed id', given: 'sg-web00001,sg-1', reason: 'sg-1 is not an id like sg-xxxxxxxx' },
    { name: 'upper case', given: 'SG-WEB00001', reason: 'SG-WEB00001 is not an id like sg-xxxxxxxx' },
    { name: 'a repeated id', given: 'sg-web00001,sg-web00001', reason: 'an id is repeated' },
  ])('refuses $name: "$given"', ({ given, reason }) => {
    expectProblem(parse(given), given, reason);
  });
});

describe('parseJsonObject', () => {
  it.each<Accepts<Record<string, unknown>>>([
    { name: 'an empty object', given: '{}', want: {} },
    { name: 'an object', given: '{"AddressIPVersion":"IPV6","ZoneId":"ap-guangzhou-3"}', want: { AddressIPVersion: 'IPV6', ZoneId: 'ap-guangzhou-3' } },
    { name: 'nested values', given: '{"InternetAccessible":{"InternetMaxBandwidthOut":10},"Tags":[]}', want: { InternetAccessible: { InternetMaxBandwidthOut: 10 }, Tags: [] } },
  ])('accepts $name: $given', ({ given, want }) => {
    expectValue(parseJsonObject(FIELD, given), want);
  });

  it.each<Refuses>([
    { name: 'an array', given: '[{"ZoneId":"ap-guangzhou-3"}]', reason: 'expected a JSON object' },
    { name: 'null', given: 'null', reason: 'expected a JSON object' },
    { name: 'a number', given: '1', reason: 'expected a JSON object' },
    { name: 'a string', given: '"IPV6"', reason: 'expected a JSON object' },
    { name: 'unquoted keys', given: '{ZoneId: ap-guangzhou-3}', reason: /^not valid JSON \(.+\)$/ },
    { name: 'single quotes', given: "{'ZoneId':'ap-guangzhou-3'}", reason: /^not valid JSON \(.+\)$/ },
    { name: 'cut short', given: '{"ZoneId":', reason: /^not valid JSON \(.+\)$/ },
    { name: 'empty', given: '', reason: /^not valid JSON \(.+\)$/ },
  ])('refuses $name: $given', ({ given, reason }) => {
    expectProblem(parseJsonObject(FIELD, given), given, reason);
  });
});

describe('parseBoolean', () => {
  it.each<Accepts<boolean>>([
    { name: 'true', given: 'true', want: true },
    { name: 'false', given: 'false', want: false },
  ])('accepts $name', ({ given, want }) => {
    expectValue(parseBoolean(FIELD, given), want);
  });

  it.each<Refuses>(
    ['True', 'TRUE', 'yes', '1', 'on', ''].map((given) => ({ name: JSON.stringify(given), given, reason: 'accepted values are "true" and "false"' })),
  )('refuses $name', ({ given, reason }) => {
    expectProblem(parseBoolean(FIELD, given), given, reason);
  });
});

describe('parseId and parseEnum', () => {
  it.each<{ name: string; given: string; want: Parsed<string> }>([
    { name: 'a CLB id', given: 'lb-0a1b2c3d', want: { ok: true, value: 'lb-0a1b2c3d' } },
    {
      name: 'a CLB id of the wrong length',
      given: 'lb-0a1b2c3',
      want: { ok: false, problem: { field: FIELD, value: 'lb-0a1b2c3', reason: 'expected an id like lb-xxxxxxxx', eventReason: 'InvalidAnnotation', code: 'E4045' } },
    },
  ])('parseId: $name', ({ given, want }) => {
    expect(parseId(FIELD, given, /^lb-[a-z0-9]{8}$/, 'lb-xxxxxxxx')).toEqual(want);
  });

  it.each<{ name: string; given: string; want: Parsed<string> }>([
    { name: 'an accepted value', given: 'TRAFFIC_POSTPAID_BY_HOUR', want: { ok: true, value: 'TRAFFIC_POSTPAID_BY_HOUR' } },
    {
      name: 'the wrong case',
      given: 'traffic_postpaid_by_hour',
      want: {
        ok: false,
        problem: { field: FIELD, value: 'traffic_postpaid_by_hour', reason: 'accepted values are BANDWIDTH_POSTPAID_BY_HOUR, TRAFFIC_POSTPAID_BY_HOUR', eventReason: 'InvalidAnnotation', code: 'E4045' },
      },
    },
  ])('parseEnum: $name', ({ given, want }) => {
    expect(parseEnum(FIELD, given, ['BANDWIDTH_POSTPAID_BY_HOUR', 'TRAFFIC_POSTPAID_BY_HOUR'])).toEqual(want);
  });
});
