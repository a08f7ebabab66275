import ipaddr from 'ipaddr.js'
import { z } from 'zod'

/** Presets that expand to published ranges (see src/core/ip.ts). */
export const CIDR_PRESETS = ['cloudflare'] as const

const isIpOrCidr = (s: string): boolean => ipaddr.isValid(s) || ipaddr.isValidCIDR(s)

/** An IP or CIDR, v4 or v6. */
export const ipOrCidr = z
  .string()
  .refine(isIpOrCidr, { message: 'not an IP address or CIDR (e.g. 203.0.113.7, 203.0.113.0/24, 2001:db8::/32)' })
  .describe('An IP address or CIDR range, IPv4 or IPv6')

/** An IP, CIDR, or a preset name such as `cloudflare`. */
export const ipOrCidrOrPreset = z
  .string()
  .refine((s) => (CIDR_PRESETS as readonly string[]).includes(s) || isIpOrCidr(s), {
    message: `not an IP address, CIDR, or preset (${CIDR_PRESETS.join(', ')})`,
  })
  .describe(`An IP address, CIDR range, or a preset: ${CIDR_PRESETS.join(', ')}`)
