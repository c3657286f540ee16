import { type FileHandle, mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';

const ID = /^[0-9a-f-]{36}$/;

/**
 * Execution output as append-only files, one per execution, under dataDir/output. The bytes go
 * here and only their index (seq, stream, offset, length) into SQLite: appending to a file costs
 * a fraction of writing the same bytes as SQLite blobs (no page copies, no checkpoints), and runs
 * on libuv's thread pool instead of blocking the event loop. Bytes are always written before the
 * index rows that point at them.
 */
export class OutputFiles {
  private readonly writers = new Map<string, { handle: FileHandle; size: number }>();

  private constructor(private readonly dir: string) {}

  static async open(dataDir: string): Promise<OutputFiles> {
    const dir = path.join(dataDir, 'output');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new OutputFiles(dir);
  }

  private file(executionId: string): string {
    // The id becomes a file name: only ever a UUID.
    if (!ID.test(executionId)) throw new Error(`not an execution id: ${executionId}`);
    return path.join(this.dir, executionId);
  }

  /** Appends the buffers in order; returns the offset of the first. */
  async append(executionId: string, buffers: readonly Buffer[]): Promise<number> {
    let writer = this.writers.get(executionId);
    if (writer === undefined) {
      const handle = await open(this.file(executionId), 'a', 0o600);
      writer = { handle, size: (await handle.stat()).size };
      this.writers.set(executionId, writer);
    }
    const start = writer.size;
    try {
      writer.size = await writeAll(writer.handle, buffers, start);
    } catch (error) {
      // The size is unknown after a failed write: read it from the file next time.
      this.writers.delete(executionId);
      await writer.handle.close().catch(() => undefined);
      throw error;
    }
    return start;
  }

  async read(executionId: string, offset: number, length: number): Promise<Buffer> {
    const handle = await open(this.file(executionId), 'r');
    try {
      const buffer = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buffer : buffer.subarray(0, done);
    } finally {
      await handle.close();
    }
  }

  /** The execution will get no more output. */
  async close(executionId: string): Promise<void> {
    const writer = this.writers.get(executionId);
    this.writers.delete(executionId);
    await writer?.handle.close();
  }

  /** Deletes an execution's output file (retention); one that is not there is fine. */
  async remove(executionId: string): Promise<void> {
    await this.close(executionId);
    await rm(this.file(executionId), { force: true });
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.writers.keys()].map((id) => this.close(id)));
  }
}

/** Writes the buffers at position, looping over short writes; returns the position after. */
async function writeAll(
  handle: FileHandle,
  buffers: readonly Buffer[],
  position: number,
): Promise<number> {
  let at = position;
  let pending = [...buffers];
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending, at);
    at += bytesWritten;
    let skip = bytesWritten;
    while (pending.length > 0 && skip >= (pending[0]?.length ?? 0)) {
      skip -= pending[0]?.length ?? 0;
      pending = pending.slice(1);
    }
    if (skip > 0 && pending[0] !== undefined) pending[0] = pending[0].subarray(skip);
  }
  return at;
}
