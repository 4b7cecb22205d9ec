/** What S7 reads of a process and its files: CPU time and RSS from /proc (Linux), lines of a growing log. */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs'

/** utime + stime of `pid`, ms (clock ticks of 10 ms); NaN off Linux. */
export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return NaN
  }
}

export function rssMb(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? null : Number(kb) / 1024
  } catch {
    return null
  }
}

/** Counts the lines of a growing file, reading only what was added since the last call. */
export function lineCounter(path: string): () => number {
  let offset = 0
  let lines = 0
  const buffer = Buffer.alloc(1 << 20)
  return () => {
    let fd: number
    try {
      fd = openSync(path, 'r')
    } catch {
      return lines
    }
    try {
      for (let n = readSync(fd, buffer, 0, buffer.length, offset); n > 0; n = readSync(fd, buffer, 0, buffer.length, offset)) {
        offset += n
        for (let i = buffer.indexOf(10); i !== -1 && i < n; i = buffer.indexOf(10, i + 1)) lines++
      }
    } finally {
      closeSync(fd)
    }
    return lines
  }
}
