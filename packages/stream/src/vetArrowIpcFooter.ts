import { vetFooter } from './ipcGuard.js';

/**
 * Vets an Arrow IPC *file*'s footer (the flatbuffer between the last message and the footer
 * length that precedes the closing `ARROW1`) the way {@link vetArrowIpcMessage} vets a message:
 * returns why a vector in it (record batch blocks, dictionaries, the schema's fields, names,
 * custom metadata) claims more entries than the footer has bytes, or `null`. apache-arrow 21's
 * file reader decodes the footer, and the schema in it, as soon as it opens a file. Never throws.
 */
export function vetArrowIpcFooter(footer: Uint8Array): string | null {
  return vetFooter(footer);
}
