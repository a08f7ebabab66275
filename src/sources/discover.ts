import { existsSync, readdirSync } from 'node:fs'
import type { FileSourceConfig } from '../config/schema.js'

/** Debian and RHEL Apache and nginx layouts, and per-site logs under /var/www. Only those that exist are returned. */
const CANDIDATES: Array<{ dir: string; source: FileSourceConfig; matches: (name: string) => boolean }> = [
  { dir: '/var/log/apache2', source: file('/var/log/apache2/*access.log'), matches: (n) => n.endsWith('access.log') },
  { dir: '/var/log/httpd', source: file('/var/log/httpd/*access_log'), matches: (n) => n.endsWith('access_log') },
  { dir: '/var/log/nginx', source: file('/var/log/nginx/*access.log'), matches: (n) => n.endsWith('access.log') },
]

function file(path: string): FileSourceConfig {
  return { type: 'file', path, format: 'auto', start_at: 'end' }
}

const listDir = (dir: string): string[] => {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

export function discoverSources(root = ''): FileSourceConfig[] {
  const found: FileSourceConfig[] = []
  for (const c of CANDIDATES) {
    if (listDir(root + c.dir).some(c.matches)) found.push({ ...c.source, path: root + c.source.path })
  }
  // /var/www/<site>/logs/*.log: the folder names the site
  const www = `${root}/var/www`
  if (listDir(www).some((site) => existsSync(`${www}/${site}/logs`))) {
    found.push(file(`${www}/{site}/logs/*access*.log`))
  }
  return found
}
