/**
 * A check of an Arrow IPC file's or stream's message headers before apache-arrow decodes them. Arrow's decoder
 * trusts the counts in a header: a record batch that claims 457 million field nodes in a 176-byte header makes it
 * build 457 million objects, and the process runs out of memory instead of refusing the file. Every list in a header
 * is checked against the bytes the header has (each entry takes at least a fixed number of them); a count that does
 * not fit means the file is corrupt.
 */
import type { FileHandle } from 'node:fs/promises';
import { Footer } from 'apache-arrow/fb/footer';
import { DictionaryBatch } from 'apache-arrow/fb/dictionary-batch';
import type { Field } from 'apache-arrow/fb/field';
import { Message } from 'apache-arrow/fb/message';
import { MessageHeader } from 'apache-arrow/fb/message-header';
import { RecordBatch } from 'apache-arrow/fb/record-batch';
import { Schema } from 'apache-arrow/fb/schema';
import { ByteBuffer } from 'flatbuffers';
import { ErrorType } from '../../workflows/contracts';
import { DomainError } from '../errors';

/** Bytes each list entry takes at least: field nodes and buffers are 16-byte structs, blocks 24, offsets 4. */
const NODE_BYTES = 16;
const BUFFER_BYTES = 16;
const VARIADIC_BYTES = 8;
const BLOCK_BYTES = 24;
const OFFSET_BYTES = 4;
/** Nested fields deeper than this are refused (Arrow's own writers nest a handful of levels). */
const MAX_DEPTH = 64;
const MAGIC = 'ARROW1';
const CONTINUATION = -1;

/** Why a field (and its children, to `MAX_DEPTH`) cannot be decoded safely, or undefined when its lists fit. */
function fieldProblem(field: Field | null, limit: number, depth: number): string | undefined {
  if (!field) return undefined;
  if (depth > MAX_DEPTH) return `fields nest deeper than ${MAX_DEPTH} levels`;
  if (field.childrenLength() * OFFSET_BYTES > limit) return `a field claims ${field.childrenLength()} children`;
  if (field.customMetadataLength() * OFFSET_BYTES > limit) return 'a field claims more metadata than its header holds';
  for (let i = 0; i < field.childrenLength(); i++) {
    const problem = fieldProblem(field.children(i), limit, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

function schemaProblem(schema: Schema | null, limit: number): string | undefined {
  if (!schema) return undefined;
  if (schema.fieldsLength() * OFFSET_BYTES > limit) return `the schema claims ${schema.fieldsLength()} fields`;
  if (schema.customMetadataLength() * OFFSET_BYTES > limit) return 'the schema claims more metadata than it holds';
  if (schema.featuresLength() * VARIADIC_BYTES > limit) return 'the schema claims more features than it holds';
  for (let i = 0; i < schema.fieldsLength(); i++) {
    const problem = fieldProblem(schema.fields(i), limit, 1);
    if (problem) return problem;
  }
  return undefined;
}

function batchProblem(batch: RecordBatch | null, limit: number): string | undefined {
  if (!batch) return undefined;
  if (batch.nodesLength() * NODE_BYTES > limit) return `a record batch claims ${batch.nodesLength()} field nodes`;
  if (batch.buffersLength() * BUFFER_BYTES > limit) return `a record batch claims ${batch.buffersLength()} buffers`;
  if (batch.variadicBufferCountsLength() * VARIADIC_BYTES > limit)
    return 'a record batch claims more variadic buffer counts than it holds';
  return undefined;
}

/** Why one message header (`limit` bytes long) cannot be decoded safely, or undefined. */
export function messageProblem(message: Message, limit: number): string | undefined {
  switch (message.headerType()) {
    case MessageHeader.Schema:
      return schemaProblem(message.header(new Schema()) as Schema | null, limit);
    case MessageHeader.RecordBatch:
      return batchProblem(message.header(new RecordBatch()) as RecordBatch | null, limit);
    case MessageHeader.DictionaryBatch:
      return batchProblem((message.header(new DictionaryBatch()) as DictionaryBatch | null)?.data() ?? null, limit);
    default:
      return undefined;
  }
}

/** Why a file footer (`limit` bytes long) cannot be decoded safely, or undefined. */
export function footerProblem(footer: Footer, limit: number): string | undefined {
  if (footer.recordBatchesLength() * BLOCK_BYTES > limit)
    return `the footer claims ${footer.recordBatchesLength()} record batches`;
  if (footer.dictionariesLength() * BLOCK_BYTES > limit)
    return `the footer claims ${footer.dictionariesLength()} dictionaries`;
  return schemaProblem(footer.schema(), limit);
}

/** Reads up to `length` bytes at `position`; fewer at the end of the file. */
async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(Math.max(0, length));
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

const int32At = (bytes: Uint8Array, at: number) =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(at, true);

/**
 * The header of the message at `position` (after an optional continuation marker), or a problem. Returns the
 * header's bytes and where its body starts; `end` when the stream's end marker (length 0) or the file's end is there.
 */
async function messageAt(
  handle: FileHandle,
  position: number,
  size: number,
): Promise<{ end: true } | { header: Uint8Array; body: number } | { problem: string }> {
  const prefix = await readAt(handle, position, 8);
  if (prefix.length < 4) return { end: true };
  let length = int32At(prefix, 0);
  let at = position + 4;
  if (length === CONTINUATION) {
    if (prefix.length < 8) return { end: true };
    length = int32At(prefix, 4);
    at += 4;
  }
  if (length === 0) return { end: true };
  if (length < 0 || at + length > size) return { problem: `a message header of ${length} bytes does not fit the file` };
  return { header: await readAt(handle, at, length), body: at + length };
}

/** Checks one message's header; returns where the next message starts, or a problem. */
async function checkMessageAt(handle: FileHandle, position: number, size: number) {
  const found = await messageAt(handle, position, size);
  if ('end' in found || 'problem' in found) return found;
  const message = Message.getRootAsMessage(new ByteBuffer(found.header));
  const problem = messageProblem(message, found.header.length);
  if (problem) return { problem };
  const body = Number(message.bodyLength());
  if (!Number.isSafeInteger(body) || body < 0 || found.body + body > size)
    return { problem: `a message body of ${body} bytes does not fit the file` };
  return { next: found.body + body };
}

/**
 * Why the Arrow IPC file or stream open on `handle` (of `size` bytes) would make apache-arrow's decoder build more
 * than its bytes can describe, or undefined when every header's lists fit. A file is checked through its footer
 * (the schema there, and each dictionary and record batch it points at, as the reader will read them); a stream
 * message by message. Other damage is left to the reader, which refuses it with an error.
 */
export async function arrowStructureProblem(handle: FileHandle, size: number): Promise<string | undefined> {
  const head = await readAt(handle, 0, 6);
  const tail = await readAt(handle, Math.max(0, size - 10), 10);
  const isFile = new TextDecoder().decode(head) === MAGIC && tail.length === 10;
  if (!isFile || new TextDecoder().decode(tail.subarray(4)) !== MAGIC) {
    // A stream (or something the reader will refuse): its messages follow one another from the start.
    let position = 0;
    for (;;) {
      const checked = await checkMessageAt(handle, position, size);
      if ('end' in checked) return undefined;
      if ('problem' in checked) return checked.problem;
      position = checked.next;
    }
  }
  const footerLength = int32At(tail, 0);
  if (footerLength <= 0 || footerLength > size - 16) return `a footer of ${footerLength} bytes does not fit the file`;
  const footerBytes = await readAt(handle, size - 10 - footerLength, footerLength);
  const footer = Footer.getRootAsFooter(new ByteBuffer(footerBytes));
  const problem = footerProblem(footer, footerBytes.length);
  if (problem) return problem;
  const blocks = [
    ...Array.from({ length: footer.dictionariesLength() }, (_, i) => footer.dictionaries(i)),
    ...Array.from({ length: footer.recordBatchesLength() }, (_, i) => footer.recordBatches(i)),
  ];
  for (const block of blocks) {
    const offset = Number(block?.offset() ?? -1);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= size) continue; // the reader refuses it
    const checked = await checkMessageAt(handle, offset, size);
    if ('problem' in checked) return checked.problem;
  }
  return undefined;
}

/**
 * Throws DatasetCorrupt when the Arrow IPC file or stream at `handle` has a header whose lists do not fit it (see
 * `arrowStructureProblem`); a header too damaged to walk counts as such.
 */
export async function assertArrowStructure(handle: FileHandle, size: number, path: string): Promise<void> {
  let problem: string | undefined;
  try {
    problem = await arrowStructureProblem(handle, size);
  } catch (err) {
    problem = `its message headers cannot be read (${String((err as Error)?.message ?? err).split('\n')[0]})`;
  }
  if (problem) throw new DomainError(ErrorType.DatasetCorrupt, `${path} is not a valid Arrow IPC file: ${problem}`);
}
