import type { Style } from '../render/style';
import { renderTable } from '../render/table';
import { rankGroups, type Dimension, type ScanTotals } from './summary';

/** Human tables show the busiest rows; --json carries them all. */
export const TABLE_ROWS = 10;

const TABLES: ReadonlyArray<{ dimension: Dimension; title: string; column: string }> = [
  { dimension: 'byCause', title: 'By cause', column: 'CAUSE' },
  { dimension: 'byPrincipal', title: 'By principal', column: 'PRINCIPAL' },
  { dimension: 'byAction', title: 'By action', column: 'ACTION' },
  { dimension: 'byTable', title: 'By table', column: 'TABLE' },
  // Only with --policies; without a store these groups are empty and not shown.
  { dimension: 'byDecision', title: 'By evaluation', column: 'DECISION' },
  { dimension: 'byStatement', title: 'By denying statement', column: 'POLICY AND STATEMENT' },
];

/** The human scan report: totals, then one table per dimension, each row with its most frequent remediation summary. */
export function renderScanText(totals: ScanTotals, style: Style, width: number | undefined): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const plural = (count: number, word: string): string => `${n(count)} ${word}${count === 1 ? '' : 's'}`;
  const lines = [
    `${style.bold('Scanned')} ${plural(totals.files, 'file')}, ${plural(totals.records, 'record')}: ${style.bold(plural(totals.denials, 'denial'))}`,
  ];
  if (totals.errors.length > 0) {
    lines.push(
      style.yellow(
        `${plural(totals.errors.length, 'input')} could not be read and ${totals.errors.length === 1 ? 'was' : 'were'} skipped (named on stderr)`,
      ),
    );
  }
  if (totals.denials === 0) {
    lines.push('No denials found.');
    return `${lines.join('\n')}\n`;
  }
  for (const table of TABLES) {
    const ranked = rankGroups(totals.groups[table.dimension]);
    if (ranked.length === 0) continue;
    const shown = ranked.slice(0, TABLE_ROWS);
    const more = ranked.length > shown.length ? style.dim(` (top ${TABLE_ROWS} of ${n(ranked.length)})`) : '';
    lines.push('', `${style.bold(table.title)}${more}`);
    lines.push(
      ...renderTable(
        [{ header: table.column }, { header: 'DENIALS', align: 'right' }, { header: 'TOP REMEDIATION' }],
        shown.map((row) => [row.key, n(row.count), row.topSummary]),
        style,
        width,
      ),
    );
  }
  lines.push('', style.dim('Each denial in full: denyscope scan ... --json, or denyscope explain FILE.'));
  return `${lines.join('\n')}\n`;
}
