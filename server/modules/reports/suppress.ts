/** Cells with fewer doses than this are never published. */
export const SMALL_COUNT = 5;

export interface Cell<K> {
  key: K;
  label: string;
  count: number;
}

export interface PublishedCell<K> {
  key: K;
  label: string;
  /** null when suppressed. */
  doses: number | null;
  suppressed: boolean;
}

/**
 * Small-count suppression of one breakdown whose cells add up to a published total.
 * Every cell under SMALL_COUNT is hidden; then, while the hidden cells are fewer than two
 * or add up to less than SMALL_COUNT, the smallest shown cell is hidden too, so that
 * "total minus the shown cells" reveals neither one small cell nor a small sum.
 */
export function suppress<K>(cells: readonly Cell<K>[], total: number): PublishedCell<K>[] {
  const hidden = new Set(cells.filter((c) => c.count < SMALL_COUNT));
  const shown = cells.filter((c) => !hidden.has(c)).sort((a, b) => a.count - b.count);
  const hiddenSum = () => [...hidden].reduce((sum, c) => sum + c.count, 0);
  // Nothing is hidden, or the total itself is withheld (it is small): no difference leaks.
  const leaks = () =>
    hidden.size > 0 && total >= SMALL_COUNT && (hidden.size < 2 || hiddenSum() < SMALL_COUNT);
  while (leaks() && shown.length > 0) hidden.add(shown.shift() as Cell<K>);
  return cells.map((c) => ({
    key: c.key,
    label: c.label,
    doses: hidden.has(c) ? null : c.count,
    suppressed: hidden.has(c),
  }));
}
