import { z } from 'zod';

/** A published Ed25519 verification key set (RFC 7517 / RFC 8037), as audit and certificates serve it. */
export const ed25519Jwks = z.object({
  keys: z.array(
    z.object({
      kty: z.literal('OKP'),
      crv: z.literal('Ed25519'),
      x: z.string(),
      kid: z.string(),
      alg: z.literal('EdDSA'),
      use: z.literal('sig'),
    }),
  ),
});
