import type { Command } from 'commander';
import { computeDigest, DIGEST_DEFAULTS } from '../../core/incidents/digest';
import { NO_FILTERS } from '../../core/incidents/ports';
import { escapeJson } from '../../core/render/escape';
import type { ConnectionOptions } from '../incidents/connection';
import { parseTimeBound } from '../incidents/filters';
import { EXIT, processIo, usageErrorsExitWith2, type CliIo } from '../io';
import { readStandingMutes, withCdkJson } from '../incidents/standing-mutes';
import { DEFAULT_DATA_DIR } from '../local/embeddedDynamo';
import { OptionError } from '../scan/filters';
import { withQuery, withWhereOptions } from './incidents';

export interface DigestFlags {
  readonly since?: string;
  readonly json?: boolean;
  readonly table?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly dataDir?: string;
  readonly cdkJson?: string;
}

export function registerDigest(program: Command, io: CliIo = processIo()): void {
  withCdkJson(withWhereOptions(program.command('digest'), true))
    .exitOverride(usageErrorsExitWith2(io))
    .description(
      'What the daily digest says: new incidents by cause, the noisiest incidents, console reads recorded and not alerted, open and acknowledged counts, mutes expiring soon or never',
    )
    .option('--since <time>', `the period's start: ISO time or a duration back from now (default ${DIGEST_DEFAULTS.periodHours}h)`)
    .option(
      '--json',
      'print {"since","until","newIncidents","noisiest","consoleReads","consoleReadsTotal","open","acknowledged","mutesExpiringSoon","mutesWithoutExpiry"}',
    )
    .action(async (flags: DigestFlags) => {
      const where: ConnectionOptions = {
        table: flags.table,
        region: flags.region,
        endpoint: flags.endpoint,
        dataDir: flags.dataDir ?? DEFAULT_DATA_DIR,
      };
      io.setExitCode(await runDigest(flags, where, io));
    });
}

export async function runDigest(flags: DigestFlags, where: ConnectionOptions, io: CliIo): Promise<number> {
  return withQuery(io, where, async () => {
    const now = io.now();
    const since = new Date(parseTimeBound('--since', flags.since ?? `${DIGEST_DEFAULTS.periodHours}h`, now));
    if (since > now) throw new OptionError(`--since (${since.toISOString()}) is in the future`);
    const standing = readStandingMutes(flags.cdkJson, process.cwd());
    return async (connection) => {
      const incidents = await connection.incidents.allIncidents(NO_FILTERS, now);
      const digest = computeDigest(incidents, [...standing, ...(await connection.mutes.activeMutes(now))], { now, since });
      if (flags.json === true) {
        io.stdout.write(`${escapeJson(digest, 2)}\n`);
      } else {
        const { renderDigestText } = await import('../../core/render/digest-text');
        io.stdout.write(renderDigestText(digest).body);
      }
      return EXIT.ok;
    };
  });
}
