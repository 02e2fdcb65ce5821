import { renderSlackMessage, truncateEscaped } from '../../../core/render/slack-message';

/**
 * Slack's Block Kit reference: at most 50 blocks a message; a header's text at most 150 characters; a section's text at
 * most 3,000 characters; at most 10 fields, each at most 2,000 characters.
 */
const SLACK_DOCUMENTED_LIMITS = { blocks: 50, headerText: 150, sectionText: 3_000, fields: 10, fieldText: 2_000 };
import { diagnosisOf, incidentOf, poisonedIncident } from '../../support/incidents';

/** Every text a Slack client would render, from blocks and fallback. */
function texts(message: ReturnType<typeof renderSlackMessage>): string[] {
  const found: string[] = [message.text];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'text' && typeof item === 'string') found.push(item);
        else walk(item);
      }
    }
  };
  walk(message.blocks);
  return found;
}

const OUR_LINK = /<https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/cloudtrailv2\/home\?region=[a-z0-9-]+#\/events\/[^|>]+\|CloudTrail event history>/g;

describe('renderSlackMessage', () => {
  const diagnosis = diagnosisOf();
  const incident = incidentOf(diagnosis);

  it('has a header, the six fields, remediation steps, commands in a code block, the CloudTrail link and the incident id', () => {
    const message = renderSlackMessage(incident);
    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'dynamodb:PutItem denied: service control policy', emoji: false } });
    const fields = (message.blocks[2] as { fields: { text: string }[] }).fields.map((field) => field.text.split('\n')[0]);
    expect(fields).toEqual(['*Principal*', '*Action*', '*Resource*', '*Cause*', '*Account and region*', '*Count*']);
    const all = texts(message).join('\n');
    expect(all).toContain('*What to do*\n1. ');
    expect(all).toContain(`*Commands*\n\`\`\`\n# ${diagnosis.remediation.commands[0].description}`);
    expect(all).toContain(`<https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/${diagnosis.eventId}|CloudTrail event history>`);
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
});

describe('truncateEscaped', () => {
  it('leaves text within the limit alone', () => {
    expect(truncateEscaped('a &amp; b', 9)).toBe('a &amp; b');
  });

  it('never cuts inside an entity', () => {
    expect(truncateEscaped('abc &amp; def', 8)).toBe('abc …');
    expect(truncateEscaped('abc &lt;&gt;', 11)).toBe('abc &lt;…');
  });
});
