import type { Command } from 'commander';
import { InputError } from '../../core/diagnosis';
import { principalOfArn, requestContextForCall } from '../../core/policy/context';
import { evaluateRequest } from '../../core/policy/evaluate';
import type { Evaluation } from '../../core/policy/types';
import { escapeSingleLine } from '../../core/render/escape';
import { renderEvaluationLines } from '../../core/render/evaluation-text';
import { EXIT, processIo, reportInputError, usageErrorsExitWith2, type CliIo } from '../io';
import { OptionError } from '../scan/filters';
import { styleFor } from '../render/style';

export interface EvaluateOptions {
  readonly policies: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context: readonly string[];
  readonly absent: readonly string[];
  readonly json?: boolean;
}

/** evaluate's own exit statuses, beside EXIT.ok (allowed) and EXIT.inputError (usage, unreadable store). */
export const EVALUATE_EXIT = { denied: 3, inconclusive: 4 } as const;

const ACTION = /^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/;
const CONDITION_KEY = /^[A-Za-z0-9-]+:[^=\s]+$/;

export function registerEvaluate(program: Command, io: CliIo = processIo()): void {
  const collect = (value: string, previous: string[]): string[] => [...previous, value];
  program
    .command('evaluate')
    .description('Would this call be allowed? Evaluate it against a policy store, as AWS would, layer by layer')
    .requiredOption('--policies <store>', 'the policy store (denyscope-policies/1)')
    .requiredOption('--principal <arn>', 'role, user, assumed-role session or root ARN, an account id, or a service principal')
    .requiredOption('--action <action>', 'the IAM action, e.g. dynamodb:GetItem')
    .requiredOption('--resource <arn>', 'the resource ARN, or * for an action without a resource')
    .option(
      '--context <key=value>',
      'a condition key of the request (repeat a key for several values); keys not given are unresolved',
      collect,
      [],
    )
    .option('--absent <key>', 'a condition key the request does not carry, e.g. aws:SourceVpce for a call through no endpoint', collect, [])
    .option('--json', 'print {"request":{...},"evaluation":{...}}')
    .addHelpText(
      'after',
      [
        '',
        "The principal's and the resource's keys (tags, organization, account, region) come from the store; the time is now.",
        'Exit status: 0 allowed, 3 denied (explicitly or for want of an allow), 4 inconclusive (it turns on keys not given),',
        '2 on a usage error or a store that cannot be read (one line naming the file and the path inside it).',
      ].join('\n'),
    )
    .exitOverride(usageErrorsExitWith2(io))
    .action(async (options: EvaluateOptions) => {
      io.setExitCode(await runEvaluate(options, io));
    });
}

/** The whole command without the option parser: returns the exit status. */
export async function runEvaluate(options: EvaluateOptions, io: CliIo): Promise<number> {
  let store;
  let call;
  try {
    // Loaded here, not with the CLI: the store's reader brings zod, which every other command would load for nothing.
    store = (await import('../policies')).loadPolicyStore(options.policies).store;
    const principal = principalOfArn(options.principal, store);
    if (principal === null)
      throw new OptionError(
        `--principal must be a role, user, assumed-role session or root ARN, an account id or a service principal, got "${options.principal}"`,
      );
    if (!ACTION.test(options.action))
      throw new OptionError(`--action must be service:Action (e.g. dynamodb:GetItem), got "${options.action}"`);
    if (options.resource !== '*' && !options.resource.startsWith('arn:'))
      throw new OptionError(`--resource must be an ARN or *, got "${options.resource}"`);
    call = {
      principal,
      action: options.action,
      resource: options.resource === '*' ? null : options.resource,
      context: parseContext(options.context),
      absent: parseKeys(options.absent),
      now: io.now(),
    };
  } catch (error) {
    if (!(error instanceof OptionError || error instanceof InputError)) throw error;
    reportInputError(io, error.message);
    return EXIT.inputError;
  }
  const evaluation: Evaluation = { ...evaluateRequest(requestContextForCall(call, store), store), source: 'store' };

  if (options.json === true) {
    const request = {
      principal: call.principal,
      action: call.action,
      resource: call.resource,
      context: Object.fromEntries(call.context),
      absent: call.absent,
    };
    io.stdout.write(`${JSON.stringify({ request, evaluation }, null, 2)}\n`);
  } else {
    const style = styleFor(io.stdout, io.env);
    const verdict =
      evaluation.decision === 'allow'
        ? style.green('ALLOWED')
        : evaluation.decision === 'inconclusive'
          ? style.yellow('INCONCLUSIVE')
          : style.red('DENIED');
    const headline = `${style.bold(verdict)} ${style.bold(escapeSingleLine(call.action))} by ${escapeSingleLine(options.principal)} on ${escapeSingleLine(options.resource)}`;
    io.stdout.write(
      `${[headline, ...renderEvaluationLines(evaluation, call.resource, 'hypothetical').map((line) => `  ${line}`)].join('\n')}\n`,
    );
  }
  if (evaluation.decision === 'allow') return EXIT.ok;
  return evaluation.decision === 'inconclusive' ? EVALUATE_EXIT.inconclusive : EVALUATE_EXIT.denied;
}

/** key=value pairs; a key given twice holds both values (a multivalued key such as aws:CalledVia). */
function parseContext(pairs: readonly string[]): Map<string, string[]> {
  const context = new Map<string, string[]>();
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new OptionError(`--context must be key=value (e.g. aws:SourceIp=203.0.113.7), got "${pair}"`);
    const [key] = parseKeys([pair.slice(0, equals)]);
    context.set(key, [...(context.get(key) ?? []), pair.slice(equals + 1)]);
  }
  return context;
}

function parseKeys(keys: readonly string[]): string[] {
  for (const key of keys) {
    if (!CONDITION_KEY.test(key)) throw new OptionError(`a condition key is prefix:name (e.g. aws:SourceVpce), got "${key}"`);
  }
  return [...keys];
}
