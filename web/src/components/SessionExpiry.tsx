import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Warn this long before a login ends. */
const WARN_MS = 2 * 60_000;

/** The `exp` of a JWT (seconds since the epoch) as a Date; undefined when it has none. */
export function jwtExpiry(token: string): Date | undefined {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const { exp } = JSON.parse(json) as { exp?: unknown };
    return typeof exp === 'number' ? new Date(exp * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Says when a login is about to end, and ends it on the page when it has: the server has
 * already stopped accepting it then, so nothing is lost by saying so at once.
 */
export function SessionExpiry({
  expiresAt,
  onExpired,
  onExtend,
}: {
  expiresAt: Date;
  onExpired: () => void;
  /** Where a session ends for want of use, a request keeps it alive: offer to make one. */
  onExtend?: () => Promise<void>;
}) {
  const { t } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 5_000);
    return () => window.clearInterval(timer);
  }, []);
  const left = expiresAt.getTime() - now;
  useEffect(() => {
    if (left <= 0) onExpired();
  }, [left, onExpired]);
  if (left > WARN_MS || left <= 0) return null;
  return (
    <div role="alert" className="warning" data-testid="session-warning">
      <p>{t('session.ending', { minutes: Math.max(1, Math.ceil(left / 60_000)) })}</p>
      {onExtend && (
        <button type="button" onClick={() => void onExtend().catch(onExpired)}>
          {t('session.extend')}
        </button>
      )}
    </div>
  );
}
