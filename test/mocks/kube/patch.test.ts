/** JSON Merge Patch (RFC 7386) and JSON Patch (RFC 6902), table-driven. */
import { describe, expect, it } from '@jest/globals';
import { applyJsonPatch, applyMergePatch, PatchApplyError, PatchFormatError } from '../../../mocks/kube/patch.js';

describe('merge patch', () => {
  it.each([
    { name: 'adds and replaces', target: { a: 1, b: { c: 2 } }, patch: { a: 3, b: { d: 4 } }, want: { a: 3, b: { c: 2, d: 4 } } },
    { name: 'null deletes', target: { a: 1, b: 2 }, patch: { a: null }, want: { b: 2 } },
    { name: 'arrays replace', target: { l: [1, 2] }, patch: { l: [3] }, want: { l: [3] } },
    { name: 'object over scalar', target: { a: 'x' }, patch: { a: { b: 1 } }, want: { a: { b: 1 } } },
    { name: 'nulls inside new objects are dropped', target: {}, patch: { a: { b: null, c: 1 } }, want: { a: { c: 1 } } },
  ])('$name', ({ target, patch, want }) => {
    const before = structuredClone(target);
    expect(applyMergePatch(target, patch)).toEqual(want);
    expect(target).toEqual(before);
  });
});

describe('JSON patch', () => {
  const doc = { metadata: { labels: { a: '1' }, finalizers: ['x', 'y'], 'a/b': 1, 'c~d': 2 } };
  it.each([
    { name: 'add member', ops: [{ op: 'add', path: '/metadata/labels/b', value: '2' }], want: { ...doc.metadata, labels: { a: '1', b: '2' } } },
    { name: 'add to array end', ops: [{ op: 'add', path: '/metadata/finalizers/-', value: 'z' }], want: { ...doc.metadata, finalizers: ['x', 'y', 'z'] } },
    { name: 'insert into array', ops: [{ op: 'add', path: '/metadata/finalizers/0', value: 'w' }], want: { ...doc.metadata, finalizers: ['w', 'x', 'y'] } },
    { name: 'remove array item', ops: [{ op: 'remove', path: '/metadata/finalizers/0' }], want: { ...doc.metadata, finalizers: ['y'] } },
    { name: 'replace', ops: [{ op: 'replace', path: '/metadata/labels/a', value: '9' }], want: { ...doc.metadata, labels: { a: '9' } } },
    { name: 'escaped keys', ops: [{ op: 'remove', path: '/metadata/a~1b' }, { op: 'remove', path: '/metadata/c~0d' }], want: { labels: { a: '1' }, finalizers: ['x', 'y'] } },
    { name: 'move', ops: [{ op: 'move', from: '/metadata/labels', path: '/metadata/annotations' }], want: { ...doc.metadata, labels: undefined, annotations: { a: '1' } } },
    { name: 'copy', ops: [{ op: 'copy', from: '/metadata/labels/a', path: '/metadata/labels/b' }], want: { ...doc.metadata, labels: { a: '1', b: '1' } } },
    { name: 'test then remove', ops: [{ op: 'test', path: '/metadata/finalizers', value: ['x', 'y'] }, { op: 'remove', path: '/metadata/finalizers' }], want: { ...doc.metadata, finalizers: undefined } },
  ])('$name', ({ ops, want }) => {
    const result = applyJsonPatch(doc, ops) as { metadata: Record<string, unknown> };
    expect(JSON.parse(JSON.stringify(result.metadata))).toEqual(JSON.parse(JSON.stringify(want)));
  });

  it.each([
    { name: 'failed test', ops: [{ op: 'test', path: '/metadata/labels/a', value: '2' }] },
    { name: 'replace of a missing member', ops: [{ op: 'replace', path: '/metadata/nope', value: 1 }] },
    { name: 'remove of a missing member', ops: [{ op: 'remove', path: '/metadata/labels/zz' }] },
    { name: 'index out of bounds', ops: [{ op: 'add', path: '/metadata/finalizers/5', value: 'z' }] },
    { name: 'missing parent', ops: [{ op: 'add', path: '/spec/x', value: 1 }] },
  ])('cannot apply: $name', ({ ops }) => {
    expect(() => applyJsonPatch(doc, ops)).toThrow(PatchApplyError);
  });

  it.each([{ op: 'frob', path: '/a' }, { op: 'add', path: '/a' }, { op: 'move', path: '/a' }])('refuses malformed operation %p', (op) => {
    expect(() => applyJsonPatch(doc, [op])).toThrow(PatchFormatError);
    expect(() => applyJsonPatch(doc, { op: 'add' })).toThrow(PatchFormatError);
  });

  it('applies all operations or none', () => {
    const before = structuredClone(doc);
    expect(() => applyJsonPatch(doc, [{ op: 'remove', path: '/metadata/labels' }, { op: 'test', path: '/metadata/labels', value: {} }])).toThrow(PatchApplyError);
    expect(doc).toEqual(before);
  });
});
