/** The `web` pack: generic probing of any web server (issue 3). */
import type { FilterSpec, RuleSpecInput } from '../rule-spec.js'
import type { Pack } from './pack.js'

/**
 * Assets that a page pulls in by itself: a broken theme makes every visitor "find" dozens of missing images, so a
 * 404 scan counts only what a person or a scanner asks for.
 */
const STATIC_ASSETS = ['css', 'js', 'mjs', 'map', 'png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'avif', 'ico', 'bmp']
  .concat(['woff', 'woff2', 'ttf', 'otf', 'eot', 'mp4', 'webm', 'mp3'])
  .map((ext) => `**.${ext}`)

/** Secrets and repositories: asking for them at all is probing, whatever the answer. */
const SECRETS = [
  '**/.env',
  '**/.env.*',
  '/.git',
  '/.git/*',
  '/.svn/*',
  '/.hg/*',
  '/.aws/*',
  '/.ssh/*',
  '/.htpasswd',
  '/.vscode/sftp.json',
  // wp-config.php backups left by editors and admins: .bak, ~, .old, .save, .swp, .orig, .txt …
  '**/wp-config.php.*',
  '**/wp-config.php~',
  '**/.wp-config.php.swp',
  '**/wp-config.bak',
  '**/wp-config.old',
  '**/wp-config.txt',
  // database dumps and backups at the site root
  '/*.sql',
  '/*.sql.*',
  '/backup*.zip',
  '/backup*.tar.gz',
  '/backup*.tgz',
]

/**
 * Things a server may legitimately have (phpMyAdmin, downloads at the root): probing when they are NOT there
 * (answered 4xx), so that the admin of a real phpMyAdmin is not an attacker.
 */
const MAYBE_REAL = [
  '/phpmyadmin*',
  '/phpMyAdmin*',
  '/pma',
  '/pma/*',
  '/PMA/*',
  '/myadmin/*',
  '/mysqladmin/*',
  '/*.zip',
  '/*.tar.gz',
  '/*.tgz',
  '/*.tar',
  '/*.rar',
  '/*.7z',
  '/*.gz',
]

const secretProbe: FilterSpec = { service: 'http', path: SECRETS }
const missingToolProbe: FilterSpec = { service: 'http', path: MAYBE_REAL, status: ['4xx'] }

const rules: RuleSpecInput[] = [
  {
    name: '404-scan',
    description: 'Many distinct paths answered 404 from one IP (a scanner guessing paths); page assets do not count',
    filter: { service: 'http', status: [404], not_path: STATIC_ASSETS },
    key: 'ip',
    thresholds: [{ distinct: 'path', count: 30, within: '5m' }],
    severity: 'low',
  },
  {
    name: 'sensitive-file-probe',
    description: 'Requests for secrets, repositories, config backups, database dumps or admin tools',
    filter: [secretProbe, missingToolProbe],
    key: 'ip',
    thresholds: [{ count: 3, within: '10m' }],
    severity: 'medium',
  },
  {
    name: 'http-auth-bruteforce',
    description: 'Requests answered 401 (HTTP authentication refused) from one IP',
    filter: { service: 'http', status: [401] },
    key: 'ip',
    thresholds: [{ count: 10, within: '5m' }],
    severity: 'medium',
  },
]

export const webPack: Pack = {
  name: 'web',
  description: 'Any web server: 404 scans, sensitive file probes, HTTP authentication brute force',
  rules,
}
