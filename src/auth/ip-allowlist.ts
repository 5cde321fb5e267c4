import { BlockList, isIP } from 'node:net';

/** A compiled IP allowlist; `allows(address)` for the client address (IPv4, IPv6 or IPv4-mapped IPv6). */
export interface IpAllowlist {
  allows(address: string): boolean;
}

const ANYWHERE: IpAllowlist = { allows: () => true };

/** `::ffff:10.0.0.1` (how a dual-stack socket reports an IPv4 peer) is `10.0.0.1`. */
function unmap(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** Why an allowlist entry is not usable, or null when it is (exact address or CIDR, IPv4 or IPv6). */
export function describeInvalidIpEntry(entry: string): string | null {
  const [address = '', prefix, extra] = entry.trim().split('/');
  const family = isIP(unmap(address));
  if (family === 0 || extra !== undefined) return `'${entry}' is not an IP address or CIDR range`;
  if (prefix === undefined) return null;
  const bits = Number(prefix);
  if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) {
    return `'${entry}' has an invalid prefix length (0-${family === 4 ? 32 : 128})`;
  }
  return null;
}

/**
 * Compiles `entries` (exact addresses and CIDR ranges, IPv4 and IPv6) into node's BlockList. An empty list
 * allows every address; entries are validated when the key is written, an invalid one left in the database
 * matches nothing (fails closed).
 */
export function compileIpAllowlist(entries: readonly string[]): IpAllowlist {
  if (entries.length === 0) return ANYWHERE;
  const list = new BlockList();
  for (const entry of entries) {
    if (describeInvalidIpEntry(entry) !== null) continue;
    const [rawAddress = '', prefix] = entry.trim().split('/');
    const address = unmap(rawAddress);
    const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return {
    allows(client) {
      const address = unmap(client);
      const family = isIP(address);
      if (family === 0) return false;
      return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
