import { connect, type Socket } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listeningServer } from './server.js';

const SLOW_CLIENTS = 200;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: Awaited<ReturnType<typeof listeningServer>>;
beforeAll(async () => {
  server = await listeningServer({ TEEKA_HEADERS_TIMEOUT_MS: '2000' });
});
afterAll(() => server.stop());

/** A slowloris client: opens a connection and sends its request headers one byte at a time. */
function slowClient(port: number, stop: { stopped: boolean }) {
  const socket: Socket = connect(port, '127.0.0.1');
  const request = `GET /api/v2/admin/location/states HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(500)}\r\n`;
  let sent = 0;
  let closed = false;
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  const drip = setInterval(() => {
    if (stop.stopped || closed || sent >= request.length) return;
    socket.write(request.charAt(sent++));
  }, 50);
  return {
    isClosed: () => closed,
    end() {
      clearInterval(drip);
      socket.destroy();
    },
  };
}

describe('slow-client protection', () => {
  it('keeps answering normal requests while many clients trickle headers, and cuts the slow ones off', async () => {
    const port = Number(new URL(server.url).port);
    const stop = { stopped: false };
    const clients = Array.from({ length: SLOW_CLIENTS }, () => slowClient(port, stop));
    try {
      await pause(500);
      for (let i = 0; i < 10; i++) {
        const response = await fetch(`${server.url}/api/v2/admin/location/states`, {
          signal: AbortSignal.timeout(5000),
        });
        expect(response.status).toBe(200);
        await response.arrayBuffer();
      }
      // headersTimeout (2 s) plus Node's check interval (1 s): every slow client is gone.
      await pause(4000);
      expect(clients.filter((client) => !client.isClosed())).toHaveLength(0);
      const after = await fetch(`${server.url}/healthz`);
      expect(after.status).toBe(200);
    } finally {
      stop.stopped = true;
      clients.forEach((client) => client.end());
    }
  }, 30_000);
});
