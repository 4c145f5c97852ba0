import { once } from 'node:events';
import { createServer, type Server } from 'node:http';

import { EDGE_LIMITS } from './policy.js';

// A hostname or IP literal (the Host header's name part); anything else falls back to ours.
const HOSTNAME = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]{1,253})$/i;

/**
 * The plain-HTTP listener beside HTTPS: it serves nothing, it only sends the browser to
 * the same path over HTTPS (308 keeps the method). HSTS then keeps the browser there.
 */
export async function startHttpsRedirect({
  host,
  port,
  httpsPort,
  headersTimeoutMs,
}: {
  host: string;
  port: number;
  httpsPort: number;
  headersTimeoutMs: number;
}): Promise<Server> {
  const fallbackHost = host.includes(':') ? `[${host}]` : host;
  const server = createServer(
    {
      maxHeaderSize: EDGE_LIMITS.maxHeaderBytes * 2,
      connectionsCheckingInterval: EDGE_LIMITS.connectionsCheckingIntervalMs,
    },
    (request, response) => {
      const name = (request.headers.host ?? '').replace(/:\d+$/, '');
      const target = HOSTNAME.test(name) ? name : fallbackHost;
      const path = (request.url ?? '/').startsWith('/') ? (request.url ?? '/') : '/';
      const location = `https://${target}${httpsPort === 443 ? '' : `:${httpsPort}`}${path}`;
      if (location.length > EDGE_LIMITS.maxUrlLength) {
        response.writeHead(414, {
          'content-type': 'text/plain; charset=utf-8',
          connection: 'close',
        });
        response.end('URI too long\n');
        return;
      }
      response.writeHead(308, {
        location,
        'content-type': 'text/plain; charset=utf-8',
        connection: 'close',
      });
      response.end('Use HTTPS\n');
    },
  );
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = headersTimeoutMs;
  server.listen(port, host);
  await once(server, 'listening');
  return server;
}
