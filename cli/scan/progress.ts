import type { OutputStream } from '../io';

export interface ProgressCounts {
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly records: number;
  readonly denials: number;
}

export interface Progress {
  update(counts: ProgressCounts): void;
  /** Clears the progress line, so what is written next (a skipped file, the report) starts on a clean line. */
  clear(): void;
}

/** Shown only once a scan has run this long: short scans print nothing extra. */
const SHOW_AFTER_MS = 1000;
const REFRESH_EVERY_MS = 150;

/** A single self-overwriting line on stderr, only when stderr is a terminal. */
/** `label` names what runs: "scanning" (scan), "processing" (local). */
export function createProgress(stderr: OutputStream, label: string, clock: () => number = Date.now): Progress {
  if (stderr.isTTY !== true) return { update: () => undefined, clear: () => undefined };
  const startedAt = clock();
  let lastDrawnAt = 0;
  let drawn = false;
  return {
    update(counts) {
      const now = clock();
      if (now - startedAt < SHOW_AFTER_MS || now - lastDrawnAt < REFRESH_EVERY_MS) return;
      lastDrawnAt = now;
      drawn = true;
      const n = (value: number) => value.toLocaleString('en-US');
      stderr.write(`\r\u001b[K${label}: ${n(counts.filesDone)}/${n(counts.filesTotal)} files, ${n(counts.records)} records, ${n(counts.denials)} denials`);
    },
    clear() {
      if (drawn) stderr.write('\r\u001b[K');
      drawn = false;
    },
  };
}
