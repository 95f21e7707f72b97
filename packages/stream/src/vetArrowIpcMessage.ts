import { vetMessage } from './ipcGuard.js';

/** What {@link vetArrowIpcMessage} found. */
export interface ArrowIpcMessageVet {
  /** Why the metadata is corrupt, or `null` when every vector length it claims fits in it. */
  problem: string | null;
  /** The message's body length in bytes (0 when `problem` is set). */
  bodyLength: number;
}

/**
 * Vets one Arrow IPC message's metadata (the flatbuffer `Message` between the length prefix and
 * the body) before apache-arrow decodes it. apache-arrow 21 trusts the vector lengths in the
 * metadata: a flipped byte in a field count or a name length makes it build billions of objects
 * and exhausts the heap (no exception, the process dies). No vector can hold more entries than
 * the metadata has bytes, so such a length is reported here instead. Other corruption (a wrong
 * header type, an offset out of range) is left to Arrow's decoder, which throws an ordinary error
 * for it; this function itself never throws. The sources of this package
 * run this on every message; readers that frame IPC messages themselves (a log follower, say)
 * should call it before `Message.decode` or `RecordBatchReader`.
 *
 * @example
 * ```ts
 * import { vetArrowIpcMessage } from '@losskit/stream';
 * const { problem, bodyLength } = vetArrowIpcMessage(metadataBytes);
 * if (problem !== null) throw new Error(`corrupt Arrow IPC message: ${problem}`);
 * ```
 */
export function vetArrowIpcMessage(metadata: Uint8Array): ArrowIpcMessageVet {
  return vetMessage(metadata);
}
