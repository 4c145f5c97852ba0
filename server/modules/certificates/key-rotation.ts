import type { Db } from '../../db/index.js';
import type { AuditEvent, AuditService, RequestContext } from '../audit/service.js';
import type { FormatKeys } from './format-keys.js';
import type { IssuerKeys } from './issuer-keys.js';

/** The certificate formats whose signing key can be turned over (the DCC's CSCA is not one). */
export const KEY_FORMATS = ['vc', 'shc', 'dcc'] as const;
export type KeyFormat = (typeof KEY_FORMATS)[number];

/** One generation of a format's signing key: public facts only. */
export interface KeyGeneration {
  kid: string;
  generation: number;
}

export interface FormatSigningKeys {
  format: KeyFormat;
  /** The newest generation, which signs; null until the first certificate of the format creates one. */
  current: KeyGeneration | null;
  /** Every generation, oldest first: all stay published so what they signed keeps verifying. */
  published: KeyGeneration[];
}

/**
 * Turning over the certificate signing keys, for `teeka keys rotate` and the national admin's
 * screen alike: a new generation signs from now on, earlier ones stay published, and each
 * rotation is audited with whoever asked for it. Other nodes pick the new key up within a minute.
 */
export function createKeyRotation({
  issuerKeys,
  formatKeys,
  audit,
}: {
  issuerKeys: IssuerKeys;
  formatKeys: FormatKeys;
  audit: AuditService;
}) {
  async function published(db: Db, format: KeyFormat): Promise<KeyGeneration[]> {
    const keys =
      format === 'vc' ? await issuerKeys.published(db) : await formatKeys.published(db, format);
    return keys.map(({ kid, generation }) => ({ kid, generation }));
  }

  return {
    /** Each format's signing key in use and every generation it has published. */
    async current(db: Db): Promise<FormatSigningKeys[]> {
      const all: FormatSigningKeys[] = [];
      for (const format of KEY_FORMATS) {
        const generations = await published(db, format);
        all.push({ format, current: generations.at(-1) ?? null, published: generations });
      }
      return all;
    },

    /** A new generation of `format` signs from now on; audited in the same transaction. */
    async rotate(
      tx: Db,
      format: KeyFormat,
      actor: AuditEvent['actor'],
      context?: RequestContext,
    ): Promise<KeyGeneration & { format: KeyFormat }> {
      const key =
        format === 'vc' ? await issuerKeys.rotate(tx) : await formatKeys.rotate(tx, format);
      await audit.record(
        tx,
        {
          actor,
          action: 'certificate-key.rotate',
          outcome: 'allowed',
          details: { format, key_id: key.kid, generation: key.generation },
        },
        context,
      );
      return { format, kid: key.kid, generation: key.generation };
    },
  };
}

export type KeyRotation = ReturnType<typeof createKeyRotation>;
