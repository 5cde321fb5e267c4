/** One dispatched server-sent event. */
export interface SseEvent {
  /** The `event:` field, `message` when the event named none. */
  readonly event: string;
  /** The `data:` lines joined with `\n`. */
  readonly data: string;
}

const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
/** `d`, `a`, `t`, `a`: a `data:` line is recognised byte by byte, cheaper than Buffer#compare per line. */
const LOWER_D = 0x64;
const LOWER_A = 0x61;
const LOWER_T = 0x74;

/** The largest event (its `data:` lines, or one unterminated line) a stream may send: far above any token. */
export const DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024;

export interface SseParserOptions {
  /** Above this many bytes in one event, parsing stops with `tooLarge`'s error (default 16 MiB). */
  readonly maxEventBytes?: number;
  /** The error thrown for an oversized event: the caller's own (an invalid upstream response). */
  readonly tooLarge?: (detail: string) => Error;
}

/**
 * Incremental parser for `text/event-stream` bodies (the WHATWG event-stream format): feed it the body's chunks
 * as they arrive, get back the events each chunk completed. Lines may end in `\n`, `\r\n` or `\r`, also split
 * across chunks; comment lines (`:`) are skipped; `data:` lines of one event are joined with `\n`; a leading
 * byte-order mark is ignored; `id:` and `retry:` are ignored (no upstream we call resumes streams).
 *
 * Bytes are only decoded once a line is complete, so a multi-byte UTF-8 character split across two chunks
 * decodes correctly. Only the unterminated tail of a chunk is copied. An event larger than `maxEventBytes`
 * (an upstream that never ends its line, say) throws instead of growing memory without bound.
 */
export class SseParser {
  private readonly maxEventBytes: number;
  private readonly tooLarge: (detail: string) => Error;
  /** Bytes held in `pending`. */
  private pendingBytes = 0;

  constructor(options: SseParserOptions = {}) {
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.tooLarge = options.tooLarge ?? ((detail) => new Error(detail));
  }

  /** Pieces of a line whose terminator has not arrived yet; joined once, when it does (no quadratic copying). */
  private pending: Buffer[] = [];
  /** The previous chunk ended in `\r`: a `\n` starting the next chunk belongs to that terminator. */
  private isLineFeedExpected = false;
  private isFirstLine = true;
  private data: string | null = null;
  private eventType = '';

  /** Parses one body chunk; returns the events it completed, in order (usually zero or one). */
  push(chunk: Uint8Array): SseEvent[] {
    const bytes = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const events: SseEvent[] = [];
    const length = bytes.length;
    let start = 0;
    if (this.isLineFeedExpected && length > 0) {
      this.isLineFeedExpected = false;
      if (bytes[0] === LINE_FEED) start = 1;
    }
    // Both searches are native memchr scans; each is repeated only once its previous hit has been passed.
    let lineFeedAt = bytes.indexOf(LINE_FEED, start);
    let carriageReturnAt = bytes.indexOf(CARRIAGE_RETURN, start);
    while (start < length) {
      let lineEnd: number;
      let nextStart: number;
      if (carriageReturnAt !== -1 && (lineFeedAt === -1 || carriageReturnAt < lineFeedAt)) {
        lineEnd = carriageReturnAt;
        nextStart = carriageReturnAt + 1;
        if (nextStart === length) this.isLineFeedExpected = true;
        else if (bytes[nextStart] === LINE_FEED) nextStart += 1;
      } else if (lineFeedAt !== -1) {
        lineEnd = lineFeedAt;
        nextStart = lineFeedAt + 1;
      } else {
        break;
      }
      if (this.pending.length === 0) {
        this.processLine(bytes, start, lineEnd, events);
      } else {
        this.pending.push(bytes.subarray(start, lineEnd));
        const line = Buffer.concat(this.pending);
        this.pending = [];
        this.pendingBytes = 0;
        this.processLine(line, 0, line.length, events);
      }
      start = nextStart;
      if (lineFeedAt !== -1 && lineFeedAt < start) lineFeedAt = bytes.indexOf(LINE_FEED, start);
      if (carriageReturnAt !== -1 && carriageReturnAt < start)
        carriageReturnAt = bytes.indexOf(CARRIAGE_RETURN, start);
    }
    if (start < length) {
      // Copied: the caller may reuse its chunk buffer once push() returns.
      this.pending.push(Buffer.from(bytes.subarray(start)));
      this.pendingBytes += length - start;
      this.checkSize(this.pendingBytes + (this.data?.length ?? 0));
    }
    return events;
  }

  /** The events completed by a batch of chunks (one upstream read), in order. */
  pushBatch(batch: readonly Uint8Array[]): SseEvent[] {
    if (batch.length === 1) return this.push(batch[0] as Uint8Array);
    const events: SseEvent[] = [];
    for (const chunk of batch) events.push(...this.push(chunk));
    return events;
  }

  /**
   * Call once the body has ended. Unlike the strict spec, an event whose closing blank line never came is
   * still dispatched: some upstreams end the body right after their last `data:` line.
   */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    if (this.pending.length > 0) {
      const line = Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      this.processLine(line, 0, line.length, events);
    }
    this.dispatch(events);
    return events;
  }

  private processLine(bytes: Buffer, start: number, end: number, events: SseEvent[]): void {
    if (this.isFirstLine) {
      this.isFirstLine = false;
      if (
        end - start >= 3 &&
        bytes[start] === 0xef &&
        bytes[start + 1] === 0xbb &&
        bytes[start + 2] === 0xbf
      ) {
        start += 3;
      }
    }
    if (start === end) {
      this.dispatch(events);
      return;
    }
    if (bytes[start] === COLON) return;
    if (
      end - start >= 5 &&
      bytes[start] === LOWER_D &&
      bytes[start + 1] === LOWER_A &&
      bytes[start + 2] === LOWER_T &&
      bytes[start + 3] === LOWER_A &&
      bytes[start + 4] === COLON
    ) {
      this.appendData(readValue(bytes, start + 5, end));
      return;
    }
    const colonOffset = bytes.subarray(start, end).indexOf(COLON);
    const fieldEnd = colonOffset === -1 ? end : start + colonOffset;
    const field = bytes.toString('latin1', start, fieldEnd);
    const value = fieldEnd === end ? '' : readValue(bytes, fieldEnd + 1, end);
    if (field === 'data') this.appendData(value);
    else if (field === 'event') this.eventType = value;
  }

  private appendData(value: string): void {
    this.data = this.data === null ? value : `${this.data}\n${value}`;
    this.checkSize(this.data.length);
  }

  private checkSize(size: number): void {
    if (size <= this.maxEventBytes) return;
    // Dropped: the parser is unusable after this, and the memory should go now.
    this.pending = [];
    this.pendingBytes = 0;
    this.data = null;
    throw this.tooLarge(`a stream event exceeds ${this.maxEventBytes} bytes`);
  }

  private dispatch(events: SseEvent[]): void {
    if (this.data !== null)
      events.push({ event: this.eventType === '' ? 'message' : this.eventType, data: this.data });
    this.data = null;
    this.eventType = '';
  }
}

/** A field value: everything after the colon, minus one leading space. */
function readValue(bytes: Buffer, start: number, end: number): string {
  if (start < end && bytes[start] === SPACE) start += 1;
  return bytes.toString('utf8', start, end);
}
