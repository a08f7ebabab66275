import { createProgress } from '../../scan/progress.js'
import { renderScanReport, scanReportJson } from '../../scan/report.js'
import { runScan } from '../../scan/scan.js'
import { configFrom, formatFrom, useColor } from './shared.js'

export async function scanCommand(
  files: string[],
  o: { format?: string; config?: string; json?: boolean },
): Promise<void> {
  const config = await configFrom(o)
  const progress = createProgress(process.stderr)
  const report = await runScan(files, {
    config,
    ...(o.format ? { format: await formatFrom(o.format) } : {}),
    onProgress: progress.update,
  })
  progress.done()
  process.stdout.write(
    o.json ? `${JSON.stringify(scanReportJson(report))}\n` : renderScanReport(report, { color: useColor() }),
  )
}
