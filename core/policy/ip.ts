/**
 * IPv4 and IPv6 addresses and CIDR ranges for the IpAddress / NotIpAddress condition operators.
 * IAM UG, Condition operators (IP address): "The value must be in the standard CIDR format (for example,
 * 203.0.113.0/24 or 2001:DB8:1234:5678::/64). If you specify an IP address without the associated routing prefix,
 * IAM uses the default prefix value of /32", and "Some AWS services support IPv6, using :: to represent a range of 0s".
 */

interface Address {
  readonly version: 4 | 6;
  readonly bits: bigint;
}

export interface IpRange {
  readonly version: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
}

const WIDTH = { 4: 32, 6: 128 } as const;

/** A range from CIDR text; a bare address is the range of that one address. Null when the text is neither. */
export function parseIpRange(text: string): IpRange | null {
  const slash = text.indexOf('/');
  const address = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!address) return null;
  const width = WIDTH[address.version];
  let prefix: number = width;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > width) return null;
  }
  return { version: address.version, network: address.bits & mask(width, prefix), prefix };
}

/** Whether an address (text) lies in the range; an address of the other IP version never does. */
export function ipInRange(addressText: string, range: IpRange): boolean | null {
  const address = parseAddress(addressText);
  if (!address) return null;
  if (address.version !== range.version) return false;
  return (address.bits & mask(WIDTH[range.version], range.prefix)) === range.network;
}

function mask(width: number, prefix: number): bigint {
  const all = (1n << BigInt(width)) - 1n;
  return all ^ ((1n << BigInt(width - prefix)) - 1n);
}

function parseAddress(text: string): Address | null {
  if (text.includes(':')) {
    const bits = parseIpv6(text);
    return bits === null ? null : { version: 6, bits };
  }
  const bits = parseIpv4(text);
  return bits === null ? null : { version: 4, bits: BigInt(bits) };
}

function parseIpv4(text: string): number | null {
  const octets = text.split('.');
  if (octets.length !== 4) return null;
  let bits = 0;
  for (const octet of octets) {
    if (!/^\d{1,3}$/.test(octet)) return null;
    const value = Number(octet);
    if (value > 255) return null;
    bits = bits * 256 + value;
  }
  return bits;
}

/** Full, `::`-compressed and IPv4-tailed (::ffff:192.0.2.1) forms; zone ids are not addresses in a policy. */
function parseIpv6(text: string): bigint | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const groups = [...head, ...tail];
  // An IPv4 tail stands for the last two groups.
  const last = groups[groups.length - 1];
  let ipv4Tail: number | null = null;
  if (last !== undefined && last.includes('.')) {
    ipv4Tail = parseIpv4(last);
    // The IPv4 form may only end the address, never precede a `::`.
    if (ipv4Tail === null || (halves.length === 2 && tail.length === 0)) return null;
  }
  const hexGroups = ipv4Tail === null ? groups : groups.slice(0, -1);
  const groupCount = hexGroups.length + (ipv4Tail === null ? 0 : 2);
  if (halves.length === 1 ? groupCount !== 8 : groupCount > 7) return null;
  const values: number[] = [];
  for (const group of hexGroups) {
    if (!/^[0-9A-Fa-f]{1,4}$/.test(group)) return null;
    values.push(parseInt(group, 16));
  }
  if (ipv4Tail !== null) values.push(Math.floor(ipv4Tail / 65536), ipv4Tail % 65536);
  const zeros = 8 - values.length;
  const all = [...values.slice(0, head.length), ...new Array<number>(zeros).fill(0), ...values.slice(head.length)];
  let bits = 0n;
  for (const value of all) bits = (bits << 16n) | BigInt(value);
  return bits;
}
