import { afterEach, describe, expect, it, vi } from 'vitest';

import { startRepeating } from './timer.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('the checkpoint timer', () => {
  it('never overlaps a slow round, and stop waits for the round in progress', async () => {
    vi.useFakeTimers();
    let running = 0;
    let most = 0;
    let rounds = 0;
    const repeating = startRepeating(
      async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 2500)); // slower than the interval
        running--;
        rounds++;
      },
      1000,
      () => undefined,
    );
    await vi.advanceTimersByTimeAsync(10_000);
    expect(most).toBe(1);
    expect(rounds).toBeGreaterThanOrEqual(2);
    const stopped = repeating.stop();
    await vi.advanceTimersByTimeAsync(3000);
    await stopped;
    const after = rounds;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(rounds).toBe(after);
    expect(running).toBe(0);
  });

  it('keeps going after a failed round, reporting the error', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let calls = 0;
    const repeating = startRepeating(
      () => {
        calls++;
        return Promise.reject(new Error(`round ${calls}`));
      },
      100,
      (error) => errors.push(error),
    );
    await vi.advanceTimersByTimeAsync(350);
    await repeating.stop();
    expect(calls).toBe(3);
    expect(errors).toHaveLength(3);
  });
});
