import type { BlockCommand } from '../config.js'
import { validAddress } from '../text.js'

/**
 * A ready-to-copy command that blocks one address. Built only from an address that `validAddress` accepted
 * (node:net isIP plus a prefix length), so a log line can never smuggle shell text into it.
 * Returns null when the address is not valid.
 */
export function blockCommand(kind: BlockCommand, address: string, note: string): string | null {
  const a = validAddress(address)
  if (!a) return null
  const safeNote = note.replace(/[^A-Za-z0-9 #:._-]/g, '').slice(0, 60)
  switch (kind) {
    case 'nftables':
      return `nft add rule inet filter input ${a.family === 4 ? 'ip' : 'ip6'} saddr ${a.addr} drop`
    case 'iptables':
      return `${a.family === 4 ? 'iptables' : 'ip6tables'} -I INPUT -s ${a.addr} -j DROP`
    case 'ufw':
      return `ufw insert 1 deny from ${a.addr}`
    case 'csf':
      return `csf -d ${a.addr} "${safeNote}"`
    case 'nginx':
      return `deny ${a.addr};`
  }
}

/** The lines of commands for several addresses (a site under a distributed attack, a digest). */
export function blockCommands(kinds: readonly BlockCommand[], addresses: string[], note: string): string[] {
  const out: string[] = []
  for (const kind of kinds) {
    for (const addr of addresses) {
      const c = blockCommand(kind, addr, note)
      if (c) out.push(c)
    }
  }
  return out
}
