/**
 * A secret the server returns once and keeps only a hash of (a partner's client secret, a
 * staff enrolment link): shown until the admin says it is saved.
 */
export function OneTimeSecret({
  message,
  secret,
  saved,
  testId,
  onDone,
}: {
  message: string;
  secret: string;
  /** The button that hides it: "I have saved the secret". */
  saved: string;
  testId: string;
  onDone: () => void;
}) {
  return (
    <div className="warning" role="status">
      <p>{message}</p>
      <p className="secret" data-testid={testId}>
        {secret}
      </p>
      <button type="button" onClick={onDone}>
        {saved}
      </button>
    </div>
  );
}
