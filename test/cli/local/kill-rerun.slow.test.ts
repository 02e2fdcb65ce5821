import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { denialEvent } from '../../support/denial-events';
import { REPO_ROOT, temporaryDir } from './harness';

/**
 * `denyscope local` (the built CLI, a child process) killed with SIGKILL at several points of a few thousand events,
 * then run again on the same input until a run completes: what the killed runs left must be finished, and nothing
 * counted or alerted twice, except an alert whose print the kill separated from its recorded status (the run after
 * says so on stderr: that is the one outcome no later run can know).
 */

const INCIDENTS = 200;
const EVENTS_PER_INCIDENT = 10;
const REDELIVERED = 100;
const ALERT_KEY_LINE = /^Alert: +(inc-[0-9a-f]{16}#\d+) /gm;
const UNKNOWN_OUTCOME = /^denyscope: warning: Delivery outcome unknown: .*"alertKey":"(inc-[0-9a-f]{16}#\d+)"/gm;

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** When to kill: once this many alerts were printed (then after `thenMs`), or this long after the start. */
type KillAt = { readonly alertsPrinted: number; readonly thenMs: number } | { readonly afterMs: number } | null;

function runLocal(args: readonly string[], killAt: KillAt = null): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'cli', 'bin', 'denyscope.mjs'), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timer = killAt !== null && 'afterMs' in killAt ? setTimeout(() => child.kill('SIGKILL'), killAt.afterMs) : undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (
        timer === undefined &&
        killAt !== null &&
        'alertsPrinted' in killAt &&
        (stdout.match(ALERT_KEY_LINE)?.length ?? 0) >= killAt.alertsPrinted
      ) {
        timer = setTimeout(() => child.kill('SIGKILL'), killAt.thenMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function tally(texts: readonly string[], pattern: RegExp): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) for (const [, key] of text.matchAll(pattern)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

describe('denyscope local killed and run again', () => {
  const work = temporaryDir('local-kill');
  afterAll(() => work.remove());

  it('finishes what the killed runs left: every event counted once, every incident alerted once', async () => {
    // Incident i gets events i*10 .. i*10+9, in time order; the first REDELIVERED events come again at the end.
    const events = Array.from({ length: INCIDENTS * EVENTS_PER_INCIDENT }, (_, index) =>
      denialEvent({
        eventId: `kill-${index}`,
        eventTime: new Date(Date.UTC(2026, 10, 20, 9) + index * 1_000).toISOString(),
        roleName: `role-${Math.floor(index / EVENTS_PER_INCIDENT)}`,
      }),
    );
    const input = path.join(work.dir, 'events.jsonl');
    writeFileSync(input, [...events, ...events.slice(0, REDELIVERED)].map((event) => JSON.stringify(event)).join('\n'));
    const args = ['local', input, '--data-dir', path.join(work.dir, 'store')];

    // Right after a print (most likely before its status is written), a little later, during start-up or duplicates.
    const kills: KillAt[] = [
      { alertsPrinted: 30, thenMs: 0 },
      { alertsPrinted: 40, thenMs: 150 },
      { afterMs: 1_500 },
      { alertsPrinted: 25, thenMs: 40 },
    ];
    const runs: Run[] = [];
    for (const killAt of kills) runs.push(await runLocal(args, killAt));
    for (let rerun = 0; rerun < 3 && runs.at(-1)?.code !== 0; rerun += 1) runs.push(await runLocal(args));
    const killed = runs.filter((run) => run.signal === 'SIGKILL').length;
    expect(killed).toBeGreaterThanOrEqual(3);
    const last = runs[runs.length - 1];
    expect({ code: last.code, stderr: last.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(last.stdout).toContain(`${INCIDENTS} incidents`);

    const list = await runLocal([
      'incidents',
      '--data-dir',
      path.join(work.dir, 'store'),
      'list',
      '--json',
      '--limit',
      String(INCIDENTS * 2),
    ]);
    const { incidents } = JSON.parse(list.stdout) as { incidents: { id: string; count: number; alerted: boolean }[] };
    expect(incidents).toHaveLength(INCIDENTS);
    expect(incidents.reduce((sum, incident) => sum + incident.count, 0)).toBe(INCIDENTS * EVENTS_PER_INCIDENT);
    expect(incidents.filter((incident) => incident.count !== EVENTS_PER_INCIDENT || !incident.alerted)).toEqual([]);

    // Alerts printed across every run, by alert key; a re-print only after a run said the outcome was unknown.
    const printed = tally(
      runs.map((run) => run.stdout),
      ALERT_KEY_LINE,
    );
    const unknown = tally(
      runs.map((run) => run.stderr),
      UNKNOWN_OUTCOME,
    );
    expect([...printed.keys()].sort()).toEqual(incidents.map((incident) => `${incident.id}#1`).sort());
    const unaccounted = [...printed].filter(([key, times]) => {
      const resent = unknown.get(key) ?? 0;
      // The killed run printed it before the kill (times = 1 + resent), or was killed between leasing and printing.
      return !(times === 1 + resent || (resent > 0 && times === resent));
    });
    expect(unaccounted).toEqual([]);
    expect([...unknown.values()].reduce((sum, times) => sum + times, 0)).toBeLessThanOrEqual(killed);

    const show = await runLocal(['incidents', '--data-dir', path.join(work.dir, 'store'), 'show', incidents[0].id, '--json']);
    const detail = JSON.parse(show.stdout) as {
      incident: { count: number; alert: { sequence: number } };
      occurrences: Record<string, unknown>[];
    };
    expect(detail.incident).toMatchObject({ count: EVENTS_PER_INCIDENT, alert: { sequence: 1 } });
    expect(detail.occurrences).toHaveLength(EVENTS_PER_INCIDENT);
    for (const occurrence of detail.occurrences)
      expect(Object.keys(occurrence).sort()).toEqual(['eventId', 'eventTime', 'principalArn', 'recordedAt']);
  }, 600_000);
});
