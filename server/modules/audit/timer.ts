/**
 * Runs `round` every `intervalMs`, counting from the end of the previous round, so rounds
 * never overlap however long one takes. `stop` waits for a round in progress.
 */
export function startRepeating(
  round: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    timer = setTimeout(() => {
      running = round()
        .then(() => undefined, onError)
        .finally(() => {
          running = undefined;
          if (!stopped) schedule();
        });
    }, intervalMs);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
