/**
 * The parent's handle on bench/cloud-child.ts: forks it, builds the KubeConfig for its fake API and a ClbProvider
 * whose real SDK clients call its TC3 emulator over HTTP, and asks it things over IPC with bounded waits. `close()`
 * always kills the child (SIGKILL), and a parent that exits without closing takes the child with it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import type { ApiKey } from '../mocks/clb/api-server.js';
import { ClbProvider } from '../providers/tencentcloud/clb-provider.js';
import { endpointOptions } from '../providers/tencentcloud/endpoint.js';
import { createSdkClients } from '../providers/tencentcloud/sdk-clients.js';
import type { CloudAnswers, CloudChildOptions, CloudChildReady, CloudRequest, FromChild } from './cloud-protocol.js';

export interface RemoteCloud {
  readonly pid: number;
  readonly ready: CloudChildReady;
  /** A fresh KubeConfig for the child's fake API (plain HTTP, so `skipTLSVerify`). */
  kubeConfig(): KubeConfig;
  /** The real provider: tencentcloud-sdk-nodejs over HTTP to the child's TC3 emulator. */
  readonly provider: ClbProvider;
  ask<K extends CloudRequest['op']>(request: Extract<CloudRequest, { op: K }>, timeoutMs?: number): Promise<CloudAnswers[K]>;
  /** Kills the child and waits (bounded) for it to exit. Safe to call twice. */
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./cloud-child.js', import.meta.url));

export async function startRemoteCloud(options: CloudChildOptions, startTimeoutMs = 60_000): Promise<RemoteCloud> {
  // No inherited execArgv: a parent run under --cpu-prof or --inspect must not profile or debug the child too.
  const child: ChildProcess = fork(CHILD, [JSON.stringify(options)], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const killChild = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killChild);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  let gone: Error | undefined;

  const ready = await new Promise<CloudChildReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The cloud child did not start in ${startTimeoutMs} ms`)), startTimeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The cloud child exited before it was ready (code ${code}, signal ${signal})`));
    });
    child.on('message', (message: FromChild) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message);
      }
    });
  }).catch((error: unknown) => {
    killChild();
    process.removeListener('exit', killChild);
    throw error;
  });

  child.on('message', (message: FromChild) => {
    if (message.type !== 'answer') return;
    const waiting = pending.get(message.id);
    if (!waiting) return;
    pending.delete(message.id);
    clearTimeout(waiting.timer);
    if (message.error !== undefined) waiting.reject(new Error(`cloud child: ${message.error}`));
    else waiting.resolve(message.result);
  });
  child.on('exit', (code, signal) => {
    gone = new Error(`The cloud child exited (code ${code}, signal ${signal})`);
    for (const [id, waiting] of pending) {
      pending.delete(id);
      clearTimeout(waiting.timer);
      waiting.reject(gone);
    }
  });

  const key: ApiKey = { secretId: ready.secretId, secretKey: ready.secretKey };
  const endpoint = endpointOptions(`http://127.0.0.1:${ready.cloudPort}`);
  const clients = createSdkClients({
    region: ready.region,
    credential: { getCredential: async () => key },
    endpoints: endpoint.endpoints,
    protocol: 'http://',
    ...(endpoint.agent ? { agent: endpoint.agent } : {}),
  });
  const rateLimitPerSecond = options.simulator.rateLimitPerSecond ?? 20;
  // As mocks/clb/local-cloud.ts's providerOptionsFor matches a provider to its simulator.
  const provider = new ClbProvider(clients, {
    region: ready.region,
    accountUin: ready.uin,
    rateLimitPerSecond,
    ...(options.simulator.rateLimits ? { rateLimits: options.simulator.rateLimits } : {}),
    taskPoll: { firstPollMs: ready.taskLatencyMs, maxPollMs: Math.max(50, ready.taskLatencyMs), timeoutMs: 60_000 },
    retry: { retries: 8, minDelayMs: 20, maxDelayMs: 1_000 },
  });

  let closed = false;
  return {
    pid: child.pid!,
    ready,
    provider,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'bench', server: ready.kubeUrl, skipTLSVerify: true }],
        users: [{ name: 'bench', token: 'bench-token' }],
        contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
        currentContext: 'bench',
      });
      return kc;
    },
    ask<K extends CloudRequest['op']>(request: Extract<CloudRequest, { op: K }>, timeoutMs = 120_000): Promise<CloudAnswers[K]> {
      if (gone) return Promise.reject(gone);
      const id = nextId++;
      return new Promise<CloudAnswers[K]>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`The cloud child did not answer ${request.op} in ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
        child.send({ ...request, id }, (error) => {
          if (!error || !pending.delete(id)) return;
          clearTimeout(timer);
          reject(error);
        });
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      endpoint.agent?.destroy();
      killChild();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      process.removeListener('exit', killChild);
    },
  };
}
