/**
 * CLB health checks over real sockets, per pool and target, with the pool's settings as the CLB holds them now:
 * every IntervalTime a probe — a TCP connect (layer 4; CheckType TCP or none), or an HTTP request (layer-7 rules,
 * CheckType HTTP: HttpCheckMethod HttpCheckPath with Host HttpCheckDomain, healthy when the status class is in
 * HttpCode's mask) — that fails after TimeOut; UnHealthNum failures in a row make a target unhealthy (it takes no
 * new traffic), HealthNum successes in a row healthy again. A new target counts as healthy until it fails
 * (⚠ assumed: CLB does not document the state before the first probes). HealthSwitch 0: every target healthy.
 * UDP listeners are not probed (their CLB checks need a protocol-specific exchange; taken as healthy).
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import type { clb } from '../../../providers/tencentcloud/api.js';

export interface Probe {
  readonly check: Readonly<clb.HealthCheck>;
  readonly kind: 'tcp' | 'http';
  readonly host: string;
  readonly port: number;
}

interface TargetHealth {
  healthy: boolean;
  streak: number;
  timer?: NodeJS.Timeout;
  probing: boolean;
}

/** One pool's targets' health, probed on timers that follow the pool's settings; stop() ends them. */
export class HealthTracker {
  private readonly targets = new Map<string, TargetHealth>();

  /** `scale` shortens intervals and timeouts (tests); 1 is CLB's own timing. */
  constructor(private readonly scale = 1) {}

  isHealthy(key: string): boolean {
    return this.targets.get(key)?.healthy ?? true;
  }

  /** Probes exactly these targets from now on (`probeOf` gives each one's probe, or undefined: not probed, healthy). */
  follow(keys: Iterable<string>, probeOf: (key: string) => Probe | undefined): void {
    const wanted = new Set(keys);
    for (const [key, health] of this.targets) {
      if (!wanted.has(key)) {
        clearTimeout(health.timer);
        this.targets.delete(key);
      }
    }
    for (const key of wanted) {
      if (this.targets.has(key)) continue;
      const health: TargetHealth = { healthy: true, streak: 0, probing: false };
      this.targets.set(key, health);
      this.schedule(key, health, probeOf);
    }
  }

  private schedule(key: string, health: TargetHealth, probeOf: (key: string) => Probe | undefined): void {
    const probe = probeOf(key);
    const intervalMs = Math.max(10, (probe?.check.IntervalTime ?? 5) * 1000 * this.scale);
    health.timer = setTimeout(async () => {
      if (this.targets.get(key) !== health) return;
      const now = probeOf(key);
      if (!now || now.check.HealthSwitch === 0) {
        health.healthy = true;
        health.streak = 0;
      } else {
        const ok = await this.run(now);
        if (this.targets.get(key) !== health) return;
        // streak > 0 counts successes while unhealthy, < 0 failures while healthy.
        if (ok === health.healthy) health.streak = 0;
        else if (ok) health.streak = Math.max(0, health.streak) + 1;
        else health.streak = Math.min(0, health.streak) - 1;
        if (!health.healthy && health.streak >= (now.check.HealthNum ?? 3)) [health.healthy, health.streak] = [true, 0];
        if (health.healthy && -health.streak >= (now.check.UnHealthNum ?? 3)) [health.healthy, health.streak] = [false, 0];
      }
      this.schedule(key, health, probeOf);
    }, intervalMs);
    health.timer.unref();
  }

  private run(probe: Probe): Promise<boolean> {
    // Scaled down for tests, but never below 200 ms: a busy machine must not fail a healthy backend.
    const timeoutMs = Math.max(200, (probe.check.TimeOut ?? 2) * 1000 * this.scale);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        resolve(ok);
      };
      const timer = setTimeout(() => {
        socket?.destroy();
        req?.destroy();
        resolve(false);
      }, timeoutMs);
      timer.unref();
      let socket: ReturnType<typeof connect> | undefined;
      let req: ReturnType<typeof request> | undefined;
      if (probe.kind === 'tcp') {
        socket = connect({ host: probe.host, port: probe.port }, () => {
          socket!.destroy();
          done(true);
        });
        socket.on('error', () => done(false));
        return;
      }
      const { HttpCheckPath: path = '/', HttpCheckDomain: domain, HttpCheckMethod: method = 'HEAD', HttpCode: mask = 31 } = probe.check;
      req = request({ host: probe.host, port: probe.port, method: method.toUpperCase(), path, headers: { host: domain || probe.host }, agent: false }, (res) => {
        res.resume();
        const statusClass = Math.floor((res.statusCode ?? 0) / 100); // 1xx … 5xx ↔ bits 1, 2, 4, 8, 16
        done(statusClass >= 1 && statusClass <= 5 && (mask & (1 << (statusClass - 1))) !== 0);
      });
      req.on('error', () => done(false));
      req.end();
    });
  }

  stop(): void {
    for (const health of this.targets.values()) clearTimeout(health.timer);
    this.targets.clear();
  }
}
