import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CAUSES, type Diagnosis } from '../../core/diagnosis';
import { runCli } from './run-cli';

// The core's sample events: one per cause and deny kind, plus look-alikes that are not denials.
const SAMPLES = path.resolve(__dirname, '..', '..', 'cli', 'samples', 'events');
const files = readdirSync(SAMPLES).filter((name) => name.endsWith('.json'));

describe.each(files)('explain samples/events/%s', (name) => {
  const file = path.join(SAMPLES, name);

  it('renders every part of the diagnosis for a person', async () => {
    const json = await runCli(['explain', '--json', file]);
    const human = await runCli(['explain', file]);
    expect(json.code).toBe(0);
    expect(human.code).toBe(0);
    const diagnoses: Diagnosis[] = JSON.parse(json.stdout).diagnoses;
    if (name.startsWith('not-a-denial')) {
      expect(diagnoses).toEqual([]);
      expect(human.stdout).toBe(`no denials found in ${file}\n`);
      return;
    }
    expect(diagnoses).toHaveLength(1);
    const [d] = diagnoses;
    expect(human.stdout).toContain(`DENIED ${d.action} — ${d.cause}`);
    expect(human.stdout).toContain(d.principal);
    expect(human.stdout).toContain(d.remediation.summary);
    for (const step of d.remediation.steps) expect(human.stdout).toContain(step);
    for (const command of d.remediation.commands) expect(human.stdout).toContain(command.command);
    for (const doc of d.remediation.docs) expect(human.stdout).toContain(doc.url);
    if (d.remediation.policySnippet !== null) {
      expect(human.stdout).toContain(d.remediation.policySnippet.attachTo);
      expect(human.stdout).toContain(JSON.stringify(d.remediation.policySnippet.document, null, 2).split('\n')[1].trim());
    }
  });
});

it('scan over samples/events counts every cause', async () => {
  const run = await runCli(['scan', '--json', SAMPLES]);
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout);
  expect(report.files).toBe(files.length);
  expect(Object.keys(report.byCause).sort()).toEqual([...CAUSES].sort());
  expect(report.denials).toBe(files.filter((name) => !name.startsWith('not-a-denial')).length);
});
