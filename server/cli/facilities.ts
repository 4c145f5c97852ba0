import { userInfo } from 'node:os';

import type { Command } from 'commander';

import type { DatabaseHandle } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { AppError } from '../http/errors.js';
import { createAuditModule } from '../modules/audit/module.js';
import type { AuditActor } from '../modules/audit/service.js';
import { createFacilityService } from '../modules/facilities/service.js';
import { createFacilityStore } from '../modules/facilities/store.js';
import { systemClock } from '../platform/clock.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `VACCINE=RUPEES` (e.g. `COVISHIELD=780`, `"SPUTNIK V=1145"`). */
function parseFee(text: string): { vaccine: string; fee: number } {
  const at = text.lastIndexOf('=');
  return {
    vaccine: text.slice(0, at).trim().toUpperCase(),
    fee: at < 0 ? NaN : Number(text.slice(at + 1)),
  };
}

/** YYYY-MM-DD, or CoWIN's DD-MM-YYYY. */
const isoDate = (text: string) =>
  /^\d{2}-\d{2}-\d{4}$/.test(text) ? text.split('-').reverse().join('-') : text;

const optionalNumber = (text: string | undefined) =>
  text === undefined ? undefined : Number(text);

/**
 * `teeka centre ...` and `teeka session ...`: create and change centres and sessions
 * through the facility service, so that the CLI validates and audits exactly as the API
 * does. The audit actor is the operating-system account that ran the command.
 */
export function registerFacilityCommands(
  program: Command,
  open: () => Promise<DatabaseHandle>,
): void {
  const service = createFacilityService({
    store: createFacilityStore(),
    audit: createAuditModule().service,
    clock: systemClock,
  });
  const actor = (): AuditActor => ({ type: 'system', id: `cli:${userInfo().username}` });

  const run = async (work: (database: DatabaseHandle) => Promise<string>) => {
    const database = await open();
    try {
      await migrateToLatest(database.db);
      console.log(await work(database));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const details = (error.extra.errors ?? []).map((e) => `\n  ${e.path}: ${e.message}`).join('');
      console.error(`Refused (${error.code}): ${error.message}${details}`);
      process.exitCode = 1;
    } finally {
      await database.close();
    }
  };

  const centre = program.command('centre').description('vaccination centres (CVCs)');
  centre
    .command('add')
    .description('create a centre; prints its center_id')
    .requiredOption('--name <name>')
    .requiredOption('--address <address>')
    .requiredOption('--district <district_id>', 'CoWIN district id (the state follows from it)')
    .requiredOption('--block <block_name>')
    .requiredOption('--pincode <pincode>')
    .requiredOption('--lat <latitude>')
    .requiredOption('--long <longitude>')
    .option('--opens <HH:MM>', 'opening time', '09:00')
    .option('--closes <HH:MM>', 'closing time', '17:00')
    .option('--fee-type <Free|Paid>', 'Free or Paid', 'Free')
    .option('--fee <VACCINE=RUPEES>', 'fee per vaccine at a paid centre (repeatable)', collect)
    .action(
      (o: {
        name: string;
        address: string;
        district: string;
        block: string;
        pincode: string;
        lat: string;
        long: string;
        opens: string;
        closes: string;
        feeType: string;
        fee?: string[];
      }) =>
        run(async ({ db }) => {
          const id = await db.transaction().execute((tx) =>
            service.createCentre(
              tx,
              {
                name: o.name,
                address: o.address,
                district_id: Number(o.district),
                block_name: o.block,
                pincode: Number(o.pincode),
                lat: Number(o.lat),
                long: Number(o.long),
                opens_at: o.opens,
                closes_at: o.closes,
                fee_type: o.feeType as 'Free' | 'Paid',
                vaccine_fees: (o.fee ?? []).map(parseFee),
              },
              actor(),
            ),
          );
          return `Created centre ${id}.`;
        }),
    );
  for (const [name, active] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    centre
      .command(`${name} <center_id>`)
      .description(active ? 'list the centre in search again' : 'hide the centre from search')
      .action((centerId: string) =>
        run(async ({ db }) => {
          await db
            .transaction()
            .execute((tx) => service.updateCentre(tx, Number(centerId), { active }, actor()));
          return `Centre ${centerId} is ${active ? 'active' : 'inactive'}.`;
        }),
      );
  }

  program
    .command('session')
    .description('vaccination sessions (one centre, one day, one vaccine)')
    .command('add')
    .description('create a session; prints its session_id')
    .requiredOption('--centre <center_id>')
    .requiredOption('--date <YYYY-MM-DD>', 'the day (DD-MM-YYYY also accepted)')
    .requiredOption('--vaccine <code>', 'e.g. COVISHIELD')
    .requiredOption('--min-age <years>')
    .option('--max-age <years>')
    .requiredOption('--dose1 <seats>')
    .requiredOption('--dose2 <seats>')
    .option('--precaution <seats>', 'precaution-dose seats', '0')
    .requiredOption('--slot <slot>', 'e.g. 09:00AM-11:00AM (repeatable)', collect)
    .option('--walk-in', 'walk-ins accepted')
    .action(
      (o: {
        centre: string;
        date: string;
        vaccine: string;
        minAge: string;
        maxAge?: string;
        dose1: string;
        dose2: string;
        precaution: string;
        slot: string[];
        walkIn?: boolean;
      }) =>
        run(async ({ db }) => {
          const id = await db.transaction().execute((tx) =>
            service.createSession(
              tx,
              {
                center_id: Number(o.centre),
                date: isoDate(o.date),
                vaccine: o.vaccine.toUpperCase(),
                min_age_limit: Number(o.minAge),
                max_age_limit: optionalNumber(o.maxAge) ?? null,
                capacity_dose1: Number(o.dose1),
                capacity_dose2: Number(o.dose2),
                capacity_precaution: Number(o.precaution),
                slots: o.slot,
                allow_walk_in: o.walkIn === true,
              },
              actor(),
            ),
          );
          return `Created session ${id}.`;
        }),
    );
}
