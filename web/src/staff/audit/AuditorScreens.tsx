import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

import type { TrailRecord } from '../../../../server/modules/audit/schemas.js';
import {
  type CheckpointDocument,
  CheckpointError,
  parseCheckpointDocument,
} from '../../../../server/modules/audit/trail-format.js';
import { ApiError } from '../../api';
import { saveFile } from '../../citizen/api';
import { FormProblem } from '../../components/TextField';
import { auditApi } from './api';
import { Trail } from './Trail';
import {
  type Check,
  checkConsistency,
  checkRecord,
  checkSignature,
  rememberedCheckpoint,
} from './verify';

/** One check in plain words: what was shown, or why it was not. */
function CheckLine({ label, check }: { label: string; check: Check }) {
  const { t } = useTranslation();
  return (
    <li>
      <strong>{label}:</strong>{' '}
      {check.ok
        ? t(`audit.notes.${check.note}`, check.values)
        : t(`audit.reasons.${check.reason}`, check.values)}
    </li>
  );
}

function Verdict({ checks, testId }: { checks: [string, Check][]; testId: string }) {
  const { t } = useTranslation();
  const failed = checks.find(([, check]) => !check.ok)?.[1];
  return (
    <div className={`result ${failed ? 'invalid' : 'valid'}`} role="status" data-testid={testId}>
      <h3>
        {failed && !failed.ok
          ? t('audit.notVerified', { reason: t(`audit.reasons.${failed.reason}`, failed.values) })
          : t('audit.verified')}
      </h3>
      <ul>
        {checks.map(([label, check]) => (
          <CheckLine key={label} label={label} check={check} />
        ))}
      </ul>
    </div>
  );
}

/** The latest checkpoint, its export, and its verification in this browser. */
function CheckpointPanel({ chosen }: { chosen: TrailRecord | null }) {
  const { t } = useTranslation();
  const id = useId();
  const queries = useQueryClient();
  const [earlier, setEarlier] = useState(() => rememberedCheckpoint.get());
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  // Each "check again" or file chosen runs the checks anew, even on the same checkpoints.
  const [round, setRound] = useState(0);
  const latest = useQuery({
    queryKey: ['audit', 'checkpoint'],
    queryFn: auditApi.latestCheckpoint,
    retry: false,
  });
  const keys = useQuery({ queryKey: ['audit', 'key'], queryFn: auditApi.auditKeys });
  const checkpoint = latest.data;
  const jwks = keys.data;

  const verification = useQuery({
    queryKey: ['audit', 'verify', checkpoint, earlier, round],
    enabled: checkpoint !== undefined && jwks !== undefined,
    retry: false,
    staleTime: Infinity,
    queryFn: async () => {
      if (!checkpoint || !jwks) throw new Error('not ready');
      const checks: [string, Check][] = [
        [t('audit.signature'), await checkSignature(checkpoint, jwks)],
        [
          t('audit.consistency'),
          earlier
            ? await checkConsistency(earlier, checkpoint, jwks)
            : { ok: true, note: 'firstSeen', values: { size: checkpoint.treeSize } },
        ],
      ];
      // A verified checkpoint is where the next consistency check starts.
      if (checks.every(([, check]) => check.ok)) rememberedCheckpoint.set(checkpoint);
      return checks;
    },
  });
  const recordCheck = useQuery({
    queryKey: ['audit', 'record', chosen, checkpoint],
    enabled: chosen !== null && checkpoint !== undefined,
    retry: false,
    staleTime: Infinity,
    queryFn: () => checkRecord(chosen as TrailRecord, checkpoint as CheckpointDocument),
  });

  async function importEarlier(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    try {
      setEarlier(parseCheckpointDocument(await file.text()));
      setRound(round + 1);
      setFileProblem(null);
    } catch (error) {
      setFileProblem(error instanceof CheckpointError ? t('audit.badFile') : t('admin.failed'));
    }
  }

  const none = latest.error instanceof ApiError && latest.error.status === 404;
  return (
    <section aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t('audit.checkpointTitle')}</h3>
      {latest.isPending && <p role="status">{t('app.loading')}</p>}
      {none && <p>{t('audit.noCheckpoint')}</p>}
      {latest.isError && !none && <p className="error">{t('admin.failed')}</p>}
      {checkpoint && (
        <>
          <p data-testid="audit-checkpoint">
            {t('audit.checkpointSummary', {
              size: checkpoint.treeSize,
              at: new Date(checkpoint.issuedAt).toLocaleString(),
            })}
          </p>
          <button
            type="button"
            className="primary"
            onClick={() =>
              saveFile(
                new Blob([`${JSON.stringify(checkpoint, null, 2)}\n`], {
                  type: 'application/json',
                }),
                `teeka-audit-checkpoint-${checkpoint.treeSize}.json`,
              )
            }
          >
            {t('audit.export')}
          </button>
        </>
      )}
      <button
        type="button"
        onClick={() => {
          setEarlier(rememberedCheckpoint.get());
          setRound(round + 1);
          void queries.invalidateQueries({ queryKey: ['audit', 'checkpoint'] });
        }}
      >
        {t('audit.checkAgain')}
      </button>
      <div className="field">
        <label htmlFor={`${id}-file`}>{t('audit.earlierFile')}</label>
        <input
          id={`${id}-file`}
          type="file"
          accept="application/json,.json"
          aria-describedby={`${id}-file-hint`}
          onChange={(e) => void importEarlier(e)}
        />
        <p className="hint" id={`${id}-file-hint`}>
          {earlier ? t('audit.earlierIs', { size: earlier.treeSize }) : t('audit.earlierNone')}
        </p>
      </div>
      <FormProblem problem={fileProblem} />
      {verification.isFetching && <p role="status">{t('audit.verifying')}</p>}
      {verification.isError && <p className="error">{t('audit.verifyFailed')}</p>}
      {verification.data && !verification.isFetching && (
        <Verdict checks={verification.data} testId="audit-verdict" />
      )}
      {chosen && recordCheck.isFetching && <p role="status">{t('audit.verifying')}</p>}
      {chosen && recordCheck.isError && <p className="error">{t('audit.verifyFailed')}</p>}
      {chosen && recordCheck.data && !recordCheck.isFetching && (
        <Verdict
          checks={[[t('audit.record', { id: chosen.id }), recordCheck.data]]}
          testId="audit-record-verdict"
        />
      )}
    </section>
  );
}

/** The auditor's screen: the trail, the latest signed checkpoint, and its verification. */
export function AuditorScreens() {
  const { t } = useTranslation();
  const id = useId();
  const [chosen, setChosen] = useState<TrailRecord | null>(null);
  return (
    <section aria-labelledby={`${id}-title`} className="panel">
      <h2 id={`${id}-title`}>{t('audit.title')}</h2>
      <p className="hint">{t('audit.help')}</p>
      <CheckpointPanel chosen={chosen} />
      <h3>{t('audit.trail.title')}</h3>
      <Trail onCheck={setChosen} />
    </section>
  );
}
