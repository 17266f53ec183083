/**
 * The certificates of an Ingress's HTTPS listener, from spec.tls: each entry names an Opaque Secret holding a
 * Tencent Cloud certificate id (`qcloud_cert_id`, and `qcloud_ca_cert_id` for mutual TLS).
 *
 * Decisions (reference §4; ⚠ where TKE is silent):
 * - An entry without hosts is the listener's default certificate (the first one; a further one is ignored with a
 *   warning). Entries with hosts are per-host (SNI) certificates: any of them turns SNI on, and then every HTTPS
 *   rule carries the certificate of its domain.
 * - A host's certificate: the entry listing the host itself, else one listing a wildcard covering it (`*.a.com`
 *   covers `x.a.com`, one label deep, as certificates do), else — with SNI — the default certificate. The first
 *   entry listing a host wins (later ones: a warning).
 * - A host whose OWN Secret is missing or lacks the key does NOT fall back to the default certificate: serving
 *   another certificate would pass silently until a browser complains, and the certificate would flip once the
 *   Secret appears. Its HTTPS rules are left out (a rule-level problem on the Secret).
 * - When no certificate of the Ingress can be read at all, nothing on HTTPS could work: that is Ingress-level.
 */
import type { V1Ingress, V1Secret } from '@kubernetes/client-node';
import type { Certificate } from '../../providers/provider.js';
import { SECRET_KEYS } from '../annotations/keys.js';
import { problem, type Problem } from '../model/problems.js';
import { DEFAULT_DOMAIN } from '../model/desired.js';
import type { Lookup } from '../kube/cluster-view.js';

type Read = { readonly certificate: Certificate } | { readonly problem: Problem };

interface Entry {
  readonly field: string;
  readonly secretName: string;
  readonly read: Read;
}

export interface TlsCertificates {
  /** spec.tls has entries (the HTTPS listener exists). */
  readonly configured: boolean;
  readonly sni: boolean;
  /** The listener's default certificate, when one is declared. */
  readonly defaultEntry?: Entry;
  /** Some certificate of the Ingress can be read. */
  readonly anyUsable: boolean;
  /** Every Secret that cannot be read (the Ingress-level problems when none can). */
  readonly unreadable: readonly Problem[];
  readonly warnings: readonly Problem[];
  /** A rule's certificate on an SNI listener, or the problem that leaves the rule out. */
  certificateFor(domain: string, hostField: string): Read;
}

/** A Tencent Cloud certificate named by a Secret's keys, or why it cannot be read. */
export function readCertificate(secretName: string, secrets: Lookup<V1Secret>, field: string): Read {
  if (!secretName) return { problem: problem('SecretNotFound', field, '', `needs the name of a Secret holding ${SECRET_KEYS.certId}`, 'E4009') };
  const secret = secrets.get(secretName);
  const read = (key: string): string | undefined => {
    const data = secret?.data?.[key];
    const value = data !== undefined ? Buffer.from(data, 'base64').toString('utf8') : secret?.stringData?.[key];
    return value?.trim() || undefined;
  };
  if (!secret) return { problem: problem('SecretNotFound', field, secretName, `Secret ${secretName} does not exist in the Ingress's namespace`) };
  const certId = read(SECRET_KEYS.certId);
  if (!certId) return { problem: problem('SecretNotFound', field, secretName, `Secret ${secretName} has no key ${SECRET_KEYS.certId} (the id of a certificate uploaded to Tencent Cloud SSL)`, 'C4009') };
  const caCertId = read(SECRET_KEYS.caCertId);
  return { certificate: { mode: caCertId ? 'MUTUAL' : 'UNIDIRECTIONAL', certId, ...(caCertId ? { caCertId } : {}) } };
}

const covers = (pattern: string, host: string): boolean => pattern.startsWith('*.') && host.includes('.') && host.slice(host.indexOf('.')) === pattern.slice(1) && !host.startsWith('*.');

export function tlsCertificates(ingress: V1Ingress, secrets: Lookup<V1Secret>): TlsCertificates {
  const tls = ingress.spec?.tls ?? [];
  const warnings: Problem[] = [];
  let defaultEntry: Entry | undefined;
  const byHost = new Map<string, Entry>();
  for (const [i, entry] of tls.entries()) {
    const field = `spec.tls[${i}].secretName`;
    const secretName = entry.secretName ?? '';
    const hosts = entry.hosts ?? [];
    if (!hosts.length) {
      if (defaultEntry) warnings.push(problem('InvalidIngressSpec', field, secretName, `ignored: ${defaultEntry.field} already gives the default certificate (a TLS entry without hosts)`));
      else defaultEntry = { field, secretName, read: readCertificate(secretName, secrets, field) };
      continue;
    }
    const read = readCertificate(secretName, secrets, field);
    for (const host of hosts) {
      const first = byHost.get(host);
      if (first) {
        if (first.secretName !== secretName) warnings.push(problem('InvalidIngressSpec', field, secretName, `ignored for ${host}: ${first.field} (${first.secretName}) already gives its certificate`));
        continue;
      }
      byHost.set(host, { field, secretName, read });
    }
  }
  const used = [...(defaultEntry ? [defaultEntry] : []), ...byHost.values()];
  const unreadable = dedupe(used.flatMap((e) => ('problem' in e.read ? [e.read.problem] : [])));
  const sni = byHost.size > 0;

  function certificateFor(domain: string, hostField: string): Read {
    const host = domain === DEFAULT_DOMAIN ? '' : domain;
    const own = host ? (byHost.get(host) ?? [...byHost.entries()].find(([pattern]) => covers(pattern, host))?.[1]) : undefined;
    const entry = own ?? defaultEntry;
    if (!entry) {
      const what = host ? `host ${host}` : 'the default domain (no host)';
      return { problem: problem('MissingCertificate', hostField, host, `HTTPS needs a certificate for ${what}: list it in a spec.tls entry, or add a default one (a spec.tls entry without hosts); its HTTPS rules are left out`) };
    }
    if ('certificate' in entry.read) return entry.read;
    const whose = own ? `the certificate of ${host}` : `the default certificate, used for ${host || 'the default domain'},`;
    return { problem: { ...entry.read.problem, reason: `${entry.read.problem.reason}: ${whose} cannot be read; the HTTPS rules of ${host || 'the default domain'} are left out` } };
  }

  return { configured: tls.length > 0, sni, ...(defaultEntry ? { defaultEntry } : {}), anyUsable: used.some((e) => 'certificate' in e.read), unreadable, warnings, certificateFor };
}

const dedupe = (problems: Problem[]): Problem[] => [...new Map(problems.map((p) => [`${p.field}|${p.value}|${p.reason}`, p])).values()];
