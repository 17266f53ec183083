/**
 * A self-signed certificate for the data path's HTTPS listeners (the sandbox and tests): the CLB certificates the
 * controller binds (ids from Secrets) have no key material offline, so every one is served with this key pair. The
 * key is made by Node's crypto (fast, native); node-forge writes the X.509 certificate, which Node cannot.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import type { KeyPair } from './l7.js';

/** A certificate for `hosts` (DNS names, wildcards allowed, and IP addresses), valid from now for `days`. */
export function selfSignedKeyPair(hosts: readonly string[], days = 30): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = Date.now().toString(16);
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  const subject = [{ name: 'commonName', value: hosts[0] ?? 'clb-controller sandbox' }, { name: 'organizationName', value: 'clb-controller sandbox (self-signed)' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  const isIp = (h: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(h);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: hosts.map((h) => (isIp(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) };
}
