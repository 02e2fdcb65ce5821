import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { parseStandingMutes, type Mute } from '../../core/incidents/mutes';
import { OptionError } from '../scan/filters';

/** The file the CDK app keeps its context in, looked for in the directory the CLI runs in. */
export const CDK_JSON = 'cdk.json';

/**
 * The standing mutes of the CDK app: `context.mutes` of the given cdk.json, else of ./cdk.json when there is one; ids
 * as the Lambda computes them (parseStandingMutes). Mutes given at deploy with `-c mutes=...` are not in the file, so
 * they cannot be read here. A given file that is missing, a file that is not JSON, or a bad mute is an OptionError
 * naming the file.
 */
export function readStandingMutes(given: string | undefined, cwd: string): Mute[] {
  const file = given ?? path.join(cwd, CDK_JSON);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (given === undefined && code === 'ENOENT') return [];
    throw new OptionError(
      `${given === undefined ? '' : '--cdk-json '}${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text) as unknown;
  } catch (error) {
    throw new OptionError(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const context = isObject(document) ? document.context : undefined;
  const mutes = isObject(context) ? context.mutes : undefined;
  // An empty value leaves the setting unset, as it does for the CDK app (lib/config.ts).
  if (mutes === undefined || mutes === '') return [];
  try {
    return parseStandingMutes(mutes);
  } catch (error) {
    throw new OptionError(`${file}: context.${error instanceof Error ? error.message : String(error)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `--cdk-json FILE`: the CDK app whose standing mutes (context.mutes) are shown; default ./cdk.json when there is one. */
export function withCdkJson(command: Command): Command {
  return command.option(
    '--cdk-json <file>',
    `the CDK app's ${CDK_JSON}, whose context.mutes are the standing mutes (default: ./${CDK_JSON} when there is one)`,
  );
}
