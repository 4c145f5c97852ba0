import ipaddr from 'ipaddr.js';

/**
 * Strict CIDR parsing for allow-lists: a well-formed IPv4 or IPv6 network with no host bits
 * set, and a prefix that names a real network rather than half the Internet. A plain address
 * is taken as a /32 or /128. Returns why an entry is refused, or undefined when it is good.
 */
const MIN_PREFIX = { ipv4: 8, ipv6: 16 } as const;
const isDottedQuad = (address: string) => {
  const parts = address.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
};

export function cidrProblem(entry: string): string | undefined {
  const [address = '', prefix, ...rest] = entry.split('/');
  if (rest.length > 0) return 'more than one "/"';
  // ipaddr.js also accepts octal, hex and short IPv4 forms ("10.1", "0x7f.1"): refuse them.
  const family = ipaddr.IPv6.isValid(address) ? 'ipv6' : isDottedQuad(address) ? 'ipv4' : undefined;
  if (!family) return 'not an IPv4 or IPv6 address';
  if (family === 'ipv6' && address.includes('%')) return 'a zone index is not allowed';
  const max = family === 'ipv4' ? 32 : 128;
  if (prefix !== undefined && !/^(0|[1-9]\d{0,2})$/.test(prefix))
    return 'the prefix is not a number';
  const bits = prefix === undefined ? max : Number(prefix);
  if (bits > max) return `the prefix is longer than ${max}`;
  if (bits < MIN_PREFIX[family]) return `the prefix is shorter than /${MIN_PREFIX[family]}`;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    return 'write an IPv4-mapped address as IPv4';
  const network =
    family === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${bits}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${bits}`);
  if (network.toNormalizedString() !== parsed.toNormalizedString())
    return `host bits are set (the network is ${network.toString()}/${bits})`;
  return undefined;
}

/** The canonical form an allow-list stores: always with a prefix, IPv6 compressed, lower case. */
export function canonicalCidr(entry: string): string {
  const [address = '', prefix] = entry.split('/');
  const parsed = ipaddr.parse(address);
  return `${parsed.toString()}/${prefix ?? (parsed.kind() === 'ipv4' ? 32 : 128)}`;
}
