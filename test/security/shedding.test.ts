import { describe, expect, it } from 'vitest';

import { testApp } from '../helpers/app.js';
import { expectProblem } from './problem.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Holds the event loop, as an overloaded process does. */
function stall(ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy
  }
}

describe('load shedding', () => {
  it('answers 503 with Retry-After while the event loop keeps lagging; /healthz keeps answering', async () => {
    const t = await testApp({ TEEKA_SHED_EVENT_LOOP_DELAY_MS: '100' });
    try {
      expect((await t.app.inject('/api/v2/admin/location/states')).statusCode).toBe(200);
      for (let i = 0; i < 4; i++) {
        stall(250);
        await pause(1); // lets the lag ticker see each stall
      }
      const shed = await t.app.inject('/api/v2/admin/location/states');
      expectProblem(shed, 503, 'overloaded');
      expect(shed.headers['retry-after']).toBe('5');
      expect((await t.app.inject('/healthz')).statusCode).toBe(200);
      expect(t.logs.some((line) => line.includes('shedding load'))).toBe(true);
      await pause(400); // the loop is idle again
      expect((await t.app.inject('/api/v2/admin/location/states')).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('answers 503 when the heap is over its limit; /healthz keeps answering', async () => {
    const t = await testApp({ TEEKA_SHED_HEAP_BYTES: '1024' });
    try {
      await pause(450); // the heap is sampled every 200 ms
      const shed = await t.app.inject('/api/v2/admin/location/states');
      expectProblem(shed, 503, 'overloaded');
      expect(Number(shed.headers['retry-after'])).toBeGreaterThan(0);
      expect((await t.app.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
