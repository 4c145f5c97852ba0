import { type Kysely, sql } from 'kysely';

import { masterData } from '../../modules/masterdata/data.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE states (
      state_id integer PRIMARY KEY,
      state_name text NOT NULL,
      position integer NOT NULL
    );
    CREATE TABLE districts (
      district_id integer PRIMARY KEY,
      state_id integer NOT NULL REFERENCES states(state_id),
      district_name text NOT NULL,
      position integer NOT NULL
    );
    CREATE INDEX districts_state_idx ON districts (state_id, position);
    CREATE TABLE vaccines (
      code text PRIMARY KEY,
      name text NOT NULL,
      manufacturer text NOT NULL,
      primary_doses integer NOT NULL CHECK (primary_doses > 0),
      min_age integer NOT NULL,
      intervals jsonb NOT NULL,
      heterologous_precaution boolean NOT NULL
    );
    CREATE TABLE id_types (
      id integer PRIMARY KEY,
      type text NOT NULL,
      position serial NOT NULL
    );
    CREATE TABLE genders (
      id integer PRIMARY KEY,
      gender text NOT NULL
    );
    CREATE TABLE programme_rules (
      key text PRIMARY KEY,
      value integer NOT NULL
    );
  `.execute(db);

  const states = masterData.states();
  await sql`INSERT INTO states (state_id, state_name, position) SELECT * FROM unnest(${states.map((s) => s.state_id)}::int[], ${states.map((s) => s.state_name)}::text[], ${states.map((_, i) => i)}::int[])`.execute(
    db,
  );
  const districts = states.flatMap((s) =>
    s.districts.map((d, i) => ({ ...d, state_id: s.state_id, position: i })),
  );
  await sql`INSERT INTO districts (district_id, state_id, district_name, position) SELECT * FROM unnest(${districts.map((d) => d.district_id)}::int[], ${districts.map((d) => d.state_id)}::int[], ${districts.map((d) => d.district_name)}::text[], ${districts.map((d) => d.position)}::int[])`.execute(
    db,
  );

  const { vaccines, programme } = masterData.vaccines();
  for (const v of vaccines) {
    await sql`INSERT INTO vaccines (code, name, manufacturer, primary_doses, min_age, intervals, heterologous_precaution)
      VALUES (${v.code}, ${v.name}, ${v.manufacturer}, ${v.primary_doses}, ${v.min_age}, ${JSON.stringify(v.intervals)}::jsonb, ${v.heterologous_precaution})`.execute(
      db,
    );
  }
  for (const [key, value] of Object.entries(programme)) {
    await sql`INSERT INTO programme_rules (key, value) VALUES (${key}, ${value})`.execute(db);
  }
  for (const t of masterData.idTypes()) {
    await sql`INSERT INTO id_types (id, type) VALUES (${Number(t.id)}, ${t.type})`.execute(db);
  }
  for (const g of masterData.genders()) {
    await sql`INSERT INTO genders (id, gender) VALUES (${g.id}, ${g.gender})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE programme_rules, genders, id_types, vaccines, districts, states`.execute(db);
}
