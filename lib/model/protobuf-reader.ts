/** A minimal protocol-buffers reader: walks the fields of one message without a schema. */

/** One field of a message as it sits in the bytes. */
export interface ProtoField {
  field: number;
  wireType: number;
  /** Varint value (wire type 0). */
  int?: bigint;
  /** Payload of a length-delimited field (wire type 2), a view into the message bytes. */
  bytes?: Uint8Array;
  /** Offsets of the whole field (tag included) within the message, for copying it unchanged. */
  start: number;
  end: number;
}

/** Thrown when the bytes are not a well-formed protobuf message. */
export class ProtoDecodeError extends Error {}

function readVarint(buf: Uint8Array, at: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const byte = buf[i];
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    shift += 7n;
  }
  throw new ProtoDecodeError(`truncated varint at byte ${at}`);
}

/** The fields of one message, in order; throws ProtoDecodeError on malformed bytes. */
export function* protoFields(buf: Uint8Array): Generator<ProtoField> {
  let at = 0;
  while (at < buf.length) {
    const start = at;
    const tag = readVarint(buf, at);
    at = tag.next;
    const field = Number(tag.value >> 3n);
    const wireType = Number(tag.value & 7n);
    if (field === 0) throw new ProtoDecodeError(`field number 0 at byte ${start}`);
    if (wireType === 0) {
      const v = readVarint(buf, at);
      at = v.next;
      yield { field, wireType, int: v.value, start, end: at };
    } else if (wireType === 2) {
      const len = readVarint(buf, at);
      const from = len.next;
      const to = from + Number(len.value);
      if (to > buf.length) throw new ProtoDecodeError(`field ${field} runs past the end of the message`);
      at = to;
      yield { field, wireType, bytes: buf.subarray(from, to), start, end: at };
    } else if (wireType === 1 || wireType === 5) {
      at += wireType === 1 ? 8 : 4;
      if (at > buf.length) throw new ProtoDecodeError(`field ${field} runs past the end of the message`);
      yield { field, wireType, start, end: at };
    } else {
      throw new ProtoDecodeError(`unsupported wire type ${wireType} at byte ${start}`);
    }
  }
}

/** Decodes a length-delimited field as UTF-8. */
export function protoString(field: ProtoField): string {
  return new TextDecoder().decode(field.bytes ?? new Uint8Array());
}

/** Decodes a repeated int64 field that may be packed or not. */
export function protoInts(field: ProtoField): bigint[] {
  if (field.wireType === 0) return [field.int ?? 0n];
  const out: bigint[] = [];
  const bytes = field.bytes ?? new Uint8Array();
  let at = 0;
  while (at < bytes.length) {
    const v = readVarint(bytes, at);
    out.push(BigInt.asIntN(64, v.value));
    at = v.next;
  }
  return out;
}
