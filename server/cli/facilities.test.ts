import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import { freshDatabase } from '../../test/helpers/db.js';
import { indiaDate } from '../modules/facilities/dates.js';
import { registerFacilityCommands } from './facilities.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs `teeka <args>` against this file's database; returns what it printed. */
async function teeka(...args: string[]) {
  const out: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => out.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: string) => out.push(line));
  const program = new Command('teeka').exitOverride();
  registerFacilityCommands(program, () =>
    Promise.resolve({ ...database, close: () => Promise.resolve() }),
  );
  await program.parseAsync(['node', 'teeka', ...args]);
  return { text: out.join('\n'), exitCode: process.exitCode };
}

const CENTRE = [
  'centre',
  'add',
  '--name',
  'Sion Hospital',
  '--address',
  'Sion West, Mumbai',
  '--district',
  '395',
  '--block',
  'Ward F North',
  '--pincode',
  '400022',
  '--lat',
  '19.0380',
  '--long',
  '72.8600',
  '--fee-type',
  'Paid',
  '--fee',
  'COVISHIELD=780',
  '--fee',
  'SPUTNIK V=1145',
];

describe('teeka centre and session commands', () => {
  it('creates a centre and a session, validated and audited', async () => {
    const created = await teeka(...CENTRE);
    expect(created.exitCode).toBeUndefined();
    const centerId = Number(/Created centre (\d+)\./.exec(created.text)?.[1]);
    const centre = await database.db
      .selectFrom('centres')
      .selectAll()
      .where('center_id', '=', centerId)
      .executeTakeFirstOrThrow();
    expect(centre).toMatchObject({ state_id: 21, fee_type: 'Paid', opens_at: '09:00:00' });
    expect(centre.vaccine_fees).toEqual([
      { vaccine: 'COVISHIELD', fee: '780' },
      { vaccine: 'SPUTNIK V', fee: '1145' },
    ]);

    const date = indiaDate(new Date(), 3);
    const session = await teeka(
      'session',
      'add',
      '--centre',
      String(centerId),
      '--date',
      date.split('-').reverse().join('-'),
      '--vaccine',
      'covishield',
      '--min-age',
      '18',
      '--max-age',
      '44',
      '--dose1',
      '40',
      '--dose2',
      '60',
      '--slot',
      '09:00AM-01:00PM',
      '--slot',
      '01:00PM-05:00PM',
    );
    const sessionId = /Created session ([0-9a-f-]{36})\./.exec(session.text)?.[1] ?? '';
    const row = await database.db
      .selectFrom('vaccination_sessions')
      .selectAll()
      .where('session_id', '=', sessionId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      date,
      vaccine: 'COVISHIELD',
      max_age_limit: 44,
      available_dose1: 40,
      available_dose2: 60,
      available_precaution: 0,
      slots: ['09:00AM-01:00PM', '01:00PM-05:00PM'],
    });

    const audit = await database.db
      .selectFrom('audit_log')
      .select(['action', 'subject_id', 'actor_type', 'actor_id'])
      .where('subject_id', 'in', [String(centerId), sessionId])
      .orderBy('id')
      .execute();
    expect(audit.map((a) => [a.action, a.subject_id])).toEqual([
      ['facilities.centre.create', String(centerId)],
      ['facilities.session.create', sessionId],
    ]);
    expect(audit[0]?.actor_id).toMatch(/^cli:/);

    expect((await teeka('centre', 'deactivate', String(centerId))).text).toContain('inactive');
    const refused = await teeka(
      'session',
      'add',
      '--centre',
      String(centerId),
      '--date',
      date,
      '--vaccine',
      'COVISHIELD',
      '--min-age',
      '18',
      '--dose1',
      '1',
      '--dose2',
      '1',
      '--slot',
      '09:00AM-11:00AM',
    );
    expect(refused).toMatchObject({ exitCode: 1 });
    expect(refused.text).toContain('centre-inactive');
  });

  it('refuses bad centres and sessions with one clear line, creating nothing', async () => {
    const before = await database.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const cases: [string[], string][] = [
      [[...CENTRE.slice(0, 7), '999', ...CENTRE.slice(8)], 'unknown-district'],
      [[...CENTRE.slice(0, 11), '-5', ...CENTRE.slice(12)], 'pincode'],
      [[...CENTRE.slice(0, 13), '95', ...CENTRE.slice(14)], 'lat'],
      [[...CENTRE, '--fee', 'NOVAX=10'], 'unknown-vaccine'],
      [[...CENTRE.slice(0, 17), 'Free', ...CENTRE.slice(18)], 'fees-on-free-centre'],
      [[...CENTRE, '--opens', '18:00', '--closes', '09:00'], 'closes-before-opening'],
      [
        [
          'session',
          'add',
          '--centre',
          '99999',
          '--date',
          indiaDate(new Date(), 1),
          '--vaccine',
          'COVISHIELD',
          '--min-age',
          '18',
          '--dose1',
          '1',
          '--dose2',
          '1',
          '--slot',
          '09:00AM-11:00AM',
        ],
        'unknown-centre',
      ],
    ];
    for (const [args, expected] of cases) {
      const result = await teeka(...args);
      expect(result.exitCode, args.join(' ')).toBe(1);
      expect(result.text, args.join(' ')).toContain(expected);
    }
    const centerId = Number(/(\d+)/.exec((await teeka(...CENTRE)).text)?.[1]);
    const session = (date: string, extra: string[] = []) =>
      teeka(
        'session',
        'add',
        '--centre',
        String(centerId),
        '--date',
        date,
        '--vaccine',
        'COVISHIELD',
        '--min-age',
        '18',
        '--dose1',
        '10',
        '--dose2',
        '10',
        ...extra,
      );
    const tomorrow = indiaDate(new Date(), 1);
    const sessionCases: [string, string[], string][] = [
      [indiaDate(new Date(), -1), ['--slot', '09:00AM-11:00AM'], 'session-in-past'],
      ['31-02-2026', ['--slot', '09:00AM-11:00AM'], 'date'],
      [tomorrow, ['--slot', '07:00AM-11:00AM'], 'slot-outside-hours'],
      [tomorrow, ['--slot', '11:00AM-09:00AM'], 'slot-outside-hours'],
      [tomorrow, ['--slot', '9am-11am'], 'slots'],
      [tomorrow, ['--slot', '09:00AM-11:00AM', '--slot', '09:00AM-11:00AM'], 'duplicate-slot'],
      [tomorrow, ['--slot', '09:00AM-11:00AM', '--min-age', '50', '--max-age', '40'], 'age-limits'],
      [tomorrow, ['--slot', '09:00AM-11:00AM', '--dose1', '-1'], 'capacity_dose1'],
    ];
    for (const [date, extra, expected] of sessionCases) {
      const result = await session(date, extra);
      expect(result.exitCode, extra.join(' ')).toBe(1);
      expect(result.text, extra.join(' ')).toContain(expected);
    }
    const after = await database.db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n + 1); // only the one good centre
  });
});
