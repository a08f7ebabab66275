import { describe, expect, it } from 'vitest'
import { engineFor, event, MIN, merge, run, SEC, series, summary } from '../testdata/event.js'

const SCANNER = '198.51.100.66'

describe('404-scan', () => {
  it('fires at 30 distinct paths answered 404 within 5 minutes; 29 are not enough', () => {
    const probe = (i: number, at: number) => event({ ip: SCANNER, at, path: `/old-${i}.php`, status: 404 })
    expect(run(engineFor(), series(29, 5 * SEC, probe))).toEqual([])
    const fs = run(engineFor(), series(31, 5 * SEC, probe))
    expect(summary(fs)).toEqual([`404-scan ip:${SCANNER} 30`])
    expect(fs[0]?.threshold).toBe('30 distinct path in 5m')
  })

  it('is not fooled by crawlers, broken themes, or one missing page asked for again and again', () => {
    const fs = run(
      engineFor(),
      merge(
        // a crawler: many distinct paths, a few 404s per 5 minutes
        series(3000, SEC, (i, at) =>
          event({ ip: '66.249.66.1', at, path: `/p/${i}/`, status: i % 100 === 0 ? 404 : 200 }),
        ),
        // a page of a broken theme: 40 missing images and scripts per view
        ...Array.from({ length: 5 }, (_, v) =>
          series(
            40,
            50,
            (i, at) =>
              event({
                ip: '192.0.2.44',
                at,
                path: `/wp-content/themes/old/img/${i}.${i % 2 ? 'png' : 'js'}`,
                status: 404,
              }),
            v * MIN,
          ),
        ),
        series(200, SEC, (_, at) => event({ ip: '192.0.2.45', at, path: '/favicon.php', status: 404 })),
      ),
    )
    expect(fs).toEqual([])
  })
})

describe('sensitive-file-probe', () => {
  it('fires at 3 probes within 10 minutes, whatever the answer', () => {
    const paths = ['/.env', '/.git/config', '/wp-config.php.bak']
    const fs = run(
      engineFor(),
      paths.map((path, i) => event({ ip: SCANNER, at: i * 3 * MIN, path, status: i === 1 ? 200 : 404 })),
    )
    expect(summary(fs)).toEqual([`sensitive-file-probe ip:${SCANNER} 3`])
  })

  it('knows the usual suspects', () => {
    const suspects = [
      '/.env',
      '/api/.env',
      '/.env.production',
      '/.git/HEAD',
      '/.aws/credentials',
      '/.ssh/id_rsa',
      '/wp-config.php~',
      '/wp-config.php.save',
      '/wp-config.php.swp',
      '/.wp-config.php.swp',
      '/wp-config.php.orig',
      '/wp-config.php.old',
      '/blog/wp-config.php.bak',
      '/backup.sql',
      '/db.sql.gz',
      '/backup.zip',
      '/backup.tar.gz',
    ]
    for (const path of suspects) {
      const fs = run(
        engineFor(),
        series(3, SEC, (_, at) => event({ ip: SCANNER, at, path, status: 200 })),
      )
      expect(summary(fs), path).toEqual([`sensitive-file-probe ip:${SCANNER} 3`])
    }
  })

  it('counts admin tools and root archives only when they are not there', () => {
    const tools = ['/phpmyadmin/', '/pma/index.php', '/site.tar.gz']
    const absent = run(
      engineFor(),
      tools.map((path, i) => event({ ip: SCANNER, at: i * SEC, path, status: 404 })),
    )
    expect(summary(absent)).toEqual([`sensitive-file-probe ip:${SCANNER} 3`])
    // the admin of a real phpMyAdmin, and a visitor downloading the brochure
    const real = run(
      engineFor(),
      merge(
        series(50, 5 * SEC, (i, at) =>
          event({ ip: '203.0.113.50', at, path: i % 2 ? '/phpmyadmin/index.php' : '/phpmyadmin/js/x.js' }),
        ),
        series(5, MIN, (_, at) => event({ ip: '192.0.2.9', at, path: '/brochure.zip' })),
        series(50, MIN, (_, at) => event({ ip: '192.0.2.9', at, path: '/.well-known/acme-challenge/abc' })),
      ),
    )
    expect(real).toEqual([])
  })
})

describe('http-auth-bruteforce', () => {
  it('fires at 10 answers 401 within 5 minutes; 9 are not enough', () => {
    const denied = (_: number, at: number) => event({ ip: SCANNER, at, path: '/staging/', status: 401 })
    expect(run(engineFor(), series(9, 20 * SEC, denied))).toEqual([])
    expect(summary(run(engineFor(), series(10, 20 * SEC, denied)))).toEqual([`http-auth-bruteforce ip:${SCANNER} 10`])
  })

  it('an office of people opening the staging site once each is fine', () => {
    const office = '192.0.2.80'
    const people = Array.from({ length: 8 }, (_, i) => [
      event({ ip: office, at: i * 30 * SEC, path: '/', status: 401 }),
      event({ ip: office, at: i * 30 * SEC + SEC, path: '/' }),
    ])
    const fs = run(engineFor(), merge(...people))
    expect(fs).toEqual([])
  })
})
