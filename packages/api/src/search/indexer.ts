import type { OutputChunk } from '../domain/execution.js';
import type { Logger } from '../logger.js';
import type { OutputLog } from '../ports/output-log.js';
import type { OutputSearchIndex } from '../ports/output-search.js';
import { searchableText } from './searchable-text.js';

/**
 * Indexes an ended execution's output for search: reads its first `outputBytes` bytes back
 * from the output log (rather than holding them in memory while it runs: a thousand running
 * executions would hold 64 MiB) and stores their text in the index. Output stored before the
 * index existed is not indexed: those executions are found by their command only.
 */
export class OutputIndexer {
  constructor(
    private readonly deps: {
      readonly log: Pick<OutputLog, 'readOutput'>;
      readonly index: OutputSearchIndex;
      /** How much of each output is searchable: `search.outputBytes` (more than 0). */
      readonly outputBytes: number;
      readonly logger: Logger;
    },
  ) {}

  /** How much of each execution's output search sees, in bytes. */
  get outputBytes(): number {
    return this.deps.outputBytes;
  }

  /**
   * Indexes the execution's output as stored now (call it once all of it is). A failure is
   * logged, not thrown: the execution is then found by its command only.
   */
  async indexExecution(executionId: string): Promise<void> {
    try {
      const chunks: OutputChunk[] = [];
      let bytes = 0;
      let from = 1;
      while (bytes < this.deps.outputBytes) {
        const read = await this.deps.log.readOutput(
          executionId,
          from,
          this.deps.outputBytes - bytes,
        );
        const last = read.at(-1);
        if (last === undefined) break;
        chunks.push(...read);
        bytes += read.reduce((sum, c) => sum + c.data.length, 0);
        from = last.seq + 1;
      }
      const text = searchableText(chunks, this.deps.outputBytes);
      if (text.trim() !== '') await this.deps.index.index(executionId, text);
    } catch (error) {
      this.deps.logger.warn({ err: error, executionId }, 'could not index output for search');
    }
  }
}
