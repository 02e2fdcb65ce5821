import { OptionError } from './filters';

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

const BYTE_SIZE = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** A size option: bytes, or a number with a unit (KiB, MiB, GiB; K, M, G are the same; KB, MB, GB are powers of 1000). */
export function parseByteSize(option: string, value: string): number {
  const match = BYTE_SIZE.exec(value.trim());
  const unit = match === null ? undefined : UNITS[match[2].toLowerCase()];
  const bytes = match === null || unit === undefined ? NaN : Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new OptionError(`${option} must be a size such as 1GiB, 500MiB or 1048576 (bytes), got "${value}"`);
  }
  return bytes;
}

const BINARY_UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** A size to a tenth of its unit, as progress shows it: "1.5 MiB", "870 bytes". */
export function approximateSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < BINARY_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${BINARY_UNITS[unit]}`;
}
