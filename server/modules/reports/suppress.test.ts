import { describe, expect, it } from 'vitest';

import { suppress } from './suppress.js';

const cells = (...counts: number[]) =>
  counts.map((count, i) => ({ key: i, label: `c${i}`, count }));
const total = (counts: number[]) => counts.reduce((a, b) => a + b, 0);
const shown = (counts: number[]) => suppress(cells(...counts), total(counts)).map((c) => c.doses);

describe('small-count suppression', () => {
  it('shows every cell when none is small', () => {
    expect(shown([5, 9, 120])).toEqual([5, 9, 120]);
  });

  it('hides a small cell and the smallest other, so the total cannot give it away', () => {
    expect(shown([3, 40, 7, 9])).toEqual([null, 40, null, 9]);
  });

  it('keeps hiding until the hidden cells add up to the threshold', () => {
    // 1 + 2 = 3 would be revealed by the total; the 6 goes too.
    expect(shown([1, 2, 6, 50])).toEqual([null, null, null, 50]);
  });

  it('hides two small cells that together reach the threshold, and nothing else', () => {
    expect(shown([2, 3, 50])).toEqual([null, null, 50]);
  });

  it('hides everything when the total itself is small', () => {
    expect(shown([1, 2])).toEqual([null, null]);
  });

  it('never publishes a cell under the threshold, whatever the mix', () => {
    for (let seed = 0; seed < 500; seed++) {
      const counts = Array.from(
        { length: 1 + (seed % 6) },
        (_, i) => ((seed * 7919 + i * 104729) % 13) + 1,
      );
      const published = suppress(cells(...counts), total(counts));
      const hidden = published.filter((c) => c.suppressed);
      for (const c of published) if (!c.suppressed) expect(c.doses).toBeGreaterThanOrEqual(5);
      // The total minus the shown cells is either nothing or a sum of at least two hidden cells >= 5.
      const hiddenSum = counts
        .filter((_, i) => published[i]?.suppressed)
        .reduce((a, b) => a + b, 0);
      if (hidden.length > 0 && total(counts) >= 5) {
        expect(hidden.length).toBeGreaterThanOrEqual(2);
        expect(hiddenSum).toBeGreaterThanOrEqual(5);
      }
    }
  });
});
