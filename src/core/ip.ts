/**
 * IP identity: normalisation, subnets, and fast membership tests against CIDR lists (trusted proxies, allow lists).
 *
 * Decisions:
 * - IPv4 is accepted only as a plain dotted quad of decimal octets without leading zeros (`192.030.0.6` is rejected,
 *   so is `0x7f.1`): servers never log such spellings, and `inet_aton` would read a leading zero as octal while other
 *   tools read it as decimal, so accepting it would let two tools disagree about who an address is.
 * - IPv4-mapped IPv6 (`::ffff:1.2.3.4`, `::ffff:102:304`) is the IPv4 address.
 * - IPv6 comes out in canonical RFC 5952 form, without brackets, port or zone (`[fe80::1%eth0]:443` → `fe80::1`).
 */
import ipaddr from 'ipaddr.js'

/** Cloudflare's published ranges (https://www.cloudflare.com/ips-v4, /ips-v6), named by the preset `cloudflare`. */
export const CLOUDFLARE_RANGES: readonly string[] = [
  '173.245.48.0/20',
  '103.21.244.0/22',
  '103.22.200.0/22',
  '103.31.4.0/22',
  '141.101.64.0/18',
  '108.162.192.0/18',
  '190.93.240.0/20',
  '188.114.96.0/20',
  '197.234.240.0/22',
  '198.41.128.0/17',
  '162.158.0.0/15',
  '104.16.0.0/13',
  '104.24.0.0/14',
  '172.64.0.0/13',
  '131.0.72.0/22',
  '2400:cb00::/32',
  '2606:4700::/32',
  '2803:f800::/32',
  '2405:b500::/32',
  '2405:8100::/32',
  '2a06:98c0::/29',
  '2c0f:f248::/32',
]

/** Named CIDR lists usable wherever CIDRs are configured (`trusted_proxies: [cloudflare]`). */
export const IP_PRESETS: Readonly<Record<string, readonly string[]>> = { cloudflare: CLOUDFLARE_RANGES }

/**
 * The IPv4 address as an unsigned 32-bit number, or -1 when `s[start..end)` is not a strict dotted quad
 * (four decimal octets 0-255, no leading zeros, nothing else). Allocation-free: this runs once per log line.
 */
export function parseIpv4(s: string, start = 0, end = s.length): number {
  const len = end - start
  if (len < 7 || len > 15) return -1
  let value = 0
  let octet = 0
  let digits = 0
  let dots = 0
  let leadingZero = false
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      if (digits === 0) leadingZero = c === 48
      else if (leadingZero) return -1
      octet = octet * 10 + (c - 48)
      if (++digits > 3 || octet > 255) return -1
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1
      value = value * 256 + octet
      octet = 0
      digits = 0
    } else {
      return -1
    }
  }
  if (dots !== 3 || digits === 0) return -1
  return value * 256 + octet
}

const v6Cache = new Map<string, string | null>()
const V6_CACHE_MAX = 4096

/** The dotted quad of an IPv4 address given as its 32 bits (as parseIpv4 reads it, or as a signed 32-bit int). */
export const ipv4FromBits = (v: number): string => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`

/**
 * The canonical form of an IP address, or null when `s` is not one.
 * Accepts IPv4 dotted quads, IPv6 in any spelling, `[v6]` and `[v6]:port`, zones (`%eth0`, dropped).
 * A plain IPv4 string is returned as is (no allocation); any other result is a string of its own (never a slice of
 * `s`), remembered for the next time the same text comes.
 */
export function normalizeIp(s: string): string | null {
  if (parseIpv4(s) >= 0) return s
  if (s.length < 2 || s.length > 64) return null
  const cached = v6Cache.get(s)
  if (cached !== undefined) return cached
  // neither key nor result may be a slice of `s`: a slice of a log line keeps the whole chunk it was read in alive
  const key = detachString(s)
  let result: string | null | undefined = canonicalV6(s)
  if (result === undefined) result = normalizeSlow(s)
  else if (result === s) result = key
  if (v6Cache.size >= V6_CACHE_MAX) v6Cache.clear()
  v6Cache.set(key, result)
  return result
}

/**
 * `s` as a string that does not keep another string alive. V8 makes a slice of 13 or more characters a view into
 * its parent (for log fields: the whole chunk of the file they were read in), and a view kept for long (an IP as a
 * map key in a detector) keeps the chunk alive. Pieces under 13 characters are copies; joined, they form a small
 * rope of copies. Cheap for what it is meant for (IPs, host names): two or three small allocations.
 */
export function detachString(s: string): string {
  return s.length < 13 ? s : sliceDetached(s, 0, s.length)
}

/** s[from..to) as a detached string (see detachString). */
export function sliceDetached(s: string, from: number, to: number): string {
  if (to - from < 13) return s.slice(from, to)
  let out = s.slice(from, from + 12)
  for (let i = from + 12; i < to; i += 12) out += s.slice(i, Math.min(i + 12, to))
  return out
}

const groups = new Int32Array(8)

/**
 * The canonical form of a plain IPv6 address (hex groups of 1-4 digits and at most one `::`; no brackets, zone or
 * dotted tail), by character codes: what normalizeSlow (ipaddr.js) gives for it, at a fraction of the cost.
 * undefined for anything else, which normalizeSlow decides. ip-v6.test.ts checks the two agree.
 */
export function canonicalV6(s: string): string | undefined {
  const n = s.length
  const g = groups
  let count = 0 // groups read
  let gap = -1 // index in `groups` where `::` stands
  let canonicalInput = true
  let i = 0
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return undefined
    gap = 0
    i = 2
  }
  while (i < n) {
    // one group of 1-4 hex digits
    let v = 0
    let digits = 0
    for (; i < n; i++) {
      const c = s.charCodeAt(i)
      let d: number
      if (c >= 48 && c <= 57) d = c - 48
      else if (c >= 97 && c <= 102) d = c - 87
      else if (c >= 65 && c <= 70) {
        d = c - 55
        canonicalInput = false
      } else break
      if (++digits > 4) return undefined
      v = v * 16 + d
    }
    if (digits === 0 || count === 8) return undefined
    if (digits > 1 && v < 1 << (4 * (digits - 1))) canonicalInput = false // a leading zero
    g[count++] = v
    if (i === n) break
    if (s.charCodeAt(i) !== 58) return undefined
    i++
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined
      gap = count
      i++
    } else if (i === n) return undefined // a trailing single ':'
  }
  if (gap < 0 ? count !== 8 : count > 7) return undefined
  if (gap >= 0) {
    // the groups after `::` go to the end, zeros in between
    const tail = count - gap
    for (let k = 0; k < tail; k++) g[7 - k] = g[count - 1 - k] as number
    for (let k = gap; k < 8 - tail; k++) g[k] = 0
  }
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    const hi = g[6] as number
    const lo = g[7] as number
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
  }
  // RFC 5952: the longest run of two or more zero groups becomes `::`, the leftmost on a tie
  let bestAt = -1
  let bestRun = 1
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++
      continue
    }
    let e = k
    while (e < 8 && g[e] === 0) e++
    if (e - k > bestRun) {
      bestRun = e - k
      bestAt = k
    }
    k = e
  }
  // already canonical (lower case, no leading zeros, `::` exactly where RFC 5952 puts it): the input itself
  if (canonicalInput && (bestAt < 0 ? gap < 0 : gap === bestAt && count === 8 - bestRun)) return s
  if (bestAt < 0) return hexGroups(0, 8)
  return `${hexGroups(0, bestAt)}::${hexGroups(bestAt + bestRun, 8)}`
}

/** groups[from..to) as lower-case hex without leading zeros, joined by ':'. */
function hexGroups(from: number, to: number): string {
  let out = ''
  for (let k = from; k < to; k++) {
    if (k > from) out += ':'
    out += (groups[k] as number).toString(16)
  }
  return out
}

function normalizeSlow(input: string): string | null {
  let s = input
  if (s.charCodeAt(0) === 91 /* [ */) {
    const close = s.indexOf(']')
    if (close < 0) return null
    const rest = s.slice(close + 1)
    if (rest !== '' && !isPortSuffix(rest)) return null
    s = s.slice(1, close)
  }
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  if (s.indexOf(':') < 0) return null // an IPv4 that failed the strict check above
  // IPv6 only from hex digits, colons and (for an embedded IPv4 tail) dots: ipaddr.js is lenient elsewhere.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const ok = (c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46
    if (!ok) return null
  }
  const dot = s.indexOf('.')
  if (dot >= 0 && parseIpv4(s, s.lastIndexOf(':') + 1) < 0) return null
  let addr: ipaddr.IPv6
  try {
    addr = ipaddr.IPv6.parse(s)
  } catch {
    return null
  }
  const p = addr.parts
  // ::ffff:a.b.c.d (checked on the parts: isIPv4MappedAddress() goes through the slow range table)
  if (p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0xffff) {
    const hi = p[6] as number
    const lo = p[7] as number
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`
  }
  return addr.toRFC5952String()
}

function isPortSuffix(rest: string): boolean {
  if (rest.length < 2 || rest.length > 6 || rest.charCodeAt(0) !== 58 /* : */) return false
  for (let i = 1; i < rest.length; i++) {
    const c = rest.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

/** A set of IPs and CIDRs. */
export interface IpMatcher {
  /** whether the address (any spelling normalizeIp accepts) lies in one of the ranges; false for non-IPs */
  has(ip: string): boolean
  /** how many ranges (after preset expansion) the matcher holds */
  readonly size: number
}

interface ParsedCidr {
  v4: boolean
  /** IPv4: the network as uint32; IPv6: the network as a 128-bit bigint */
  net: number | bigint
  bits: number
}

/** Parses `ip` or `ip/len` (IPv4 strict dotted quad, IPv6 any spelling); host bits are masked off. */
export function parseCidr(s: string): ParsedCidr | null {
  const slash = s.indexOf('/')
  const addrPart = slash < 0 ? s : s.slice(0, slash)
  let bits: number
  const v4 = parseIpv4(addrPart)
  const maxBits = v4 >= 0 ? 32 : 128
  if (slash < 0) {
    bits = maxBits
  } else {
    const lenPart = s.slice(slash + 1)
    if (!/^\d{1,3}$/.test(lenPart)) return null // anchored, bounded: config text, not log text
    bits = Number(lenPart)
    if (bits > maxBits) return null
  }
  if (v4 >= 0) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
    return { v4: true, net: (v4 & mask) >>> 0, bits }
  }
  const norm = normalizeIp(addrPart)
  if (norm === null || addrPart.startsWith('[')) return null
  const asV4 = parseIpv4(norm)
  if (asV4 >= 0) {
    // an IPv4-mapped network: ::ffff:10.0.0.0/104 is 10.0.0.0/8
    const v4bits = Math.max(0, bits - 96)
    const mask = v4bits === 0 ? 0 : (0xffffffff << (32 - v4bits)) >>> 0
    return { v4: true, net: (asV4 & mask) >>> 0, bits: v4bits }
  }
  const big = v6ToBigInt(norm)
  const shift = BigInt(128 - bits)
  return { v4: false, net: (big >> shift) << shift, bits }
}

function v6ToBigInt(normalized: string): bigint {
  const parts = ipaddr.IPv6.parse(normalized).parts
  let v = 0n
  for (const p of parts) v = (v << 16n) | BigInt(p)
  return v
}

/** Whether `s` is an IP or a CIDR (IPv4 or IPv6) lookout accepts in its config. Presets are not CIDRs. */
export function isValidCidr(s: string): boolean {
  return parseCidr(s) !== null
}

/** Whether `s` is an IP, a CIDR, or a preset name such as `cloudflare`. */
export function isIpOrCidrOrPreset(s: string): boolean {
  return Object.hasOwn(IP_PRESETS, s) || isValidCidr(s)
}

/**
 * A matcher over IPs, CIDRs and presets (`cloudflare`). Ranges are bucketed by prefix length with a Set per length,
 * so a lookup costs one mask and one Set probe per distinct prefix length, however many ranges there are. Single
 * IPv6 addresses (`::1`, the loopback always allowed) are a Set of canonical strings: a client is one probe, without
 * the 128-bit arithmetic ranges need.
 * Throws on an entry that is neither (validate config with isIpOrCidrOrPreset first).
 */
export function createIpMatcher(cidrs: readonly string[]): IpMatcher {
  const v4Sets = new Map<number, Set<number>>()
  const v6Sets = new Map<number, Set<bigint>>()
  const v6Exact = new Set<string>()
  let size = 0
  const add = (entry: string): void => {
    const c = parseCidr(entry.trim())
    if (c === null) throw new Error(`not an IP, CIDR or preset: ${JSON.stringify(entry)}`)
    size++
    if (c.v4) {
      let set = v4Sets.get(c.bits)
      if (!set) {
        set = new Set()
        v4Sets.set(c.bits, set)
      }
      set.add(c.net as number)
    } else if (c.bits === 128) {
      v6Exact.add(normalizeIp(entry.trim().split('/')[0] as string) as string)
    } else {
      let set = v6Sets.get(c.bits)
      if (!set) {
        set = new Set()
        v6Sets.set(c.bits, set)
      }
      set.add(c.net as bigint)
    }
  }
  for (const entry of cidrs) {
    const preset = Object.hasOwn(IP_PRESETS, entry) ? IP_PRESETS[entry] : undefined
    if (preset) for (const p of preset) add(p)
    else add(entry)
  }
  // longest prefixes first; masks precomputed
  const v4Lens = [...v4Sets.keys()].sort((a, b) => b - a)
  const v4Masks = v4Lens.map((b) => (b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0))
  const v4Lookup = v4Lens.map((b) => v4Sets.get(b) as Set<number>)
  const v6Lens = [...v6Sets.keys()].sort((a, b) => b - a)
  const v6Shifts = v6Lens.map((b) => BigInt(128 - b))
  const v6Lookup = v6Lens.map((b) => v6Sets.get(b) as Set<bigint>)

  const hasV4 = (n: number): boolean => {
    for (let i = 0; i < v4Lookup.length; i++) {
      if ((v4Lookup[i] as Set<number>).has((n & (v4Masks[i] as number)) >>> 0)) return true
    }
    return false
  }
  return {
    size,
    has(ip: string): boolean {
      const n = parseIpv4(ip)
      if (n >= 0) return hasV4(n)
      const norm = normalizeIp(ip)
      if (norm === null) return false
      const n2 = parseIpv4(norm)
      if (n2 >= 0) return hasV4(n2)
      if (v6Exact.has(norm)) return true
      if (v6Lookup.length === 0) return false
      const big = v6ToBigInt(norm)
      for (let i = 0; i < v6Lookup.length; i++) {
        const shift = v6Shifts[i] as bigint
        if ((v6Lookup[i] as Set<bigint>).has((big >> shift) << shift)) return true
      }
      return false
    },
  }
}

/**
 * The subnet an address rolls up into: IPv4 → its /24 (`1.2.3.4` → `1.2.3.0/24`), IPv6 → its /64 in canonical CIDR
 * (`2001:db8:1:2:3:4:5:6` → `2001:db8:1:2::/64`). A string that is not an IP is returned unchanged.
 */
export function subnetOf(ip: string): string {
  const n = parseIpv4(ip)
  if (n >= 0) return `${ip.slice(0, ip.lastIndexOf('.'))}.0/24`
  const norm = normalizeIp(ip)
  if (norm === null) return ip
  if (parseIpv4(norm) >= 0) return subnetOf(norm)
  // (canonicalV6 leaves the 8 groups in `groups`) the first four, then `::`: the zero groups after them are the
  // longest run, which RFC 5952 writes so
  if (canonicalV6(norm) !== undefined) {
    let end = 4
    while (end > 0 && groups[end - 1] === 0) end--
    return `${hexGroups(0, end)}::/64`
  }
  const parts = ipaddr.IPv6.parse(norm).parts.slice(0, 4)
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toRFC5952String()}/64`
}
