/**
 * Returns null when `text` is a complete chat completion (non-stream) or a complete SSE stream of
 * chunks ending with `data: [DONE]` (stream), else a short reason. With `full`, the JSON is parsed and the
 * answer must carry content; without it only cheap string checks run (used for most requests under load).
 */
export function checkResponse(text, stream, full) {
  if (!stream) {
    if (!text.startsWith('{') || !text.includes('"choices":[{')) return 'not a chat completion';
    if (!full) return null;
    const content = JSON.parse(text).choices?.[0]?.message?.content;
    return typeof content === 'string' && content.length > 0 ? null : 'empty message content';
  }
  if (!text.trimEnd().endsWith('data: [DONE]')) return 'stream did not end with data: [DONE]';
  if (!full) return null;
  const events = text.split(/\r?\n\r?\n/).filter((event) => event.startsWith('data: {'));
  const content = events
    .map((event) => JSON.parse(event.slice(6)).choices?.[0]?.delta?.content ?? '')
    .join('');
  return content.length > 0 ? null : 'stream carried no content';
}
