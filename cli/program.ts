import { Command } from 'commander';
import { registerDigest } from './commands/digest';
import { registerEvaluate } from './commands/evaluate';
import { registerExplain } from './commands/explain';
import { registerIncidents } from './commands/incidents';
import { registerLocal } from './commands/local';
import { registerMutes } from './commands/mutes';
import { registerPolicies } from './commands/policies';
import { registerScan } from './commands/scan';
import { processIo, type CliIo } from './io';

/** The `denyscope` command line: every command, reading and writing through io. Used by the binary and the in-process test harness. */
export function createProgram(io: CliIo = processIo()): Command {
  const program = new Command()
    .name('denyscope')
    .description('Finds out which policy denied an AWS call (DynamoDB first): diagnosis, incidents and alerts.')
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) });
  registerExplain(program, io);
  registerScan(program, io);
  registerLocal(program, io);
  registerIncidents(program, io);
  registerDigest(program, io);
  registerMutes(program, io);
  registerEvaluate(program, io);
  registerPolicies(program, io);
  return program;
}
