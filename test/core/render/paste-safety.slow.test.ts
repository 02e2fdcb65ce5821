import { TerminalNotifier } from '../../../cli/local/notifiers';
import { renderDiagnosisText } from '../../../cli/render/diagnosis-text';
import { createStyle } from '../../../cli/render/style';
import type { CloudTrailRecord, Diagnosis } from '../../../core/diagnosis';
import type { Incident } from '../../../core/incidents/model';
import { renderAlertText } from '../../../core/render/alert-text';
import { renderSlackMessage, SLACK_LIMITS } from '../../../core/render/slack-message';
import { renderSnsAlert } from '../../../core/render/sns-message';
import { hostileRecords, PAYLOADS, type HostileRecord } from '../../support/hostile-records';
import { incidentOf } from '../../support/incidents';
import { pasteIntoBash, type PasteRun } from '../../support/paste-shell';
import { slackTexts } from '../../support/slack-texts';

/**
 * Every hostile record (test/support/hostile-records.ts) rendered to every channel. Each block of commands a person
 * could copy is pasted into bash with a stub `aws`: the argv of each call must be what the command is meant to
 * carry, taken from the diagnosis's own values (below), and nothing else may run. Every output must be free of raw
 * invisible characters, and no value may add a line, a step or a code fence.
 */

// This test's own statement of the rule (Unicode General_Category Cc, Cf, Zl, Zp, Cs).
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
// AWS's pattern for role session names (sts:AssumeRole RoleSessionName).
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const PLACEHOLDER = /^<[A-Z_]+(?: from [A-Za-z.]+)?>$/;
const NOTE = /^# \(command not shown: /;

// Text that would start a line if a payload's line break got through: what follows a break, where it runs something.
const FORGED_LINE_STARTS = Object.values(PAYLOADS)
  .flatMap((payload) => payload.split(/[\n\r\u2028\u2029\u0085]/).slice(1))
  .map((fragment) => fragment.trim())
  .filter((fragment) => fragment.includes('pwned'));

// ---- what each command is meant to carry: the diagnosis's values, per option ----

/** The parts of an ARN as AWS documents them: arn:partition:service:region:account-id:resource. */
function arnParts(value: string | null): { service: string; account: string; resource: string } | null {
  if (value === null || !value.startsWith('arn:')) return null;
  const parts = value.split(':');
  return parts.length < 6 ? null : { service: parts[2], account: parts[4], resource: parts.slice(5).join(':') };
}

/** The name of an IAM role or user ARN (the last segment of its path), when the ARN is one of that kind. */
function iamName(value: string | null, kind: 'role' | 'user'): string | null {
  const arn = arnParts(value);
  if (arn?.service !== 'iam' || !arn.resource.startsWith(`${kind}/`)) return null;
  return arn.resource.split('/').pop() || null;
}

const carryable = (value: string | null | undefined): value is string =>
  typeof value === 'string' && value !== '' && value !== 'unknown' && !INVISIBLE.test(value);

interface Intended {
  /** Values the option may carry exactly. */
  readonly values: readonly (string | null | undefined)[];
  /** Fixed words (queries, filters) the command writes itself. */
  readonly literals?: readonly string[];
}

function intendedFor(option: string, d: Diagnosis, record: CloudTrailRecord): Intended {
  const identity = (record.userIdentity ?? {}) as { accountId?: unknown };
  const accounts = [
    d.accountId,
    typeof identity.accountId === 'string' ? identity.accountId : null,
    arnParts(d.principalArn)?.account,
    arnParts(d.principal)?.account,
    /^\d{12}$/.test(d.principal) ? d.principal : null,
  ];
  const region = d.region === 'unknown' ? null : d.region;
  const callerResource = arnParts(d.principalArn)?.resource ?? '';
  const session =
    arnParts(d.principalArn)?.service === 'sts' && callerResource.startsWith('assumed-role/')
      ? callerResource.split('/').slice(2).join('/') || null
      : null;
  const users = [iamName(d.principal, 'user')];
  const partition = d.region.startsWith('cn-') ? 'aws-cn' : d.region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  const service = d.eventSource === 'unknown' ? 'dynamodb' : d.eventSource.replace(/\.amazonaws\.com$|\.api\.aws$/, '');
  switch (option) {
    case '--policy-source-arn':
      return { values: [d.principal] };
    case '--action-names':
      return { values: [d.action] };
    case '--resource-arns':
      return { values: [d.resource ?? '*'] };
    case '--role-name':
      return { values: [iamName(d.principal, 'role'), iamName(d.resource, 'role')] };
    case '--user-name':
      return { values: users };
    case '--policy-arn':
      return { values: [d.policyArn] };
    case '--policy-id':
      return { values: [/\/(p-[0-9a-zA-Z_]+)$/.exec(d.policyArn ?? '')?.[1]] };
    case '--target-id':
    case '--child-id':
      return { values: accounts };
    case '--vpc-endpoint-ids':
      return { values: [d.viaVpcEndpoint] };
    case '--region':
      return { values: [region] };
    case '--resource-arn':
      return { values: [d.resource] };
    case '--table-name':
      return { values: [d.tableName] };
    case '--key-id':
      return { values: [arnParts(d.resource)?.service === 'kms' ? d.resource : null] };
    case '--encoded-message':
      return { values: [/Encoded authorization failure message: (\S+)/.exec(d.errorMessage ?? '')?.[1]] };
    case '--serial-number':
      return {
        values: accounts.flatMap((account) =>
          users.map((user) => (carryable(account) && carryable(user) ? `arn:${partition}:iam::${account}:mfa/${user}` : null)),
        ),
      };
    case '--filters':
      return {
        values: [
          carryable(service) && !INVISIBLE.test(d.region)
            ? `Name=service-name,Values=com.amazonaws.${region ?? '<REGION>'}.${service}`
            : null,
        ],
      };
    case '--query':
      return {
        values: [],
        literals: [
          'VpcEndpoints[].PolicyDocument',
          'VpcEndpoints[].[VpcEndpointId,PolicyDocument]',
          'Role.PermissionsBoundary',
          'Role.AssumeRolePolicyDocument',
          'User.PermissionsBoundary',
          'Table.SSEDescription',
          'KeyMetadata.[KeyState,DeletionDate,KeyManager]',
          'DecodedMessage',
          `Events[?contains(CloudTrailEvent, '${session !== null && ROLE_SESSION_NAME.test(session) ? session : '<SESSION_NAME>'}')].CloudTrailEvent`,
        ],
      };
    case '--filter':
      return { values: [], literals: ['SERVICE_CONTROL_POLICY', 'RESOURCE_CONTROL_POLICY'] };
    case '--policy-name':
      return { values: [], literals: ['default'] };
    case '--output':
      return { values: [], literals: ['text'] };
    case '--lookup-attributes':
      return { values: [], literals: ['AttributeKey=EventName,AttributeValue=AssumeRole'] };
    case '--token-code':
      return { values: [null] };
    default:
      throw new Error(`option ${option} has no intended value in this test: add it`);
  }
}

/** Why an aws call's argv is not what the diagnosis means it to carry, or null when it is. */
function argvProblem(argv: readonly string[], d: Diagnosis, record: CloudTrailRecord): string | null {
  const [service, operation, ...options] = argv;
  if (!['iam', 'organizations', 'ec2', 'dynamodb', 'kms', 'sts', 'cloudtrail'].includes(service) || !/^[a-z-]+$/.test(operation ?? ''))
    return `unexpected service or operation: ${JSON.stringify(argv.slice(0, 2))}`;
  if (options.length % 2 !== 0) return `an option without a value, or a word too many: ${JSON.stringify(options)}`;
  for (let index = 0; index < options.length; index += 2) {
    const [option, value] = [options[index], options[index + 1]];
    if (!option.startsWith('--')) return `${JSON.stringify(option)} where an option was expected`;
    const intended = intendedFor(option, d, record);
    if (intended.literals?.includes(value)) continue;
    if (intended.values.some((candidate) => carryable(candidate) && candidate === value)) continue;
    // A placeholder only stands for a value that is missing or cannot be carried.
    if (PLACEHOLDER.test(value) && (intended.values.length === 0 || intended.values.some((candidate) => !carryable(candidate)))) continue;
    return `${option} ${JSON.stringify(value.slice(0, 200))} is not the intended value`;
  }
  return null;
}

// ---- the copyable blocks of each channel ----

const linesBetween = (text: string, header: string): string[] => {
  const lines = text.split('\n');
  const start = lines.indexOf(header);
  return start === -1 ? [] : lines.slice(start + 1, lines.indexOf('', start));
};

const SLACK_COMMANDS = '*Commands*\n```\n';

/** The Commands code block as a person copies it: between the fences, entities decoded as Slack shows them. */
function slackCommands(texts: readonly string[]): string[] {
  const section = texts.find((text) => text.startsWith(SLACK_COMMANDS));
  if (section === undefined) return [];
  return section
    .slice(SLACK_COMMANDS.length, -'\n```'.length)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .split('\n');
}

function terminalAlert(incident: Incident): string {
  let written = '';
  void new TerminalNotifier({ write: (chunk: string) => (written += chunk) }, createStyle(false)).notify(incident);
  return written;
}

interface Rendered {
  readonly hostile: HostileRecord;
  readonly incident: Incident;
  readonly email: { subject: string; body: string };
  readonly terminal: string;
  readonly slack: ReturnType<typeof renderSlackMessage>;
  readonly slackTexts: string[];
  readonly sns: ReturnType<typeof renderSnsAlert>;
  readonly explain: string;
  /** The command blocks a person can copy, by channel, as lines. */
  readonly blocks: Record<'email' | 'terminal' | 'slack' | 'explain', string[]>;
}

const hostile = hostileRecords();
const rendered: Rendered[] = hostile.map((item) => {
  const incident = incidentOf(item.diagnosis);
  const email = renderAlertText(incident);
  const terminal = terminalAlert(incident);
  const slack = renderSlackMessage(incident);
  const texts = slackTexts(slack);
  const explain = renderDiagnosisText(item.diagnosis, createStyle(false));
  return {
    hostile: item,
    incident,
    email,
    terminal,
    slack,
    slackTexts: texts,
    sns: renderSnsAlert(incident),
    explain,
    blocks: {
      email: linesBetween(email.body, 'Commands'),
      terminal: linesBetween(terminal, 'Commands'),
      slack: slackCommands(texts),
      explain: linesBetween(explain, '  Commands'),
    },
  };
});

// Identical blocks are pasted once.
const uniqueBlocks = [...new Set(rendered.flatMap((item) => Object.values(item.blocks).map((lines) => lines.join('\n'))))];
let pasted: Map<string, PasteRun>;

beforeAll(() => {
  const runs = pasteIntoBash(uniqueBlocks);
  pasted = new Map(uniqueBlocks.map((block, index) => [block, runs[index]]));
}, 600_000);

describe('hostile records in every channel', () => {
  it('come from every sample and reach every cause with every payload', () => {
    expect(hostile.length).toBeGreaterThan(400);
    expect(new Set(hostile.map((item) => item.diagnosis.cause)).size).toBe(11);
    for (const payload of Object.keys(PAYLOADS)) expect(hostile.some((item) => item.name.endsWith(`/${payload}`))).toBe(true);
  });

  it.each(['email', 'terminal', 'slack', 'explain'] as const)(
    '%s: a pasted command block runs exactly the intended aws calls and nothing else; every left-out command is announced',
    (channel) => {
      const problems: string[] = [];
      let calls = 0;
      let notes = 0;
      for (const item of rendered) {
        const lines = item.blocks[channel];
        const run = pasted.get(lines.join('\n'));
        const commands = item.incident.diagnosis.remediation.commands;
        if (run === undefined || commands.length === 0) continue;
        const fail = (problem: string): number => problems.push(`${item.hostile.name} (${channel}): ${problem}`);
        if (run.created.length > 0) fail(`created ${run.created.join(', ')}`);
        if (run.notFound.length > 0) fail(`tried to run ${JSON.stringify(run.notFound)}`);
        if (run.stdout !== '' || run.stderr !== '' || run.status !== 0)
          fail(`bash said ${JSON.stringify((run.stdout + run.stderr).slice(0, 300))}, status ${run.status}`);
        const strangers = run.executed.filter((command) => !command.startsWith('aws '));
        if (strangers.length > 0) fail(`ran ${JSON.stringify(strangers.map((command) => command.slice(0, 120)))}`);
        if (run.executed.length !== run.awsCalls.length) fail(`${run.executed.length} commands ran for ${run.awsCalls.length} aws calls`);
        for (const argv of run.awsCalls) {
          const problem = argvProblem(argv, item.hostile.diagnosis, item.hostile.record);
          if (problem !== null) fail(problem);
        }
        // Slack's rendering of a backtick inside a code block is not something a copied command can depend on.
        if (channel === 'slack' && lines.some((line) => line.includes('`'))) fail('a backtick in the Slack code block');
        const omitted = lines.filter((line) => NOTE.test(line.trim())).length;
        const moreMatch = lines.map((line) => /^# \((\d+) more commands? not shown: /.exec(line.trim())).find((match) => match !== null);
        const more = moreMatch ? Number(moreMatch[1]) : 0;
        if (run.awsCalls.length + omitted + more !== commands.length)
          fail(`${commands.length} commands, ${run.awsCalls.length} ran, ${omitted + more} announced as left out`);
        calls += run.awsCalls.length;
        notes += omitted + more;
      }
      expect(problems.slice(0, 20)).toEqual([]);
      // The checks above ran on real calls, and the left-out path was taken.
      expect(calls).toBeGreaterThan(1_000);
      if (channel !== 'explain' && channel !== 'terminal') expect(notes).toBeGreaterThan(0);
    },
  );

  it('no channel carries a raw invisible character', () => {
    const problems: string[] = [];
    const check = (name: string, channel: string, text: string): void => {
      const match = INVISIBLE.exec(text);
      if (match) problems.push(`${name} (${channel}): U+${match[0].charCodeAt(0).toString(16).toUpperCase()} at ${match.index}`);
    };
    for (const item of rendered) {
      const name = item.hostile.name;
      check(name, 'e-mail subject', item.email.subject);
      check(name, 'e-mail body', item.email.body.replace(/\n/g, ''));
      check(name, 'terminal', item.terminal.replace(/\n/g, ''));
      check(name, 'explain', item.explain.replace(/\n/g, ''));
      // The zero-width space after a URL scheme is escapeSlack's own: it keeps Slack from linking event text.
      for (const text of item.slackTexts) check(name, 'slack', text.replace(/\n/g, '').replace(/:\u200B\/\//g, '://'));
      check(name, 'sns subject', item.sns.Subject);
      check(name, 'sns message', item.sns.Message);
      for (const [key, attribute] of Object.entries(item.sns.MessageAttributes))
        check(name, `sns attribute ${key}`, attribute.StringValue ?? '');
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it('no value starts a line, a step or a code block in any channel, and Slack texts stay within its limits', () => {
    const problems: string[] = [];
    for (const item of rendered) {
      const name = item.hostile.name;
      const steps = item.incident.diagnosis.remediation.steps.length;
      const outputs: Record<string, string> = {
        'e-mail': item.email.body,
        terminal: item.terminal,
        explain: item.explain,
        slack: item.slackTexts.join('\n'),
      };
      for (const [channel, text] of Object.entries(outputs)) {
        const forged = text.split('\n').find((line) => FORGED_LINE_STARTS.some((start) => line.replace(/^[\s#>]+/, '').startsWith(start)));
        if (forged !== undefined) problems.push(`${name} (${channel}): forged line ${JSON.stringify(forged.slice(0, 120))}`);
      }
      const numbered = (lines: readonly string[], pattern: RegExp): string[] =>
        lines.filter((line) => pattern.test(line)).map((line) => pattern.exec(line)?.[1] ?? '');
      const expected = Array.from({ length: steps }, (_, index) => String(index + 1));
      const stepLists: Record<string, string[]> = {
        'e-mail': numbered(linesBetween(item.email.body, 'What to do'), /^ {2}(\d+)\. /),
        explain: numbered(linesBetween(item.explain, '  Steps'), /^ {4}(\d+)\. /),
        slack: numbered((item.slackTexts.find((text) => text.startsWith('*What to do*')) ?? '').split('\n'), /^(\d+)\. /),
      };
      for (const [channel, list] of Object.entries(stepLists)) {
        if (list.join() !== expected.join()) problems.push(`${name} (${channel}): steps numbered ${JSON.stringify(list)}`);
      }
      if (item.slack.blocks.length > SLACK_LIMITS.blocks) problems.push(`${name} (slack): ${item.slack.blocks.length} blocks`);
      for (const text of item.slackTexts) {
        if (text.length > SLACK_LIMITS.sectionText) problems.push(`${name} (slack): a text of ${text.length} characters`);
        const fences = text.match(/```/g)?.length ?? 0;
        const isCode = text.startsWith('*Commands*\n```\n') || text.startsWith('*Context*\n```\n');
        if (isCode && (fences !== 2 || !text.endsWith('\n```'))) problems.push(`${name} (slack): code block with ${fences} fences`);
        // Outside code blocks the only backticks are the context line's spans around our own incident id, its show
        // command and the alert key.
        const backticks = text.match(/`/g)?.length ?? 0;
        if (!isCode && backticks !== (text.startsWith('Incident `') || text.includes('|CloudTrail event history>') ? 6 : 0))
          problems.push(`${name} (slack): ${backticks} backticks in ${JSON.stringify(text.slice(0, 80))}`);
        const withoutOurLink = text.replace(
          /<https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/cloudtrailv2\/home\?region=[a-z0-9-]+#\/events\/[^|>]+\|CloudTrail event history>/g,
          '',
        );
        if (/[<>]/.test(withoutOurLink)) problems.push(`${name} (slack): a raw < or > could mention or link`);
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it('SNS: printable attributes, a one-line ASCII subject, the e-mail text, and the incident intact in the machine JSON', () => {
    const problems: string[] = [];
    for (const item of rendered) {
      const name = item.hostile.name;
      const { Subject, Message, MessageAttributes } = item.sns;
      if (!/^[\x20-\x7e]{1,100}$/.test(Subject)) problems.push(`${name}: subject ${JSON.stringify(Subject)}`);
      for (const [key, attribute] of Object.entries(MessageAttributes)) {
        if (!/^[\x20-\x7e]+$/.test(attribute.StringValue ?? ''))
          problems.push(`${name}: attribute ${key} ${JSON.stringify(attribute.StringValue?.slice(0, 80))}`);
      }
      const message = JSON.parse(Message) as { default: string; email: string };
      if (message.email !== item.email.body) problems.push(`${name}: the e-mail text differs from the alert text`);
      const machine = JSON.parse(message.default) as { incident: unknown };
      if (JSON.stringify(machine.incident) !== JSON.stringify(item.incident))
        problems.push(`${name}: the machine JSON does not hold the incident as it is`);
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });
});
