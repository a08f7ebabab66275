import { type FSWatcher, watch } from 'node:fs'

export type DirEvent = (dir: string, type: string, name: string | null) => void

/**
 * One inotify watch per DIRECTORY (never per file): a directory watch reports both files appearing (`rename`) and
 * writes to files inside it (`change`), so 2,000 vhost logs in one folder cost one watch and no descriptors each.
 * A watch that fails (the folder vanished, inotify limits) is dropped; the next `sync` tries again, and the slow
 * stat poll covers the gap.
 */
export class DirWatchers {
  private readonly watchers = new Map<string, FSWatcher>()

  constructor(
    private readonly onEvent: DirEvent,
    private readonly onError: (dir: string, err: unknown) => void,
  ) {}

  /** Watches exactly `dirs` (adds the missing, closes the ones no longer needed). */
  sync(dirs: Iterable<string>): void {
    const want = new Set(dirs)
    for (const [dir, w] of this.watchers) {
      if (!want.has(dir)) {
        w.close()
        this.watchers.delete(dir)
      }
    }
    for (const dir of want) if (!this.watchers.has(dir)) this.add(dir)
  }

  get size(): number {
    return this.watchers.size
  }

  close(): void {
    for (const w of this.watchers.values()) w.close()
    this.watchers.clear()
  }

  private add(dir: string): void {
    let w: FSWatcher
    try {
      w = watch(dir, { persistent: true }, (type, name) => this.onEvent(dir, type, name === null ? null : String(name)))
    } catch (err) {
      this.onError(dir, err)
      return
    }
    w.on('error', (err) => {
      w.close()
      if (this.watchers.get(dir) === w) this.watchers.delete(dir)
      this.onError(dir, err)
      // the directory's files may have changed in a way we missed
      this.onEvent(dir, 'rename', null)
    })
    this.watchers.set(dir, w)
  }
}
