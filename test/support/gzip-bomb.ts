import { gzipSync } from 'node:zlib';

/**
 * A small gzip file that inflates to at least `inflatedBytes` spaces: copies of one gzip member of 1 MiB, which a
 * gzip reader inflates one after another (RFC 1952), so building it costs one compression of 1 MiB.
 */
export function gzipBomb(inflatedBytes: number): Buffer {
  const mebibyte = 1024 * 1024;
  const member = gzipSync(Buffer.alloc(mebibyte, 0x20));
  return Buffer.concat(Array<Buffer>(Math.ceil(inflatedBytes / mebibyte)).fill(member));
}
