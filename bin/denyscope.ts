import { Command } from 'commander';
import { registerExplain } from '../cli/commands/explain';
import { registerScan } from '../cli/commands/scan';
import { registerLocal } from '../cli/commands/local';
import { registerIncidents } from '../cli/commands/incidents';
import { registerEvaluate } from '../cli/commands/evaluate';
import { registerPolicies } from '../cli/commands/policies';

const program = new Command()
  .name('denyscope')
  .description('Finds out which policy denied an AWS call (DynamoDB first): diagnosis, incidents and alerts.')
  .showHelpAfterError();

registerExplain(program);
registerScan(program);
registerLocal(program);
registerIncidents(program);
registerEvaluate(program);
registerPolicies(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`denyscope: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
