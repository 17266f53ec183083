/** Golden files: fixture cases in a folder, their reviewed expected output in another (UPDATE_GOLDEN=1 rewrites). */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from '@jest/globals';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
export const asJson = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The case names: every `<case>.yaml` in the fixtures folder, shared ones (`_…`) aside. */
export function fixtureCases(fixtures: URL): string[] {
  return readdirSync(fixtures)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** Compares `value` with `<golden>/<case>.json`, or writes it there under UPDATE_GOLDEN=1. */
export function expectGolden(golden: URL, caseName: string, value: unknown): void {
  const file = new URL(`${caseName}.json`, golden);
  if (UPDATE) {
    mkdirSync(golden, { recursive: true });
    writeFileSync(file, asJson(value));
    return;
  }
  if (!existsSync(file)) throw new Error(`no golden for ${caseName}: run with UPDATE_GOLDEN=1, then review ${file.pathname}`);
  expect(JSON.parse(asJson(value))).toEqual(JSON.parse(readFileSync(file, 'utf8')));
}

/** Goldens whose fixture is gone. */
export function staleGoldens(golden: URL, cases: readonly string[]): string[] {
  const goldens = existsSync(golden) ? readdirSync(golden).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)) : [];
  return goldens.filter((g) => !cases.includes(g));
}
