/** Formats, id generation, address allocation and a seeded PRNG for the CLB simulator. */
import { fail } from './api-error.js';

export const ID_PATTERNS = {
  loadBalancer: /^lb-[a-z0-9]{8}$/,
  listener: /^lbl-[a-z0-9]{8}$/,
  location: /^loc-[a-z0-9]{8}$/,
  vpc: /^vpc-[a-z0-9]{8}$/,
  subnet: /^subnet-[a-z0-9]{8}$/,
  securityGroup: /^sg-[a-z0-9]{8}$/,
  instance: /^ins-[a-z0-9]{8}$/,
} as const;

/** mulberry32: small, seedable, good enough for reproducible fault injection and ids. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export class IdFactory {
  private readonly used = new Set<string>();
  constructor(private readonly random: () => number) {}

  next(prefix: 'lb' | 'lbl' | 'loc'): string {
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 8; i++) suffix += ALPHABET[Math.floor(this.random() * ALPHABET.length)];
      const id = `${prefix}-${suffix}`;
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }

  isUsed(id: string): boolean {
    return this.used.has(id);
  }

  /** Marks an id as taken (a seeded object's), so `next` never hands it out. */
  reserve(id: string): void {
    this.used.add(id);
  }
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  if (!ip || !bits || !isIpv4(ip)) throw new Error(`Bad CIDR ${cidr}`);
  const size = 2 ** (32 - Number(bits));
  return { base: ipToInt(ip) - (ipToInt(ip) % size), size };
}

/** Hands out host addresses of a CIDR, skipping network, gateway (.1) and broadcast like a VPC does. */
export class AddressPool {
  private readonly taken = new Set<number>();
  private readonly base: number;
  private readonly size: number;
  constructor(cidr: string, private readonly what: string) {
    ({ base: this.base, size: this.size } = parseCidr(cidr));
  }

  allocate(): string {
    for (let offset = 2; offset < this.size - 1; offset++) {
      if (!this.taken.has(offset)) {
        this.taken.add(offset);
        return intToIp(this.base + offset);
      }
    }
    return fail('ResourceInsufficient', `No free address left in ${this.what}.`);
  }

  hasFree(): boolean {
    return this.taken.size < this.size - 3;
  }

  owns(ip: string): boolean {
    const offset = ipToInt(ip) - this.base;
    return offset >= 0 && offset < this.size;
  }

  /** Whether the pool could hand out `ip`: inside the CIDR, and not the network, gateway or broadcast address. */
  isHost(ip: string): boolean {
    const offset = ipToInt(ip) - this.base;
    return offset >= 2 && offset < this.size - 1;
  }

  /** Marks a host address as taken (a seeded CLB's VIP), so `allocate` never hands it out. */
  reserve(ip: string): void {
    if (this.isHost(ip)) this.taken.add(ipToInt(ip) - this.base);
  }

  release(ip: string): void {
    this.taken.delete(ipToInt(ip) - this.base);
  }
}

/** Host names CLB accepts as rule domains: DNS names, optionally with one leading wildcard label. */
export function isValidDomain(domain: string): boolean {
  if (domain.length < 1 || domain.length > 80) return false;
  const labels = domain.split('.');
  return labels.every((label, i) => (i === 0 && label === '*') || /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(label));
}

/** CLB rule URLs: 1-120 characters of `a-zA-Z0-9.-/=?`, starting with '/' (or '=/' for an exact match). */
export function isValidUrl(url: string): boolean {
  return url.length >= 1 && url.length <= 120 && /^=?\/[a-zA-Z0-9.\-/=?]*$/.test(url);
}

export const clone = <T>(value: T): T => structuredClone(value);
