import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_INPUT_BYTES, MAX_JSON_DEPTH } from '../../../core/diagnosis';
import type { LocalSummary } from '../../../cli/local/run';
import { denialEvent } from '../../support/denial-events';
import { runDenyscope, temporaryDir } from './harness';

/** A denial event whose record has no eventID (so local keys it by a hash of the record) and request parameters nested `levels` deep. */
function deepRecordWithoutEventId(levels: number): string {
  const detail = {
    ...(denialEvent({ roleName: `deep-${levels}` }).detail as Record<string, unknown>),
    eventID: undefined,
    requestParameters: null,
  };
  return JSON.stringify(detail).replace('"requestParameters":null', `"requestParameters":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);
}

describe('denyscope local: a bad input is named in one line, skipped, and the run goes on', () => {
  let data: ReturnType<typeof temporaryDir>;
  beforeEach(() => {
    data = temporaryDir('local-input-errors');
  });
  afterEach(() => data.remove());

  it('deep JSON, text before JSON, and a named pipe, next to inputs that are read', async () => {
    const tree = path.join(data.dir, 'in');
    mkdirSync(tree);
    writeFileSync(path.join(tree, 'a-good.json'), JSON.stringify(denialEvent({ eventId: 'good-1' })));
    writeFileSync(path.join(tree, 'b-deep-arrays.json'), `${'['.repeat(2_500)}${']'.repeat(2_500)}`);
    // Hashing a record this deep for its missing eventID would overflow the stack: refused when read instead.
    writeFileSync(path.join(tree, 'c-deep-record.json'), deepRecordWithoutEventId(5_000));
    writeFileSync(path.join(tree, 'd-junk.json'), `garbage${JSON.stringify({ Records: [denialEvent({ eventId: 'junk-1' }).detail] })}`);
    writeFileSync(path.join(tree, 'e-deep-but-within-limit.json'), deepRecordWithoutEventId(MAX_JSON_DEPTH - 1));
    const fifo = path.join(data.dir, 'pipe.json');
    execFileSync('mkfifo', [fifo]);

    const run = await runDenyscope(['local', tree, fifo, '--data-dir', path.join(data.dir, 'store'), '--json']);

    expect(run.code).toBe(1);
    const lines = run.stderr.trimEnd().split('\n');
    // A path that is not a regular file is named when the inputs are collected, before any file is read.
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^denyscope: ${fifo}: is a named pipe \\(FIFO\\), not a regular file.* \\(skipped\\)$`)),
      `denyscope: ${path.join(tree, 'b-deep-arrays.json')}: nested deeper than ${MAX_JSON_DEPTH} levels (skipped)`,
      `denyscope: ${path.join(tree, 'c-deep-record.json')}: nested deeper than ${MAX_JSON_DEPTH} levels (skipped)`,
      expect.stringMatching(new RegExp(`^denyscope: ${path.join(tree, 'd-junk.json')}: invalid JSON at byte 0 \\(.*\\) \\(skipped\\)$`)),
    ]);
    expect(JSON.parse(run.stdout) as LocalSummary).toEqual({
      events: 2,
      denials: 2,
      duplicates: 0,
      incidents: 2,
      newIncidents: 2,
      alerts: 2,
      suppressed: 0,
      muted: 0,
      consoleReads: 0,
      errors: 4,
    });
  });

  it('stdin over the size limit', async () => {
    const run = await runDenyscope(['local', '-', '--data-dir', data.dir, '--json'], { stdin: Buffer.alloc(MAX_INPUT_BYTES + 1, 0x20) });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('denyscope: stdin: too large (over 64 MiB) (skipped)\n');
    expect(JSON.parse(run.stdout) as LocalSummary).toMatchObject({ events: 0, errors: 1 });
  });
});
