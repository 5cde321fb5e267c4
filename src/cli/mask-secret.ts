/** `sk-…abcd`: enough to tell keys apart, never enough to use one. */
export function maskSecret(secret: string): string {
  if (secret === '') return '(none)';
  if (secret.length <= 8) return '…';
  const dash = secret.indexOf('-');
  const prefix = dash > 0 && dash <= 6 ? secret.slice(0, dash + 1) : '';
  return `${prefix}…${secret.slice(-4)}`;
}
