import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { BlockList, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError, type TlsSetting } from '../config.js';

/** A certificate chain and its private key, PEM. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

const CERT_FILE = 'self-signed-cert.pem';
const KEY_FILE = 'self-signed-key.pem';
/** A certificate that expires sooner than this is made anew. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

/** This machine's non-loopback addresses, the ones a phone on the same network can reach. */
export function lanAddresses(): { v4: string[]; v6: string[] } {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (entry.family === 'IPv4') v4.push(entry.address);
      else if (!entry.address.startsWith('fe80:')) v6.push(entry.address);
    }
  }
  return { v4, v6 };
}

async function readPem(path: string, variable: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ConfigError(`${variable}: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? error}).`);
  }
}

/** Whether `cert` names every one of `hosts` and stays valid for a while yet. */
function covers(cert: Buffer, hosts: { dns: string[]; ips: string[] }): boolean {
  try {
    const x509 = new X509Certificate(cert);
    if (Date.parse(x509.validTo) - Date.now() < RENEW_BEFORE_MS) return false;
    const names = (x509.subjectAltName ?? '').split(', ');
    // OpenSSL prints IPv6 addresses expanded (0:0:0:0:0:0:0:1): compare them as addresses.
    const ips = new BlockList();
    for (const name of names) {
      const ip = /^IP Address:(.+)$/.exec(name)?.[1];
      if (ip) ips.addAddress(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
    }
    return (
      hosts.dns.every((name) => names.includes(`DNS:${name}`)) &&
      hosts.ips.every((ip) => ips.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4'))
    );
  } catch {
    return false;
  }
}

/**
 * A self-signed certificate for LAN testing, kept in `dir` and reused while it still names this
 * machine's addresses (so a browser's one-time exception keeps working); made with the openssl CLI.
 */
export async function selfSignedCertificate(dir: string): Promise<TlsMaterial & { path: string }> {
  const folder = resolve(dir);
  const certPath = join(folder, CERT_FILE);
  const keyPath = join(folder, KEY_FILE);
  const lan = lanAddresses();
  const hosts = { dns: ['localhost'], ips: ['127.0.0.1', '::1', ...lan.v4, ...lan.v6] };
  try {
    const [cert, key] = await Promise.all([readFile(certPath), readFile(keyPath)]);
    if (covers(cert, hosts)) return { cert, key, path: certPath };
  } catch {
    // none yet: make one
  }
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const san = [...hosts.dns.map((name) => `DNS:${name}`), ...hosts.ips.map((ip) => `IP:${ip}`)].join(',');
  try {
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '365',
      '-subj',
      '/CN=rtc-call self-signed (LAN testing)',
      '-addext',
      `subjectAltName=${san}`,
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ]);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ConfigError(
      missing
        ? 'HTTPS=self-signed needs the openssl command (Debian: apt-get install openssl).'
        : `HTTPS=self-signed: openssl could not make a certificate in ${folder}: ${String(error)}`,
    );
  }
  await chmod(keyPath, 0o600);
  const [cert, key] = await Promise.all([readFile(certPath), readFile(keyPath)]);
  return { cert, key, path: certPath };
}

/** The certificate and key to serve, or null for plain HTTP. */
export async function loadTls(setting: TlsSetting, certDir: string): Promise<TlsMaterial | null> {
  if (setting === null) return null;
  if (setting === 'self-signed') {
    const { cert, key } = await selfSignedCertificate(certDir);
    return { cert, key };
  }
  const [cert, key] = await Promise.all([readPem(setting.cert, 'TLS_CERT'), readPem(setting.key, 'TLS_KEY')]);
  return { cert, key };
}
