/** Typed errors with stable codes; every code is listed in docs/errors.md (a test keeps them in step). */
export abstract class LookoutError extends Error {
  abstract readonly code: `LOOKOUT_${string}`
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
}

export interface ConfigIssue {
  /** the config file, or '<defaults>' / '<flags>' */
  file: string
  /** 1-based, 0 when unknown */
  line: number
  column: number
  /** dotted key path, e.g. sources[0].format */
  path: string
  message: string
}

export class ConfigError extends LookoutError {
  readonly code = 'LOOKOUT_CONFIG_INVALID'
  constructor(
    readonly issues: ConfigIssue[],
    options?: ErrorOptions,
  ) {
    super(issues.map(formatIssue).join('\n'), options)
  }
}

export const formatIssue = (i: ConfigIssue): string =>
  `${i.file}${i.line ? `:${i.line}:${i.column}` : ''}: ${i.path || '(root)'}: ${i.message}`

export class UsageError extends LookoutError {
  readonly code = 'LOOKOUT_USAGE'
}

export class SourceError extends LookoutError {
  readonly code = 'LOOKOUT_SOURCE_FAILED'
  constructor(
    message: string,
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

export class StoreError extends LookoutError {
  readonly code = 'LOOKOUT_STORE_FAILED'
}

export class DeliveryError extends LookoutError {
  readonly code = 'LOOKOUT_DELIVERY_FAILED'
  constructor(
    message: string,
    readonly kind: 'retry' | 'config' | 'payload',
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}
