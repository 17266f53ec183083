/** Label and field selector parsing and matching, table-driven. */
import { describe, expect, it } from '@jest/globals';
import { RESOURCES } from '../../../mocks/kube/index.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from '../../../mocks/kube/selectors.js';

const labels = { app: 'web', tier: 'front', 'example.com/zone': 'a', n: '5' };

describe('label selectors', () => {
  it.each([
    { name: 'empty selects all', given: '', want: true },
    { name: 'equality', given: 'app=web', want: true },
    { name: 'double equals', given: 'app==web', want: true },
    { name: 'inequality', given: 'app!=web', want: false },
    { name: 'inequality on a missing key matches', given: 'missing!=x', want: true },
    { name: 'set in', given: 'tier in (back, front)', want: true },
    { name: 'set notin', given: 'tier notin (front)', want: false },
    { name: 'notin on a missing key matches', given: 'missing notin (x)', want: true },
    { name: 'exists', given: 'example.com/zone', want: true },
    { name: 'does not exist', given: '!tier', want: false },
    { name: 'does not exist on a missing key', given: '!missing', want: true },
    { name: 'all terms must match', given: 'app=web,tier=back', want: false },
    { name: 'greater than', given: 'n>4', want: true },
    { name: 'less than', given: 'n<5', want: false },
    { name: 'mixed', given: 'app in (web),tier!=db,!missing,example.com/zone', want: true },
  ])('$name: $given', ({ given, want }) => {
    expect(matchesLabels(parseLabelSelector(given), labels)).toBe(want);
  });

  it.each(['app in (web', 'app=we b', '=x', 'app,,tier', 'n>x', 'Bad Key=1'])('refuses %p', (given) => {
    expect(() => parseLabelSelector(given)).toThrow(SelectorError);
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'node-1', hostNetwork: true }, status: { phase: 'Running' } };
  it.each([
    { name: 'name', given: 'metadata.name=p', want: true },
    { name: 'namespace inequality', given: 'metadata.namespace!=default', want: false },
    { name: 'node', given: 'spec.nodeName==node-1', want: true },
    { name: 'two terms', given: 'spec.nodeName=node-1,status.phase!=Running', want: false },
    { name: 'boolean field', given: 'spec.hostNetwork=true', want: true },
    { name: 'missing compares as empty', given: 'status.podIP=', want: true },
  ])('$name: $given', ({ given, want }) => {
    expect(matchesFields(parseFieldSelector(given, RESOURCES.pods), pod)).toBe(want);
  });

  it('refuses fields the resource does not index', () => {
    expect(() => parseFieldSelector('spec.nodeName=x', RESOURCES.services)).toThrow('field label not supported: spec.nodeName');
    expect(() => parseFieldSelector('metadata.name', RESOURCES.services)).toThrow(SelectorError);
  });
});
