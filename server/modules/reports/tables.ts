/** Dose counts per group, kept by triggers (migration 0170); a group's count is its shards' sum. */
export interface ReportTables {
  dose_counts: {
    dimension: 'day' | 'state' | 'vaccine' | 'gender' | 'dose' | 'age_band';
    key: string;
    shard: number;
    n: string;
  };
}
