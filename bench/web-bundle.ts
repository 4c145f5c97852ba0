/**
 * JavaScript each public page of the built web app downloads before it is usable, gzipped:
 * Chromium loads the page from web/dist and lists every script it fetched (entry, lazy
 * page chunk, shared chunks); each file is gzipped here (zlib level 9) and summed.
 *
 *   npm run build && npx tsx bench/web-bundle.ts
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

import { chromium } from 'playwright-core';

import { CHROMIUM } from '../test/helpers/browser.js';

const dist = path.resolve(import.meta.dirname, '..', 'web', 'dist');
const PAGES = ['/', '/verify', '/citizen', '/staff'];
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

// Only web/dist files: the API is absent, which the pages report as errors; scripts still load.
const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://x');
  const asset = url.pathname.startsWith('/assets/') ? url.pathname : '/index.html';
  const file = path.join(dist, path.normalize(asset));
  readFile(file).then(
    (body) => {
      response.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'text/html; charset=utf-8',
      });
      response.end(body);
    },
    () => {
      response.writeHead(404);
      response.end();
    },
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
if (!address || typeof address === 'string') throw new Error('no address');
const origin = `http://127.0.0.1:${address.port}`;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
console.log('page        scripts   raw KB   gzip KB');
for (const page of PAGES) {
  const tab = await browser.newPage();
  const scripts = new Set<string>();
  tab.on('response', (response) => {
    if (response.request().resourceType() === 'script')
      scripts.add(new URL(response.url()).pathname);
  });
  await tab.goto(origin + page, { waitUntil: 'networkidle' });
  let raw = 0;
  let gzip = 0;
  for (const script of scripts) {
    const body = await readFile(path.join(dist, script));
    raw += body.length;
    gzip += gzipSync(body, { level: 9 }).length;
  }
  console.log(
    `${page.padEnd(12)}${String(scripts.size).padStart(7)}${(raw / 1000).toFixed(2).padStart(9)}${(gzip / 1000).toFixed(2).padStart(10)}`,
  );
  await tab.close();
}
await browser.close();
server.close();
