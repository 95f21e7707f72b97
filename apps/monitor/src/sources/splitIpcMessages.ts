import { Message, MessageHeader } from 'apache-arrow';

export interface IpcMessage {
  header: MessageHeader;
  /** The framed message: prefix, metadata and body. */
  bytes: Uint8Array;
}

/** Splits complete Arrow IPC stream bytes into framed messages (the end-of-stream marker dropped). */
export function splitIpcMessages(bytes: Uint8Array): IpcMessage[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: IpcMessage[] = [];
  let pos = 0;
  while (bytes.length - pos >= 8) {
    const prefix = view.getUint32(pos, true) === 0xffffffff ? 8 : 4;
    const metaLength = view.getInt32(pos + prefix - 4, true);
    if (metaLength <= 0) break;
    const message = Message.decode(bytes.subarray(pos + prefix, pos + prefix + metaLength));
    const total = prefix + metaLength + Number(message.bodyLength);
    out.push({ header: message.headerType, bytes: bytes.subarray(pos, pos + total) });
    pos += total;
  }
  return out;
}

export { MessageHeader };
