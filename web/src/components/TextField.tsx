import { type InputHTMLAttributes, type ReactNode, useId } from 'react';

/** A labelled text input with an optional hint read out with it: the app's one form field. */
export function TextField({
  label,
  hint,
  hintRole,
  ...input
}: InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  hint?: ReactNode;
  /** "alert" when the hint is a validation message that just appeared. */
  hintRole?: 'alert';
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...input} />
      {hint && (
        <p className="hint" id={`${id}-hint`} role={hintRole}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** The props of a field for a 6-digit one-time code (SMS OTP or authenticator app). */
export const ONE_TIME_CODE = {
  inputMode: 'numeric',
  autoComplete: 'one-time-code',
  maxLength: 6,
} as const;

/** What went wrong with a form, read out as soon as it appears. */
export function FormProblem({ problem }: { problem: string | null }) {
  if (!problem) return null;
  return (
    <p role="alert" className="error">
      {problem}
    </p>
  );
}
