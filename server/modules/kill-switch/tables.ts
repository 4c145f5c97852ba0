export interface KillSwitchTables {
  kill_switches: {
    /** The target as text: `all-partners`, `public`, `citizen`, `client:<id>` or `scope:<scope>`. */
    target: string;
    reason: string;
    switched_off_at: Date;
    actor_type: 'staff' | 'system';
    actor_id: string | null;
  };
  kill_switch_version: { id: number; version: number };
}
