import type { Command } from 'commander';
import { InputError } from '../../core/diagnosis';
import { escapeSingleLine } from '../../core/render/escape';
import { EXIT, processIo, reportInputError, usageErrorsExitWith2, type CliIo } from '../io';
import { DataDirError } from '../local/dataDirLock';
import { DEFAULT_DATA_DIR } from '../local/embeddedDynamo';
import type { LocalSummary } from '../local/run';
import type { PolicyStore } from '../../core/policy/store';
import { OptionError } from '../scan/filters';
import { DEFAULT_ALERT_SETTINGS, type AlertPolicy } from '../../core/incidents/alert-policy';
import { Router } from '../../core/incidents/routes';
import type { RoutesConfig } from '../../core/incidents/routes-schema';

export interface LocalOptions {
  readonly dataDir?: string;
  readonly slackWebhook?: string;
  readonly snsEndpoint?: string;
  readonly snsTopicArn?: string;
  readonly json?: boolean;
  readonly policies?: string;
  readonly routes?: string;
  readonly dedupWindowMinutes?: string;
  readonly acknowledgeHours?: string;
  readonly autoResolveDays?: string;
  readonly alertOnConsoleReads?: boolean;
}

export function registerLocal(program: Command, io: CliIo = processIo()): void {
  program
    .command('local')
    .exitOverride(usageErrorsExitWith2(io))
    .description(
      'Run the alert pipeline on this machine: diagnose, record incidents in an embedded store, deduplicate, alert (no AWS account needed)',
    )
    .argument(
      '[paths...]',
      'files and directories to read recursively (every shape `explain` reads); "-" reads stdin; none: the bundled samples',
    )
    .option('--data-dir <dir>', `where incidents persist between runs (default: ${DEFAULT_DATA_DIR})`)
    .option('--slack-webhook <url>', 'also post alerts to this Slack incoming webhook (default: SLACK_WEBHOOK_URL)')
    .option('--sns-endpoint <url>', 'also publish alerts to this SNS-compatible endpoint, e.g. an emulator')
    .option('--sns-topic-arn <arn>', `topic to publish to on --sns-endpoint (default: create or reuse topic "denyscope-alerts")`)
    .option(
      '--json',
      'print one JSON document at the end: {"events","denials","duplicates","incidents","newIncidents","alerts","suppressed","muted","consoleReads","errors"}',
    )
    .option(
      '--dedup-window-minutes <n>',
      `repeats within n minutes of an incident's last alert are counted, not alerted; 0: every new occurrence alerts (default ${DEFAULT_ALERT_SETTINGS.dedupWindowMinutes})`,
    )
    .option(
      '--acknowledge-hours <n>',
      `an acknowledged incident's repeats are not alerted for n hours after it was acknowledged (default ${DEFAULT_ALERT_SETTINGS.acknowledgeHours})`,
    )
    .option(
      '--auto-resolve-days <n>',
      `an incident with no occurrence for n days is resolved; its next occurrence reopens it (default ${DEFAULT_ALERT_SETTINGS.autoResolveDays})`,
    )
    .option('--alert-on-console-reads', 'alert on read-only denials from console sessions too (by default they are recorded, not alerted)')
    .option(
      '--policies <store>',
      'evaluate each denial against this policy store (denyscope-policies/1); alerts then name the denying statement',
    )
    .option(
      '--routes <file>',
      'send each alert to the channels of its routes (the routes document of the stack\'s "routes" setting); --json then adds "alertsByChannel"',
    )
    .addHelpText(
      'after',
      [
        '',
        'Alerts print as the alert email text (not with --json). Running the same input again records nothing new:',
        'every denial is a duplicate of its CloudTrail eventID. Delete the data dir to start over.',
        'Exit status: 0 when everything was processed, 1 when some input could not be processed or an alert was not',
        'delivered (each named on stderr; the rest was processed), 2 on a bad option or a PATH that does not exist.',
      ].join('\n'),
    )
    .action(async (paths: string[], options: LocalOptions) => {
      io.setExitCode(await runLocal(paths, options, io));
    });
}

/** The whole command without the option parser: returns the exit status. */
export async function runLocal(paths: readonly string[], options: LocalOptions, io: CliIo): Promise<number> {
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const slackWebhook = options.slackWebhook ?? (io.env.SLACK_WEBHOOK_URL || undefined);
  const { isHttpUrl } = await import('../../lambdas/adapters/secrets-webhook-url');
  const { collectInputs } = await import('../scan/files');
  const { bundledSamplesDir } = await import('../local/samples');
  const usesSamples = paths.length === 0;
  let collected;
  let store: PolicyStore | null = null;
  let routes: RoutesConfig | undefined;
  let policy: AlertPolicy;
  try {
    if (options.policies !== undefined) store = (await import('../policies')).loadPolicyStore(options.policies).store;
    if (options.routes !== undefined) routes = await loadRoutes(options.routes);
    if (slackWebhook !== undefined && !isHttpUrl(slackWebhook))
      throw new OptionError('--slack-webhook (or SLACK_WEBHOOK_URL) must be an http(s) URL');
    if (options.snsEndpoint !== undefined && !isHttpUrl(options.snsEndpoint)) {
      throw new OptionError(`--sns-endpoint must be an http(s) URL, got "${options.snsEndpoint}"`);
    }
    if (options.snsTopicArn !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/.test(options.snsTopicArn)) {
      throw new OptionError(`--sns-topic-arn must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME), got "${options.snsTopicArn}"`);
    }
    if (options.snsTopicArn !== undefined && options.snsEndpoint === undefined)
      throw new OptionError('--sns-topic-arn needs --sns-endpoint');
    policy = {
      dedupWindowMinutes: wholeNumber('--dedup-window-minutes', options.dedupWindowMinutes, DEFAULT_ALERT_SETTINGS.dedupWindowMinutes, 0),
      acknowledgeHours: wholeNumber('--acknowledge-hours', options.acknowledgeHours, DEFAULT_ALERT_SETTINGS.acknowledgeHours, 0),
      autoResolveDays: wholeNumber('--auto-resolve-days', options.autoResolveDays, DEFAULT_ALERT_SETTINGS.autoResolveDays, 1),
      alertOnConsoleReads: options.alertOnConsoleReads === true,
    };
    collected = collectInputs(usesSamples ? [bundledSamplesDir()] : paths);
  } catch (error) {
    if (!(error instanceof OptionError || error instanceof InputError)) throw error;
    reportInputError(io, error.message);
    return EXIT.inputError;
  }

  const { retentionDays } = DEFAULT_ALERT_SETTINGS;
  const { LocalSetupError, openLocalPipeline } = await import('../local/pipeline');
  const { emptySummary, processInputs, reportError, withProgressCleared } = await import('../local/run');
  const { createProgress } = await import('../scan/progress');
  const summary = emptySummary();
  if (routes !== undefined) summary.alertsByChannel = Object.fromEntries(new Router(routes).channels.map((channel) => [channel, 0]));
  const progress = createProgress(io.stderr, 'processing');
  for (const error of collected.errors) reportError(io, summary, `${error.message} (skipped)`);

  let local;
  try {
    local = await openLocalPipeline({
      dataDir,
      slackWebhook,
      snsEndpoint: options.snsEndpoint,
      snsTopicArn: options.snsTopicArn,
      terminal: options.json === true ? null : withProgressCleared(io.stdout, progress),
      io,
      policy,
      retentionDays,
      routes,
    });
  } catch (error) {
    if (!(error instanceof DataDirError || error instanceof LocalSetupError)) throw error;
    io.stderr.write(`denyscope: ${escapeSingleLine(error.message)}\n`);
    return EXIT.partial;
  }
  let undelivered: readonly string[];
  try {
    if (usesSamples && options.json !== true) {
      io.stdout.write(
        `Running the bundled sample events (a denial of every cause, and a few calls that are not denials) through the alert pipeline; incidents are stored in ${escapeSingleLine(dataDir)}\n\n`,
      );
    }
    ({ undeliveredIncidents: undelivered } = await processInputs(
      collected.inputs,
      local.pipeline,
      io,
      summary,
      progress,
      local.stopping,
      store,
    ));
    // Interrupted: the signal handler exits (130/143) once the store is closed; report nothing half-counted.
    if (local.stopping()) return await new Promise<never>(() => undefined);
    summary.incidents = await local.countIncidents();
  } finally {
    await local.close();
  }

  if (options.json === true) {
    io.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    io.stdout.write(renderSummary(summary, dataDir, policy.dedupWindowMinutes));
  }
  if (undelivered.length > 0) {
    io.stderr.write(`denyscope: ${undelivered.length} alert(s) not delivered on every channel; run the same input again to retry them\n`);
  }
  return summary.errors > 0 || undelivered.length > 0 ? EXIT.partial : EXIT.ok;
}

/** The routes file, validated like the stack's `routes` setting; a problem is an OptionError naming the file, the route and the field. */
async function loadRoutes(file: string): Promise<RoutesConfig> {
  const { readInputFile } = await import('../input');
  const { checkRoutes, formatRoutesProblem } = await import('../../core/incidents/routes-schema');
  let document: unknown;
  try {
    document = JSON.parse(readInputFile(file).toString('utf8'));
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new OptionError(`--routes ${file}: not JSON: ${(error as Error).message}`);
  }
  const result = checkRoutes(document);
  if (result.ok) return result.config;
  const [first, ...others] = result.problems;
  throw new OptionError(
    `--routes ${file}: ${formatRoutesProblem(first)}${others.length > 0 ? ` (and ${others.length} more problem(s))` : ''}`,
  );
}

function renderSummary(summary: LocalSummary, dataDir: string, dedupWindowMinutes: number): string {
  const dir = escapeSingleLine(dataDir);
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const lines = [
    `${plural(summary.events, 'event')} read, ${plural(summary.denials, 'denial')}: ${plural(summary.newIncidents, 'new incident')}, ${plural(summary.alerts, 'alert')}, ${summary.suppressed} suppressed (repeats inside the ${dedupWindowMinutes}-minute window or of acknowledged incidents), ${summary.muted} muted, ${plural(summary.consoleReads, 'console read')} not alerted, ${plural(summary.duplicates, 'duplicate')}${summary.duplicates > 0 ? ` (already recorded in ${dir}; delete it to start over)` : ''}${summary.errors > 0 ? `, ${plural(summary.errors, 'error')} (see above)` : ''}.`,
    ...(summary.alertsByChannel === undefined
      ? []
      : [
          `Alerts by channel: ${Object.entries(summary.alertsByChannel)
            .map(([channel, count]) => `${escapeSingleLine(channel)} ${count}`)
            .join(', ')}.`,
        ]),
    `${dir} holds ${plural(summary.incidents, 'incident')}: see them with \`denyscope incidents${dataDir === DEFAULT_DATA_DIR ? '' : ` --data-dir ${dir}`} list\`.`,
  ];
  return `${lines.join('\n')}\n`;
}

/** A whole number option of at least `min` (the default when absent). */
function wholeNumber(option: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const trimmed = value.trim();
  if (!/^\d{1,7}$/.test(trimmed) || Number(trimmed) < min)
    throw new OptionError(`${option} must be a whole number of at least ${min}, got "${value}"`);
  return Number(trimmed);
}
