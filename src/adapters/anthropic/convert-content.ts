import type { ContentPart, RouteTarget } from '../../spec/index.js';
import { isRecord } from '../openai-compatible/is-record.js';
import { createUnsupportedRequestError } from './error.js';
import type { ContentBlock, DocumentBlock, ImageBlock, MediaSource, TextBlock } from './wire-types.js';

/** `data:<media type>[;params];base64,<data>`: the only data URLs Anthropic's base64 sources can carry. */
const BASE64_DATA_URL_PATTERN = /^data:([^;,]+)(?:;[^;,]*)*;base64,(.*)$/s;
const HTTP_URL_PATTERN = /^https?:\/\//i;

/** A block a user turn or a tool result may hold. */
export type UserContentBlock = TextBlock | ImageBlock | DocumentBlock;

/**
 * The Anthropic block of one OpenAI content part: `text` → text; `image_url` → image with a base64 source (data
 * URLs) or a url source (http/https); `file` with a PDF as data URL or URL → document. Native Anthropic `image`
 * and `document` parts (with a `source`) pass as they are. A part's `cache_control` is kept. Returns null for an
 * empty text part, which Anthropic rejects. Throws a final GatewayError for what Anthropic cannot take (audio,
 * file ids, other URLs); `param` names the part, e.g. `messages[2].content[1]`.
 */
export function convertContentPart(
  part: ContentPart,
  param: string,
  route: RouteTarget,
): UserContentBlock | null {
  const block = convertPartBody(part, param, route);
  if (block !== null && isRecord(part.cache_control)) block.cache_control = part.cache_control;
  return block;
}

/** The blocks of a list of parts, empty text parts left out. */
export function convertContentParts(
  parts: readonly ContentPart[],
  param: string,
  route: RouteTarget,
): UserContentBlock[] {
  const blocks: UserContentBlock[] = [];
  parts.forEach((part, position) => {
    const block = convertContentPart(part, `${param}[${position}]`, route);
    if (block !== null) blocks.push(block);
  });
  return blocks;
}

/**
 * Puts `cache_control` on the last block: a message-level marker caches the prompt up to its end. Thinking
 * blocks cannot carry one; a message ending in one keeps none.
 */
export function applyMessageCacheControl(blocks: readonly ContentBlock[], cacheControl: unknown): void {
  const last = blocks.at(-1);
  if (last === undefined || !isRecord(cacheControl)) return;
  if (last.type !== 'thinking' && last.type !== 'redacted_thinking') last.cache_control = cacheControl;
}

function convertPartBody(part: ContentPart, param: string, route: RouteTarget): UserContentBlock | null {
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string' && part.text !== '' ? { type: 'text', text: part.text } : null;
    case 'image_url':
      return { type: 'image', source: convertImageSource(part.image_url, param, route) };
    case 'file':
      return { type: 'document', source: convertFileSource(part.file, param, route) };
    case 'image':
    case 'document':
      // Already an Anthropic block (a client that knows the upstream): forwarded untouched.
      if (isRecord(part.source)) return { type: part.type, source: part.source };
      break;
  }
  throw createUnsupportedRequestError(`content parts of type '${part.type}' are not supported`, param, route);
}

function convertImageSource(imageUrl: unknown, param: string, route: RouteTarget): MediaSource {
  const url = isRecord(imageUrl) ? imageUrl.url : imageUrl;
  const source = typeof url === 'string' ? convertUrl(url) : null;
  if (source === null) {
    throw createUnsupportedRequestError('an image must be a base64 data URL or an http(s) URL', param, route);
  }
  return source;
}

function convertFileSource(file: unknown, param: string, route: RouteTarget): MediaSource {
  const fileData = isRecord(file) ? file.file_data : undefined;
  const source = typeof fileData === 'string' ? convertUrl(fileData) : null;
  if (source === null) {
    throw createUnsupportedRequestError(
      'a file must be given as `file_data` (a base64 data URL or an http(s) URL), not by id',
      param,
      route,
    );
  }
  return source;
}

function convertUrl(url: string): MediaSource | null {
  const match = BASE64_DATA_URL_PATTERN.exec(url);
  if (match !== null) return { type: 'base64', media_type: match[1] ?? '', data: match[2] ?? '' };
  return HTTP_URL_PATTERN.test(url) ? { type: 'url', url } : null;
}
