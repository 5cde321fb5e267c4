import { GatewayError } from '../../errors/index.js';
import type { ContentPart } from '../../spec/index.js';
import { isRecord } from '../openai-compatible/is-record.js';
import type { GeminiPart } from './gemini-content.js';

const DATA_URL_PATTERN = /^data:([^;,]*)((?:;[^;,]*)*?)(;base64)?,(.*)$/s;
/** MIME types by file extension, for `fileData` parts of http(s) URLs (Gemini wants the type stated). */
const MIME_TYPES_BY_EXTENSION: ReadonlyMap<string, string> = new Map([
  ['png', 'image/png'],
  ['jpg', 'image/jpeg'],
  ['jpeg', 'image/jpeg'],
  ['webp', 'image/webp'],
  ['gif', 'image/gif'],
  ['heic', 'image/heic'],
  ['heif', 'image/heif'],
  ['pdf', 'application/pdf'],
  ['mp3', 'audio/mp3'],
  ['wav', 'audio/wav'],
  ['mp4', 'video/mp4'],
]);

/**
 * A message's `content` as Gemini parts: a string becomes one `{text}` part; in an array, `text` parts become
 * `{text}`, `image_url` and `file` parts become `inlineData` (for `data:` URLs, base64 as Gemini wants it) or
 * `fileData` (for http(s) URLs, `gs://` and Files API URIs, the MIME type guessed from the extension when
 * possible), `input_audio` becomes `inlineData` of type `audio/<format>`. Empty text is left out, since Gemini
 * rejects empty parts. Throws GatewayError `invalid_request` (param `<path>.content[i]`) for a part it cannot
 * express.
 */
export function convertContent(
  content: string | readonly ContentPart[] | null | undefined,
  path: string,
): GeminiPart[] {
  if (content === null || content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  const parts: GeminiPart[] = [];
  content.forEach((part, index) => {
    const converted = convertPart(part);
    if (converted === undefined) {
      throw new GatewayError(
        'invalid_request',
        `Content part '${part.type}' at '${path}.content[${index}]' cannot be sent to Gemini.`,
        { param: `${path}.content[${index}]` },
      );
    }
    if (converted !== null) parts.push(converted);
  });
  return parts;
}

/** The text of a content (text parts joined), for places Gemini only takes text: system instruction, tool results. */
export function readText(content: string | readonly ContentPart[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (typeof part.text === 'string' ? part.text : '')).join('');
}

/** null: nothing to send (empty text); undefined: not expressible. */
function convertPart(part: ContentPart): GeminiPart | null | undefined {
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string' && part.text !== '' ? { text: part.text } : null;
    case 'image_url': {
      const image = part.image_url;
      const url = typeof image === 'string' ? image : isRecord(image) ? image.url : undefined;
      return typeof url === 'string' ? convertUrl(url) : undefined;
    }
    case 'input_audio': {
      const audio = part.input_audio;
      if (!isRecord(audio) || typeof audio.data !== 'string' || typeof audio.format !== 'string')
        return undefined;
      return { inlineData: { mimeType: `audio/${audio.format}`, data: audio.data } };
    }
    case 'file': {
      const file = part.file;
      if (!isRecord(file)) return undefined;
      if (typeof file.file_data === 'string') return convertUrl(file.file_data);
      return typeof file.file_id === 'string' ? convertUrl(file.file_id) : undefined;
    }
    default:
      return undefined;
  }
}

function convertUrl(url: string): GeminiPart | undefined {
  if (url.startsWith('data:')) {
    const match = DATA_URL_PATTERN.exec(url);
    if (match === null) return undefined;
    const [, mimeType, , base64Flag, payload] = match;
    const data =
      base64Flag === undefined
        ? Buffer.from(decodeURIComponent(payload ?? ''), 'utf8').toString('base64')
        : (payload ?? '');
    return {
      inlineData: { mimeType: mimeType === undefined || mimeType === '' ? 'text/plain' : mimeType, data },
    };
  }
  if (!/^(?:https?|gs):\/\//i.test(url)) return undefined;
  const mimeType = guessMimeType(url);
  return { fileData: mimeType === undefined ? { fileUri: url } : { mimeType, fileUri: url } };
}

function guessMimeType(url: string): string | undefined {
  const path = url.split(/[?#]/, 1)[0] ?? '';
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : MIME_TYPES_BY_EXTENSION.get(extension);
}
