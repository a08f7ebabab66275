import { createIpMatcher, type IpMatcher } from '../core/ip.js'
import type { LookoutConfig } from './schema.js'

/** The addresses never alerted on: `allow`, plus loopback unless `allow_loopback: false`. */
export const allowMatcher = (cfg: Pick<LookoutConfig, 'allow' | 'allow_loopback'>): IpMatcher =>
  createIpMatcher(cfg.allow_loopback ? [...cfg.allow, '127.0.0.0/8', '::1'] : cfg.allow)
