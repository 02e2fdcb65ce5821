import { escapeSingleLine } from '../../lambdas/render/escape';

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
  /** Shrinks (with an ellipsis) when the table is wider than the terminal; fixed columns never do. */
  readonly flexible?: boolean;
  readonly alignRight?: boolean;
}

const GAP = '  ';
const MIN_FLEXIBLE_WIDTH = 8;

/**
 * A plain-text table fitted to `width` (the terminal's columns) by shrinking the flexible columns,
 * widest first. Without a width (output piped), nothing is cut. Values are escaped to one line.
 */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], width: number | undefined): string {
  const cells = rows.map((row) => columns.map((column) => escapeSingleLine(column.value(row))));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((line) => line[index].length)));
  if (width !== undefined) fitWidths(widths, columns, width);
  const formatLine = (values: readonly string[]) =>
    values
      .map((value, index) => {
        const cut = truncate(value, widths[index]);
        return columns[index].alignRight === true ? cut.padStart(widths[index]) : cut.padEnd(widths[index]);
      })
      .join(GAP)
      .trimEnd();
  return [formatLine(columns.map((column) => column.header)), ...cells.map(formatLine)].map((line) => `${line}\n`).join('');
}

function fitWidths<Row>(widths: number[], columns: readonly Column<Row>[], width: number): void {
  const total = () => widths.reduce((sum, value) => sum + value, 0) + GAP.length * (widths.length - 1);
  while (total() > width) {
    let widest = -1;
    columns.forEach((column, index) => {
      if (column.flexible === true && widths[index] > MIN_FLEXIBLE_WIDTH && (widest < 0 || widths[index] > widths[widest])) widest = index;
    });
    if (widest < 0) return;
    widths[widest] -= 1;
  }
}

function truncate(value: string, width: number): string {
  return value.length <= width ? value : `${value.slice(0, Math.max(0, width - 1))}…`;
}
