import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { EVENT_REASONS } from '../../src/kube/events.js';
import { ERROR_CODES, codeOf, withCode } from '../../src/model/error-codes.js';
import { PROBLEM_REASONS } from '../../src/model/problems.js';

const ROOT = new URL('../..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}
const SRC = sources(join(ROOT, 'src')).map((path) => ({ path: path.slice(ROOT.length), text: readFileSync(path, 'utf8') }));

/** The README's error-code table, row by row. */
function readmeRows(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('| code | Event reason |');
  expect(start).toBeGreaterThan(0);
  const lines = readme.slice(start).split('\n');
  const table = lines.slice(2, lines.findIndex((l, i) => i > 1 && !l.startsWith('|')));
  return table.map((line) => line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|')));
}

describe('stable error codes', () => {
  it('the README table is the code table: same codes, reasons, numbering, meanings and actions, in order', () => {
    const fromCode = Object.entries(ERROR_CODES).map(([code, e]) => [code, e.reason, e.origin, e.meaning, e.action]);
    expect(readmeRows()).toEqual(fromCode);
  });

  it('each code is reported under an Event reason the controller uses', () => {
    const reasons = new Set<string>([...PROBLEM_REASONS, ...Object.values(EVENT_REASONS)]);
    for (const [code, entry] of Object.entries(ERROR_CODES)) expect([code, reasons.has(entry.reason)]).toEqual([code, true]);
  });

  it('every Event emit site in src/ is a Normal event or goes through emitWarning (which takes a code)', () => {
    const sites = SRC.flatMap(({ path, text }) => [...text.matchAll(/\.emit\(([^,]+),\s*([^,]+),/g)].map((m) => ({ path, type: m[2]!.trim() })));
    expect(sites.length).toBeGreaterThan(5);
    const warningsElsewhere = sites.filter((s) => s.type !== "'Normal'" && !(s.path === 'src/kube/events.ts' && s.type === "'Warning'"));
    expect(warningsElsewhere).toEqual([]);
    // No Warning is made any other way (a raw 'Warning' event type outside the one helper).
    const raw = SRC.filter(({ path, text }) => path !== 'src/kube/events.ts' && path !== 'src/cli/tables.ts' && text.includes("'Warning'")).map((s) => s.path);
    expect(raw).toEqual([]);
  });

  it('every code named in src/ is in the table, and every row of the table is used', () => {
    const named = new Set(SRC.filter((s) => s.path !== 'src/model/error-codes.ts').flatMap(({ text }) => [...text.matchAll(/'([EC]\d{4})'/g)].map((m) => m[1]!)));
    const table = new Set(Object.keys(ERROR_CODES));
    expect([...named].filter((c) => !table.has(c))).toEqual([]);
    expect([...table].filter((c) => !named.has(c))).toEqual([]);
  });

  it.each([
    { name: 'a coded message', message: withCode('E4011', 'service.kubernetes.io/tke-existed-lbid: value "lb-x": no CLB'), want: 'E4011' },
    { name: 'a code not in the table', message: 'E9999: something', want: undefined },
    { name: 'no code', message: 'Error syncing load balancer', want: undefined },
  ])('codeOf: $name', ({ message, want }) => {
    expect(codeOf(message)).toBe(want);
  });
});
