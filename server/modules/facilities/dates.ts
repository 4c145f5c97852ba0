/** Sessions are dated in India Standard Time (UTC+05:30, no daylight saving). */
const IST_OFFSET_MS = 330 * 60_000;

/** The date in India at `now`, plus `plusDays`, as YYYY-MM-DD. */
export function indiaDate(now: Date, plusDays = 0): string {
  return new Date(now.getTime() + IST_OFFSET_MS + plusDays * 86_400_000).toISOString().slice(0, 10);
}
