import { BlockList, isIPv6 } from 'node:net';

/** Matches client addresses against IPs and CIDR ranges (IPv4 and IPv6) with Node's BlockList. */
export function addressList(entries: string[]): { check(ip: string): boolean } {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return {
    check(ip) {
      // IPv4 clients on a dual-stack socket arrive as ::ffff:a.b.c.d.
      const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
      return list.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4');
    },
  };
}
