import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:tls';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listeningServer } from './server.js';

let dir: string;
let server: Awaited<ReturnType<typeof listeningServer>>;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'teeka-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  // A throwaway certificate for this test only.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  server = await listeningServer({
    TLS_CERT_FILE: cert,
    TLS_KEY_FILE: key,
    TEEKA_HTTP_REDIRECT_PORT: '0',
  });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Negotiates TLS with the given protocol range; resolves with the version or the error code. */
function handshake(
  minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3',
  maxVersion: typeof minVersion,
) {
  return new Promise<string>((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      minVersion,
      maxVersion,
      rejectUnauthorized: false,
      // Lets this client offer old protocols at all, so that the refusal is the server's.
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    socket.on('secureConnect', () => {
      resolve(socket.getProtocol() ?? 'none');
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function get(url: string, via: typeof httpRequest | typeof httpsRequest) {
  return new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const request = via(url, { rejectUnauthorized: false }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    });
    request.on('error', reject);
    request.setTimeout(5000, () => request.destroy(new Error('timeout')));
    request.end();
  });
}

describe('TLS', () => {
  it('negotiates TLS 1.2 and 1.3 and refuses TLS 1.1 and 1.0 with a protocol-version alert', async () => {
    expect(await handshake('TLSv1.3', 'TLSv1.3')).toBe('TLSv1.3');
    expect(await handshake('TLSv1.2', 'TLSv1.2')).toBe('TLSv1.2');
    expect(await handshake('TLSv1.1', 'TLSv1.1')).toMatch(
      /ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/,
    );
    expect(await handshake('TLSv1', 'TLSv1')).toMatch(
      /ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/,
    );
  });

  it('sends HSTS for a year with subdomains, and the security headers', async () => {
    const response = await get(`${server.url}/healthz`, httpsRequest);
    expect(response.status).toBe(200);
    expect(response.headers['strict-transport-security']).toBe(
      'max-age=31536000; includeSubDomains',
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses plain HTTP on the TLS port', async () => {
    await expect(get(`http://127.0.0.1:${port}/healthz`, httpRequest)).rejects.toThrow();
  });

  it('redirects plain HTTP on the redirect port to the same path over HTTPS, and serves nothing there', async () => {
    expect(server.redirectUrl).toBeDefined();
    const response = await get(
      `${server.redirectUrl ?? ''}/api/v2/admin/location/states?x=1`,
      httpRequest,
    );
    expect(response.status).toBe(308);
    expect(response.headers.location).toBe(
      `https://127.0.0.1:${port}/api/v2/admin/location/states?x=1`,
    );
  });
});
