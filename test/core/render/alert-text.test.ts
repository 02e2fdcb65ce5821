import { COPYABLE_MAX_LENGTH, renderAlertText, SUBJECT_MAX_LENGTH } from '../../../core/render/alert-text';
import { diagnosisOf, evaluatedIncident, incidentOf, poisonedIncident } from '../../support/incidents';
import { pasteIntoBash } from '../../support/paste-shell';

/** The lines under "Commands", as a person copies them from the e-mail or the terminal. */
function commandsBlock(body: string): string {
  const lines = body.split('\n');
  const start = lines.indexOf('Commands');
  const end = lines.indexOf('', start);
  return lines.slice(start + 1, end).join('\n');
}

// What bash makes of a command when it is pasted whole: the argv it is meant to run.
const argvOf = (commands: readonly string[]): string[][] => pasteIntoBash(commands).flatMap((run) => run.awsCalls.map((call) => [...call]));

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

describe('renderAlertText (email and terminal)', () => {
  const diagnosis = diagnosisOf();
  const incident = incidentOf(diagnosis);

  it('has the subject of the issue: action, target and cause', () => {
    expect(renderAlertText(incident).subject).toBe('[denyscope] dynamodb:PutItem denied on Orders: service control policy');
  });

  it('says who, what, when, why, what to do (steps and commands) and the incident id', () => {
    const { body } = renderAlertText(incident);
    expect(body).toContain(
      'Who:      arn:aws:iam::111122223333:role/orders-api (as arn:aws:sts::111122223333:assumed-role/orders-api/i-0abc123)',
    );
    expect(body).toContain('What:     dynamodb:PutItem on arn:aws:dynamodb:eu-west-1:111122223333:table/Orders');
    expect(body).toContain('When:     2026-11-20T09:15:00.000Z');
    expect(body).toContain(`Why\n  ${diagnosis.remediation.summary}`);
    expect(body).toContain(`  1. ${diagnosis.remediation.steps[0]}`);
    expect(body).toContain(`  ${diagnosis.remediation.commands[0].command}`);
    expect(body).toContain(`Incident: ${incident.id} (details: denyscope incidents show ${incident.id})`);
    expect(body).toContain(
      `CloudTrail event: https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/${diagnosis.eventId}`,
    );
    expect(body).not.toContain('since the last alert');
  });

  it('prints the policy that would allow an implicitly denied call', () => {
    const implicit = incidentOf(diagnosisOf({ reason: 'because no identity-based policy allows the dynamodb:PutItem action' }));
    expect(renderAlertText(implicit).body).toContain(
      'Policy that allows this call (attach to identity policy of arn:aws:iam::111122223333:role/orders-api):',
    );
  });

  it('says how many occurrences happened since the last alert on a repeat alert', () => {
    const repeat = incidentOf(diagnosis, {
      count: 42,
      countAtLastAlert: 42,
      alert: {
        eventId: diagnosis.eventId,
        sequence: 2,
        claimedAt: '2026-11-20T11:00:00.000Z',
        occurrencesSincePreviousAlert: 41,
        reopenedFrom: null,
        channels: {},
      },
    });
    const { subject, body } = renderAlertText(repeat);
    expect(subject).toBe('[denyscope] (41 more) dynamodb:PutItem denied on Orders: service control policy');
    expect(body).toContain('Repeats:  41 occurrences since the last alert');
  });

  it('keeps a long subject within 100 characters', () => {
    const long = incidentOf(diagnosisOf({ tableName: 'T'.repeat(200) }));
    const { subject } = renderAlertText(long);
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('renders injection strings in every event field harmless: no control characters, no forged lines', () => {
    const { subject, body } = renderAlertText(poisonedIncident());
    expect(subject).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
    expect(body).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(body.split('\n').some((line) => line.startsWith('forged line'))).toBe(false);
  });

  it('a command too long for the e-mail is left out with a note, never cut inside its quotes; the pasted block runs whole commands only', () => {
    // Quoted because of the space; longer than the limit once in a command.
    const table = `${'T'.repeat(COPYABLE_MAX_LENGTH)} x';touch pwned;'`;
    const incident = incidentOf(
      diagnosisOf({ tableName: table, reason: 'because no identity-based policy allows the dynamodb:PutItem action' }),
    );
    const commands = incident.diagnosis.remediation.commands.map((command) => command.command);
    const tooLong = commands.filter((command) => command.length > COPYABLE_MAX_LENGTH);
    expect(tooLong.length).toBeGreaterThan(0);
    const block = commandsBlock(renderAlertText(incident).body);
    const [run] = pasteIntoBash([block]);
    expect(run).toMatchObject({ created: [], notFound: [], stderr: '', status: 0 });
    expect(run.awsCalls).toEqual(argvOf(commands.filter((command) => command.length <= COPYABLE_MAX_LENGTH)));
    expect(
      block
        .split('\n')
        .filter(
          (line) =>
            line ===
            `  # (command not shown: it is longer than 4,000 characters; see it with denyscope incidents show ${incident.id} --json)`,
        ),
    ).toHaveLength(tooLong.length);
  });

  it('shows bidi controls, separators and other invisible characters escaped in the subject and body, never raw', () => {
    // A resource in a message ends at whitespace, U+2028 and U+2029 included: the separators go in the role name.
    const incident = incidentOf(
      diagnosisOf({
        tableName: 'Orders\u202Eevil\u2066\u2069\u200E\u061C',
        roleName: 'app\u202Eevil\u2028\u2029\u0085',
        sessionName: 's\u202E',
      }),
    );
    const { subject, body } = renderAlertText(incident);
    expect(subject).not.toMatch(INVISIBLE);
    expect(body.replace(/\n/g, '')).not.toMatch(INVISIBLE);
    expect(subject).toBe('[denyscope] dynamodb:PutItem denied on Orders\\u202Eevil\\u2066\\u2069\\u200E\\u061C: service control ...');
    expect(body).toContain('Who:      arn:aws:iam::111122223333:role/app\\u202Eevil\\u2028\\u2029\\u0085 (as ');
  });

  it('leads with the statement that denied the call, escaped, with the deciding condition and what could not be read', () => {
    const { body } = renderAlertText(evaluatedIncident());
    const lines = body.split('\n');
    const deniedBy = lines.indexOf('Denied by');
    expect(deniedBy).toBe(2);
    expect(lines.findIndex((line) => line.startsWith('Who:'))).toBeGreaterThan(deniedBy);
    expect(lines[deniedBy + 1]).toBe('  evaluated: explicit deny (agrees with the message)');
    expect(body).toContain('"Sid": "Deny`<!channel>```\\u202E"');
    expect(body).not.toContain('\u202E');
    expect(body).toMatch(/"aws:SourceVpc": "vpc-0abc" {3}◀ .*→ true/);
    expect(body).toContain('could not be read from AWS: principal boundary of arn:aws:iam::111122223333:role/orders-api: timed out');
  });

  it('says why nothing was evaluated when deep diagnosis read nothing', () => {
    const incident = evaluatedIncident();
    const evaluation = {
      ...incident.diagnosis.evaluation!,
      deniedBy: [],
      missingPolicies: ['evidence from AWS: not read within the 4000 ms deep diagnosis budget'],
      source: 'message' as const,
    };
    const { body } = renderAlertText({ ...incident, diagnosis: { ...incident.diagnosis, evaluation } });
    expect(body).toContain(
      'Denied by\n  not evaluated against policies: evidence from AWS: not read within the 4000 ms deep diagnosis budget\n',
    );
    expect(body).not.toContain('evaluated: ');
  });
});

describe('renderAlertText: what sets an alert apart', () => {
  const diagnosis = diagnosisOf();
  const reopened = incidentOf(diagnosis, {
    alert: {
      eventId: diagnosis.eventId,
      sequence: 3,
      claimedAt: '2026-11-21T10:00:00.000Z',
      occurrencesSincePreviousAlert: 1,
      reopenedFrom: '2026-11-20T18:30:00.000Z',
      channels: {},
    },
  });
  const consoleRead = incidentOf({ ...diagnosisOf({ eventName: 'GetItem' }), consoleSession: true, readOnly: true });

  it('says a reopened incident was reopened, and when it had been resolved', () => {
    expect(renderAlertText(reopened).body).toContain('Reopened: this incident had been resolved at 2026-11-20T18:30:00.000Z.\n');
  });

  it('says a console read is one (alerted only with alertOnConsoleReads)', () => {
    expect(renderAlertText(consoleRead).body).toContain('A read from a console session: alerted because alertOnConsoleReads is on.\n');
  });

  it('says neither for a first alert of an ordinary denial', () => {
    const { body } = renderAlertText(incidentOf(diagnosis));
    expect(body).not.toContain('Reopened');
    expect(body).not.toContain('console session');
  });
});
