/**
 * Query-string and path helpers for the hot path: no allocation unless a value is found or needs decoding, no regex.
 */

const decode = (raw: string): string => {
  if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) return raw
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '))
  } catch {
    return raw
  }
}

/**
 * The (decoded) value of the first `key` in a query string (with or without its leading `?`), '' for `key` without
 * a value, null when the key is absent. Keys are compared decoded, as PHP does (`%61uthor` is `author`).
 */
export function queryValue(query: string, key: string): string | null {
  const len = query.length
  if (len === 0) return null
  let start = query.charCodeAt(0) === 63 /* ? */ ? 1 : 0
  while (start < len) {
    let end = query.indexOf('&', start)
    if (end < 0) end = len
    let eq = query.indexOf('=', start)
    if (eq < 0 || eq > end) eq = end
    const klen = eq - start
    let same = klen === key.length && query.startsWith(key, start)
    if (!same && klen > key.length && query.indexOf('%', start) >= 0 && query.indexOf('%', start) < eq) {
      same = decode(query.slice(start, eq)) === key
    }
    if (same) return eq === end ? '' : decode(query.slice(eq + 1, end))
    start = end + 1
  }
  return null
}

/**
 * The path as the web server resolves it, so that `/wp%2Dlogin.php`, `//wp-login.php` and `/x/../wp-login.php` all
 * count as `/wp-login.php`. Returns its argument untouched (no allocation) for the usual clean path.
 */
export function canonicalPath(path: string): string {
  if (path.indexOf('%') < 0 && path.indexOf('//') < 0 && path.indexOf('/.') < 0) return path
  let p = path
  if (p.indexOf('%') >= 0) {
    try {
      p = decodeURIComponent(p)
    } catch {
      // malformed escapes: keep the raw text
    }
  }
  const out: string[] = []
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') out.pop()
    else out.push(seg)
  }
  const trailing = p.length > 1 && p.endsWith('/') ? '/' : ''
  return out.length ? `/${out.join('/')}${trailing}` : '/'
}
