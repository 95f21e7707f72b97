import { type RecordBatch, type Schema, Table, tableToIPC } from 'apache-arrow';
import { MessageHeader, splitIpcMessages } from '../sources/splitIpcMessages.js';

/**
 * Encodes an Arrow IPC stream as separately appendable pieces: the schema message, then one
 * framed message per record batch (dictionaries go with their batch). Appending
 * `schema, batch₁, batch₂, …` to a file makes a valid stream at every batch boundary, which is
 * how a training job writing model outputs grows its log.
 */
export function arrowStreamPieces(
  schema: Schema,
  batches: readonly RecordBatch[],
): { schema: Uint8Array; batches: Uint8Array[] } {
  const first = splitIpcMessages(tableToIPC(new Table(schema), 'stream'));
  const schemaBytes = first.find((m) => m.header === MessageHeader.Schema)!.bytes;
  const pieces = batches.map((batch) => {
    const messages = splitIpcMessages(tableToIPC(new Table(schema, [batch]), 'stream'));
    return Buffer.concat(
      messages.filter((m) => m.header !== MessageHeader.Schema).map((m) => m.bytes),
    );
  });
  return { schema: Uint8Array.from(schemaBytes), batches: pieces };
}
