import type { Command } from 'commander';
import { escapeJson, escapeSingleLine } from '../../core/render/escape';
import type { StateCommand } from '../../core/incidents/lifecycle';
import type { IncidentFilters } from '../../core/incidents/ports';
import type { ConnectionOptions, IncidentsConnection } from '../incidents/connection';
import { checkPeriod, parseAccount, parseCause, parseName, parseState, parseTimeBound } from '../incidents/filters';
import { withReflectorOptions, type ReflectorFlags } from '../incidents/state-reflectors';
import { OptionError, parseLimit } from '../scan/filters';
import { EXIT, processIo, reportInputError, usageErrorsExitWith2, type CliIo } from '../io';
import { DEFAULT_DATA_DIR } from '../local/embeddedDynamo';
import { styleFor } from '../render/style';

/** The store could not be queried (unreachable, no credentials, unknown incident): one line, this status. */
export const EXIT_QUERY_FAILED = 1;
const DEFAULT_LIMIT = 50;
const RECENT_OCCURRENCES = 10;

interface ConnectionFlags {
  readonly table?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly dataDir?: string;
}

export interface ListFlags {
  readonly since?: string;
  readonly until?: string;
  readonly cause?: string;
  readonly principal?: string;
  readonly table?: string;
  readonly account?: string;
  readonly state?: string;
  readonly limit?: string;
  readonly json?: boolean;
}

export interface StatsFlags {
  readonly since?: string;
  readonly until?: string;
  readonly account?: string;
  readonly json?: boolean;
}

const WHERE_HELP = `
Where the incidents are:
  (default)                              the local store written by \`denyscope local\` (--data-dir, default ${DEFAULT_DATA_DIR})
  --table NAME --region R                the deployed table (the stack outputs its name); credentials from the standard AWS chain
  --endpoint URL [--table NAME]          any DynamoDB-compatible endpoint (table defaults to the local store's name)
Give --table NAME before the subcommand: after \`list\`, --table filters by the DynamoDB table an incident names.
  denyscope incidents --table denyscope-Incidents --region eu-west-1 list --since 7d

Exit status: 0 on success, 2 on a bad option value, 1 when the store cannot be queried (unreachable endpoint, missing credentials, unknown incident id) or a state change does not apply (nothing is written).`;

export function registerIncidents(program: Command, io: CliIo = processIo()): void {
  // `--table` names the incidents table before the subcommand and the filter after `list`: positional
  // options keep them apart (commander needs it on the parent chain too; the root has no options of its own).
  program.enablePositionalOptions();
  const incidents = program
    .command('incidents')
    .exitOverride(usageErrorsExitWith2(io))
    .description('Query stored incidents: locally (the default) or in the deployed table')
    .enablePositionalOptions()
    .option('--table <name>', 'the deployed incidents table (give it before the subcommand)')
    .option('--region <region>', 'AWS region of the table (default: AWS_REGION)')
    .option('--endpoint <url>', 'any DynamoDB-compatible endpoint, e.g. http://127.0.0.1:8000')
    .option('--data-dir <dir>', `local store directory (default: ${DEFAULT_DATA_DIR})`)
    .addHelpText('after', WHERE_HELP);

  const connectionOptions = (command: Command, ownTable: boolean): ConnectionOptions => {
    const parent = command.parent?.opts<ConnectionFlags>() ?? {};
    const own = command.opts<ConnectionFlags>();
    return {
      table: (ownTable ? own.table : undefined) ?? parent.table,
      region: own.region ?? parent.region,
      endpoint: own.endpoint ?? parent.endpoint,
      dataDir: own.dataDir ?? parent.dataDir ?? DEFAULT_DATA_DIR,
    };
  };

  withWhereOptions(incidents.command('list'))
    .description('Incidents newest first (by last seen), served by the table indexes (Query, never Scan)')
    .option('--since <time>', 'last seen at or after: ISO time or a duration back from now (30m, 24h, 7d, 2w)')
    .option('--until <time>', 'last seen at or before: ISO time or duration')
    .option('--cause <cause>', 'only this cause (identity-policy, service-control-policy, ...)')
    .option('--principal <arn>', 'only this principal (role, user or root ARN, or account id)')
    .option('--table <name>', 'only incidents naming this DynamoDB table')
    .option('--account <id>', 'only this AWS account')
    .option('--state <state>', 'only incidents in this state: open, acknowledged or resolved')
    .option('--limit <n>', `at most n incidents (default ${DEFAULT_LIMIT})`)
    .option('--json', 'print {"incidents":[...]}')
    .action(async (flags: ListFlags, command: Command) => {
      const connection = connectionOptions(command, false);
      if (
        flags.table !== undefined &&
        connection.table === undefined &&
        connection.region !== undefined &&
        connection.endpoint === undefined
      ) {
        reportInputError(
          io,
          `--region is for the deployed incidents table: name it before the subcommand (denyscope incidents --table NAME --region R list); after \`list\`, --table filters by DynamoDB table`,
        );
        io.setExitCode(EXIT.inputError);
        return;
      }
      io.setExitCode(await runIncidentsList(flags, connection, io));
    });

  withWhereOptions(incidents.command('show'), true)
    .description('One incident: its diagnosis, remediation and recent occurrences')
    .argument('<id>', 'incident id, as `incidents list` prints it (inc-...)')
    .option('--json', 'print {"incident":{...},"occurrences":[...]}')
    .action(async (id: string, flags: { json?: boolean }, command: Command) => {
      io.setExitCode(await runIncidentsShow(id, flags, connectionOptions(command, true), io));
    });

  for (const [command, description] of STATE_COMMANDS) {
    withReflectorOptions(withWhereOptions(incidents.command(command), true))
      .description(description)
      .argument('<id>', 'incident id, as `incidents list` prints it (inc-...)')
      .option('--note <text>', 'why: stored with the incident and shown by `incidents show`')
      .action(async (id: string, flags: StateChangeFlags, cmd: Command) => {
        io.setExitCode(await runStateChange(command, id, flags, connectionOptions(cmd, true), io));
      });
  }

  withWhereOptions(incidents.command('stats'), true)
    .description('Incident and occurrence counts by cause, principal and table over a period')
    .option('--since <time>', 'incidents last seen at or after: ISO time or duration (default: all time)')
    .option('--until <time>', 'incidents last seen at or before')
    .option('--account <id>', 'only this AWS account')
    .option('--json', 'print {"since","until","incidents","occurrences","byCause","byPrincipal","byTable"}')
    .action(async (flags: StatsFlags, command: Command) => {
      io.setExitCode(await runIncidentsStats(flags, connectionOptions(command, true), io));
    });
}

const STATE_COMMANDS: readonly [StateCommand, string][] = [
  ['ack', 'Acknowledge an open incident: its repeats are counted, not alerted, for acknowledgeHours'],
  ['resolve', 'Resolve an open or acknowledged incident: its next unmuted occurrence reopens it and alerts at once'],
  ['reopen', 'Reopen a resolved or acknowledged incident'],
];
const NOTE_LIMIT = 1000;

type StateChangeFlags = { readonly note?: string } & ReflectorFlags;
const PAST_TENSE: Record<StateCommand, string> = { ack: 'acknowledged', resolve: 'resolved', reopen: 'reopened' };

/**
 * ack, resolve, reopen: read the incident, check the transition applies, then write it on the condition that the
 * state is still the one read. A lost race is exit 1 with the state the incident is in now; nothing is written.
 */
export async function runStateChange(
  command: StateCommand,
  id: string,
  flags: StateChangeFlags,
  where: ConnectionOptions,
  io: CliIo,
): Promise<number> {
  return withQuery(io, where, async () => {
    checkIncidentId(id);
    const note = flags.note === undefined ? null : flags.note.trim();
    if (note !== null && (note === '' || note.length > NOTE_LIMIT)) throw new OptionError(`--note must be 1 to ${NOTE_LIMIT} characters`);
    return async (connection) => {
      const { stateChange } = await import('../../core/incidents/lifecycle');
      const { reflectStateChange, stateReflectorsFor } = await import('../incidents/state-reflectors');
      const incident = await connection.states.getIncident(id);
      if (incident === null) throw new QueryError(`no incident ${id} in ${connection.description}`);
      const change = stateChange(command, incident, await connection.actor(), note, io.now());
      if (!change.ok) throw new QueryError(change.problem);
      const changed = await connection.states.changeState(id, change.change);
      if (changed === null) {
        const now = await connection.states.getIncident(id);
        throw new QueryError(
          `incident ${id} changed while this ran: it is ${now === null ? 'gone' : `now ${now.state}`}; nothing written (run the command again if it still applies)`,
        );
      }
      io.stdout.write(`${escapeSingleLine(`incident ${id} ${PAST_TENSE[command]}: now ${changed.state}`)}
`);
      const deadline = Date.now() + REFLECT_BUDGET_MS;
      const budget = { remainingMs: () => deadline - Date.now() };
      for (const { channel, result } of await reflectStateChange(changed, await stateReflectorsFor(flags, where.region), budget)) {
        if (result.status === 'failed') {
          io.stderr.write(`denyscope: warning: ${escapeSingleLine(`the ${channel} message was not updated: ${result.detail}`)}
`);
        }
      }
      return EXIT.ok;
    };
  });
}

/** How long the channels that show a state change get, together. */
const REFLECT_BUDGET_MS = 30_000;

function checkIncidentId(id: string): void {
  if (!/^[\w.:-]{1,200}$/.test(id)) throw new OptionError(`"${id}" is not an incident id (incidents list prints them: inc-...)`);
}

export function withWhereOptions(command: Command, withTable = false): Command {
  if (withTable) command.option('--table <name>', 'the deployed incidents table');
  return command
    .option('--region <region>', 'AWS region of the deployed table')
    .option('--endpoint <url>', 'any DynamoDB-compatible endpoint')
    .option('--data-dir <dir>', `local store directory (default: ${DEFAULT_DATA_DIR})`)
    .addHelpText('after', WHERE_HELP);
}

export async function runIncidentsList(flags: ListFlags, where: ConnectionOptions, io: CliIo): Promise<number> {
  return withQuery(io, where, async () => {
    const now = io.now();
    const filters = listFilters(flags, now);
    const limit = flags.limit === undefined ? DEFAULT_LIMIT : parseLimit(flags.limit);
    return async (connection) => {
      const { summarize, renderList } = await import('../incidents/output');
      const incidents = await connection.incidents.listIncidents(filters, limit, now);
      if (flags.json === true) {
        io.stdout.write(`${escapeJson({ incidents: incidents.map(summarize) }, 2)}\n`);
      } else {
        io.stdout.write(renderList(incidents, terminalWidth(io), connection.description, styleFor(io.stdout, io.env)));
      }
      return EXIT.ok;
    };
  });
}

export async function runIncidentsShow(id: string, flags: { json?: boolean }, where: ConnectionOptions, io: CliIo): Promise<number> {
  return withQuery(io, where, async () => {
    checkIncidentId(id);
    return async (connection) => {
      const { detailJson, renderIncident } = await import('../incidents/output');
      const detail = await connection.incidents.showIncident(id, RECENT_OCCURRENCES);
      if (detail === null) throw new QueryError(`no incident ${id} in ${connection.description}`);
      if (flags.json === true) {
        io.stdout.write(`${escapeJson(detailJson(detail.incident, detail.occurrences), 2)}\n`);
      } else {
        io.stdout.write(renderIncident(detail.incident, detail.occurrences, terminalWidth(io), styleFor(io.stdout, io.env)));
      }
      return EXIT.ok;
    };
  });
}

export async function runIncidentsStats(flags: StatsFlags, where: ConnectionOptions, io: CliIo): Promise<number> {
  return withQuery(io, where, async () => {
    const now = io.now();
    const filters = listFilters({ since: flags.since, until: flags.until, account: flags.account }, now);
    return async (connection) => {
      const { computeStats, renderStats } = await import('../incidents/output');
      const stats = computeStats(await connection.incidents.allIncidents(filters, now), filters.since, filters.until);
      if (flags.json === true) {
        io.stdout.write(`${escapeJson(stats, 2)}\n`);
      } else {
        io.stdout.write(renderStats(stats, terminalWidth(io), connection.description, styleFor(io.stdout, io.env)));
      }
      return EXIT.ok;
    };
  });
}

function listFilters(flags: ListFlags, now: Date): IncidentFilters {
  const filters: IncidentFilters = {
    since: flags.since === undefined ? null : parseTimeBound('--since', flags.since, now),
    until: flags.until === undefined ? null : parseTimeBound('--until', flags.until, now),
    cause: flags.cause === undefined ? null : parseCause(flags.cause),
    principal: flags.principal === undefined ? null : parseName('--principal', flags.principal),
    tableName: flags.table === undefined ? null : parseName('--table', flags.table),
    accountId: flags.account === undefined ? null : parseAccount(flags.account),
    state: flags.state === undefined ? null : parseState(flags.state),
  };
  checkPeriod(filters.since, filters.until);
  return filters;
}

/** A query's answer that is a failure for the user (unknown id, a transition that does not apply): exit 1, one line. */
export class QueryError extends Error {}

/**
 * Validates the options first (a bad value exits 2 before anything starts), then opens the store,
 * runs the query and always closes the store; every failure becomes one line on stderr.
 */
export async function withQuery(
  io: CliIo,
  where: ConnectionOptions,
  prepare: () => Promise<(connection: IncidentsConnection) => Promise<number>>,
): Promise<number> {
  let query: (connection: IncidentsConnection) => Promise<number>;
  try {
    query = await prepare();
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    reportInputError(io, error.message);
    return EXIT.inputError;
  }
  const { openIncidentsConnection } = await import('../incidents/connection');
  const { describeStoreError } = await import('../incidents/errors');
  let connection: IncidentsConnection | undefined;
  try {
    connection = await openIncidentsConnection(where);
    return await query(connection);
  } catch (error) {
    if (error instanceof OptionError) {
      reportInputError(io, error.message);
      return EXIT.inputError;
    }
    const message =
      error instanceof QueryError
        ? error.message
        : describeStoreError(error, connection?.description ?? describeWhere(where), connection?.missingTable);
    io.stderr.write(`denyscope: ${escapeSingleLine(message)}\n`);
    return EXIT_QUERY_FAILED;
  } finally {
    await connection?.close();
  }
}

function describeWhere(where: ConnectionOptions): string {
  if (where.endpoint !== undefined) return `endpoint ${where.endpoint}`;
  if (where.table !== undefined) return `table ${where.table}`;
  return `local store ${where.dataDir}`;
}

/** Tables fit the terminal; piped output is never cut. */
function terminalWidth(io: CliIo): number | undefined {
  return io.stdout.isTTY === true && io.stdout.columns !== undefined ? io.stdout.columns : undefined;
}
