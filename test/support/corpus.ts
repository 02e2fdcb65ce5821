import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The shared corpus of real CloudTrail records lives next to the repository (../shared/corpus from its root),
 * so it is absent in a fresh clone on CI. Tests that need it use describeWithCorpus, which skips them with a
 * visible warning instead of failing.
 */
export const CORPUS_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'corpus');
export const CORPUS_RECORDS_DIR = path.join(CORPUS_DIR, 'records');
export const corpusAvailable = fs.existsSync(path.join(CORPUS_DIR, 'manifest.json'));

export type CorpusKind = 'denial' | 'not-a-denial' | 'malformed';

/** One manifest.json entry (the fields tests use; the file has more). */
export interface CorpusEntry {
  readonly file: string;
  readonly kind: CorpusKind;
  readonly shape: string;
  readonly validJson: boolean;
  readonly eventSource: string | null;
  readonly eventName: string | null;
  readonly errorCode: string | null;
  readonly messageType: string;
  readonly note?: string;
}

/** The manifest entries; [] when the corpus is absent. */
export function corpusManifest(): CorpusEntry[] {
  if (!corpusAvailable) return [];
  return JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, 'manifest.json'), 'utf8')) as CorpusEntry[];
}

/** The bytes of one corpus record file. */
export function readCorpusFile(file: string): Buffer {
  return fs.readFileSync(path.join(CORPUS_RECORDS_DIR, file));
}

/**
 * describe() when the corpus is present; otherwise a warning and one skipped test that says why. The body is not
 * run at all then: it builds its cases from the manifest, and `.each([])` throws.
 */
export function describeWithCorpus(name: string, body: () => void): void {
  if (corpusAvailable) {
    describe(name, body);
    return;
  }
  console.warn(`Skipping "${name}": the shared corpus is not at ${CORPUS_DIR}`);
  describe(name, () => {
    it.skip(`needs the shared corpus at ${CORPUS_DIR}`, () => undefined);
  });
}
