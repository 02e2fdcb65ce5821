import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import {
  byAge,
  isActive,
  MUTE_CRITERIA,
  muteProblem,
  parseUntil,
  STANDING_MUTE_ID_PREFIX,
  type Mute,
  type MuteCriteria,
} from '../../core/incidents/mutes';
import { escapeJson, escapeSingleLine } from '../../core/render/escape';
import type { ConnectionOptions } from '../incidents/connection';
import { EXIT, processIo, usageErrorsExitWith2, type CliIo } from '../io';
import { CDK_JSON, readStandingMutes, withCdkJson } from '../incidents/standing-mutes';
import { DEFAULT_DATA_DIR } from '../local/embeddedDynamo';
import { renderTable, type Column } from '../render/table';
import { styleFor } from '../render/style';
import { OptionError } from '../scan/filters';
import { EXIT_QUERY_FAILED, QueryError, withQuery } from './incidents';

/** A mute needs an end: without --for or --until it lasts this long. */
const DEFAULT_MUTE_FOR = '7d';
const DURATION = /^(\d+)([mhdw])$/;
const DURATION_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export interface MuteFlags extends Partial<Record<(typeof MUTE_CRITERIA)[number], string>> {
  readonly for?: string;
  readonly until?: string;
  readonly reason?: string;
  readonly table?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly dataDir?: string;
}

const HELP = `
Every criterion given must match (any subset, at least one); \`*\` in a value matches any run of characters, and the
whole value must match (case-sensitive). --principal matches the role or user ARN policies attach to, or the caller ARN.
A muted denial is recorded and counted (incidents show it muted), never alerted, and never reopens a resolved incident.
When several mutes match, the oldest is named.
Standing mutes (context.mutes of the CDK app's cdk.json: ./${CDK_JSON}, or --cdk-json FILE) are listed with source cdk.json;
they are changed in that file and deployed, not with \`mutes remove\`.
Where: the local store (--data-dir, default ${DEFAULT_DATA_DIR}), or the deployed table (--table NAME --region R), or --endpoint URL.
Exit status: 0 on success, 2 on a bad option (no criterion, no reason, a bad period) or a bad --cdk-json file or standing mute,
1 when the store cannot be reached, or the mute id is unknown or a standing mute's.`;

export function registerMutes(program: Command, io: CliIo = processIo()): void {
  const mute = program
    .command('mute')
    .exitOverride(usageErrorsExitWith2(io))
    .description('Stop alerting on denials that match: they are still recorded and counted')
    .option('--principal <arn>', 'role or user ARN policies attach to, or the caller ARN (wildcards: *)')
    .option('--action <action>', 'IAM action, e.g. dynamodb:Scan or dynamodb:*')
    .option('--resource <arn>', 'resource ARN, e.g. arn:aws:dynamodb:*:*:table/Orders*')
    .option('--cause <cause>', 'cause, e.g. service-control-policy')
    .option('--account <id>', 'AWS account id')
    .option('--for <duration>', `how long: 30m, 24h, 7d, 2w (default ${DEFAULT_MUTE_FOR})`)
    .option('--until <time>', 'until an ISO 8601 time (in the future), or "never" (listed in every digest)')
    .option('--reason <text>', 'why (required): `mutes list` and the digest show it')
    .addHelpText('after', HELP);
  withWhere(mute).action(async (flags: MuteFlags) => {
    io.setExitCode(await runMute(flags, whereOf(flags), io));
  });

  const mutes = program
    .command('mutes')
    .exitOverride(usageErrorsExitWith2(io))
    .description('List or remove mutes')
    .addHelpText('after', HELP);
  withCdkJson(withWhere(mutes.command('list')))
    .description(`Mutes in force, oldest first (ended ones are not listed): the store's, and the standing mutes of ${CDK_JSON}`)
    .option(
      '--json',
      'print {"mutes":[{"id","principal","action","resource","cause","account","until","reason","createdBy","createdAt","source"}]}',
    )
    .action(async (flags: MuteFlags & { json?: boolean; cdkJson?: string }) => {
      io.setExitCode(await runMutesList(flags, whereOf(flags), io));
    });
  withWhere(mutes.command('remove'))
    .description('Remove a mute: matching denials alert again')
    .argument('<id>', 'mute id, as `mutes list` prints it (mute-...)')
    .action(async (id: string, flags: MuteFlags) => {
      io.setExitCode(await runMuteRemove(id, whereOf(flags), io));
    });
}

function withWhere(command: Command): Command {
  return command
    .option('--table <name>', 'the deployed incidents table')
    .option('--region <region>', 'AWS region of the deployed table')
    .option('--endpoint <url>', 'any DynamoDB-compatible endpoint')
    .option('--data-dir <dir>', `local store directory (default: ${DEFAULT_DATA_DIR})`);
}

function whereOf(flags: MuteFlags): ConnectionOptions {
  return { table: flags.table, region: flags.region, endpoint: flags.endpoint, dataDir: flags.dataDir ?? DEFAULT_DATA_DIR };
}

export async function runMute(flags: MuteFlags, where: ConnectionOptions, io: CliIo): Promise<number> {
  return withQuery(io, where, async () => {
    const now = io.now();
    const criteria = Object.fromEntries(MUTE_CRITERIA.map((key) => [key, flags[key] ?? null])) as unknown as MuteCriteria;
    const reason = flags.reason?.trim() ?? '';
    const problem = muteProblem(criteria, reason);
    if (problem !== null) throw new OptionError(problem);
    const until = muteEnd(flags, now);
    return async (connection) => {
      const created: Mute = {
        ...criteria,
        id: `mute-${randomBytes(6).toString('hex')}`,
        until,
        reason,
        createdBy: await connection.actor(),
        createdAt: now.toISOString(),
      };
      await connection.mutes.addMute(created);
      io.stdout.write(`${escapeSingleLine(`${created.id}: muted until ${until ?? 'never (listed in every digest)'}`)}\n`);
      return EXIT.ok;
    };
  });
}

/** --for DURATION or --until TIME|never, not both; the default is DEFAULT_MUTE_FOR. Null: never. */
function muteEnd(flags: MuteFlags, now: Date): string | null {
  if (flags.for !== undefined && flags.until !== undefined) throw new OptionError('give --for or --until, not both');
  if (flags.until !== undefined) {
    let until: string | null;
    try {
      until = parseUntil(flags.until, '--until');
    } catch (error) {
      throw new OptionError(error instanceof Error ? error.message : String(error));
    }
    if (until !== null && until <= now.toISOString()) throw new OptionError(`--until ${flags.until} is not in the future`);
    return until;
  }
  const period = (flags.for ?? DEFAULT_MUTE_FOR).trim();
  const duration = DURATION.exec(period);
  if (duration === null || Number(duration[1]) === 0) {
    throw new OptionError(`--for must be a duration such as 30m, 24h, 7d or 2w, got "${flags.for}"`);
  }
  return new Date(now.getTime() + Number(duration[1]) * DURATION_MS[duration[2]]).toISOString();
}

const MUTE_COLUMNS: readonly Column[] = [
  { header: 'ID' },
  { header: 'SOURCE' },
  { header: 'UNTIL' },
  { header: 'CRITERIA' },
  { header: 'REASON' },
  { header: 'BY' },
];

/** Where a mute is kept: the deployed table (or one at an endpoint), the local store, or the CDK app's cdk.json. */
type MuteSource = 'table' | 'local' | typeof CDK_JSON;
type SourcedMute = Mute & { readonly source: MuteSource };
const sourced =
  (source: MuteSource) =>
  (mute: Mute): SourcedMute => ({ ...mute, source });

export async function runMutesList(flags: { json?: boolean; cdkJson?: string }, where: ConnectionOptions, io: CliIo): Promise<number> {
  return withQuery(io, where, async () => {
    const now = io.now();
    const standing = readStandingMutes(flags.cdkJson, process.cwd()).filter((mute) => isActive(mute, now));
    return async (connection) => {
      const stored = await connection.mutes.activeMutes(now);
      const mutes = [...standing.map(sourced(CDK_JSON)), ...stored.map(sourced(connection.kind))].sort(byAge);
      if (flags.json === true) {
        io.stdout.write(`${escapeJson({ mutes: mutes.map(muteJson) }, 2)}\n`);
        return EXIT.ok;
      }
      if (mutes.length === 0) {
        io.stdout.write(`no mutes in force in ${escapeSingleLine(connection.description)} or ${CDK_JSON}\n`);
        return EXIT.ok;
      }
      const rows = mutes.map((mute) => [
        mute.id,
        mute.source,
        mute.until ?? 'never',
        MUTE_CRITERIA.filter((key) => mute[key] !== null)
          .map((key) => `${key}=${mute[key]}`)
          .join(' '),
        mute.reason,
        mute.createdBy,
      ]);
      const width = io.stdout.isTTY === true ? io.stdout.columns : undefined;
      io.stdout.write(
        renderTable(MUTE_COLUMNS, rows, styleFor(io.stdout, io.env), width)
          .map((line) => `${line}\n`)
          .join(''),
      );
      return EXIT.ok;
    };
  });
}

/** `mutes list --json`: exactly these fields, absent criteria as null. */
function muteJson(mute: SourcedMute): Record<string, string | null> {
  return {
    id: mute.id,
    principal: mute.principal,
    action: mute.action,
    resource: mute.resource,
    cause: mute.cause,
    account: mute.account,
    until: mute.until,
    reason: mute.reason,
    createdBy: mute.createdBy,
    createdAt: mute.createdAt,
    source: mute.source,
  };
}

export async function runMuteRemove(id: string, where: ConnectionOptions, io: CliIo): Promise<number> {
  if (id.startsWith(STANDING_MUTE_ID_PREFIX)) {
    io.stderr.write(
      `denyscope: ${escapeSingleLine(`${id} is a standing mute: remove it from context.mutes in ${CDK_JSON} (or -c mutes=...) and deploy`)}\n`,
    );
    return EXIT_QUERY_FAILED;
  }
  return withQuery(io, where, async () => {
    if (!/^[\w.:-]{1,200}$/.test(id)) throw new OptionError(`"${id}" is not a mute id (mutes list prints them: mute-...)`);
    return async (connection) => {
      if (!(await connection.mutes.removeMute(id, io.now()))) throw new QueryError(`no mute ${id} in force in ${connection.description}`);
      io.stdout.write(`${escapeSingleLine(`${id} removed`)}\n`);
      return EXIT.ok;
    };
  });
}
