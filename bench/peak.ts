/**
 * A CoWIN peak day in miniature: `teeka serve --workers 2` on PostgreSQL + Redis + NATS on
 * loopback, driven for a fixed time by a mix of slot searches (most of the traffic), OTP
 * logins, registrations, bookings, doses recorded with their certificates, certificate
 * downloads and partner verifications; then the invariants are checked.
 *
 *   npm run bench:peak                  # 60 s; flags: --seconds 60 --users 24 --workers 2
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) names the server on which a
 * database of its own is made and dropped; REDIS_URL and NATS_URL default to the local ones.
 * Setup goes through the CLI (`teeka migrate`, `centre add`, `session add`, `staff
 * create-admin`) and the HTTP API (staff enrol with TOTP, the partner clients are registered
 * by the admin, citizens read their OTPs from the SMS outbox file). The load generator is
 * this process and shares the two cores with the servers, so the figures are lower bounds.
 * Exits non-zero when an invariant does not hold: no session overbooked, every dose has
 * exactly one certificate, `teeka audit verify` passes, the outbox is drained.
 */
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { authenticator } from 'otplib';
import pg from 'pg';

import { startTeekaCli } from '../test/helpers/cluster.js';
import { adminQuery, databaseUrl } from '../test/helpers/postgres.js';
import { freePort, waitForHealth } from '../test/helpers/process.js';

const { values: flags } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    users: { type: 'string', default: '24' },
    workers: { type: 'string', default: '2' },
  },
});
const SECONDS = Number(flags.seconds);
const USERS = Number(flags.users);
const WORKERS = Number(flags.workers);
const DISTRICT = 294;
const BOOKING_SEATS = 400;
const SLOT = '09:00AM-11:00AM';
const PARTNER_CLIENTS = 8;

/** Share of the virtual users' next operation, in percent. */
const MIX = [
  ['search', 70],
  ['login', 8],
  ['register', 5],
  ['book', 5],
  ['dose', 5],
  ['download', 4],
  ['partner', 3],
] as const;
type Operation = (typeof MIX)[number][0];

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function cli(env: Record<string, string>, ...args: string[]): Promise<string> {
  const run = startTeekaCli(args, env);
  const code = await run.exited;
  if (code !== 0) throw new Error(`teeka ${args.join(' ')} exited ${code}: ${run.output()}`);
  return run.output();
}

interface Citizen {
  mobile: string;
  token: string;
  ref?: string;
}

async function main() {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `teeka_peak_${randomBytes(4).toString('hex')}`;
  const dir = await mkdtemp(path.join(tmpdir(), 'teeka-peak-'));
  const smsFile = path.join(dir, 'sms.jsonl');
  await writeFile(smsFile, '');
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  const url = databaseUrl(adminUrl, name);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    TEEKA_REDIS_PREFIX: name,
    NATS_URL: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    TEEKA_NATS_PREFIX: name,
    TEEKA_MASTER_KEY: `peak:${randomBytes(32).toString('base64')}`,
    TEEKA_DEMO_SEED: 'false',
    TEEKA_SMS_OUTBOX: smsFile,
    // One load generator on one address stands for many citizens and partners.
    TEEKA_IP_RATE_LIMIT: '1000000',
    TEEKA_SEARCH_RATE_LIMIT: '10000000',
    TEEKA_OTP_PER_IP: '100000',
    TEEKA_OTP_PER_MOBILE: '100',
    TEEKA_SMS_BUDGET_PER_HOUR: '100000000',
    TEEKA_SHED_EVENT_LOOP_DELAY_MS: '0',
  };
  const db = new pg.Pool({ connectionString: url, max: 2 });
  let server: ReturnType<typeof startTeekaCli> | undefined;
  try {
    await cli(env, 'migrate');
    const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Asia/Kolkata' });
    const centre = async (label: string) =>
      /Created centre (\d+)/.exec(
        await cli(
          env,
          'centre',
          'add',
          `--name=Peak ${label} Centre`,
          '--address=1 MG Road',
          `--district=${DISTRICT}`,
          '--block=East',
          '--pincode=560001',
          '--lat=12.97',
          '--long=77.59',
        ),
      )?.[1] ?? '';
    const session = async (centreId: string, seats: number, walkIn: boolean) =>
      /Created session ([0-9a-f-]+)/.exec(
        await cli(
          env,
          'session',
          'add',
          `--centre=${centreId}`,
          `--date=${today}`,
          '--vaccine=COVISHIELD',
          '--min-age=18',
          `--dose1=${seats}`,
          '--dose2=0',
          `--slot=${SLOT}`,
          ...(walkIn ? ['--walk-in'] : []),
        ),
      )?.[1] ?? '';
    const bookingCentre = await centre('Booking');
    const walkInCentre = await centre('Walk-in');
    const bookingSession = await session(bookingCentre, BOOKING_SEATS, false);
    const walkInSession = await session(walkInCentre, 100_000, true);
    const link = /https?:\/\/\S+#\S+/.exec(
      await cli(env, 'staff', 'create-admin', '--username=peak.admin'),
    )?.[0];
    if (!bookingSession || !walkInSession || !link) throw new Error('setup through the CLI failed');

    server = startTeekaCli(['serve', '--workers', String(WORKERS)], env);
    // Two workers compile the sources with tsx on a shared machine: give them time.
    await waitForHealth(base, 180_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${server?.output() ?? ''}`);
    });

    const call = async (
      method: string,
      route: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const response = await fetch(base + route, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return {
        status: response.status,
        text,
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it reads
        json: <T>() => JSON.parse(text) as T,
      };
    };
    const must = async <T>(response: Promise<Awaited<ReturnType<typeof call>>>, status = 200) => {
      const done = await response;
      if (done.status !== status) throw new Error(`setup: ${done.status} ${done.text}`);
      return done.json<T>();
    };

    // Staff: enrol with a TOTP secret, then sign in at the next 30 s step (a code is good once).
    const enrolAndLogin = async (username: string, enrolmentUrl: string) => {
      const token = new URL(enrolmentUrl).hash.slice(1);
      const password = `${username} walks to the clinic at dawn`;
      const { totpSecret } = await must<{ totpSecret: string }>(
        call('POST', '/api/v1/staff/enrolment/start', { token }),
      );
      const code = (offset: number) =>
        authenticator.clone({ epoch: Date.now() + offset }).generate(totpSecret);
      await must(
        call('POST', '/api/v1/staff/enrolment/complete', { token, password, code: code(0) }),
      );
      const login = await must<{ token: string }>(
        call('POST', '/api/v1/staff/auth/login', {
          username,
          password,
          code: code(30_000),
          mode: 'bearer',
        }),
      );
      return { authorization: `Bearer ${login.token}` };
    };
    const admin = await enrolAndLogin('peak.admin', link);
    const member = async (username: string, role: string, centerId: string) => {
      const created = await must<{ enrolmentUrl: string }>(
        call(
          'POST',
          '/api/v1/staff/accounts',
          { username, grants: [{ role, center_id: Number(centerId) }] },
          admin,
        ),
        201,
      );
      return enrolAndLogin(username, created.enrolmentUrl);
    };
    const verifier = await member('peak.verifier', 'verifier', walkInCentre);
    const vaccinators: Record<string, string>[] = [];
    for (let i = 0; i < 4; i++)
      vaccinators.push(await member(`peak.vaccinator${i}`, 'vaccinator', walkInCentre));
    // Several partner clients, as on a real peak day: each asks about far fewer people than
    // the enumeration limit (TEEKA_PARTNER_ENUMERATION_LIMIT) that would suspend one client.
    const partnerClient = async () => {
      const client = await must<{ client_id: string; client_secret: string }>(
        call(
          'POST',
          '/api/v1/admin/partners/clients',
          {
            name: `Peak Health App ${randomInt(100_000, 1_000_000)}`,
            purpose: 'Checks vaccination status with the person’s consent',
            contact: 'security@peak.example',
            scopes: ['vaccination-status:consented'],
            allow_list: ['127.0.0.0/8'],
            per_minute: 10_000,
            per_day: 1_000_000,
          },
          admin,
        ),
        201,
      );
      const partnerToken = await must<{ access_token: string }>(
        call(
          'POST',
          '/api/v1/partners/token',
          { grant_type: 'client_credentials' },
          {
            authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
          },
        ),
      );
      return { authorization: `Bearer ${partnerToken.access_token}` };
    };
    const partners: Record<string, string>[] = [];
    for (let i = 0; i < PARTNER_CLIENTS; i++) partners.push(await partnerClient());

    // The six digits after the word OTP in the SMS to `mobile` after the first `seen`: the
    // SMS is sent by an outbox consumer, so it arrives a little after the answer.
    const smsCount = new Map<string, number>();
    const nextOtp = async (mobile: string) => {
      const seen = smsCount.get(mobile) ?? 0;
      for (let attempt = 0; attempt < 100; attempt++) {
        const texts = (await readFile(smsFile, 'utf8'))
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { to: string; text: string })
          .filter((message) => message.to === mobile)
          .map((message) => message.text);
        if (texts.length > seen) {
          smsCount.set(mobile, texts.length);
          return /\bOTP\D*?(\d{6})\b/.exec(texts.at(-1) ?? '')?.[1] ?? '';
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return '';
    };

    const stats = new Map<
      string,
      { latencies: number[]; errors: number; refused: number; sample?: string }
    >();
    const timed = async (label: string, request: () => ReturnType<typeof call>, ok = [200]) => {
      const entry = stats.get(label) ?? { latencies: [], errors: 0, refused: 0 };
      stats.set(label, entry);
      const start = performance.now();
      try {
        const response = await request();
        entry.latencies.push(performance.now() - start);
        if (ok.includes(response.status)) return response;
        if (response.status >= 500) entry.errors++;
        else entry.refused++;
        entry.sample ??= `${response.status} ${response.text.slice(0, 300)}`;
      } catch {
        entry.errors++;
      }
      return undefined;
    };

    let mobiles = 6_000_000_000 + randomInt(0, 900_000_000);
    let photoIds = 1_000_000;
    const loggedIn: Citizen[] = [];
    const registered: Citizen[] = [];
    const vaccinated: Citizen[] = [];
    const ddmmyyyy = today.split('-').reverse().join('-');
    const person = () => ({
      name: 'Peak Person',
      birth_year: '1985',
      gender_id: 1,
      photo_id_type: 12,
      photo_id_number: `PKR${photoIds++}`,
    });

    const operations: Record<Operation, () => Promise<unknown>> = {
      search: () =>
        timed('slot search', () =>
          call(
            'GET',
            `/api/v2/appointment/sessions/public/findByDistrict?district_id=${DISTRICT}&date=${ddmmyyyy}`,
          ),
        ),
      login: async () => {
        const mobile = String(mobiles++);
        const sent = await timed('OTP send', () =>
          call('POST', '/api/v2/auth/public/generateOTP', { mobile }),
        );
        if (!sent) return;
        const otp = sha256(await nextOtp(mobile));
        const { txnId } = sent.json<{ txnId: string }>();
        const confirmed = await timed('OTP confirm', () =>
          call('POST', '/api/v2/auth/public/confirmOTP', { otp, txnId }),
        );
        if (confirmed) loggedIn.push({ mobile, token: confirmed.json<{ token: string }>().token });
      },
      register: async () => {
        const citizen = loggedIn.shift();
        if (!citizen) return operations.login();
        const made = await timed(
          'registration',
          () =>
            call(
              'POST',
              '/api/v2/registration/beneficiary/new',
              { ...person(), comorbidity_ind: 'N', consent_version: 'V1' },
              { authorization: `Bearer ${citizen.token}` },
            ),
          [200, 201],
        );
        const ref = made?.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id;
        if (ref) registered.push({ ...citizen, ref });
      },
      book: async () => {
        const citizen = registered.shift();
        if (!citizen) return operations.register();
        // Bookings run out of seats during the run: refusals (409) are expected, not errors.
        await timed(
          'booking',
          () =>
            call(
              'POST',
              '/api/v2/appointment/schedule',
              { dose: 1, session_id: bookingSession, slot: SLOT, beneficiaries: [citizen.ref] },
              { authorization: `Bearer ${citizen.token}` },
            ),
          [200, 201],
        );
      },
      dose: async () => {
        const citizen = loggedIn.shift();
        if (!citizen) return operations.login();
        const walkIn = await timed(
          'walk-in registration',
          () =>
            call(
              'POST',
              `/api/v1/vaccinations/sessions/${walkInSession}/walk-ins`,
              { ...person(), mobile: citizen.mobile },
              verifier,
            ),
          [201],
        );
        const ref = walkIn?.json<{ beneficiary_reference_id: string }>().beneficiary_reference_id;
        if (!ref) return;
        const recorded = await timed('dose + certificate', () =>
          call(
            'POST',
            '/api/v1/vaccinations/doses',
            {
              session_id: walkInSession,
              beneficiary_reference_id: ref,
              vaccine: 'COVISHIELD',
              batch: '4121Z025',
              dose: 1,
              vaccinated_at: new Date().toISOString(),
            },
            {
              'idempotency-key': randomUUID(),
              ...vaccinators[randomInt(vaccinators.length)],
            },
          ),
        );
        if (recorded) vaccinated.push({ ...citizen, ref });
      },
      download: async () => {
        const citizen = vaccinated[randomInt(Math.max(vaccinated.length, 1))];
        if (!citizen) return operations.dose();
        await timed('certificate download', () =>
          call(
            'GET',
            `/api/v2/registration/certificate/public/download?beneficiary_reference_id=${citizen.ref ?? ''}`,
            undefined,
            { authorization: `Bearer ${citizen.token}` },
          ),
        );
      },
      partner: async () => {
        // One consent at a time per person, so the OTP read back is the one just sent.
        const citizen = vaccinated.shift();
        if (!citizen) return operations.dose();
        const partner = partners[randomInt(partners.length)];
        try {
          const asked = await timed(
            'partner consent request',
            () =>
              call(
                'POST',
                '/api/v1/partners/consents',
                {
                  mobile: citizen.mobile,
                  beneficiary_reference_id: citizen.ref,
                  scope: 'vaccination-status:consented',
                  purpose: 'Peak-day vaccination check',
                  uses: 1,
                },
                partner,
              ),
            [202],
          );
          if (!asked) return;
          const { request_id } = asked.json<{ request_id: string }>();
          const otp = await nextOtp(citizen.mobile);
          const completed = await timed(
            'partner consent complete',
            () => call('POST', '/api/v1/partners/consents/complete', { request_id, otp }, partner),
            [200, 201],
          );
          if (!completed) return;
          const { consent_id } = completed.json<{ consent_id: string }>();
          await timed('partner verification (KYC-VS)', () =>
            call(
              'POST',
              '/api/v1/partners/vaccination-status',
              { consent_id, beneficiary_reference_id: citizen.ref },
              partner,
            ),
          );
        } finally {
          vaccinated.push(citizen);
        }
      },
    };
    const pick = (): Operation => {
      let roll = randomInt(100);
      for (const [operation, share] of MIX) {
        if (roll < share) return operation;
        roll -= share;
      }
      return 'search';
    };

    const load = loadavg()[0] ?? 0;
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: USERS }, async () => {
        while (performance.now() < deadline) await operations[pick()]();
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const loadAfter = loadavg()[0] ?? 0;

    const percentile = (sorted: number[], p: number) =>
      sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0) : 0;
    console.log(
      `\n${new Date().toISOString()}: ${SECONDS} s, ${USERS} virtual users, ${WORKERS} workers, load average ${load.toFixed(2)} before, ${loadAfter.toFixed(2)} after\n`,
    );
    console.log('| operation | requests | req/s | p50 ms | p99 ms | refused (4xx) | errors |');
    console.log('| --- | --- | --- | --- | --- | --- | --- |');
    let total = 0;
    let errors = 0;
    for (const [label, entry] of stats) {
      const sorted = [...entry.latencies].sort((a, b) => a - b);
      total += sorted.length;
      errors += entry.errors;
      console.log(
        `| ${label} | ${sorted.length} | ${(sorted.length / elapsed).toFixed(1)} | ${percentile(sorted, 0.5).toFixed(1)} | ${percentile(sorted, 0.99).toFixed(1)} | ${entry.refused} | ${entry.errors} |`,
      );
    }
    for (const [label, entry] of stats)
      if (entry.sample) console.log(`first refusal of ${label}: ${entry.sample}`);
    console.log(`| all | ${total} | ${(total / elapsed).toFixed(1)} | | | | ${errors} |`);

    // Invariants.
    const failures: string[] = [];
    const one = async (sql: string, params: unknown[] = []) =>
      Number(
        Object.values((await db.query<Record<string, unknown>>(sql, params)).rows[0] ?? {})[0] ?? 0,
      );
    const booked = await one(
      `SELECT count(*) FROM appointments WHERE session_id = $1 AND status = 'booked'`,
      [bookingSession],
    );
    const left = await one(
      'SELECT available_dose1 FROM vaccination_sessions WHERE session_id = $1',
      [bookingSession],
    );
    if (booked > BOOKING_SEATS || booked + left !== BOOKING_SEATS)
      failures.push(`overbooking: ${booked} booked + ${left} left of ${BOOKING_SEATS} seats`);
    const doses = await one('SELECT count(*) FROM doses');
    const certificates = await one('SELECT count(*) FROM certificates');
    const unmatched = await one(
      `SELECT count(*) FROM doses d WHERE (SELECT count(*) FROM certificates c
         WHERE c.beneficiary_reference_id = d.beneficiary_reference_id AND c.dose = d.dose) <> 1`,
    );
    if (unmatched > 0 || doses !== certificates)
      failures.push(`${doses} doses, ${certificates} certificates, ${unmatched} unmatched`);
    let pending = await one('SELECT count(*) FROM outbox_events');
    for (let i = 0; i < 120 && pending > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      pending = await one('SELECT count(*) FROM outbox_events');
    }
    if (pending > 0) failures.push(`the outbox still holds ${pending} events after 60 s`);
    // A checkpoint first, so that the verified tree covers every record of the run.
    const audit = await cli(
      env,
      'audit',
      'checkpoint',
      `--out=${path.join(dir, 'checkpoint.json')}`,
    )
      .then(() => cli(env, 'audit', 'verify'))
      .catch((error: unknown) => {
        failures.push(`teeka audit verify failed: ${String(error)}`);
        return '';
      });
    console.log(
      `\nInvariants: ${booked} of ${BOOKING_SEATS} seats booked, ${left} left; ${doses} doses, ${certificates} certificates; outbox ${pending} pending; ${audit.trim().split('\n').at(-1) ?? ''}`,
    );
    if (failures.length) {
      console.error(`FAILED:\n${failures.join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await db.end();
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
