/**
 * What OpenTelemetry tracing costs per request: autocannon over loopback against a cheap
 * route (the states list) of a Teeka process with tracing off, then on (OTLP/protobuf to a
 * local receiver that only counts), alternating twice so that drift on a shared machine shows.
 *
 *   npx tsx bench/tracing.ts          # embedded PGlite; DATABASE_URL=... for PostgreSQL
 *
 * BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 20) tune the load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';

import autocannon from 'autocannon';

import { freePort, startTeeka, waitForHealth } from '../test/helpers/process.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const route = '/api/v2/admin/location/states';

let exports = 0;
let exportedBytes = 0;
const receiver = createServer((request, response) => {
  request.on('data', (chunk: Buffer) => (exportedBytes += chunk.length));
  request.on('end', () => {
    exports++;
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

const dir = await mkdtemp(path.join(tmpdir(), 'teeka-bench-tracing-'));
const env: Record<string, string> = {
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  TEEKA_DEMO_SEED: 'false',
  TEEKA_AUDIT_CHECKPOINT_SECONDS: '0',
  // One client address makes every request: the per-IP limit still runs, but never refuses.
  TEEKA_IP_RATE_LIMIT: '1000000',
  TEEKA_SHED_EVENT_LOOP_DELAY_MS: '0',
  ...(process.env.DATABASE_URL
    ? { DATABASE_URL: process.env.DATABASE_URL }
    : { TEEKA_DATA_DIR: dir }),
};

async function run(traced: boolean) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const teeka = startTeeka({
    ...env,
    PORT: String(port),
    ...(traced ? { OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl } : {}),
  });
  try {
    await waitForHealth(url).catch((error: unknown) => {
      throw new Error(`${String(error)}: ${teeka.output()}`);
    });
    // The edge answers 503 past 1,000 requests on one socket (server/http/edge/policy.ts), as
    // it tells the client with `Connection: close`; autocannon reconnects before that.
    const load = { url: `${url}${route}`, connections, reconnectRate: 500 };
    await autocannon({ ...load, duration: 2 }); // warm-up
    const result = await autocannon({ ...load, duration: seconds });
    if (result.non2xx + result.errors > 0) throw new Error(`failed requests: ${teeka.output()}`);
    return { rps: Math.round(result.requests.average), p99: result.latency.p99 };
  } finally {
    teeka.child.kill('SIGTERM');
    await teeka.exited;
  }
}

try {
  console.log(
    `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, GET ${route}, ${connections} connections, ${seconds} s each, load average ${loadavg()[0]?.toFixed(1) ?? '?'}`,
  );
  console.log('| round | tracing | req/s | p99 ms |');
  console.log('| --- | --- | --- | --- |');
  for (const round of [1, 2]) {
    for (const traced of [false, true]) {
      const { rps, p99 } = await run(traced);
      console.log(`| ${round} | ${traced ? 'on' : 'off'} | ${rps} | ${p99} |`);
    }
  }
  console.log(
    `receiver: ${exports} OTLP exports, ${Math.round(exportedBytes / 1024)} KiB (load average now ${loadavg()[0]?.toFixed(1) ?? '?'})`,
  );
} finally {
  receiver.close();
  await rm(dir, { recursive: true, force: true });
}
