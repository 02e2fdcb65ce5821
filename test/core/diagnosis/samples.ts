import * as fs from 'node:fs';
import * as path from 'node:path';

/** The bundled sample events (cli/samples/events), used as fixtures. */
export const SAMPLES_DIR = path.resolve(__dirname, '..', '..', '..', 'cli', 'samples', 'events');

export interface SampleEvent {
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
  readonly [key: string]: unknown;
}

export function loadSample(file: string): SampleEvent {
  return JSON.parse(fs.readFileSync(path.join(SAMPLES_DIR, file), 'utf8')) as SampleEvent;
}

export function sampleFiles(): string[] {
  return fs
    .readdirSync(SAMPLES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort();
}
