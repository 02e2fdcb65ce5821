import { renderDiagnosisText } from '../../../cli/render/diagnosis-text';
import { createStyle } from '../../../cli/render/style';
import { diagnosisOf } from '../../support/incidents';
import { pasteIntoBash } from '../../support/paste-shell';

const plain = createStyle(false);
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** The lines under "Commands", as a person copies them from the terminal. */
function commandsBlock(text: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf('  Commands');
  return lines.slice(start + 1, lines.indexOf('', start)).join('\n');
}

describe('renderDiagnosisText (explain, incidents show)', () => {
  const trojan = '\u202E\u2066\u2069\u2028\u0085\u001b[2J\n2. forged step\n';
  const hostile = diagnosisOf({
    roleName: `app${trojan}touch pwned #`,
    sessionName: `s${trojan}`,
    tableName: `Orders${trojan}`,
    reason: 'because no identity-based policy allows the dynamodb:PutItem action',
  });
  const text = renderDiagnosisText(hostile, plain);

  it('shows every invisible character escaped: none reaches the terminal raw', () => {
    expect(text.replace(/\n/g, '')).not.toMatch(INVISIBLE);
    expect(text).toContain('\\u202E\\u2066\\u2069\\u2028\\u0085\\u001B[2J\\n2. forged step\\n');
  });

  it('a value cannot forge a step: one line per step, numbered in order', () => {
    const lines = text.split('\n');
    const steps = lines.slice(lines.indexOf('  Steps') + 1, lines.indexOf('', lines.indexOf('  Steps')));
    expect(steps.map((line) => /^ {4}(\d+)\. /.exec(line)?.[1])).toEqual(hostile.remediation.steps.map((_, index) => String(index + 1)));
  });

  it('pasting the Commands block runs the aws commands and nothing else, each with its quoted values intact', () => {
    const [run] = pasteIntoBash([commandsBlock(text)]);
    expect(run).toMatchObject({ created: [], notFound: [], stderr: '', stdout: '', status: 0 });
    expect(run.executed).toEqual(hostile.remediation.commands.map((command) => command.command));
  });

  it('keeps the policy snippet valid JSON holding the exact values', () => {
    const lines = text.split('\n');
    const start = lines.findIndex((line) => line.startsWith('  Policy that allows this call'));
    const json = lines.slice(start + 1, lines.indexOf('', start)).join('\n');
    expect(JSON.parse(json)).toEqual(hostile.remediation.policySnippet?.document);
  });
});

describe('renderDiagnosisText with an evaluation', () => {
  const base = diagnosisOf({ reason: 'with an explicit deny in an identity-based policy' });
  const statement = { Sid: 'NoWrites', Effect: 'Deny', Action: 'dynamodb:PutItem', Resource: '*' };
  const diagnosis = {
    ...base,
    evaluation: {
      decision: 'explicit-deny' as const,
      deniedBy: [
        {
          policyType: 'identity-policy' as const,
          policyArn: 'arn:aws:iam::111122223333:policy/guardrails',
          policyName: 'guardrails',
          target: null,
          sid: 'NoWrites',
          statementIndex: 0,
          statement,
          conditions: [],
        },
      ],
      missingAllow: [],
      unresolvedKeys: [],
      missingPolicies: [],
      agreesWithMessage: true,
      source: 'fetched' as const,
    },
  };
  const lines = (text: string) => text.split('\n');

  it('explain: the evaluation sits under "why", after the message’s own words', () => {
    const text = lines(renderDiagnosisText(diagnosis, plain));
    const why = text.findIndex((line) => /^ {2}why /.test(line));
    const sid = text.findIndex((line) => line.includes('NoWrites'));
    expect(why).toBeGreaterThan(0);
    expect(sid).toBeGreaterThan(why);
    expect(text).not.toContain('  Denied by');
  });

  it('incidents show: a "Denied by" block leads, right under the headline, and the statement is not repeated under "why"', () => {
    const text = lines(renderDiagnosisText(diagnosis, plain, { evaluationFirst: true }));
    expect(text[1]).toBe('  Denied by');
    const sids = text.flatMap((line, index) => (line.includes('NoWrites') ? [index] : []));
    const who = text.findIndex((line) => /^ {2}who /.test(line));
    expect(sids.length).toBeGreaterThan(0);
    expect(Math.max(...sids)).toBeLessThan(who);
    expect(text.some((line) => line.includes('evidence: the policies read from AWS now (--deep)'))).toBe(true);
  });
});
