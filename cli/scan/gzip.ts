import { pipeline } from 'node:stream/promises';
import { createGunzip, gunzipSync } from 'node:zlib';
import { tooLargeProblem } from '../../core/diagnosis';

/** gzip by its magic bytes, whatever the name (as readRecords decides). */
export function isGzip(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** An input over --max-file-size: named and skipped, never read further. */
export class TooLargeError extends Error {}

export const tooLarge = (limit: number): TooLargeError => new TooLargeError(tooLargeProblem(limit));
export const tooLargeAfterDecompression = (limit: number): TooLargeError => new TooLargeError(tooLargeProblem(limit, true));

/** A failure of zlib itself (corrupt or truncated data), as opposed to the input failing to arrive. */
export function isZlibError(error: unknown): boolean {
  return typeof (error as NodeJS.ErrnoException)?.code === 'string' && (error as NodeJS.ErrnoException).code!.startsWith('Z_');
}

/**
 * Gunzips in memory, into one buffer sized from the gzip trailer, when the trailer says the text is small: the
 * cheapest way for log files (one allocation, no copy). The trailer holds the last member's size mod 2^32, a claim
 * only: zlib stops past it. Null when the claim is large, wrong (several members, a crafted trailer) or the data
 * corrupt: gunzipStream then measures, reads or names the input.
 */
export function gunzipSmall(gzip: Buffer, limit: number): Buffer | null {
  if (gzip.length < GZIP_MIN_LENGTH) return null;
  const claimedSize = gzip.readUInt32LE(gzip.length - 4);
  if (claimedSize > Math.min(limit, IN_MEMORY_GUNZIP_LIMIT)) return null;
  try {
    return gunzipSync(gzip, { chunkSize: Math.max(claimedSize + 1, MIN_CHUNK), maxOutputLength: Math.max(claimedSize, 1) });
  } catch {
    return null;
  }
}

/**
 * Gunzips a stream chunk by chunk into `onText`, holding one chunk at a time; rejects with TooLargeError as soon as
 * the text passes `limit`, so a small file that inflates to gigabytes takes neither the memory nor the time.
 */
export async function gunzipStream(gzip: AsyncIterable<Buffer>, limit: number, onText: (chunk: Buffer) => void): Promise<void> {
  let size = 0;
  await pipeline(gzip, createGunzip({ chunkSize: STREAM_CHUNK }), async (text: AsyncIterable<Buffer>) => {
    for await (const chunk of text) {
      size += chunk.length;
      if (size > limit) throw tooLargeAfterDecompression(limit);
      onText(chunk);
    }
  });
}

/** A gzip stream's header and trailer: anything shorter is not gzip data that could hold a text. */
const GZIP_MIN_LENGTH = 18;
/** Larger texts are streamed, so memory stays bounded however many inputs are read at once. */
const IN_MEMORY_GUNZIP_LIMIT = 64 * 1024 * 1024;
const MIN_CHUNK = 64 * 1024;
const STREAM_CHUNK = 256 * 1024;
