import type { Grant } from '../api';
import { VaccinatorDesk } from './VaccinatorDesk';
import { VerifierDesk } from './VerifierDesk';

/**
 * The centre screens a staff member's grants allow: a verifier's desk for each centre held as
 * verifier, a vaccinator's for each held as vaccinator. Nothing for anyone else; the server
 * refuses what a grant does not cover either way.
 */
export function Desk({ grants }: { grants: Grant[] }) {
  const at = (role: string) =>
    grants.flatMap((g) => (g.role === role && g.center_id !== null ? [g.center_id] : []));
  return (
    <>
      {at('verifier').map((centre) => (
        <VerifierDesk key={`verifier-${centre}`} centre={centre} />
      ))}
      {at('vaccinator').map((centre) => (
        <VaccinatorDesk key={`vaccinator-${centre}`} centre={centre} />
      ))}
    </>
  );
}
