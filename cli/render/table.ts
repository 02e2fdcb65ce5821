import { escapeSingleLine } from '../../core/render/escape';
import type { Style } from './style';

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/**
 * A plain-text table, one line per row. Cells are escaped here (they hold event values). When `maxWidth`
 * is given, the last column is cut to fit it, so rows do not wrap on a terminal.
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[], style: Style, maxWidth?: number): string[] {
  const cells = rows.map((row) => row.map((cell) => escapeSingleLine(cell)));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((row) => row[index].length)));
  const last = columns.length - 1;
  const indent = '  ';
  const lineOf = (row: readonly string[]): string => {
    const line = row
      .map((cell, index) => {
        if (index === last) return cell;
        return columns[index].align === 'right' ? cell.padStart(widths[index]) : cell.padEnd(widths[index]);
      })
      .join('  ');
    return fit(`${indent}${line}`, maxWidth);
  };
  return [style.dim(lineOf(columns.map((column) => column.header))), ...cells.map(lineOf)];
}

function fit(line: string, maxWidth: number | undefined): string {
  if (maxWidth === undefined || line.length <= maxWidth) return line.trimEnd();
  return `${line.slice(0, Math.max(0, maxWidth - 1))}…`;
}
