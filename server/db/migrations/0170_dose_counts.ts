import { type Kysely, sql } from 'kysely';

/**
 * Dose counts for the public report, one row per (breakdown, group, shard), kept by
 * triggers in the same transaction as every change that moves a dose between groups: a
 * dose recorded or removed, a dose's band filled in or corrected, a person's gender
 * corrected. The report then sums a few thousand rows instead of counting every dose.
 *
 * Each change adds to one of 64 rows per group, chosen at random, so doses recorded at
 * once across the country do not queue on one row per group; a group's count is the sum
 * over its shards (a shard may go below zero when a dose leaves a group through another
 * shard than it came in by). Each statement's changes are applied in key order, so two
 * single statements' row locks cannot cross; a transaction of several (a correction of
 * gender and birth year) can still deadlock with another on a shared shard, rarely (1 in 64
 * per row shared), and the database then rolls one back for the caller to retry (the dose
 * and correction paths retry by themselves; see server/db/errors.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE dose_counts (
      dimension text NOT NULL
        CHECK (dimension IN ('day', 'state', 'vaccine', 'gender', 'dose', 'age_band')),
      key text NOT NULL,
      shard smallint NOT NULL CHECK (shard BETWEEN 0 AND 63),
      n bigint NOT NULL,
      PRIMARY KEY (dimension, key, shard)
    );

    -- The groups one dose counts in: India's day, the centre's state, and its facts.
    CREATE FUNCTION dose_count_keys(
      vaccinated_at timestamptz, state_id integer, vaccine text, gender_id integer,
      dose smallint, age_band text
    ) RETURNS TABLE (dimension text, key text) LANGUAGE sql STABLE AS $$
      VALUES
        ('day', to_char(vaccinated_at AT TIME ZONE 'Asia/Kolkata', 'YYYY-MM-DD')),
        ('state', state_id::text),
        ('vaccine', vaccine),
        ('gender', gender_id::text),
        ('dose', dose::text),
        ('age_band', coalesce(age_band, 'unknown'))
    $$;

    -- Adds each change's delta (+1 or -1) to every group its dose counts in.
    CREATE FUNCTION dose_counts_add(changes jsonb) RETURNS void LANGUAGE sql AS $$
      INSERT INTO dose_counts AS c (dimension, key, shard, n)
      SELECT k.dimension, k.key, floor(random() * 64)::smallint, sum(x.delta)
      FROM jsonb_to_recordset(changes) AS x(
        vaccinated_at timestamptz, center_id integer, vaccine text, gender_id integer,
        dose smallint, age_band text, delta integer
      )
      JOIN centres ON centres.center_id = x.center_id
      CROSS JOIN LATERAL dose_count_keys(
        x.vaccinated_at, centres.state_id, x.vaccine, x.gender_id, x.dose, x.age_band
      ) AS k
      GROUP BY k.dimension, k.key
      HAVING sum(x.delta) <> 0
      ORDER BY k.dimension, k.key
      ON CONFLICT (dimension, key, shard) DO UPDATE SET n = c.n + EXCLUDED.n
    $$;

    -- One dose's change as dose_counts_add takes it, with the person's gender.
    CREATE FUNCTION dose_change(d doses, gender_id integer, delta integer)
    RETURNS jsonb LANGUAGE sql STABLE AS $$
      SELECT jsonb_build_object(
        'vaccinated_at', d.vaccinated_at, 'center_id', d.center_id, 'vaccine', d.vaccine,
        'gender_id', $2, 'dose', d.dose, 'age_band', d.age_band, 'delta', $3)
    $$;

    -- An update's old and new rows go in one change, so a dose that stays in its groups
    -- (an update of another column) touches no count.
    CREATE FUNCTION doses_counted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM dose_counts_add((
          SELECT jsonb_agg(dose_change(n::doses, b.gender_id, 1))
          FROM came n JOIN beneficiaries b USING (beneficiary_reference_id)));
      ELSIF TG_OP = 'DELETE' THEN
        PERFORM dose_counts_add((
          SELECT jsonb_agg(dose_change(o::doses, b.gender_id, -1))
          FROM gone o JOIN beneficiaries b USING (beneficiary_reference_id)));
      ELSE
        PERFORM dose_counts_add((
          SELECT jsonb_agg(change) FROM (
            SELECT dose_change(o::doses, b.gender_id, -1) AS change
            FROM gone o JOIN beneficiaries b USING (beneficiary_reference_id)
            UNION ALL
            SELECT dose_change(n::doses, b.gender_id, 1)
            FROM came n JOIN beneficiaries b USING (beneficiary_reference_id)
          ) AS changes));
      END IF;
      RETURN NULL;
    END $$;
    CREATE TRIGGER doses_counted_insert AFTER INSERT ON doses
      REFERENCING NEW TABLE AS came FOR EACH STATEMENT EXECUTE FUNCTION doses_counted();
    CREATE TRIGGER doses_counted_update AFTER UPDATE ON doses
      REFERENCING OLD TABLE AS gone NEW TABLE AS came
      FOR EACH STATEMENT EXECUTE FUNCTION doses_counted();
    CREATE TRIGGER doses_counted_delete AFTER DELETE ON doses
      REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION doses_counted();

    -- A corrected gender moves the person's doses from the old gender to the new one.
    CREATE FUNCTION doses_regendered() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM dose_counts_add((
        SELECT jsonb_agg(dose_change(d, side.gender_id, side.delta))
        FROM gone o
        JOIN came n USING (beneficiary_reference_id)
        JOIN doses d USING (beneficiary_reference_id)
        CROSS JOIN LATERAL (VALUES (o.gender_id, -1), (n.gender_id, 1)) AS side(gender_id, delta)
        WHERE o.gender_id IS DISTINCT FROM n.gender_id));
      RETURN NULL;
    END $$;
    CREATE TRIGGER beneficiaries_regendered AFTER UPDATE ON beneficiaries
      REFERENCING OLD TABLE AS gone NEW TABLE AS came
      FOR EACH STATEMENT EXECUTE FUNCTION doses_regendered();

    -- The doses recorded before this migration.
    INSERT INTO dose_counts (dimension, key, shard, n)
    SELECT k.dimension, k.key, 0, count(*)
    FROM doses d
    JOIN centres ON centres.center_id = d.center_id
    JOIN beneficiaries b ON b.beneficiary_reference_id = d.beneficiary_reference_id
    CROSS JOIN LATERAL dose_count_keys(
      d.vaccinated_at, centres.state_id, d.vaccine, b.gender_id, d.dose, d.age_band
    ) AS k
    GROUP BY k.dimension, k.key;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER beneficiaries_regendered ON beneficiaries;
    DROP TRIGGER doses_counted_delete ON doses;
    DROP TRIGGER doses_counted_update ON doses;
    DROP TRIGGER doses_counted_insert ON doses;
    DROP FUNCTION doses_regendered();
    DROP FUNCTION doses_counted();
    DROP FUNCTION dose_change(doses, integer, integer);
    DROP FUNCTION dose_counts_add(jsonb);
    DROP FUNCTION dose_count_keys(timestamptz, integer, text, integer, smallint, text);
    DROP TABLE dose_counts;
  `.execute(db);
}
