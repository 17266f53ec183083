/**
 * A V8 CPU profile of this process over a stretch of a scenario (node:inspector, the same profiler as
 * `node --cpu-prof`, but started and stopped around the part measured). Open the .cpuprofile in Chrome DevTools
 * (Performance → Load profile) or speedscope.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';

export interface CpuProfiler {
  /** Stops, writes the profile and returns its path. */
  stop(): Promise<string>;
}

export async function startCpuProfile(dir: string, name: string, samplingIntervalUs = 1000): Promise<CpuProfiler> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await session.post('Profiler.start');
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      mkdirSync(dir, { recursive: true });
      const path = resolve(dir, `${name}.cpuprofile`);
      writeFileSync(path, JSON.stringify(profile));
      return path;
    },
  };
}
