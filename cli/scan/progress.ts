import type { OutputStream } from '../io';
import { approximateSize } from './bytes';

export interface ProgressCounts {
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly records: number;
  readonly denials: number;
  /** Bytes read so far and in all inputs listed (scan): adds the rate, and the ETA once the listing is done. */
  readonly bytes?: { readonly done: number; readonly total: number; readonly listingDone: boolean };
}

export interface Progress {
  update(counts: ProgressCounts): void;
  /** Clears the progress line, so what is written next (a skipped file, the report) starts on a clean line. */
  clear(): void;
}

/** Shown only once a scan has run this long: short scans print nothing extra. */
const SHOW_AFTER_MS = 1000;
const REFRESH_EVERY_MS = 150;

/**
 * A single self-overwriting line on stderr, only when stderr is a terminal. `label` names what runs: "scanning"
 * (scan), "processing" (local); `inputs` what is counted: "files" or "objects" (S3).
 */
export function createProgress(stderr: OutputStream, label: string, clock: () => number = Date.now, inputs = 'files'): Progress {
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
      stderr.write(`\r\u001b[K${label}: ${describe(counts, (now - startedAt) / 1000, inputs)}`);
    },
    clear() {
      if (drawn) stderr.write('\r\u001b[K');
      drawn = false;
    },
  };
}

function describe(counts: ProgressCounts, seconds: number, inputs: string): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const parts = [`${n(counts.filesDone)}/${n(counts.filesTotal)}${counts.bytes?.listingDone === false ? '+' : ''} ${inputs}`];
  if (counts.bytes !== undefined) parts.push(`${approximateSize(counts.bytes.done)} of ${approximateSize(counts.bytes.total)}`);
  parts.push(`${n(counts.records)} records`, `${n(counts.denials)} denials`);
  if (counts.bytes !== undefined && seconds > 0 && counts.bytes.done > 0) {
    const rate = counts.bytes.done / seconds;
    parts.push(`${approximateSize(Math.round(rate))}/s`);
    if (counts.bytes.listingDone) parts.push(`ETA ${formatDuration((counts.bytes.total - counts.bytes.done) / rate)}`);
  }
  return parts.join(', ');
}

/** "45s", "3m05s", "2h10m". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}
