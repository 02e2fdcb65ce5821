import type { CloudTrailRecord, Diagnosis } from '../../core/diagnosis';
import { statementKey } from '../../core/policy/describe';

/** One row of a by-X table: how many denials, and how often each remediation summary came up. */
export interface GroupCount {
  count: number;
  summaries: Record<string, number>;
}
export type Groups = Record<string, GroupCount>;

export const DIMENSIONS = ['byCause', 'byPrincipal', 'byAction', 'byTable', 'byDecision', 'byStatement'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
/** Counted only when denials are evaluated against a policy store (--policies). */
export const POLICY_DIMENSIONS: ReadonlySet<Dimension> = new Set<Dimension>(['byDecision', 'byStatement']);

/** The key(s) a diagnosis counts under in each dimension; null = not counted (no table named, no evaluation). */
export const DIMENSION_KEY: Readonly<Record<Dimension, (diagnosis: Diagnosis) => string | readonly string[] | null>> = {
  byCause: (d) => d.cause,
  byPrincipal: (d) => d.principal,
  byAction: (d) => d.action,
  byTable: (d) => d.tableName,
  byDecision: (d) => d.evaluation?.decision ?? null,
  // Every statement that denied it: a denial two statements deny counts under both.
  byStatement: (d) =>
    d.evaluation?.decision === 'explicit-deny' ? [...new Set(d.evaluation.deniedBy.map((entry) => statementKey(entry, d.resource)))] : null,
};

/** What one file (or stdin) contributed: plain data, so it can come back from a scan worker. */
export interface FileScanResult {
  readonly source: string;
  /** Bytes read (compressed, when the input is gzip). */
  readonly bytes: number;
  /** Records read, before filters. */
  readonly records: number;
  /** Denials that passed the filters. */
  readonly denials: number;
  readonly groups: Readonly<Record<Dimension, Groups>>;
  /** The first matching diagnoses of this file, in record order: as many as the report still wanted when it was scanned. */
  readonly diagnoses: readonly Diagnosis[];
  /** Set when the file could not be read; everything else is then zero. */
  readonly error: string | null;
  /**
   * From a scan worker that left its denials to the main thread (ScanSettings.denialsToMainThread): their records, in
   * record order, not yet counted in `denials`, `groups` or `diagnoses` (countDenialRecords counts them).
   */
  readonly denialRecords?: readonly CloudTrailRecord[];
}

// Null-prototype maps: keys come from events, and "__proto__" or "constructor" must count like any other key.
const newMap = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

export function emptyGroups(): Record<Dimension, Groups> {
  return { byCause: newMap(), byPrincipal: newMap(), byAction: newMap(), byTable: newMap(), byDecision: newMap(), byStatement: newMap() };
}

/** Counts one diagnosis in every dimension; with `withSummary`, also tallies its remediation summary. */
export function countInto(groups: Record<Dimension, Groups>, diagnosis: Diagnosis, withSummary: boolean): void {
  const summary = withSummary ? diagnosis.remediation.summary : null;
  for (const dimension of DIMENSIONS) {
    const keys = DIMENSION_KEY[dimension](diagnosis);
    if (typeof keys === 'string') countOne(groups[dimension], keys, summary);
    else for (const key of keys ?? []) countOne(groups[dimension], key, summary);
  }
}

/** One denial in one group: the per-denial step, which makes no object of its own. */
function countOne(groups: Groups, key: string, summary: string | null): void {
  const group = groupOf(groups, key);
  group.count += 1;
  if (summary !== null) addSummary(group, summary, 1);
}

function addToGroup(groups: Groups, key: string, count: number, summaries: Record<string, number>): void {
  const group = groupOf(groups, key);
  group.count += count;
  for (const summary of Object.keys(summaries)) addSummary(group, summary, summaries[summary]);
}

function groupOf(groups: Groups, key: string): GroupCount {
  return Object.prototype.hasOwnProperty.call(groups, key) ? groups[key] : (groups[key] = { count: 0, summaries: newMap() });
}

function addSummary(group: GroupCount, summary: string, count: number): void {
  group.summaries[summary] = (Object.prototype.hasOwnProperty.call(group.summaries, summary) ? group.summaries[summary] : 0) + count;
}

export interface ScanError {
  readonly file: string;
  readonly message: string;
}

/** Totals over every file, merged in file order so the output does not depend on worker timing. */
export class ScanTotals {
  files = 0;
  bytes = 0;
  records = 0;
  denials = 0;
  readonly groups = emptyGroups();
  readonly diagnoses: Diagnosis[] = [];
  readonly errors: ScanError[] = [];

  constructor(private readonly limit: number) {}

  /** How many more diagnoses the report can take. */
  wantedDiagnoses(): number {
    return this.limit - this.diagnoses.length;
  }

  add(result: FileScanResult): void {
    this.files += 1;
    this.bytes += result.bytes;
    if (result.error !== null) {
      this.errors.push({ file: result.source, message: result.error });
      return;
    }
    this.records += result.records;
    this.denials += result.denials;
    for (const dimension of DIMENSIONS) {
      const groups = result.groups[dimension];
      for (const key of Object.keys(groups)) addToGroup(this.groups[dimension], key, groups[key].count, groups[key].summaries);
    }
    for (const diagnosis of result.diagnoses) {
      if (this.diagnoses.length >= this.limit) break;
      this.diagnoses.push(diagnosis);
    }
  }
}

/** Rows of one dimension, most denials first (ties by key, for stable output), each with its most frequent summary. */
export function rankGroups(groups: Groups): Array<{ key: string; count: number; topSummary: string }> {
  return Object.keys(groups)
    .map((key) => ({ key, count: groups[key].count, topSummary: mostFrequent(groups[key].summaries) }))
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function mostFrequent(counts: Record<string, number>): string {
  let best = '';
  let bestCount = -1;
  for (const key of Object.keys(counts)) {
    if (counts[key] > bestCount) {
      best = key;
      bestCount = counts[key];
    }
  }
  return best;
}
