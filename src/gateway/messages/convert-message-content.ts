import type { ChatMessage, ContentPart, ToolCall } from '../../spec/index.js';
import { describeValue, invalidParameter, isRecord } from '../parse-provider-preferences.js';

/** An OpenAI content part under construction. */
type Part = ContentPart;

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') {
    throw invalidParameter(path, `'${path}' must be a string, got ${describeValue(value)}.`);
  }
  return value;
}

function requireBlock(value: unknown, path: string): Record<string, unknown> & { type: string } {
  if (!isRecord(value) || typeof value.type !== 'string') {
    throw invalidParameter(path, `'${path}' must be a content block: an object with a string 'type'.`);
  }
  return value as Record<string, unknown> & { type: string };
}

/** An image block's source as an OpenAI `image_url` part: base64 data becomes a data URL. */
function convertImage(block: Record<string, unknown>, path: string): Part {
  const source = block.source;
  if (!isRecord(source)) throw invalidParameter(`${path}.source`, `'${path}.source' must be an object.`);
  if (source.type === 'base64') {
    const mediaType = requireString(source.media_type, `${path}.source.media_type`);
    const data = requireString(source.data, `${path}.source.data`);
    return { type: 'image_url', image_url: { url: `data:${mediaType};base64,${data}` } };
  }
  if (source.type === 'url') {
    return { type: 'image_url', image_url: { url: requireString(source.url, `${path}.source.url`) } };
  }
  throw invalidParameter(
    `${path}.source.type`,
    `'${path}.source.type' must be "base64" or "url" (uploaded files are not supported by this gateway).`,
  );
}

/** A document block: plain text inline, a PDF as an OpenRouter `file` part (data URL or URL). */
function convertDocument(block: Record<string, unknown>, path: string): Part[] {
  const source = block.source;
  if (!isRecord(source)) throw invalidParameter(`${path}.source`, `'${path}.source' must be an object.`);
  const filename = typeof block.title === 'string' ? block.title : 'document.pdf';
  switch (source.type) {
    case 'text':
      return [{ type: 'text', text: requireString(source.data, `${path}.source.data`) }];
    case 'content': {
      if (typeof source.content === 'string') return [{ type: 'text', text: source.content }];
      if (!Array.isArray(source.content)) {
        throw invalidParameter(
          `${path}.source.content`,
          `'${path}.source.content' must be a string or blocks.`,
        );
      }
      return source.content.flatMap((item: unknown, index) =>
        convertUserBlock(item, `${path}.source.content[${index}]`),
      );
    }
    case 'base64': {
      const mediaType = requireString(source.media_type, `${path}.source.media_type`);
      const data = requireString(source.data, `${path}.source.data`);
      return [{ type: 'file', file: { filename, file_data: `data:${mediaType};base64,${data}` } }];
    }
    case 'url':
      return [
        { type: 'file', file: { filename, file_data: requireString(source.url, `${path}.source.url`) } },
      ];
    default:
      throw invalidParameter(
        `${path}.source.type`,
        `'${path}.source.type' must be "text", "content", "base64" or "url".`,
      );
  }
}

/** A block of a user turn other than `tool_result`: text, image or document, as OpenAI parts. */
function convertUserBlock(value: unknown, path: string): Part[] {
  const block = requireBlock(value, path);
  switch (block.type) {
    case 'text':
      return [{ type: 'text', text: requireString(block.text, `${path}.text`) }];
    case 'image':
      return [convertImage(block, path)];
    case 'document':
      return convertDocument(block, path);
    default:
      throw invalidParameter(
        `${path}.type`,
        `'${path}.type' "${block.type}" is not supported in a user message here (text, image, document, tool_result).`,
      );
  }
}

/** The text of a `tool_result` and the images it carries (sent in a user message right after it). */
function convertToolResultContent(value: unknown, path: string): { text: string; images: Part[] } {
  if (value === undefined || value === null) return { text: '', images: [] };
  if (typeof value === 'string') return { text: value, images: [] };
  if (!Array.isArray(value)) {
    throw invalidParameter(path, `'${path}' must be a string or an array of text and image blocks.`);
  }
  const texts: string[] = [];
  const images: Part[] = [];
  value.forEach((item: unknown, index) => {
    for (const part of convertUserBlock(item, `${path}[${index}]`)) {
      if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
      else images.push(part);
    }
  });
  return { text: texts.join('\n'), images };
}

/** One text part stays a plain string: the form every chat template accepts. */
function userContent(parts: Part[]): string | Part[] {
  const [first] = parts;
  return parts.length === 1 && first?.type === 'text' && typeof first.text === 'string' ? first.text : parts;
}

/**
 * A user turn: its `tool_result` blocks become `tool` messages (first, as OpenAI wants them right after the
 * assistant's tool calls), the other blocks one user message after them.
 */
function convertUserTurn(content: unknown[], path: string): ChatMessage[] {
  const toolMessages: ChatMessage[] = [];
  const parts: Part[] = [];
  content.forEach((value: unknown, index) => {
    const blockPath = `${path}[${index}]`;
    const block = requireBlock(value, blockPath);
    if (block.type !== 'tool_result') {
      parts.push(...convertUserBlock(block, blockPath));
      return;
    }
    const toolCallId = requireString(block.tool_use_id, `${blockPath}.tool_use_id`);
    const { text, images } = convertToolResultContent(block.content, `${blockPath}.content`);
    // OpenAI tool messages carry text only; an error is said in words, the images follow as user content.
    const prefix = block.is_error === true ? 'Error: ' : '';
    toolMessages.push({ role: 'tool', tool_call_id: toolCallId, content: prefix + text });
    parts.push(...images);
  });
  return parts.length === 0 ? toolMessages : [...toolMessages, { role: 'user', content: userContent(parts) }];
}

function convertToolUse(block: Record<string, unknown>, path: string): ToolCall {
  const input = block.input ?? {};
  if (!isRecord(input)) {
    throw invalidParameter(
      `${path}.input`,
      `'${path}.input' must be an object, got ${describeValue(input)}.`,
    );
  }
  return {
    id: requireString(block.id, `${path}.id`),
    type: 'function',
    function: { name: requireString(block.name, `${path}.name`), arguments: JSON.stringify(input) },
  };
}

/** An assistant turn: text joined, `thinking` as `reasoning`, `tool_use` blocks as `tool_calls`. */
function convertAssistantTurn(content: unknown[], path: string): ChatMessage {
  const texts: string[] = [];
  const thoughts: string[] = [];
  const toolCalls: ToolCall[] = [];
  content.forEach((value: unknown, index) => {
    const blockPath = `${path}[${index}]`;
    const block = requireBlock(value, blockPath);
    switch (block.type) {
      case 'text':
        texts.push(requireString(block.text, `${blockPath}.text`));
        break;
      case 'thinking':
        thoughts.push(requireString(block.thinking, `${blockPath}.thinking`));
        break;
      case 'redacted_thinking':
        // Encrypted for Anthropic's models only: no other model can read it.
        break;
      case 'tool_use':
        toolCalls.push(convertToolUse(block, blockPath));
        break;
      default:
        throw invalidParameter(
          `${blockPath}.type`,
          `'${blockPath}.type' "${block.type}" is not supported in an assistant message here (text, thinking, tool_use).`,
        );
    }
  });
  const text = texts.join('');
  return {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    ...(thoughts.length > 0 ? { reasoning: thoughts.join('') } : {}),
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
}

/** The Messages API `messages` as OpenAI chat messages; a 400 names the first field at fault. */
export function convertMessages(value: unknown): ChatMessage[] {
  if (value === undefined) {
    throw invalidParameter(
      'messages',
      "'messages' is required: a non-empty array of user and assistant turns.",
    );
  }
  if (!Array.isArray(value)) {
    throw invalidParameter('messages', `'messages' must be an array, got ${describeValue(value)}.`);
  }
  if (value.length === 0) throw invalidParameter('messages', "'messages' must contain at least one message.");
  return value.flatMap((message: unknown, index): ChatMessage[] => {
    const path = `messages[${index}]`;
    if (!isRecord(message)) {
      throw invalidParameter(path, `'${path}' must be an object, got ${describeValue(message)}.`);
    }
    const { role, content } = message;
    if (role !== 'user' && role !== 'assistant') {
      throw invalidParameter(`${path}.role`, `'${path}.role' must be "user" or "assistant".`);
    }
    if (typeof content === 'string') return [{ role, content }];
    if (!Array.isArray(content)) {
      throw invalidParameter(
        `${path}.content`,
        `'${path}.content' must be a string or an array of content blocks, got ${describeValue(content)}.`,
      );
    }
    return role === 'user'
      ? convertUserTurn(content, `${path}.content`)
      : [convertAssistantTurn(content, `${path}.content`)];
  });
}

/** `system` (a string or text blocks) as the text of one system message; null when absent or empty. */
export function convertSystem(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value === '' ? null : value;
  if (!Array.isArray(value)) {
    throw invalidParameter('system', `'system' must be a string or an array of text blocks.`);
  }
  const texts = value.map((item: unknown, index) => {
    const block = requireBlock(item, `system[${index}]`);
    if (block.type !== 'text') {
      throw invalidParameter(`system[${index}].type`, `'system[${index}].type' must be "text".`);
    }
    return requireString(block.text, `system[${index}].text`);
  });
  // One system message: many chat templates accept only one, and only first.
  const text = texts.join('\n');
  return text === '' ? null : text;
}
